/**
 * Exact decimals — the one module for them (Kalshi's fixed-point strings `*_dollars`/`*_fp`, the
 * fee math, the stream's integer units). Nothing here touches a binary float until the very end:
 * "0.1" + "0.2" is "0.3" and 1 − "0.9990" is "0.0010". A `number` result is either an exact
 * integer count of units (1/10000 dollar for prices, 1/100 contract for counts — docs/kalshi-wire.md
 * §7) or, for views documented as numbers (cents, counts), one parse of an exact decimal string.
 *
 * Two parsers, one per boundary (see ./validators.ts):
 *   - `parseDecimal` — the wire's plain decimal text ("0.5500", "-3", "12.00"; no ".5", no exponent);
 *   - `parseDecimalInput` — API input, liberal but exact: also ".55", "1e-7" and JS numbers.
 * The hot paths (every streamed trade: `decimalToUnits`, `parseDollars`, `formatDollars`) work on
 * the digit groups with safe-integer arithmetic, without BigInt.
 */

/** A decimal as an exact scaled integer: value = n / 10^scale. */
export interface Decimal {
  readonly n: bigint;
  readonly scale: number;
}

const PLAIN_RE = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const INPUT_RE = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$|^([+-]?)\.(\d+)$/;
const DIGITS_RE = /^\d+$/;

export const ZERO: Decimal = { n: 0n, scale: 0 };
export const ONE: Decimal = { n: 1n, scale: 0 };

// ---------------------------------------------------------------------------------------------
// Parsing

/** Parse plain decimal text exactly (the wire's form). Throws RangeError on anything else. */
export function parseDecimal(s: string): Decimal {
  const m = PLAIN_RE.exec(s.trim());
  if (!m) throw new RangeError(`not a decimal string: ${JSON.stringify(s)}`);
  const [, sign, int, frac = ""] = m;
  return { n: BigInt(`${int}${frac}`) * (sign === "-" ? -1n : 1n), scale: frac.length };
}

/**
 * Parse API input exactly: "0.5", "10", ".55", "0.0175", "1e-7", or a finite number (its shortest
 * round-tripping text: 0.07 → "0.07"). Throws SyntaxError otherwise.
 */
export function parseDecimalInput(input: string | number): Decimal {
  let s: string;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new SyntaxError(`not a finite number: ${input}`);
    s = String(input);
  } else s = input.trim();
  const m = INPUT_RE.exec(s);
  if (!m) throw new SyntaxError(`not a decimal number: ${JSON.stringify(input)}`);
  const sign = (m[1] ?? m[5]) === "-" ? -1n : 1n;
  const int = m[2] ?? "0";
  const frac = m[3] ?? m[6] ?? "";
  const exp = m[4] ? Number(m[4]) : 0;
  let n = BigInt(int + frac) * sign;
  let scale = frac.length - exp;
  if (scale < 0) {
    n *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { n, scale };
}

/**
 * Unsigned plain decimal text with at most `scale` decimals (trailing zeros beyond are fine) →
 * integer units of 10^-scale, exactly. The hot path of every trade: digit groups and safe-integer
 * arithmetic, no BigInt. Throws RangeError on a sign, ".5", an exponent, more than `scale`
 * significant decimals or more than 2^53 units.
 */
export function decimalToUnits(s: string, scale: number): number {
  const dot = s.indexOf(".");
  const int = dot < 0 ? s : s.slice(0, dot);
  const frac = dot < 0 ? "" : s.slice(dot + 1);
  if (!DIGITS_RE.test(int) || (dot >= 0 && !DIGITS_RE.test(frac)))
    throw new RangeError(`not a decimal string: ${JSON.stringify(s)}`);
  let f = frac;
  while (f.length > scale && f.endsWith("0")) f = f.slice(0, -1);
  if (f.length > scale) throw new RangeError(`${JSON.stringify(s)} has more than ${scale} decimal places`);
  const units = Number(int) * 10 ** scale + (f === "" ? 0 : Number(f.padEnd(scale, "0")));
  if (!Number.isSafeInteger(units)) throw new RangeError(`${JSON.stringify(s)} is too large`);
  return units;
}

/** Signed `decimalToUnits` (leading "+"/"-", surrounding blanks allowed). */
function signedUnits(s: string, scale: number): number {
  let t = s;
  if (t.charCodeAt(0) <= 32 || t.charCodeAt(t.length - 1) <= 32) t = t.trim();
  const c = t.charCodeAt(0);
  if (c === 45 /* - */ || c === 43 /* + */) {
    const u = decimalToUnits(t.slice(1), scale);
    return c === 45 && u !== 0 ? -u : u;
  }
  return decimalToUnits(t, scale);
}

/** Scale a decimal to exactly `scale` fractional digits. Throws if that would drop non-zero digits. */
export function toScaledInt(s: string, scale: number): bigint {
  return rescale(parseDecimal(s), scale, s);
}

function rescale(d: Decimal, scale: number, original: string): bigint {
  if (d.scale === scale) return d.n;
  if (d.scale < scale) return d.n * 10n ** BigInt(scale - d.scale);
  const div = 10n ** BigInt(d.scale - scale);
  if (d.n % div !== 0n) throw new RangeError(`${JSON.stringify(original)} has more than ${scale} decimal places`);
  return d.n / div;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** Format a scaled integer as decimal text with exactly `scale` fractional digits. */
export function fromScaledInt(units: bigint | number, scale: number): string {
  if (typeof units === "number" && !Number.isSafeInteger(units))
    throw new RangeError(`not an integer unit count: ${units}`);
  const neg = units < 0;
  const digits = String(neg ? -units : units).padStart(scale + 1, "0");
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${neg ? "-" : ""}${int}${scale > 0 ? `.${frac}` : ""}`;
}

/** Move the decimal point `places` to the right (exact, on the digit string), trailing zeros dropped. */
export function shiftDecimal(s: string, places: number): string {
  const d = parseDecimal(s);
  const scale = Math.max(0, d.scale - places);
  const units = places > d.scale ? d.n * 10n ** BigInt(places - d.scale) : d.n;
  return trimZeros(fromScaledInt(units, scale));
}

/** "99.900" → "99.9", "55.00" → "55", "-0.50" → "-0.5". */
function trimZeros(s: string): string {
  if (!s.includes(".")) return s;
  const t = s.replace(/0+$/, "").replace(/\.$/, "");
  return t === "-0" ? "0" : t;
}

/** Formats with `minScale` decimals, or more if the value needs them. */
export function format(a: Decimal, minScale = 0): string {
  let d = normalize(a);
  if (d.scale < minScale) d = { n: align(d, minScale), scale: minScale };
  return fromScaledInt(d.n, d.scale);
}

// ---------------------------------------------------------------------------------------------
// Arithmetic on Decimal values (exact; the fee math)

function align(a: Decimal, scale: number): bigint {
  return a.n * 10n ** BigInt(scale - a.scale);
}

export function mul(a: Decimal, b: Decimal): Decimal {
  return { n: a.n * b.n, scale: a.scale + b.scale };
}

export function add(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { n: align(a, scale) + align(b, scale), scale };
}

export function neg(a: Decimal): Decimal {
  return { n: -a.n, scale: a.scale };
}

export function sub(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { n: align(a, scale) - align(b, scale), scale };
}

/** -1, 0 or 1; 0.50 equals 0.5000. */
export function cmp(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = align(a, scale);
  const y = align(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Smallest multiple of 10^-scale that is ≥ a (round toward +∞). */
export function ceilToScale(a: Decimal, scale: number): Decimal {
  if (a.scale <= scale) return { n: align(a, scale), scale };
  const div = 10n ** BigInt(a.scale - scale);
  let q = a.n / div; // truncates toward zero
  if (a.n > 0n && a.n % div !== 0n) q += 1n;
  return { n: q, scale };
}

/** Largest multiple of 10^-scale that is ≤ a (round toward −∞). */
export function floorToScale(a: Decimal, scale: number): Decimal {
  return neg(ceilToScale(neg(a), scale));
}

/** Number of decimals actually needed (trailing zeros dropped). */
function normalize(a: Decimal): Decimal {
  let { n, scale } = a;
  while (scale > 0 && n % 10n === 0n) {
    n /= 10n;
    scale--;
  }
  return { n, scale };
}

const isEmpty = (s: string | null | undefined): s is null | undefined | "" => s == null || s === "";

// ---------------------------------------------------------------------------------------------
// Dollars (1/10000-dollar units)

/** `"0.5500"` → 5500 (integer 1/10000 dollars); `""`/null/undefined → null. Throws beyond 4 dp. */
export function parseDollars(s: string | null | undefined): number | null {
  if (isEmpty(s)) return null;
  return signedUnits(s, 4);
}

/** 1/10000-dollar units → `"0.5500"`. */
export function formatDollars(units: number | bigint): string {
  return fromScaledInt(units, 4);
}

/** `"0.5500"` → 55, `"0.9990"` → 99.9 (cents, exact decimal then one parse); `""` → null. */
export function dollarsToCents(s: string | null | undefined): number | null {
  if (isEmpty(s)) return null;
  return Number(shiftDecimal(s, 2));
}

/** 55 → `"0.5500"`, 99.9 → `"0.9990"`. Throws if the cents have more than 2 decimal places. */
export function centsToDollars(cents: number): string {
  if (!Number.isFinite(cents)) throw new RangeError(`not a finite cent amount: ${cents}`);
  return fromScaledInt(toScaledInt(plainNumberText(cents), 2), 4);
}

/** `1 − p`, exact, keeping at least the input's precision (4 dp minimum): "0.5500" → "0.4500". */
export function complementDollars(s: string): string {
  const d = parseDecimal(s);
  const scale = Math.max(4, d.scale);
  return fromScaledInt(10n ** BigInt(scale) - rescale(d, scale, s), scale);
}

// ---------------------------------------------------------------------------------------------
// Counts (1/100-contract units)

/** `"2233487.48"` → 2233487.48 (a number, for views); `""`/null → null. */
export function fpToNumber(s: string | null | undefined): number | null {
  if (isEmpty(s)) return null;
  parseDecimal(s); // validate
  return Number(s);
}

/** `"3.00"` → 300n (integer hundredths of a contract). Throws beyond 2 dp. */
export function countToHundredths(s: string): bigint {
  return toScaledInt(s, 2);
}

/** 300n → `"3.00"`. */
export function hundredthsToCount(h: bigint | number): string {
  return fromScaledInt(h, 2);
}

/** Legacy integer count → fixed-point string (`5120` → `"5120.00"`). */
export function intCountToFp(n: number): string {
  return fromScaledInt(toScaledInt(plainNumberText(n), 2), 2);
}

/** Decimal text of a JS number without exponent notation (throws for values that need one). */
function plainNumberText(n: number): string {
  const t = String(n);
  if (!PLAIN_RE.test(t)) throw new RangeError(`number ${t} has no plain decimal form`);
  return t;
}

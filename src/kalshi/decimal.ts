/**
 * Exact decimal arithmetic for Kalshi's fixed-point strings (`*_dollars`, `*_fp`).
 * Everything works on digit strings and bigint scaled integers — never on binary floats — so
 * "0.1" + "0.2" is "0.3" and 1 − "0.9990" is "0.0010". A float (`number`) is produced only at the
 * very end, by parsing a decimal string, for views that are documented as numbers (cents, counts).
 *
 * Internal units suggested by docs/kalshi-wire.md §7: 1/10000 dollar for prices, 1/100 contract for counts.
 */

const DECIMAL_RE = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** A decimal as an exact scaled integer: value = units / 10^scale. */
export interface Scaled {
  units: bigint;
  scale: number;
}

/** Parse a plain decimal string exactly. Throws on anything that is not a plain decimal. */
export function parseDecimal(s: string): Scaled {
  const m = DECIMAL_RE.exec(s.trim());
  if (!m) throw new RangeError(`not a decimal string: ${JSON.stringify(s)}`);
  const [, sign, int, frac = ""] = m;
  const units = BigInt(`${int}${frac}`) * (sign === "-" ? -1n : 1n);
  return { units, scale: frac.length };
}

/** Scale a decimal to exactly `scale` fractional digits. Throws if that would drop non-zero digits. */
export function toScaledInt(s: string, scale: number): bigint {
  const d = parseDecimal(s);
  return rescale(d, scale, s);
}

function rescale(d: Scaled, scale: number, original: string): bigint {
  if (d.scale === scale) return d.units;
  if (d.scale < scale) return d.units * 10n ** BigInt(scale - d.scale);
  const div = 10n ** BigInt(d.scale - scale);
  if (d.units % div !== 0n) {
    throw new RangeError(`${JSON.stringify(original)} has more than ${scale} decimal places`);
  }
  return d.units / div;
}

/** Format a scaled integer as a decimal string with exactly `scale` fractional digits. */
export function fromScaledInt(units: bigint, scale: number): string {
  const neg = units < 0n;
  const digits = (neg ? -units : units).toString().padStart(scale + 1, "0");
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${neg ? "-" : ""}${int}${scale > 0 ? `.${frac}` : ""}`;
}

/** Move the decimal point `places` to the right (exact, on the digit string). */
export function shiftDecimal(s: string, places: number): string {
  const d = parseDecimal(s);
  const scale = Math.max(0, d.scale - places);
  const units = places > d.scale ? d.units * 10n ** BigInt(places - d.scale) : d.units;
  return trimZeros(fromScaledInt(units, scale));
}

/** "99.900" → "99.9", "55.00" → "55", "-0.50" → "-0.5". */
export function trimZeros(s: string): string {
  if (!s.includes(".")) return s;
  const t = s.replace(/0+$/, "").replace(/\.$/, "");
  return t === "-0" ? "0" : t;
}

const isEmpty = (s: string | null | undefined): s is null | undefined | "" => s == null || s === "";

// ---------------------------------------------------------------------------------------------
// Dollars

/** `"0.5500"` → 5500 (integer 1/10000 dollars); `""`/null/undefined → null. Throws beyond 4 dp. */
export function parseDollars(s: string | null | undefined): number | null {
  if (isEmpty(s)) return null;
  return Number(toScaledInt(s, 4));
}

/** 1/10000-dollar units → `"0.5500"`. */
export function formatDollars(units: number | bigint): string {
  return fromScaledInt(BigInt(units), 4);
}

/** `"0.5500"` → 55, `"0.9990"` → 99.9 (cents, exact decimal then one parse); `""` → null. */
export function dollarsToCents(s: string | null | undefined): number | null {
  if (isEmpty(s)) return null;
  return Number(shiftDecimal(s, 2));
}

/** 55 → `"0.5500"`, 99.9 → `"0.9990"`. Throws if the cents have more than 2 decimal places. */
export function centsToDollars(cents: number): string {
  if (!Number.isFinite(cents)) throw new RangeError(`not a finite cent amount: ${cents}`);
  const text = plainNumberText(cents);
  return fromScaledInt(toScaledInt(text, 2), 4);
}

/** `1 − p`, exact, keeping at least the input's precision (4 dp minimum): "0.5500" → "0.4500". */
export function complementDollars(s: string): string {
  const d = parseDecimal(s);
  const scale = Math.max(4, d.scale);
  const p = rescale(d, scale, s);
  return fromScaledInt(10n ** BigInt(scale) - p, scale);
}

// ---------------------------------------------------------------------------------------------
// Counts

/** `"2233487.48"` → 2233487.48 (a number, for views); `""`/null → null. */
export function fpToNumber(s: string | null | undefined): number | null {
  if (isEmpty(s)) return null;
  parseDecimal(s); // validate
  return Number(s);
}

/** `"3.00"` → 300 (integer hundredths of a contract). Throws beyond 2 dp. */
export function countToHundredths(s: string): bigint {
  return toScaledInt(s, 2);
}

/** 300n → `"3.00"`. */
export function hundredthsToCount(h: bigint | number): string {
  return fromScaledInt(BigInt(h), 2);
}

/** Legacy integer count → fixed-point string (`5120` → `"5120.00"`). */
export function intCountToFp(n: number): string {
  return fromScaledInt(toScaledInt(plainNumberText(n), 2), 2);
}

// ---------------------------------------------------------------------------------------------
// General exact operations on decimal strings (results keep the larger input scale).

export function addDecimal(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  return fromScaledInt(rescale(x, scale, a) + rescale(y, scale, b), scale);
}

export function subDecimal(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  return fromScaledInt(rescale(x, scale, a) - rescale(y, scale, b), scale);
}

/** -1, 0 or 1. "0.50" equals "0.5000". */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale, a) - rescale(y, scale, b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** Exact product, scale = sum of the input scales. */
export function mulDecimal(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  return fromScaledInt(x.units * y.units, x.scale + y.scale);
}

/** Decimal text of a JS number without exponent notation (throws for values that need one). */
function plainNumberText(n: number): string {
  const t = String(n);
  if (!DECIMAL_RE.test(t)) throw new RangeError(`number ${t} has no plain decimal form`);
  return t;
}

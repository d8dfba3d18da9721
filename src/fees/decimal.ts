/**
 * Minimal exact decimal arithmetic for the fee math: a value is `n / 10^scale` with a BigInt `n`.
 * Only what fees need: parse, multiply, subtract, round up to a scale, format. No floats anywhere.
 */

export interface Decimal {
  readonly n: bigint;
  readonly scale: number;
}

const DECIMAL_RE = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$|^([+-]?)\.(\d+)$/;

/** Parses "0.5", "10", "0.0175", "1e-7" (what String(number) can give). Throws SyntaxError otherwise. */
export function parseDecimal(input: string | number): Decimal {
  const s = typeof input === "number" ? numberToString(input) : input.trim();
  const m = DECIMAL_RE.exec(s);
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

function numberToString(x: number): string {
  if (!Number.isFinite(x)) throw new SyntaxError(`not a finite number: ${x}`);
  // String() gives the shortest decimal that round-trips to x: 0.07 → "0.07", not 0.07000000000000000666.
  return String(x);
}

export function mul(a: Decimal, b: Decimal): Decimal {
  return { n: a.n * b.n, scale: a.scale + b.scale };
}

function align(a: Decimal, scale: number): bigint {
  return a.n * 10n ** BigInt(scale - a.scale);
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

export function cmp(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = align(a, scale);
  const y = align(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

export const ZERO: Decimal = { n: 0n, scale: 0 };
export const ONE: Decimal = { n: 1n, scale: 0 };

/** Smallest multiple of 10^-scale that is ≥ a (round toward +∞). */
export function ceilToScale(a: Decimal, scale: number): Decimal {
  if (a.scale <= scale) return { n: align(a, scale), scale };
  const div = 10n ** BigInt(a.scale - scale);
  let q = a.n / div; // truncates toward zero
  if (a.n > 0n && a.n % div !== 0n) q += 1n;
  return { n: q, scale };
}

/** Number of decimals actually needed (trailing zeros dropped). */
export function normalize(a: Decimal): Decimal {
  let { n, scale } = a;
  while (scale > 0 && n % 10n === 0n) {
    n /= 10n;
    scale--;
  }
  return { n, scale };
}

/** Formats with exactly `minScale` decimals or more if the value needs them. */
export function format(a: Decimal, minScale = 0): string {
  let d = normalize(a);
  if (d.scale < minScale) d = { n: align(d, minScale), scale: minScale };
  const neg = d.n < 0n;
  const digits = (neg ? -d.n : d.n).toString().padStart(d.scale + 1, "0");
  const int = digits.slice(0, digits.length - d.scale);
  const frac = digits.slice(digits.length - d.scale);
  return `${neg ? "-" : ""}${int}${d.scale > 0 ? "." + frac : ""}`;
}

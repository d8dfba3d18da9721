/**
 * The one set of dollar, count and date validators (zod), with one rule per boundary:
 *
 *   - **The wire** (what Kalshi sends, docs/kalshi-wire.md §7): plain decimal text — "0.5600",
 *     "2233487.48", "-54.00" — or a JSON number whose shortest text is plain; no ".5", no exponent.
 *     `wireDecimal` (src/kalshi/wire/scalars.ts), and ssmd's own stream messages, which are the wire's
 *     values canonicalized (`streamDollars`, `streamCount`, src/stream/messages.ts).
 *   - **API input** typed by people and agents (/fees, the tools): liberal but exact — also ".55",
 *     "1", "10.000" (trailing zeros beyond the precision) — and refused whenever the value would
 *     have to be rounded, is out of range, signed or in exponent form (`dollarPriceInput`,
 *     `contractsInput`).
 *   - **Dates**: a UTC day is exactly YYYY-MM-DD and a real calendar day (`isUtcDay`); an instant
 *     is such a day (midnight UTC) or a timestamp with a zone (`parseInstant`).
 *
 * Pure; imports nothing from other src folders.
 */
import { z } from "zod";
import { cmp, ONE, parseDecimalInput, ZERO, type Decimal } from "./decimal";

// ---------------------------------------------------------------------------------------------
// The wire

/** Unsigned plain decimal text: "0.5600", "1"; ".5" and "1e3" are refused. */
export const UNSIGNED_DECIMAL_RE = /^\d+(\.\d+)?$/;
/** Signed plain decimal text, for deltas ("-54.00"). */
export const SIGNED_DECIMAL_RE = /^[+-]?\d+(\.\d+)?$/;

/** A wire decimal: plain text (or a plain JSON number, kept as its text); "" and null → null. */
export function wireDecimal(re: RegExp) {
  return z.union([
    z.literal("").transform(() => null),
    z.string().regex(re, "expected a decimal string"),
    // A JSON number is kept as its shortest decimal text (exponent forms are rejected).
    z
      .number()
      .refine((n) => Number.isFinite(n) && re.test(String(n)), "expected a plain decimal number")
      .transform((n) => String(n)),
    z.null(),
  ]);
}

/** ssmd's stream dollar price: the wire's plain text, 0..1, at most 4 decimals ("0.5500"). */
export const STREAM_DOLLARS_RE = /^(0(\.\d{1,4})?|1(\.0{1,4})?)$/;
/** ssmd's stream contract count: plain text, at most 2 decimals ("3.00"). */
export const STREAM_COUNT_RE = /^\d{1,12}(\.\d{1,2})?$/;

export const streamDollars = () =>
  z.string().regex(STREAM_DOLLARS_RE, 'must be a dollar price 0..1 with at most 4 decimals, e.g. "0.5500"');
export const streamCount = () =>
  z.string().regex(STREAM_COUNT_RE, 'must be a contract count with at most 2 decimals, e.g. "3.00"');

// ---------------------------------------------------------------------------------------------
// API input: liberal but exact

/** Unsigned decimal text as people type it: "0.55", ".55", "10", "10.000" (no sign, no exponent). */
const INPUT_DECIMAL_RE = /^(\d{1,15}(\.\d{0,20})?|\.\d{1,20})$/;

/** The exact value of API decimal text with at most `maxScale` significant decimals, or null. */
export function parseInputDecimal(s: string, maxScale: number): Decimal | null {
  if (!INPUT_DECIMAL_RE.test(s) || s.endsWith(".")) return null;
  const d = parseDecimalInput(s);
  const frac = s.includes(".") ? s.slice(s.indexOf(".") + 1).replace(/0+$/, "") : "";
  return frac.length <= maxScale ? d : null;
}

/** A dollar price, 0..1, ≤ 4 significant decimals: "0.55", ".55", "1", "0.550000". */
export const dollarPriceInput = () =>
  z.string().refine((s) => {
    const d = parseInputDecimal(s, 4);
    return d !== null && cmp(d, ONE) <= 0;
  }, "must be a dollar price between 0 and 1 with at most 4 decimals, e.g. 0.55");

/** A positive number of contracts, ≤ 2 significant decimals: "10", "0.11", ".5", "10.000". */
export const contractsInput = () =>
  z.string().refine((s) => {
    const d = parseInputDecimal(s, 2);
    return d !== null && cmp(d, ZERO) > 0;
  }, "must be a positive number of contracts with at most 2 decimals");

// ---------------------------------------------------------------------------------------------
// Dates

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** YYYY-MM-DD naming a real calendar day ("2026-02-31" is refused) → its midnight UTC in ms, or null. */
export function utcDayMs(s: string): number | null {
  const d = DATE_RE.exec(s);
  if (!d) return null;
  const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const ms = Date.UTC(y, m - 1, day);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== day) return null;
  return ms;
}

export const isUtcDay = (s: string): boolean => utcDayMs(s) !== null;

/**
 * ISO-8601 instant → Unix ms. A bare date means midnight UTC; a timestamp must carry a zone
 * (`Z` or ±hh:mm) so a query never depends on the server's clock zone.
 */
export function parseInstant(s: string): number | null {
  if (DATE_RE.test(s)) return utcDayMs(s);
  if (!TS_RE.test(s)) return null;
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) return null;
  // Date.parse rolls over impossible dates (2026-02-31) on some engines: check the calendar part.
  const [datePart] = s.split("T");
  return datePart && isUtcDay(datePart) ? ms : null;
}

/** A UTC day parameter, YYYY-MM-DD. */
export const utcDay = () => z.string().refine(isUtcDay, "must be a date YYYY-MM-DD");

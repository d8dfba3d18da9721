/**
 * Wire formatting of Kalshi's current representation. Prices are held as integers in 1/10000
 * dollar ("units"), counts in hundredths of a contract, times in Unix seconds; these helpers turn
 * them into the exact strings Kalshi sends.
 */

/** 5500 → "0.5500" (FixedPointDollars, always 4 dp). */
export function dollars(units: number): string {
  const neg = units < 0;
  const u = Math.abs(Math.round(units));
  const s = `${Math.floor(u / 10000)}.${String(u % 10000).padStart(4, "0")}`;
  return neg ? `-${s}` : s;
}

/** 223348748 → "2233487.48" (FixedPointCount, always 2 dp); signed for orderbook deltas. */
export function fp(hundredths: number): string {
  const neg = hundredths < 0;
  const h = Math.abs(Math.round(hundredths));
  const s = `${Math.floor(h / 100)}.${String(h % 100).padStart(2, "0")}`;
  return neg ? `-${s}` : s;
}

// Rendering timestamps is the hottest part of a page; dates are memoised per UTC day.
const dayPrefix = new Map<number, string>();
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** "2026-03-12T14:00:00" for Unix seconds (UTC). */
function isoBase(s: number): string {
  const day = Math.floor(s / 86400);
  let prefix = dayPrefix.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * 86400_000).toISOString().slice(0, 11);
    if (dayPrefix.size > 100_000) dayPrefix.clear();
    dayPrefix.set(day, prefix);
  }
  const r = s - day * 86400;
  return `${prefix}${pad2(Math.floor(r / 3600))}:${pad2(Math.floor((r % 3600) / 60))}:${pad2(r % 60)}`;
}

/** RFC 3339 without fraction: "2026-03-12T14:00:00Z". */
export function isoSeconds(s: number): string {
  return `${isoBase(Math.floor(s))}Z`;
}

/** RFC 3339 with microseconds: "2026-03-12T13:55:12.345678Z". */
export function isoMicros(s: number, micros: number): string {
  return `${isoBase(Math.floor(s))}.${String(micros % 1_000_000).padStart(6, "0")}Z`;
}

/** RFC 3339 with milliseconds, as in orderbook_delta `ts`. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Kalshi event date codes: "26MAR13" (day), "26MAR1317" (hour), "26MAR131745" (minute), "26MAR" (month). */
export function dateCode(s: number, precision: "month" | "day" | "hour" | "minute"): string {
  const d = new Date(s * 1000);
  const yy = String(d.getUTCFullYear() % 100).padStart(2, "0");
  const mon = MONTHS[d.getUTCMonth()] as string;
  if (precision === "month") return `${yy}${mon}`;
  const dd = String(d.getUTCDate()).padStart(2, "0");
  if (precision === "day") return `${yy}${mon}${dd}`;
  const hh = String(d.getUTCHours()).padStart(2, "0");
  if (precision === "hour") return `${yy}${mon}${dd}${hh}`;
  return `${yy}${mon}${dd}${hh}${String(d.getUTCMinutes()).padStart(2, "0")}`;
}

/** "Mar 13, 2026" (UTC). */
export function humanDate(s: number): string {
  const d = new Date(s * 1000);
  return `${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}`;
}

/** "Mar 13, 2026 at 17:00 UTC". */
export function humanDateTime(s: number): string {
  const d = new Date(s * 1000);
  return `${humanDate(s)} at ${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")} UTC`;
}

/** 65499.99 → "65,499.99"; 3 → "3". */
export function groupNumber(x: number, decimals: number): string {
  const fixed = x.toFixed(decimals);
  const dot = fixed.indexOf(".");
  const int = dot < 0 ? fixed : fixed.slice(0, dot);
  const neg = int.startsWith("-");
  const digits = neg ? int.slice(1) : int;
  let grouped = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) grouped += ",";
    grouped += digits[i];
  }
  return `${neg ? "-" : ""}${grouped}${dot < 0 ? "" : fixed.slice(dot)}`;
}

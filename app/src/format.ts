/** Display rules: prices in cents (the dollar value on hover), counts, times in UTC. */

/** "56¢" (fractional below a cent: "99.9¢"); "—" when missing. */
export function cents(c: number | null | undefined): string {
  if (c === null || c === undefined) return "—";
  return `${Number.isInteger(c) ? c : c.toFixed(1)}¢`;
}

/** "$0.56" from cents, for the title attribute. */
export function dollarsOf(c: number | null | undefined): string | undefined {
  if (c === null || c === undefined) return undefined;
  return `$${(c / 100).toFixed(4).replace(/0{1,2}$/, "")}`;
}

const countFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
export const count = (n: number | null | undefined): string =>
  n === null || n === undefined ? "—" : countFmt.format(n);

/** "2026-12-03 14:30 UTC" from an ISO string or Unix ms. */
export function when(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === "") return "—";
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "14:30:05" (UTC) from Unix ms. */
export const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** Output formatting for the CLI: aligned tables, a progress bar, human numbers. Pure functions. */

export interface Column<T> {
  header: string;
  get: (row: T) => string;
  align?: "left" | "right";
  /** Truncate longer cells to this many characters (with …). */
  max?: number;
}

function truncate(s: string, max: number | undefined): string {
  if (max === undefined || [...s].length <= max) return s;
  return `${[...s].slice(0, Math.max(0, max - 1)).join("")}…`;
}

const width = (s: string) => [...s].length;

export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => truncate(c.get(r).replace(/\s+/g, " "), c.max)));
  const widths = columns.map((c, i) => Math.max(width(c.header), ...cells.map((row) => width(row[i]!))));
  const pad = (s: string, i: number) => {
    const fill = " ".repeat(widths[i]! - width(s));
    return columns[i]!.align === "right" ? fill + s : s + fill;
  };
  const lines = [columns.map((c, i) => pad(c.header, i)).join("  "), ...cells.map((row) => row.map(pad).join("  "))];
  return lines.map((l) => l.trimEnd()).join("\n");
}

export function formatNumber(n: number | null | undefined, decimals = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "-";
  return n.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: Math.max(decimals, 2) });
}

/** Cents as shown to traders: 45 → "45¢", 99.9 → "99.9¢", null → "-". */
export function formatCents(c: number | null | undefined): string {
  if (c === null || c === undefined) return "-";
  return `${Number.isInteger(c) ? c : c.toFixed(2).replace(/0+$/, "")}¢`;
}

/** "2026-03-13T21:00:00Z" → "2026-03-13 21:00Z". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}Z` : iso;
}

/** `[########------------]  40%` (ratio 0..1). */
export function progressBar(ratio: number, width = 24): string {
  const r = Math.min(1, Math.max(0, Number.isFinite(ratio) ? ratio : 0));
  const done = Math.round(r * width);
  return `[${"#".repeat(done)}${"-".repeat(width - done)}] ${String(Math.floor(r * 100)).padStart(3)}%`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/**
 * The SQL builder of the bulk upserts that write a row only when its content changed (the
 * per-table writers are upsert-markets.ts, upsert-events.ts, upsert-series.ts, upsert-fees.ts).
 *
 * Each batch is ONE statement with ONE bound parameter — a JSON array of normalized rows expanded
 * with `json_each(?)` — so D1's 100-bound-parameter limit never applies, and the statement text is
 * a few KB whatever the batch size. Batches are cut by serialized size (default 1 MB of JSON, half
 * of D1's 2 MB value limit) and row count.
 *
 *   INSERT INTO t (cols…, first_seen_at, updated_at) SELECT json_extract(j.value, '$[i]')…, ?2, ?2
 *   FROM json_each(?1) AS j LEFT JOIN t AS cur ON cur.pk = <input pk>
 *   WHERE cur.rowid IS NULL OR json_array(cur.cols…) IS NOT j.value     -- pre-filter, see buildUpsert
 *   ON CONFLICT(pk) DO UPDATE SET col = excluded.col, …, updated_at = excluded.updated_at
 *   WHERE t.col IS NOT excluded.col OR …          -- unchanged rows are not written at all
 *   RETURNING pk
 *
 * D1's `meta.rows_written` is summed and returned; for an unchanged batch it is 0. `updated_at`
 * moves only on a real change, `first_seen_at` never after insert. RETURNING lists exactly the rows
 * inserted or changed, which drives the follow-up work (event status, denormalization).
 */
import { getTableColumns } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

export interface BatchLimits {
  /** Max serialized JSON bytes per statement. */
  maxBytes: number;
  /** Max rows per statement. */
  maxRows: number;
}

/** 1 MB of JSON per statement: half of D1's 2 MB limit on a bound value, 1000 rows at most. */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxBytes: 1024 * 1024, maxRows: 1000 };

const BOOKKEEPING = new Set(["first_seen_at", "updated_at", "deleted_at"]);

/** Content column names of a drizzle table (everything ssmd does not own), minus `exclude`. */
export function contentColumns(table: SQLiteTable, exclude: readonly string[] = []): string[] {
  return Object.values(getTableColumns(table))
    .map((c) => c.name)
    .filter((n) => !BOOKKEEPING.has(n) && !exclude.includes(n));
}

/** Columns of a drizzle table stored as REAL (compared one by one, see buildUpsert). */
export function realColumns(table: SQLiteTable): string[] {
  return Object.values(getTableColumns(table))
    .filter((c) => c.columnType === "SQLiteReal")
    .map((c) => c.name);
}

/** Split rows into JSON array texts within `limits` (a single oversize row gets its own batch). */
export function jsonBatches(rows: readonly unknown[], limits: BatchLimits = DEFAULT_BATCH_LIMITS): string[] {
  return textBatches(
    rows.map((r) => JSON.stringify(r)),
    limits,
  );
}

/** Join rows already serialized as JSON into JSON array texts within `limits`. */
export function textBatches(rowTexts: readonly string[], limits: BatchLimits = DEFAULT_BATCH_LIMITS): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let bytes = 2;
  for (const s of rowTexts) {
    const len = s.length + 1;
    if (cur.length > 0 && (bytes + len > limits.maxBytes || cur.length >= limits.maxRows)) {
      out.push(`[${cur.join(",")}]`);
      cur = [];
      bytes = 2;
    }
    cur.push(s);
    bytes += len;
  }
  if (cur.length > 0) out.push(`[${cur.join(",")}]`);
  return out;
}

export interface UpsertSpec {
  table: string;
  pk: string;
  /** Columns taken from the input rows, in this order (rows travel as JSON arrays). */
  columns: string[];
  /** Input columns stored as REAL: they travel as SQLite's text form (see buildUpsert). */
  reals?: string[];
  /** Extra columns computed in SQL (e.g. denormalized from a join), compared like content. */
  computed?: (col: (name: string) => string) => Record<string, string>;
  /** FROM-clause joins after `json_each(?1) AS j` (`col(name)` is the input value of a column). */
  joins?: (col: (name: string) => string) => string;
  /** Soft-deletable: a change also clears deleted_at, and a deleted row counts as changed. */
  undelete?: boolean;
  returning: string[];
}

/** How SQLite renders a REAL as text for the common cases ("1.0", "66499.99"); else JS's form. */
export function sqliteRealText(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toFixed(1);
  return String(v);
}

export interface UpsertStatement {
  sql: string;
  columns: string[];
  /** SQL expression for an input column of the current row (`j.value` is a JSON array). */
  col(name: string): string;
  /** Rows → JSON-array batches (positional, booleans as 0/1 like SQLite stores them). */
  batches(rows: readonly object[], limits?: BatchLimits): string[];
  /** One row as the JSON array text it travels as (what `batches` joins). */
  rowText(row: object): string;
}

/**
 * Builds the changed-rows-only upsert for a table.
 *
 * Rows travel as JSON arrays in column order: extracting 60 columns by key from JSON objects
 * dominated the statement's cost (~130 ms per 1000 markets locally), and an unchanged row is now
 * recognised before any extraction: `json_array(stored columns…)` — a serialization of the stored
 * row in the same shape — is compared with the input array as one string. Text and integers
 * serialize exactly, so equal strings mean equal values. REAL values travel as the text SQLite
 * itself gives them (`CAST(x AS TEXT)`: 15 significant digits, "1.0" for 1), so a stored REAL
 * serializes like its input. Rows that differ there (new, changed, undeleted, or a value SQLite
 * writes differently from JSON.stringify, e.g. 1e21) reach the per-column `IS NOT excluded.col`
 * comparison, which alone decides whether a row is written.
 */
export function buildUpsert(spec: UpsertSpec): UpsertStatement {
  const index = new Map(spec.columns.map((c, i) => [c, i]));
  const col = (name: string) => {
    const i = index.get(name);
    if (i === undefined) throw new Error(`${spec.table}: ${name} is not an input column`);
    return `json_extract(j.value, '$[${i}]')`;
  };
  const computed = Object.entries(spec.computed?.(col) ?? {});
  const all = [...spec.columns, ...computed.map(([c]) => c)];
  const reals = new Set(spec.reals ?? []);
  const selects = [
    ...spec.columns.map((c) => (reals.has(c) ? `CAST(${col(c)} AS REAL)` : col(c))),
    ...computed.map(([, expr]) => expr),
  ];
  const insertCols = [...all, "first_seen_at", "updated_at", ...(spec.undelete ? ["deleted_at"] : [])];
  const insertVals = [...selects, "?2", "?2", ...(spec.undelete ? ["NULL"] : [])];
  const sets = all.filter((c) => c !== spec.pk).map((c) => `${c} = excluded.${c}`);
  sets.push("updated_at = excluded.updated_at");
  if (spec.undelete) sets.push("deleted_at = NULL");
  const changed = all.filter((c) => c !== spec.pk).map((c) => `${spec.table}.${c} IS NOT excluded.${c}`);
  if (spec.undelete) changed.push(`${spec.table}.deleted_at IS NOT NULL`);
  // Pre-filter: skip rows whose stored serialization equals the input (no extraction at all).
  const serialized = spec.columns.map((c) => (reals.has(c) ? `CAST(cur.${c} AS TEXT)` : `cur.${c}`));
  const maybe = [
    "cur.rowid IS NULL",
    `json_array(${serialized.join(", ")}) IS NOT j.value`,
    ...computed.map(([c, expr]) => `cur.${c} IS NOT ${expr}`),
    ...(spec.undelete ? ["cur.deleted_at IS NOT NULL"] : []),
  ];
  const sql =
    `INSERT INTO ${spec.table} (${insertCols.join(", ")}) ` +
    `SELECT ${insertVals.join(", ")} FROM json_each(?1) AS j ${spec.joins?.(col) ?? ""} ` +
    `LEFT JOIN ${spec.table} AS cur ON cur.${spec.pk} = ${col(spec.pk)} ` +
    `WHERE ${maybe.join(" OR ")} ` +
    `ON CONFLICT(${spec.pk}) DO UPDATE SET ${sets.join(", ")} ` +
    `WHERE ${changed.join(" OR ")} ` +
    `RETURNING ${spec.returning.join(", ")}`;
  const encode = (row: object) =>
    spec.columns.map((c) => {
      const v = (row as Record<string, unknown>)[c];
      if (typeof v === "boolean") return v ? 1 : 0;
      if (reals.has(c) && typeof v === "number") return sqliteRealText(v);
      return v ?? null;
    });
  return {
    sql,
    columns: spec.columns,
    col,
    batches: (rows, limits = DEFAULT_BATCH_LIMITS) => jsonBatches(rows.map(encode), limits),
    rowText: (row) => JSON.stringify(encode(row)),
  };
}

export interface TableWrite {
  /** D1 meta.rows_written (index entries included). */
  rows_written: number;
}

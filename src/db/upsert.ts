/**
 * Bulk upserts that write a row only when its content changed.
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
import { deriveEventStatus } from "../domain/status";
import { events, markets, series } from "./schema";
import type { EventContent, MarketContent, SeriesContent } from "./schema";

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

interface UpsertSpec {
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

export interface MarketsUpsertResult extends TableWrite {
  /** Tickers inserted or changed. */
  changed: string[];
  /** Tickers that were soft-deleted and are now back. */
  undeleted: string[];
  /** Event tickers of the changed markets (their event status may need re-deriving). */
  events: string[];
}

const MARKETS = buildUpsert({
  table: "markets",
  pk: "ticker",
  columns: contentColumns(markets, ["series_ticker", "category"]),
  reals: realColumns(markets),
  // Denormalized from the event, when D1 has it (else filled by denormalizeMarkets later).
  computed: () => ({ series_ticker: "e.series_ticker", category: "e.category" }),
  joins: (col) => `LEFT JOIN events AS e ON e.event_ticker = ${col("event_ticker")}`,
  undelete: true,
  returning: ["ticker", "event_ticker"],
});

const DELETED_AMONG_SQL =
  "SELECT ticker FROM markets WHERE deleted_at IS NOT NULL AND ticker IN " +
  `(SELECT ${MARKETS.col("ticker")} FROM json_each(?1) AS j)`;

export async function upsertMarkets(
  db: D1Database,
  rows: readonly MarketContent[],
  nowMs: number,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
): Promise<MarketsUpsertResult> {
  return upsertMarketTexts(db, rows.map(marketRowText), nowMs, limits);
}

/** A normalized market as the JSON array text the upsert takes (equal texts = equal content). */
export function marketRowText(row: MarketContent): string {
  return MARKETS.rowText(row);
}

/** `upsertMarkets` for rows already serialized with `marketRowText`. */
export async function upsertMarketTexts(
  db: D1Database,
  rowTexts: readonly string[],
  nowMs: number,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
): Promise<MarketsUpsertResult> {
  const res: MarketsUpsertResult = { rows_written: 0, changed: [], undeleted: [], events: [] };
  const eventSet = new Set<string>();
  for (const batch of textBatches(rowTexts, limits)) {
    // One round trip: which of these are soft-deleted (read), then the upsert.
    const [deleted, upserted] = await db.batch<Record<string, string>>([
      db.prepare(DELETED_AMONG_SQL).bind(batch),
      db.prepare(MARKETS.sql).bind(batch, nowMs),
    ]);
    for (const r of deleted!.results) res.undeleted.push(r.ticker!);
    res.rows_written += upserted!.meta.rows_written;
    for (const r of upserted!.results) {
      res.changed.push(r.ticker!);
      eventSet.add(r.event_ticker!);
    }
  }
  res.events = [...eventSet];
  return res;
}

export interface EventsUpsertResult extends TableWrite {
  changed: string[];
}

const EVENTS = buildUpsert({
  table: "events",
  pk: "event_ticker",
  columns: contentColumns(events, ["status"]),
  returning: ["event_ticker"],
});

export async function upsertEvents(
  db: D1Database,
  rows: readonly EventContent[],
  nowMs: number,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
): Promise<EventsUpsertResult> {
  const res: EventsUpsertResult = { rows_written: 0, changed: [] };
  for (const batch of EVENTS.batches(rows, limits)) {
    const r = await db.prepare(EVENTS.sql).bind(batch, nowMs).all<{ event_ticker: string }>();
    res.rows_written += r.meta.rows_written;
    for (const row of r.results) res.changed.push(row.event_ticker);
  }
  return res;
}

export interface SeriesUpsertResult extends TableWrite {
  changed: string[];
  /** series_fees rows written for series seen for the first time or whose fee moved. */
  fee_rows_written: number;
}

const SERIES = buildUpsert({
  table: "series",
  pk: "ticker",
  columns: contentColumns(series),
  reals: realColumns(series),
  undelete: true,
  returning: ["ticker"],
});

/**
 * The series' own fee as a series_fees row: at effective_ts 0 the first time a series is seen
 * (series that never changed fees never appear in the fee-change feed, docs/kalshi-wire.md Q17), and at the time of
 * observation (?3) when the series' fee differs from the schedule's fee in effect then (a change the
 * feed did not report). Otherwise nothing is written. ?2 is the bookkeeping time (first_seen_at, updated_at).
 */
const SERIES_FEE_SEED_SQL = `
INSERT INTO series_fees (series_ticker, effective_ts, scheduled_ts, fee_type, fee_multiplier, source, change_ids, first_seen_at, updated_at)
SELECT x.t, CASE WHEN x.cur_type IS NULL THEN 0 ELSE ?3 END, NULL, x.ft, x.fm, 'series', NULL, ?2, ?2
FROM (
  SELECT ${SERIES.col("ticker")} AS t, ${SERIES.col("fee_type")} AS ft, CAST(${SERIES.col("fee_multiplier")} AS REAL) AS fm,
    (SELECT f.fee_type FROM series_fees f WHERE f.series_ticker = ${SERIES.col("ticker")} AND f.effective_ts <= ?3
       ORDER BY f.effective_ts DESC LIMIT 1) AS cur_type,
    (SELECT f.fee_multiplier FROM series_fees f WHERE f.series_ticker = ${SERIES.col("ticker")} AND f.effective_ts <= ?3
       ORDER BY f.effective_ts DESC LIMIT 1) AS cur_mult
  FROM json_each(?1) AS j
) AS x
WHERE x.cur_type IS NULL OR x.cur_type IS NOT x.ft OR x.cur_mult <> x.fm
ON CONFLICT(series_ticker, effective_ts) DO NOTHING`;

/**
 * `nowMs`: bookkeeping time (updated_at, first_seen_at). `observedAtMs`: when Kalshi served these
 * series, on Kalshi's clock — the series' fee is compared with the schedule's fee in effect then
 * (default `nowMs`; the sync passes its window anchor's clock, which is not the wall clock when
 * the source is a simulator world started at another instant).
 */
export async function upsertSeries(
  db: D1Database,
  rows: readonly SeriesContent[],
  nowMs: number,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
  observedAtMs: number = nowMs,
): Promise<SeriesUpsertResult> {
  const res: SeriesUpsertResult = { rows_written: 0, changed: [], fee_rows_written: 0 };
  for (const batch of SERIES.batches(rows, limits)) {
    const [up, fees] = await db.batch<{ ticker: string }>([
      db.prepare(SERIES.sql).bind(batch, nowMs),
      db.prepare(SERIES_FEE_SEED_SQL).bind(batch, nowMs, observedAtMs),
    ]);
    res.rows_written += up!.meta.rows_written;
    res.fee_rows_written += fees!.meta.rows_written;
    for (const row of up!.results) res.changed.push(row.ticker);
  }
  return res;
}

/** A fee change as Kalshi sends it (`GET /series/fee_changes`). */
export interface FeeChangeInput {
  id: string;
  series_ticker: string;
  fee_type: string;
  fee_multiplier: number;
  scheduled_ts: string;
}

export interface FeeScheduleRow {
  series_ticker: string;
  effective_ts: number;
  scheduled_ts: string;
  fee_type: string;
  fee_multiplier: number;
  change_ids: string[];
}

/**
 * Kalshi's fee-change feed repeats one change under several ids (docs/kalshi-wire.md Q17): rows are keyed on
 * (series_ticker, scheduled time) and keep every id. If duplicates disagree on the fee, the record
 * with the greatest id wins (deterministic; Kalshi documents no order).
 */
export function dedupeFeeChanges(changes: readonly FeeChangeInput[]): FeeScheduleRow[] {
  const byKey = new Map<string, { best: FeeChangeInput; ids: Set<string>; ts: number }>();
  for (const c of changes) {
    const ts = Date.parse(c.scheduled_ts);
    if (Number.isNaN(ts)) continue;
    const key = `${c.series_ticker}\u0000${ts}`;
    const cur = byKey.get(key);
    if (!cur) byKey.set(key, { best: c, ids: new Set([c.id]), ts });
    else {
      cur.ids.add(c.id);
      if (c.id > cur.best.id) cur.best = c;
    }
  }
  return [...byKey.values()].map(({ best, ids, ts }) => ({
    series_ticker: best.series_ticker,
    effective_ts: ts,
    scheduled_ts: best.scheduled_ts,
    fee_type: best.fee_type,
    fee_multiplier: best.fee_multiplier,
    change_ids: [...ids].sort(),
  }));
}

const jx = (col: string) => `json_extract(j.value, '$.${col}')`;

/** Union of the stored and new ids, sorted, as a JSON array (SQL). */
const MERGED_IDS = `(SELECT json_group_array(v) FROM (
  SELECT value AS v FROM json_each(coalesce(series_fees.change_ids, '[]'))
  UNION SELECT value FROM json_each(excluded.change_ids) ORDER BY 1))`;

const FEE_CHANGE_SQL = `
INSERT INTO series_fees (series_ticker, effective_ts, scheduled_ts, fee_type, fee_multiplier, source, change_ids, first_seen_at, updated_at)
SELECT ${jx("series_ticker")}, ${jx("effective_ts")}, ${jx("scheduled_ts")}, ${jx("fee_type")}, ${jx("fee_multiplier")},
  'fee_change', json(json_extract(j.value, '$.change_ids')), ?2, ?2
FROM json_each(?1) AS j WHERE true
ON CONFLICT(series_ticker, effective_ts) DO UPDATE SET
  scheduled_ts = excluded.scheduled_ts, fee_type = excluded.fee_type, fee_multiplier = excluded.fee_multiplier,
  source = 'fee_change', change_ids = ${MERGED_IDS}, updated_at = excluded.updated_at
WHERE series_fees.scheduled_ts IS NOT excluded.scheduled_ts OR series_fees.fee_type IS NOT excluded.fee_type
  OR series_fees.fee_multiplier IS NOT excluded.fee_multiplier OR series_fees.source IS NOT 'fee_change'
  OR EXISTS (SELECT 1 FROM json_each(excluded.change_ids) AS n
             WHERE n.value NOT IN (SELECT value FROM json_each(coalesce(series_fees.change_ids, '[]'))))
RETURNING series_ticker`;

export async function upsertFeeChanges(
  db: D1Database,
  changes: readonly FeeChangeInput[],
  nowMs: number,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
): Promise<TableWrite & { changed_series: string[] }> {
  const res = { rows_written: 0, changed_series: [] as string[] };
  const seen = new Set<string>();
  for (const batch of jsonBatches(dedupeFeeChanges(changes), limits)) {
    const r = await db.prepare(FEE_CHANGE_SQL).bind(batch, nowMs).all<{ series_ticker: string }>();
    res.rows_written += r.meta.rows_written;
    for (const row of r.results) seen.add(row.series_ticker);
  }
  res.changed_series = [...seen];
  return res;
}

/** Series categories for normalizeEvent (event category falls back to its series'). */
export async function seriesCategories(db: D1Database, tickers: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (tickers.length === 0) return out;
  const r = await db
    .prepare("SELECT ticker, category FROM series WHERE ticker IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify([...new Set(tickers)]))
    .all<{ ticker: string; category: string }>();
  for (const row of r.results) out.set(row.ticker, row.category);
  return out;
}

/** Event tickers referenced by live markets that D1 has no event for (to fetch one by one). */
export async function missingEvents(db: D1Database, limit: number, exclude: readonly string[] = []): Promise<string[]> {
  const r = await db
    .prepare(
      // Distinct event tickers from the covering index markets_event first, market rows (for
      // deleted_at) only for events D1 lacks: 6× faster than joining every market row (~150 → ~25 ms
      // at 200k markets in SQLite), the difference being the wide rows it no longer reads.
      "SELECT m.t FROM (SELECT DISTINCT event_ticker AS t FROM markets) AS m " +
        "WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_ticker = m.t) " +
        "AND m.t NOT IN (SELECT value FROM json_each(?1)) " +
        "AND EXISTS (SELECT 1 FROM markets x WHERE x.event_ticker = m.t AND x.deleted_at IS NULL) LIMIT ?2",
    )
    .bind(JSON.stringify(exclude), limit)
    .all<{ t: string }>();
  return r.results.map((x) => x.t);
}

/** Series tickers referenced by events that D1 has no series for. */
export async function missingSeries(db: D1Database, limit: number, exclude: readonly string[] = []): Promise<string[]> {
  const r = await db
    .prepare(
      "SELECT DISTINCT e.series_ticker AS t FROM events e LEFT JOIN series s ON s.ticker = e.series_ticker " +
        "WHERE s.ticker IS NULL AND e.series_ticker NOT IN (SELECT value FROM json_each(?1)) LIMIT ?2",
    )
    .bind(JSON.stringify(exclude), limit)
    .all<{ t: string }>();
  return r.results.map((x) => x.t);
}

/**
 * Copies series_ticker/category from events onto their markets where they differ (after events
 * changed, or arrived after their markets). Writes only the markets whose values differ.
 */
export async function denormalizeMarkets(
  db: D1Database,
  eventTickers: readonly string[],
  nowMs: number,
): Promise<TableWrite & { changed: number }> {
  let rows_written = 0;
  let changed = 0;
  for (const batch of jsonBatches(eventTickers, { maxBytes: 256 * 1024, maxRows: 2000 })) {
    const r = await db
      .prepare(
        "UPDATE markets SET series_ticker = e.series_ticker, category = e.category, updated_at = ?2 " +
          "FROM events AS e WHERE e.event_ticker = markets.event_ticker " +
          "AND markets.event_ticker IN (SELECT value FROM json_each(?1)) " +
          "AND (markets.series_ticker IS NOT e.series_ticker OR markets.category IS NOT e.category)",
      )
      .bind(batch, nowMs)
      .run();
    rows_written += r.meta.rows_written;
    changed += r.meta.changes;
  }
  return { rows_written, changed };
}

/**
 * Re-derives events.status (Kalshi's events carry none, docs/kalshi-wire.md Q6) from their live markets with
 * deriveEventStatus, for the given events only, and writes only the events whose status changed.
 */
export async function deriveEventStatuses(
  db: D1Database,
  eventTickers: readonly string[],
  nowMs: number,
): Promise<TableWrite & { changed: number }> {
  let rows_written = 0;
  let changed = 0;
  for (const batch of jsonBatches(eventTickers, { maxBytes: 256 * 1024, maxRows: 1000 })) {
    const cur = await db
      .prepare(
        "SELECT e.event_ticker AS t, e.status AS status, " +
          "(SELECT json_group_array(DISTINCT m.status) FROM markets m WHERE m.event_ticker = e.event_ticker AND m.deleted_at IS NULL) AS statuses " +
          "FROM events e WHERE e.event_ticker IN (SELECT value FROM json_each(?1))",
      )
      .bind(batch)
      .all<{ t: string; status: string; statuses: string }>();
    const updates: Array<{ t: string; s: string }> = [];
    for (const row of cur.results) {
      const s = deriveEventStatus(JSON.parse(row.statuses) as string[]);
      if (s !== row.status) updates.push({ t: row.t, s });
    }
    if (updates.length === 0) continue;
    const r = await db
      .prepare(
        "UPDATE events SET status = json_extract(j.value, '$.s'), updated_at = ?2 FROM json_each(?1) AS j " +
          "WHERE events.event_ticker = json_extract(j.value, '$.t') AND events.status IS NOT json_extract(j.value, '$.s')",
      )
      .bind(JSON.stringify(updates), nowMs)
      .run();
    rows_written += r.meta.rows_written;
    changed += r.meta.changes;
  }
  return { rows_written, changed };
}

/** The sync_runs row mirrored from the coordinator (one small write per step). */
export interface SyncRunMirror {
  id: string;
  mode: string;
  trigger: string;
  status: string;
  started_at: number;
  finished_at: number | null;
  stats: string;
  error: string | null;
}

export async function upsertSyncRun(db: D1Database, r: SyncRunMirror): Promise<void> {
  await db
    .prepare(
      "INSERT INTO sync_runs (id, mode, trigger, status, started_at, finished_at, stats, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) " +
        "ON CONFLICT(id) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at, stats = excluded.stats, error = excluded.error " +
        "WHERE sync_runs.status IS NOT excluded.status OR sync_runs.finished_at IS NOT excluded.finished_at " +
        "OR sync_runs.stats IS NOT excluded.stats OR sync_runs.error IS NOT excluded.error",
    )
    .bind(r.id, r.mode, r.trigger, r.status, r.started_at, r.finished_at, r.stats, r.error)
    .run();
}

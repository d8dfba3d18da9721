/**
 * The series writer: changed-rows-only upserts of normalized series (./upsert.ts builds the
 * statement), each batch with the series' own fee seeded into `series_fees` when it is new or moved.
 */
import { series } from "./schema";
import type { SeriesContent } from "./schema";
import {
  type BatchLimits,
  buildUpsert,
  contentColumns,
  DEFAULT_BATCH_LIMITS,
  realColumns,
  type TableWrite,
} from "./upsert";

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

/**
 * The fee-change writer: Kalshi's fee-change feed, deduplicated, merged into `series_fees`
 * (one row per series and effective time, every change id kept).
 */
import type { seriesFees } from "./schema";
import { type BatchLimits, DEFAULT_BATCH_LIMITS, jsonBatches, type TableWrite } from "./upsert";

type SeriesFeeInsert = typeof seriesFees.$inferInsert;

/**
 * A fee change as Kalshi sends it (`GET /series/fee_changes`): the stored row's own columns plus the
 * change's id (db cannot import the wire schema, so the shape is taken from the table it lands in).
 */
export type FeeChangeInput = Pick<SeriesFeeInsert, "series_ticker" | "fee_type" | "fee_multiplier"> & {
  id: string;
  scheduled_ts: string;
};

/** One deduplicated fee change: the `series_fees` row it becomes, with its ids as a list. */
type FeeScheduleRow = Pick<SeriesFeeInsert, "series_ticker" | "effective_ts" | "fee_type" | "fee_multiplier"> & {
  scheduled_ts: string;
  change_ids: string[];
};

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

/**
 * Soft-delete queries. A market is soft-deleted (deleted_at set) only by the sync's reconcile
 * phase, after a complete window did not return it AND a targeted `GET /markets?tickers=` did not
 * either (src/sync/runner.ts). Nothing here writes a row that is not being deleted.
 */
import type { MustContain } from "../sync/plan";

/** SQL predicate (and its parameters) for "stored state says the window must contain it". */
export function mustContainSql(preds: readonly MustContain[]): { sql: string; params: Array<string | number> } {
  const params: Array<string | number> = [];
  const parts = preds.map((p) => {
    const terms = ["status = ?"];
    params.push(p.status);
    if (p.status_raw?.length) {
      terms.push(`status_raw IN (${p.status_raw.map(() => "?").join(", ")})`);
      params.push(...p.status_raw);
    }
    if (p.min_close_ms !== undefined) {
      terms.push("close_ts >= ?");
      params.push(p.min_close_ms);
    }
    return `(${terms.join(" AND ")})`;
  });
  return { sql: parts.length ? `(${parts.join(" OR ")})` : "0", params };
}

/**
 * Live markets the window must contain, in ticker order after `afterTicker` (keyset paging: each
 * call reads at most `limit` rows, so the scan is resumable and bounded per step).
 */
export async function scanMustContain(
  db: D1Database,
  preds: readonly MustContain[],
  afterTicker: string,
  limit: number,
): Promise<string[]> {
  const { sql, params } = mustContainSql(preds);
  const r = await db
    .prepare(`SELECT ticker FROM markets WHERE deleted_at IS NULL AND ticker > ? AND ${sql} ORDER BY ticker LIMIT ?`)
    .bind(afterTicker, ...params, limit)
    .all<{ ticker: string }>();
  return r.results.map((x) => x.ticker);
}

export interface SoftDeleteResult {
  rows_written: number;
  deleted: Array<{ ticker: string; event_ticker: string }>;
}

/** Sets deleted_at on the given live markets; already-deleted ones are not touched. */
export async function softDeleteMarkets(db: D1Database, tickers: readonly string[], nowMs: number): Promise<SoftDeleteResult> {
  if (tickers.length === 0) return { rows_written: 0, deleted: [] };
  const r = await db
    .prepare(
      "UPDATE markets SET deleted_at = ?2, updated_at = ?2 WHERE ticker IN (SELECT value FROM json_each(?1)) " +
        "AND deleted_at IS NULL RETURNING ticker, event_ticker",
    )
    .bind(JSON.stringify(tickers), nowMs)
    .all<{ ticker: string; event_ticker: string }>();
  return { rows_written: r.meta.rows_written, deleted: r.results };
}

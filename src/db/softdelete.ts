/**
 * Soft-delete queries. A market is soft-deleted (deleted_at set) only by the sync's reconcile
 * phase, after a complete window did not return it AND a targeted `GET /markets?tickers=` did not
 * either (src/sync/phase-scan.ts, phase-verify.ts). Nothing here writes a row that is not being deleted.
 */

/** A stored-state predicate over `markets` (all bounds in Unix ms, inclusive); the sync plan lists them. */
export interface MustContain {
  status: "open" | "closed" | "settled" | "unknown";
  /** Restrict to these raw statuses. */
  status_raw?: string[];
  min_close_ms?: number;
}

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

/** A scan position: the index order of `markets_status_close_ticker` within one status. */
export interface CandidateKey {
  ticker: string;
  close_ts: number | null;
}

/**
 * Soft-delete candidates of one predicate (a superset: `status_raw` and `deleted_at` are not
 * checked here, see `liveMustContain`), in (close_ts NULLS FIRST, ticker) order after `after`.
 * Every query is a range of the covering index (status, close_ts, ticker): it reads only index
 * entries of that status, never market rows, and at most `limit` of them (keyset paging, so the
 * scan is resumable and bounded per step). Ordering by ticker instead would need either a scan of
 * the wide table rows or a sort of all the status' entries per call (1.6 s → 0.08 s for 145k
 * candidates of 200k markets in SQLite; docs/decisions/0023-reconcile-scan-from-index.md).
 */
export async function scanCandidates(
  db: D1Database,
  pred: MustContain,
  after: CandidateKey | null,
  limit: number,
): Promise<CandidateKey[]> {
  const out: CandidateKey[] = [];
  // Markets without a close time sort first; they can only match a predicate without a close bound.
  if (pred.min_close_ms === undefined && (after === null || after.close_ts === null)) {
    const r = await db
      .prepare(
        "SELECT ticker, close_ts FROM markets WHERE status = ? AND close_ts IS NULL AND ticker > ? ORDER BY ticker LIMIT ?",
      )
      .bind(pred.status, after?.ticker ?? "", limit)
      .all<CandidateKey>();
    out.push(...r.results);
    if (out.length >= limit) return out;
  }
  const terms = ["status = ?"];
  const params: Array<string | number> = [pred.status];
  if (after !== null && after.close_ts !== null) {
    // after.close_ts ≥ min_close_ms already (it came from this range); a separate `close_ts >= ?`
    // term would make SQLite range on it alone and re-read every earlier entry.
    terms.push("(close_ts, ticker) > (?, ?)");
    params.push(after.close_ts, after.ticker);
  } else if (pred.min_close_ms !== undefined) {
    terms.push("close_ts >= ?");
    params.push(pred.min_close_ms);
  } else terms.push("close_ts IS NOT NULL");
  const r = await db
    .prepare(`SELECT ticker, close_ts FROM markets WHERE ${terms.join(" AND ")} ORDER BY close_ts, ticker LIMIT ?`)
    .bind(...params, limit - out.length)
    .all<CandidateKey>();
  out.push(...r.results);
  return out;
}

/**
 * Of `tickers`, the live markets that stored state says the window must contain (the exact
 * predicate, `status_raw` and `deleted_at` included). Looks rows up by primary key, so checking the
 * few candidates no listing returned costs a row read each.
 */
export async function liveMustContain(
  db: D1Database,
  preds: readonly MustContain[],
  tickers: readonly string[],
): Promise<string[]> {
  const out: string[] = [];
  const { sql, params } = mustContainSql(preds);
  for (let i = 0; i < tickers.length; i += LIVE_CHECK_BATCH) {
    const r = await db
      .prepare(
        `SELECT ticker FROM markets WHERE ticker IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL AND ${sql} ORDER BY ticker`,
      )
      .bind(JSON.stringify(tickers.slice(i, i + LIVE_CHECK_BATCH)), ...params)
      .all<{ ticker: string }>();
    for (const x of r.results) out.push(x.ticker);
  }
  return out;
}

/** Tickers per `liveMustContain` query (one JSON parameter of ≤ ~100 KB). */
const LIVE_CHECK_BATCH = 2000;

export interface SoftDeleteResult {
  rows_written: number;
  deleted: Array<{ ticker: string; event_ticker: string }>;
}

/** Sets deleted_at on the given live markets; already-deleted ones are not touched. */
export async function softDeleteMarkets(
  db: D1Database,
  tickers: readonly string[],
  nowMs: number,
): Promise<SoftDeleteResult> {
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

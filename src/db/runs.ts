/**
 * D1 statements of the sync coordinator (src/sync/coordinator.ts) and of GET /healthz
 * (src/api/health.ts) that are not content upserts: first-load detection, the planner's
 * statistics, the last finished run. All D1 SQL lives in src/db (scripts/check-sql.ts).
 * (The run mirror itself, upsertSyncRun, is in src/db/upsert.ts.)
 */

/** D1 has no events yet (a first load pages events before markets). */
export async function hasNoEvents(db: D1Database): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS x FROM events LIMIT 1").first()) === null;
}

/**
 * Refreshes the query planner's statistics after bulk writes: without them SQLite may pick a
 * shorter index for the list filters (test/db/query-plan.test.ts). Cheap when fresh.
 */
export async function optimizeDb(db: D1Database): Promise<void> {
  await db.prepare("PRAGMA optimize").run();
}

interface FinishedRunRecord {
  id: string;
  mode: string;
  finished_at: number;
  /** The run's progress counters as stored (JSON text), or null. */
  stats: string | null;
}

/** The most recently started sync run that finished, or null. */
export async function lastFinishedRun(db: D1Database): Promise<FinishedRunRecord | null> {
  return db
    .prepare(
      "SELECT id, mode, finished_at, stats FROM sync_runs WHERE finished_at IS NOT NULL ORDER BY started_at DESC LIMIT 1",
    )
    .first<FinishedRunRecord>();
}

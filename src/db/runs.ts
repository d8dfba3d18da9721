/**
 * D1 statements of the sync coordinator (src/sync/coordinator.ts) and of GET /healthz
 * (src/api/health.ts) that are not content upserts: first-load detection, the planner's
 * statistics, the mirror of each run in `sync_runs`, the last finished run. All D1 SQL lives in
 * src/db (scripts/check-sql.ts).
 */
import type { syncRuns } from "./schema";

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

/** A finished run's record as stored (the `sync_runs` table). */
type FinishedRunRecord = Pick<typeof syncRuns.$inferSelect, "id" | "mode" | "stats"> & { finished_at: number };

/** The most recently started sync run that finished, or null. */
export async function lastFinishedRun(db: D1Database): Promise<FinishedRunRecord | null> {
  return db
    .prepare(
      "SELECT id, mode, finished_at, stats FROM sync_runs WHERE finished_at IS NOT NULL ORDER BY started_at DESC LIMIT 1",
    )
    .first<FinishedRunRecord>();
}

/** The sync_runs row mirrored from the coordinator (one small write per step): the table's row. */
type SyncRunMirror = typeof syncRuns.$inferSelect;

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

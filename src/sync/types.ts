/** Shapes shared by the sync coordinator, the admin API and the CLI. */
export type SyncMode = "full" | "incremental";
export type SyncTrigger = "cron" | "admin" | "startup";
export type SyncRunState = "running" | "succeeded" | "failed";

export interface SyncProgress {
  listings_total: number;
  listings_done: number;
  pages: number;
  items_seen: number;
  /** D1 `meta.rows_written` summed over the run's writes (index entries included). */
  rows_written: number;
  soft_deleted: number;
  undeleted: number;
  retries: number;
  /** Malformed items skipped, with their tickers. */
  skipped_items: number;
  errors: string[];
}

export interface SyncRunStatus {
  run_id: string;
  mode: SyncMode;
  trigger: SyncTrigger;
  status: SyncRunState;
  started_at: string;
  finished_at: string | null;
  progress: SyncProgress;
  error: string | null;
}

/** `started`: a new run; `joined`: the same mode was already running, its run is returned;
 *  `conflict`: another mode is running (the admin API answers 409). */
export type StartSyncResult =
  | { outcome: "started" | "joined"; run: SyncRunStatus }
  | { outcome: "conflict"; run: SyncRunStatus };

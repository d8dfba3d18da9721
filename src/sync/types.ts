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
  /** Where the run is: listings → fixup → reconcile (scan, verify) → finalize → done. */
  phase?: SyncPhase;
  /** Each listing of the window and its completeness. */
  listings?: ListingProgress[];
  /** rows_written split by table (D1 meta.rows_written, index entries included). */
  rows_written_by_table?: Record<"markets" | "events" | "series" | "series_fees", number>;
  /** Rows whose content actually changed (inserted or updated), by table. */
  rows_changed?: Record<"markets" | "events" | "series" | "series_fees", number>;
  /** Soft-delete phase outcome, e.g. "done: 12 candidates verified" or "skipped: listing markets:open#1 failed". */
  soft_delete?: string;
  /** Stored markets not returned by the window and checked with GET /markets?tickers=. */
  verified?: number;
  /** Incremental runs: listed items whose row this run had already written with the same content
   *  (another listing returned them first); validated and seen, not sent to D1 again. */
  already_written?: number;
  /** Wall time spent per phase (ms) and alarm steps taken. */
  phase_ms?: Partial<Record<SyncPhase, number>>;
  steps?: number;
}

export type SyncPhase = "listings" | "fixup" | "scan" | "verify" | "finalize" | "done";

export interface ListingProgress {
  id: string;
  /** pending: not finished yet; done: paged to its last page; failed: gave up after retries. */
  state: "pending" | "done" | "failed";
  pages: number;
  items: number;
  /** Malformed items skipped: a listing with skipped items is incomplete for soft deletes. */
  skipped: number;
  /** Failed attempts (each resumed from the last committed cursor). */
  attempts: number;
  error: string | null;
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

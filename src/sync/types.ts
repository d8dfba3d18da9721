/** Shapes shared by the sync coordinator, the admin API and the CLI. */
export type SyncMode = "full" | "incremental";
export type SyncTrigger = "cron" | "admin";
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
  /** Soft-delete phase outcome, e.g. "done: 12 candidates verified" or "skipped: incomplete listings markets:window#1 (failed)". */
  soft_delete?: string;
  /** Stored markets not returned by the window and checked with GET /markets?tickers=. */
  verified?: number;
  /** Incremental runs: listed items whose row this run had already written with the same content
   *  (another listing returned them first); validated and seen, not sent to D1 again. */
  already_written?: number;
  /** Wall time spent per phase (ms) and alarm steps taken. */
  phase_ms?: Partial<Record<SyncPhase, number>>;
  steps?: number;
  /** What Kalshi sent that ssmd does not know: unknown statuses and fields, malformed items (src/sync/drift.ts). */
  drift?: DriftCounts;
  /** Drift over every run the coordinator has finished, this one included; set when the run ends. */
  drift_total?: DriftTotals;
}

export type DriftObjectType = "market" | "event" | "series";

/**
 * Drift counters. `items` count items as Kalshi returned them (a market returned by two listings of
 * a run counts twice); maps hold at most 20 distinct keys (the rest under "(other)"), examples ≤ 5.
 */
export interface DriftCounts {
  /** Markets whose raw status is not in ssmd's status table (stored with status `unknown`), by raw value. */
  unknown_status: { items: number; values: Record<string, number>; examples: string[] };
  /** Items carrying fields their wire schema does not declare (kept in `extra`), by field name. */
  unknown_fields: Record<DriftObjectType, { items: number; fields: Record<string, number>; examples: string[] }>;
  /** Items skipped as malformed (the run soft-deletes nothing then), with a few examples. */
  malformed: { items: number; examples: Array<{ kind: string; ticker: string | null; issues: string }> };
}

export interface DriftTotals extends DriftCounts {
  /** Finished runs counted. */
  runs: number;
  /** First run counted (ISO-8601). */
  since: string | null;
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

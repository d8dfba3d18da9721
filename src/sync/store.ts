/**
 * The coordinator's own durable state, in its Durable Object SQLite (ctx.storage.sql): runs, each
 * run's listings with their committed cursors, the seen-ticker blobs (src/sync/seen.ts) and the
 * soft-delete suspects. Everything a resumed run needs is here; nothing lives only in memory.
 *
 * All methods are synchronous (DO SQLite is in-process); several calls with no `await` between
 * them commit atomically, and `commitPage` wraps its writes in transactionSync explicitly.
 */
import { addDrift, completeDrift, emptyDrift } from "./drift";
import type { Listing, SyncPlan } from "./plan";
import type {
  DriftTotals,
  ListingProgress,
  SyncMode,
  SyncPhase,
  SyncProgress,
  SyncRunState,
  SyncRunStatus,
  SyncTrigger,
} from "./types";

export interface RunRow {
  id: string;
  mode: SyncMode;
  trigger: SyncTrigger;
  status: SyncRunState;
  started_at: number;
  finished_at: number | null;
  error: string | null;
  base_url: string;
  plan_now_ms: number;
  phase: SyncPhase;
  /** Phase-specific resume point (last ticker scanned / verified). */
  phase_cursor: string;
  progress: SyncProgress;
  /** Cache scopes changed so far. */
  scopes: string[];
  /** Tuning knobs given to start() (page size etc.), JSON. */
  options: RunOptions;
  /** Consecutive steps that failed unexpectedly. */
  failures: number;
}

export interface RunOptions {
  /** Page size for listings (default: Kalshi's maximum, 1000 markets / 200 events). */
  pageSize?: number;
  /** Client rate limit (default env.KALSHI_READS_PER_SECOND). */
  readsPerSecond?: number;
  /** Kalshi requests per alarm step. */
  maxPagesPerStep?: number;
  /** Index entries read per reconcile-scan query (default SCAN_CHUNK; small in tests to page). */
  scanChunk?: number;
  /** Listings paged concurrently. */
  lanes?: number;
  /** Time shards of the open and settled listings. */
  shards?: number;
  /** Client retries per request (default 5) and first backoff (default 250 ms). */
  maxRetries?: number;
  backoffBaseMs?: number;
  /** Waits before a failed listing is resumed (default 5 s, 20 s). */
  listingRetryMs?: number[];
  /** Set by start(), not a caller: page events before markets (first load, see runner). */
  eventsFirst?: boolean;
}

export interface ListingRow extends ListingProgress {
  idx: number;
  listing: Listing;
  cursor: string | null;
  /** Earliest time (ms) a failed attempt may be retried. */
  retry_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, mode TEXT NOT NULL, trigger TEXT NOT NULL, status TEXT NOT NULL,
  started_at INTEGER NOT NULL, finished_at INTEGER, error TEXT, base_url TEXT NOT NULL,
  plan_now_ms INTEGER NOT NULL, phase TEXT NOT NULL, phase_cursor TEXT NOT NULL DEFAULT '',
  progress TEXT NOT NULL, scopes TEXT NOT NULL DEFAULT '[]', options TEXT NOT NULL DEFAULT '{}',
  failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at);
CREATE TABLE IF NOT EXISTS listings (
  run_id TEXT NOT NULL, idx INTEGER NOT NULL, listing TEXT NOT NULL, state TEXT NOT NULL,
  cursor TEXT, pages INTEGER NOT NULL DEFAULT 0, items INTEGER NOT NULL DEFAULT 0,
  skipped INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, error TEXT,
  retry_at INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, idx)
);
CREATE TABLE IF NOT EXISTS seen_pages (run_id TEXT NOT NULL, seq INTEGER NOT NULL, hashes BLOB NOT NULL, PRIMARY KEY (run_id, seq));
CREATE TABLE IF NOT EXISTS suspects (run_id TEXT NOT NULL, ticker TEXT NOT NULL, PRIMARY KEY (run_id, ticker));
CREATE TABLE IF NOT EXISTS tried (run_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (run_id, key));
CREATE TABLE IF NOT EXISTS unmirrored (run_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS pending_events (event_ticker TEXT NOT NULL, token INTEGER NOT NULL, PRIMARY KEY (event_ticker, token));
CREATE TABLE IF NOT EXISTS drift_totals (slot TEXT PRIMARY KEY, totals TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queued (slot TEXT PRIMARY KEY, mode TEXT NOT NULL, trigger TEXT NOT NULL, base_url TEXT NOT NULL, options TEXT NOT NULL, queued_at INTEGER NOT NULL);
`;

/** Runs kept in the coordinator's history. */
export const KEEP_RUNS = 50;

export function emptyProgress(listings: readonly Listing[]): SyncProgress {
  return {
    listings_total: listings.length,
    listings_done: 0,
    pages: 0,
    items_seen: 0,
    rows_written: 0,
    soft_deleted: 0,
    undeleted: 0,
    retries: 0,
    skipped_items: 0,
    errors: [],
    phase: "listings",
    rows_written_by_table: { markets: 0, events: 0, series: 0, series_fees: 0 },
    rows_changed: { markets: 0, events: 0, series: 0, series_fees: 0 },
    verified: 0,
    drift: emptyDrift(),
  };
}

type Raw = Record<string, SqlStorageValue>;

export class SyncStore {
  /** Tokens of pending-event notes: unique within the object's life (the table is emptied as notes clear). */
  private lastToken: number;

  constructor(private readonly storage: DurableObjectStorage) {
    storage.sql.exec(SCHEMA);
    this.lastToken = storage.sql.exec<{ t: number }>("SELECT coalesce(max(token), 0) AS t FROM pending_events").one().t;
  }

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  /** Runs `f`'s storage calls as one transaction. */
  tx<T>(f: () => T): T {
    return this.storage.transactionSync(f);
  }

  activeRun(): RunRow | null {
    const r = this.sql
      .exec<Raw>("SELECT * FROM runs WHERE status = 'running' ORDER BY started_at DESC LIMIT 1")
      .toArray()[0];
    return r ? toRun(r) : null;
  }

  getRun(id: string): RunRow | null {
    const r = this.sql.exec<Raw>("SELECT * FROM runs WHERE id = ?", id).toArray()[0];
    return r ? toRun(r) : null;
  }

  latestRuns(limit: number): RunRow[] {
    return this.sql
      .exec<Raw>("SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?", limit)
      .toArray()
      .map(toRun);
  }

  createRun(args: {
    id: string;
    mode: SyncMode;
    trigger: SyncTrigger;
    baseUrl: string;
    now: number;
    plan: SyncPlan;
    options: RunOptions;
  }): RunRow {
    const progress = emptyProgress(args.plan.listings);
    this.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO runs (id, mode, trigger, status, started_at, base_url, plan_now_ms, phase, progress, options) VALUES (?, ?, ?, 'running', ?, ?, ?, 'listings', ?, ?)",
        args.id,
        args.mode,
        args.trigger,
        args.now,
        args.baseUrl,
        args.plan.now_s * 1000,
        JSON.stringify(progress),
        JSON.stringify(args.options),
      );
      args.plan.listings.forEach((l, idx) => {
        this.sql.exec(
          "INSERT INTO listings (run_id, idx, listing, state) VALUES (?, ?, ?, 'pending')",
          args.id,
          idx,
          JSON.stringify(l),
        );
      });
      this.prune();
    });
    return this.getRun(args.id)!;
  }

  /** Drops the oldest finished runs beyond KEEP_RUNS, with their listings and blobs. */
  private prune(): void {
    const old = this.sql
      .exec<{ id: string }>(
        "SELECT id FROM runs WHERE status != 'running' ORDER BY started_at DESC LIMIT -1 OFFSET ?",
        KEEP_RUNS,
      )
      .toArray();
    for (const { id } of old) {
      this.sql.exec("DELETE FROM runs WHERE id = ?", id);
      this.sql.exec("DELETE FROM listings WHERE run_id = ?", id);
      this.clearScratch(id);
    }
  }

  /** Per-run scratch (seen blobs, suspects, tried keys): not needed once a run is finished. */
  clearScratch(runId: string): void {
    this.sql.exec("DELETE FROM seen_pages WHERE run_id = ?", runId);
    this.sql.exec("DELETE FROM suspects WHERE run_id = ?", runId);
    this.sql.exec("DELETE FROM tried WHERE run_id = ?", runId);
  }

  listings(runId: string): ListingRow[] {
    return this.sql.exec<Raw>("SELECT * FROM listings WHERE run_id = ? ORDER BY idx", runId).toArray().map(toListing);
  }

  saveRun(run: RunRow): void {
    run.progress.phase = run.phase;
    this.sql.exec(
      "UPDATE runs SET status = ?, finished_at = ?, error = ?, phase = ?, phase_cursor = ?, progress = ?, scopes = ?, failures = ? WHERE id = ?",
      run.status,
      run.finished_at,
      run.error,
      run.phase,
      run.phase_cursor,
      JSON.stringify(run.progress),
      JSON.stringify(run.scopes),
      run.failures,
      run.id,
    );
  }

  saveListing(runId: string, l: ListingRow): void {
    this.sql.exec(
      "UPDATE listings SET state = ?, cursor = ?, pages = ?, items = ?, skipped = ?, attempts = ?, error = ?, retry_at = ? WHERE run_id = ? AND idx = ?",
      l.state,
      l.cursor,
      l.pages,
      l.items,
      l.skipped,
      l.attempts,
      l.error,
      l.retry_at,
      runId,
      l.idx,
    );
  }

  /**
   * The durable commit after a page's D1 writes were acknowledged: the page's seen-hash blob, the
   * listing's new cursor and counters, and the run's progress, in one transaction. A crash before
   * this replays the page (idempotent upserts: nothing is double-applied); a crash after it resumes
   * at the next page.
   */
  commitPage(run: RunRow, listing: ListingRow | null, seenBlob: ArrayBuffer | null): void {
    this.storage.transactionSync(() => {
      if (seenBlob && seenBlob.byteLength > 0) {
        this.sql.exec(
          "INSERT INTO seen_pages (run_id, seq, hashes) VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM seen_pages WHERE run_id = ?), ?)",
          run.id,
          run.id,
          seenBlob,
        );
      }
      if (listing) this.saveListing(run.id, listing);
      this.saveRun(run);
    });
  }

  seenBlobs(runId: string): ArrayBuffer[] {
    return this.sql
      .exec<{ hashes: ArrayBuffer }>("SELECT hashes FROM seen_pages WHERE run_id = ? ORDER BY seq", runId)
      .toArray()
      .map((r) => r.hashes);
  }

  seenPageCount(runId: string): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM seen_pages WHERE run_id = ?", runId).one().n;
  }

  addSuspects(runId: string, tickers: readonly string[]): void {
    for (const t of tickers) this.sql.exec("INSERT OR IGNORE INTO suspects (run_id, ticker) VALUES (?, ?)", runId, t);
  }

  suspectsAfter(runId: string, after: string, limit: number): string[] {
    return this.sql
      .exec<{ ticker: string }>(
        "SELECT ticker FROM suspects WHERE run_id = ? AND ticker > ? ORDER BY ticker LIMIT ?",
        runId,
        after,
        limit,
      )
      .toArray()
      .map((r) => r.ticker);
  }

  suspectCount(runId: string): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM suspects WHERE run_id = ?", runId).one().n;
  }

  /** Remembers one run to start when the current one ends (a newer request replaces it). */
  queue(q: {
    mode: SyncMode;
    trigger: SyncTrigger;
    baseUrl: string;
    options: RunOptions;
    nowMs?: number;
    now: number;
  }): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO queued (slot, mode, trigger, base_url, options, queued_at) VALUES ('next', ?, ?, ?, ?, ?)",
      q.mode,
      q.trigger,
      q.baseUrl,
      JSON.stringify({ options: q.options, nowMs: q.nowMs ?? null }),
      q.now,
    );
  }

  /** Takes (and removes) the queued run, if any. */
  takeQueued(): { mode: SyncMode; trigger: SyncTrigger; baseUrl: string; options: RunOptions; nowMs?: number } | null {
    const r = this.sql.exec<Raw>("SELECT * FROM queued WHERE slot = 'next'").toArray()[0];
    if (!r) return null;
    this.sql.exec("DELETE FROM queued WHERE slot = 'next'");
    const { options, nowMs } = JSON.parse(r.options as string) as { options: RunOptions; nowMs: number | null };
    return {
      mode: r.mode as SyncMode,
      trigger: r.trigger as SyncTrigger,
      baseUrl: r.base_url as string,
      options,
      nowMs: nowMs ?? undefined,
    };
  }

  /** Drift over every finished run (kept when runs are pruned); null before the first one. */
  driftTotals(): DriftTotals | null {
    const r = this.sql.exec<{ totals: string }>("SELECT totals FROM drift_totals WHERE slot = 'all'").toArray()[0];
    return r ? (JSON.parse(r.totals) as DriftTotals) : null;
  }

  /**
   * Adds a finishing run's drift to the totals and records them in the run's progress
   * (`drift_total`, mirrored to D1 with the run). Call once per run, with its final save following
   * synchronously (no await in between: both commit together).
   */
  finishDrift(run: RunRow): void {
    const before = this.driftTotals();
    const totals: DriftTotals = {
      ...addDrift(completeDrift(before), completeDrift(run.progress.drift)),
      runs: (before?.runs ?? 0) + 1,
      since: before?.since ?? new Date(run.started_at).toISOString(),
    };
    this.sql.exec("INSERT OR REPLACE INTO drift_totals (slot, totals) VALUES ('all', ?)", JSON.stringify(totals));
    run.progress.drift_total = totals;
  }

  /**
   * Notes events whose follow-up D1 writes are about to be made (src/sync/writer.ts deriveEvents):
   * kept across runs until cleared, so what a failed write left undone is finished later. Returns
   * the token that clears exactly these notes (another writer may note the same events meanwhile).
   */
  notePendingEvents(events: readonly string[]): number {
    const token = ++this.lastToken;
    for (const e of new Set(events))
      this.sql.exec("INSERT OR IGNORE INTO pending_events (event_ticker, token) VALUES (?, ?)", e, token);
    return token;
  }

  clearPendingEvents(token: number): void {
    this.sql.exec("DELETE FROM pending_events WHERE token = ?", token);
  }

  /** Up to `limit` pending events, and the highest note among them (null: none pending). */
  pendingEvents(limit: number): { events: string[]; upTo: number } | null {
    const rows = this.sql
      .exec<{ e: string; r: number }>(
        "SELECT event_ticker AS e, max(rowid) AS r FROM pending_events GROUP BY event_ticker ORDER BY event_ticker LIMIT ?",
        limit,
      )
      .toArray();
    if (rows.length === 0) return null;
    return { events: rows.map((x) => x.e), upTo: Math.max(...rows.map((x) => x.r)) };
  }

  /** Clears the notes of `events` up to `upTo` (notes made after a repair read them stay). */
  clearPendingEventsUpTo(events: readonly string[], upTo: number): void {
    for (const e of events) this.sql.exec("DELETE FROM pending_events WHERE event_ticker = ? AND rowid <= ?", e, upTo);
  }

  /** Finished runs whose D1 mirror (sync_runs) failed last time, oldest first. */
  unmirrored(): string[] {
    return this.sql
      .exec<{ run_id: string }>("SELECT run_id FROM unmirrored ORDER BY rowid LIMIT 10")
      .toArray()
      .map((r) => r.run_id);
  }

  setMirrored(runId: string, mirrored: boolean): void {
    if (mirrored) this.sql.exec("DELETE FROM unmirrored WHERE run_id = ?", runId);
    else this.sql.exec("INSERT OR IGNORE INTO unmirrored (run_id) VALUES (?)", runId);
  }

  /** Marks `key` tried for this run; false when it already was (fix-up fetches happen once). */
  markTried(runId: string, key: string): boolean {
    const c = this.sql.exec("INSERT OR IGNORE INTO tried (run_id, key) VALUES (?, ?)", runId, key);
    return c.rowsWritten > 0;
  }

  triedKeys(runId: string, prefix: string): string[] {
    return this.sql
      .exec<{ key: string }>(
        "SELECT key FROM tried WHERE run_id = ? AND key >= ? AND key < ?",
        runId,
        prefix,
        `${prefix}\uffff`,
      )
      .toArray()
      .map((r) => r.key.slice(prefix.length));
  }
}

function toRun(r: Raw): RunRow {
  return {
    id: r.id as string,
    mode: r.mode as SyncMode,
    trigger: r.trigger as SyncTrigger,
    status: r.status as SyncRunState,
    started_at: r.started_at as number,
    finished_at: (r.finished_at as number | null) ?? null,
    error: (r.error as string | null) ?? null,
    base_url: r.base_url as string,
    plan_now_ms: r.plan_now_ms as number,
    phase: r.phase as SyncPhase,
    phase_cursor: r.phase_cursor as string,
    progress: JSON.parse(r.progress as string) as SyncProgress,
    scopes: JSON.parse(r.scopes as string) as string[],
    options: JSON.parse(r.options as string) as RunOptions,
    failures: r.failures as number,
  };
}

function toListing(r: Raw): ListingRow {
  const listing = JSON.parse(r.listing as string) as Listing;
  return {
    idx: r.idx as number,
    id: listing.id,
    listing,
    state: r.state as ListingRow["state"],
    cursor: (r.cursor as string | null) ?? null,
    pages: r.pages as number,
    items: r.items as number,
    skipped: r.skipped as number,
    attempts: r.attempts as number,
    error: (r.error as string | null) ?? null,
    retry_at: r.retry_at as number,
  };
}

export function toStatus(run: RunRow, listings?: readonly ListingRow[]): SyncRunStatus {
  const progress: SyncProgress = { ...run.progress, phase: run.phase };
  if (listings) {
    progress.listings = listings.map(({ id, state, pages, items, skipped, attempts, error }) => ({
      id,
      state,
      pages,
      items,
      skipped,
      attempts,
      error,
    }));
    progress.listings_done = listings.filter((l) => l.state !== "pending").length;
  }
  return {
    run_id: run.id,
    mode: run.mode,
    trigger: run.trigger,
    status: run.status,
    started_at: new Date(run.started_at).toISOString(),
    finished_at: run.finished_at === null ? null : new Date(run.finished_at).toISOString(),
    progress,
    error: run.error,
  };
}

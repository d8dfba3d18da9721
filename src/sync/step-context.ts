/**
 * What every phase of a sync step works with (src/sync/runner.ts): the run record being advanced,
 * D1, the Kalshi client, the coordinator's storage, the step's budget, and the run's bookkeeping
 * (errors, touched cache scopes, row counters, drift, phase changes).
 */
import type { KalshiClient, SkippedItem } from "../kalshi/client";
import { mapLimit } from "../lib/async";
import { errorMessage } from "../lib/errors";
import { emptyDrift, noteSkipped } from "./drift";
import type { SyncPlan } from "./plan";
import type { RunRow, SyncStore } from "./store";

const MAX_ERRORS = 50;

export interface StepLimits {
  /** Kalshi requests per step. */
  maxPages: number;
  /** Wall time after which no new request is started. */
  maxMs: number;
  /** Listings paged concurrently. */
  lanes: number;
}

export type StepResult = { next: "more" } | { next: "wait"; at: number } | { next: "done" };

type CacheScopeName = "markets" | "events" | "series" | "fees";

export interface RunnerDeps {
  db: D1Database;
  client: KalshiClient;
  store: SyncStore;
  now?: () => number;
}

/** Kalshi requests (and wall time) one step may use. */
class Budget {
  private used = 0;
  constructor(
    private readonly max: number,
    private readonly deadline: number,
    private readonly now: () => number,
  ) {}
  take(): boolean {
    if (this.used >= this.max || this.now() >= this.deadline) return false;
    this.used++;
    return true;
  }
  get exhausted(): boolean {
    return this.used >= this.max || this.now() >= this.deadline;
  }
}

/** A D1 operation of the sync that failed, named (`D1 upsert markets: …`): the run record says which. */
class SyncD1Error extends Error {
  constructor(what: string, cause: unknown) {
    super(`D1 ${what}: ${errorMessage(cause)}`, { cause });
    this.name = "SyncD1Error";
  }
}

export class StepContext {
  readonly db: D1Database;
  readonly client: KalshiClient;
  readonly store: SyncStore;
  readonly now: () => number;
  readonly budget: Budget;

  constructor(
    readonly run: RunRow,
    readonly plan: SyncPlan,
    deps: RunnerDeps,
    readonly limits: StepLimits,
  ) {
    this.db = deps.db;
    this.client = deps.client;
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
    this.budget = new Budget(limits.maxPages, this.now() + limits.maxMs, this.now);
  }

  /**
   * Now on Kalshi's clock: the run's window anchor plus the wall time since the run started. In
   * production the anchor is (about) the start, so this is the wall clock; against a simulator
   * world started at another instant it is the world's clock. Data-dependent decisions (the fee in
   * effect when a series was served) use it; bookkeeping and step budgets use the wall clock.
   */
  sourceNow(): number {
    return this.run.plan_now_ms + Math.max(0, this.now() - this.run.started_at);
  }

  /** Runs one D1 operation; a failure is rethrown naming it (the innermost name, when nested). */
  async d1<T>(what: string, f: (db: D1Database) => Promise<T>): Promise<T> {
    try {
      return await f(this.db);
    } catch (e) {
      throw e instanceof SyncD1Error ? e : new SyncD1Error(what, e);
    }
  }

  note(error: string): void {
    const errors = this.run.progress.errors;
    if (errors.length < MAX_ERRORS) errors.push(error);
    else if (errors.length === MAX_ERRORS) errors.push("… further errors omitted");
  }

  scope(...scopes: CacheScopeName[]): void {
    for (const s of scopes) if (!this.run.scopes.includes(s)) this.run.scopes.push(s);
  }

  count(table: "markets" | "events" | "series" | "series_fees", written: number, changed: number): void {
    const p = this.run.progress;
    p.rows_written += written;
    p.rows_written_by_table![table] += written;
    p.rows_changed![table] += changed;
  }

  /** The run's drift counters (runs started by an older version have none yet). */
  get drift() {
    return (this.run.progress.drift ??= emptyDrift());
  }

  skipped(skipped: readonly SkippedItem[]): void {
    if (skipped.length > 0) noteSkipped(this.drift, skipped);
  }

  setPhase(phase: RunRow["phase"]): void {
    this.run.phase = phase;
    this.run.phase_cursor = "";
    this.store.saveRun(this.run);
  }

  /** Runs `f` over `items` with `lanes` concurrent workers, none started once the budget is exhausted. */
  pool<T>(items: readonly T[], f: (item: T) => Promise<void>): Promise<void> {
    return mapLimit(items, this.limits.lanes, f, () => this.budget.exhausted);
  }
}

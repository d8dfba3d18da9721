/**
 * SyncCoordinator: the singleton Durable Object (`env.SYNC.idFromName("global")`) that runs full
 * and incremental syncs durably.
 *
 * - `start()` is single-flight: the same mode while a run is going → `joined` (that run), the other
 *   mode → `conflict`. The check and the insert of the new run are synchronous, so two concurrent
 *   triggers can never both start one.
 * - A run advances in alarm steps (src/sync/runner.ts). Each step does a bounded amount of work
 *   (at most `maxPagesPerStep` Kalshi requests and STEP_MS of wall time), committing its cursors
 *   and counters to the object's SQLite after each page, then schedules the next alarm. Before
 *   working, a step arms a watchdog alarm, so an eviction or crash mid-step resumes from the last
 *   commit instead of stalling.
 * - Progress is mirrored to D1 `sync_runs` once per step; when a run ends, the cache generations of
 *   the scopes it changed are bumped.
 */
import { DurableObject } from "cloudflare:workers";
import { bumpGenerations, type CacheScope } from "../cache/generation";
import { hasNoEvents, optimizeDb } from "../db/runs";
import { upsertSyncRun } from "../db/runs";
import { KalshiClient, type ClientEvent } from "../kalshi/client";
import { ReadBudget, readBudget, RemotePacer, TokenBucket, type ReadClass } from "../kalshi/ratelimit";
import { errorMessage } from "../lib/errors";
import { log } from "../lib/log";
import { createRsaPssSigner } from "../kalshi/sign";
import { buildPlan } from "./plan";
import { SyncRunner } from "./runner";
import type { StepLimits, StepResult } from "./step-context";
import { SyncStore, toStatus, type RunOptions, type RunRow } from "./store";
import type { StartSyncResult, SyncMode, SyncProgress, SyncRunStatus, SyncTrigger } from "./types";

/** Tuning knobs for start() (tests and benchmarks; production uses the defaults). */
export interface StartSyncOptions extends RunOptions {
  /** Kalshi REST base URL for this run; default env.KALSHI_BASE_URL. */
  baseUrl?: string;
  /** Window anchor (Unix ms); default now. For tests against a simulator whose clock was moved. */
  nowMs?: number;
}

/** Kalshi requests per alarm step (well under the 1000-subrequest limit with ~4 D1 calls each). */
export const DEFAULT_PAGES_PER_STEP = 100;
/** Wall time per step after which no new request starts. */
export const STEP_MS = 20_000;
/** A step that has not rescheduled within this time is presumed lost; the watchdog alarm resumes it. */
export const WATCHDOG_MS = 120_000;
/** Storage key present while a step runs: found by a new instance, the step died with the old one. */
const STEP_OPEN_KEY = "step_open";
/**
 * Rate-limiter burst of the sync's client, as a share of the per-second rate (4 requests at 20 r/s):
 * lanes that were all busy writing pages can catch up on the slots they missed instead of losing
 * them, while the limiter still never sends more than the rate in any 1-s window.
 */
export const BURST_SHARE_OF_RATE = 0.2;
/** Consecutive unexpected step failures before a run is failed. */
export const MAX_STEP_FAILURES = 5;

const MODES: readonly SyncMode[] = ["full", "incremental"];

export class SyncCoordinator extends DurableObject<Env> {
  private readonly store: SyncStore;
  private readonly clients = new Map<string, KalshiClient>();
  /** The read budgets this instance holds (as `readBudgetName(base)`: one base per instance). */
  private readonly budgets = new Map<string, ReadBudget>();
  /** Progress object of the run being stepped (client retries are counted into it). */
  private live: SyncProgress | null = null;
  private stepping: Promise<void> | null = null;
  private seenCache: ConstructorParameters<typeof SyncRunner>[3] = null;
  private writtenCache: ConstructorParameters<typeof SyncRunner>[4] = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SyncStore(ctx.storage);
    // A new instance (after an eviction, crash or deploy) re-arms a running run whose alarm is gone.
    void ctx.blockConcurrencyWhile(() => this.ensureAlarm());
  }

  /**
   * A running run always has an alarm: if none is scheduled, step now. A step left open (its
   * marker still stored) died with the instance that ran it — a new instance runs no step — so
   * its watchdog alarm need not be waited out either (up to WATCHDOG_MS after a crash).
   */
  private async ensureAlarm(): Promise<void> {
    if (!this.store.activeRun()) return;
    const open = this.stepping === null && (await this.ctx.storage.get(STEP_OPEN_KEY)) !== undefined;
    if (open || (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  // ---------------------------------------------------------------------------------------------
  // RPC

  async start(mode: SyncMode, trigger: SyncTrigger, opts: StartSyncOptions = {}): Promise<StartSyncResult> {
    if (!MODES.includes(mode)) throw new Error(`unknown sync mode ${JSON.stringify(mode)} (full | incremental)`);
    // Awaited before the single-flight check: from the check to the insert nothing is awaited, so
    // two concurrent start() calls can never both create a run.
    const eventsFirst = await this.isFirstLoad();
    const active = this.store.activeRun();
    if (active) {
      await this.ensureAlarm();
      if (active.mode !== mode && mode === "full" && trigger === "cron") {
        // The daily full sync must not be lost to an incremental run that fired in the same minute
        // (the 15-minute cron also fires at 13:30 / 14:30): it starts when the running one ends.
        const { baseUrl, nowMs, ...options } = opts;
        this.store.queue({
          mode,
          trigger,
          baseUrl: baseUrl ?? this.env.KALSHI_BASE_URL,
          options,
          nowMs,
          now: Date.now(),
        });
      }
      return { outcome: active.mode === mode ? "joined" : "conflict", run: this.status(active) };
    }
    const { baseUrl, nowMs, eventsFirst: _internal, ...options } = opts;
    const run = this.createRun(mode, trigger, baseUrl ?? this.env.KALSHI_BASE_URL, { ...options, eventsFirst }, nowMs);
    await this.ctx.storage.setAlarm(Date.now());
    await this.mirror(run);
    return { outcome: "started", run: this.status(run) };
  }

  /** D1 has no events yet: the run pages events before markets (see runner, listings phase). */
  private async isFirstLoad(): Promise<boolean> {
    return hasNoEvents(this.env.DB);
  }

  /** Synchronous: the run exists as soon as this returns. */
  private createRun(
    mode: SyncMode,
    trigger: SyncTrigger,
    baseUrl: string,
    options: RunOptions,
    nowMs?: number,
  ): RunRow {
    const now = Date.now();
    const plan = buildPlan(mode, nowMs ?? now, { shards: options.shards });
    return this.store.createRun({ id: crypto.randomUUID(), mode, trigger, baseUrl, now, plan, options });
  }

  /**
   * The shared read budget of a REST base (decision 0100): resolves when a request of `cls` may go.
   * Called on the instance named `readBudgetName(baseUrl)` — by the sync's client, the ingest's gap
   * backfill and the ticker objects' history backfills — never on the coordinator that runs syncs.
   */
  async readPermit(baseUrl: string, cls: ReadClass): Promise<number> {
    return this.budget(baseUrl).permit(cls);
  }

  async pauseReads(baseUrl: string, ms: number): Promise<void> {
    this.budget(baseUrl).pause(ms);
  }

  /** Permits granted by class since this instance loaded (tests, benches). */
  async readsGranted(baseUrl: string): Promise<Record<ReadClass, number>> {
    return { ...this.budget(baseUrl).granted };
  }

  private budget(baseUrl: string): ReadBudget {
    let b = this.budgets.get(baseUrl);
    if (!b) {
      const rps = envReadsPerSecond(this.env);
      this.budgets.set(baseUrl, (b = new ReadBudget(rps, Math.max(1, Math.floor(rps * BURST_SHARE_OF_RATE)))));
    }
    return b;
  }

  async getRun(runId: string): Promise<SyncRunStatus | null> {
    const run = this.store.getRun(runId);
    return run ? this.status(run) : null;
  }

  async latestRuns(limit = 20): Promise<SyncRunStatus[]> {
    const n = Math.min(Math.max(1, Math.floor(limit)), 50);
    return this.store.latestRuns(n).map((r) => this.status(r));
  }

  // ---------------------------------------------------------------------------------------------
  // Alarm-driven steps

  override async alarm(): Promise<void> {
    // Steps never overlap (a watchdog alarm or a test-driven alarm waits for the running step).
    while (this.stepping) await this.stepping;
    this.stepping = this.step().finally(() => {
      this.stepping = null;
    });
    await this.stepping;
  }

  private async step(): Promise<void> {
    const run = this.store.activeRun();
    if (!run) return;
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    await this.ctx.storage.put(STEP_OPEN_KEY, run.id);
    this.live = run.progress;
    let result: StepResult;
    try {
      const client = await this.client(run);
      const runner = new SyncRunner(
        run,
        { db: this.env.DB, client, store: this.store },
        this.limits(run),
        this.seenCache,
        this.writtenCache,
      );
      const phase = run.phase;
      const t0 = Date.now();
      result = await runner.step();
      const p = run.progress;
      p.phase_ms = { ...p.phase_ms, [phase]: (p.phase_ms?.[phase] ?? 0) + (Date.now() - t0) };
      p.steps = (p.steps ?? 0) + 1;
      this.store.saveRun(run);
      this.seenCache = runner.seen;
      this.writtenCache = runner.written;
      run.failures = 0;
    } catch (e) {
      // Unexpected (D1 down, a bug): keep the committed state and retry the step later.
      run.failures = (run.failures ?? 0) + 1;
      const msg = errorMessage(e);
      const phase = run.phase;
      run.progress.errors.push(`step failed in phase ${phase} (${run.failures}/${MAX_STEP_FAILURES}): ${msg}`);
      if (run.failures >= MAX_STEP_FAILURES) {
        run.status = "failed";
        run.error = `sync step failed ${run.failures} times in phase ${phase}: ${msg}`;
        run.finished_at = Date.now();
        run.phase = "done";
        this.store.finishDrift(run);
        this.store.clearScratch(run.id);
        result = { next: "done" };
      } else {
        result = { next: "wait", at: Date.now() + 10_000 * run.failures };
      }
      this.store.saveRun(run);
    } finally {
      this.live = null;
      await this.ctx.storage.delete(STEP_OPEN_KEY);
    }

    if (result.next === "done") {
      if (run.scopes.length > 0) {
        try {
          await bumpGenerations(this.env.CACHE, run.scopes as CacheScope[]);
        } catch (e) {
          run.progress.errors.push(`cache generation bump failed: ${errorMessage(e)}`);
          this.store.saveRun(run);
        }
      }
      if (run.scopes.includes("markets")) {
        // Refresh the query planner's statistics after bulk writes: without them SQLite may pick a
        // shorter index for the list filters (see test/db/query-plan.test.ts). Cheap when fresh.
        try {
          await optimizeDb(this.env.DB);
        } catch (e) {
          run.progress.errors.push(`PRAGMA optimize failed: ${errorMessage(e)}`);
          this.store.saveRun(run);
        }
      }
      this.seenCache = null;
      this.writtenCache = null;
      await this.ctx.storage.deleteAlarm();
      await this.mirror(run);
      // A queued run (a cron full sync that met this run) starts now, unless start() beat it to it.
      const eventsFirst = await this.isFirstLoad();
      const next = this.store.activeRun() ? null : this.store.takeQueued();
      if (next) {
        const queued = this.createRun(
          next.mode,
          next.trigger,
          next.baseUrl,
          { ...next.options, eventsFirst },
          next.nowMs,
        );
        await this.ctx.storage.setAlarm(Date.now());
        await this.mirror(queued);
      }
      return;
    } else {
      await this.ctx.storage.setAlarm(result.next === "more" ? Date.now() : result.at);
    }
    await this.mirror(run);
  }

  private limits(run: RunRow): StepLimits {
    const rps = this.rps(run);
    return {
      maxPages: run.options.maxPagesPerStep ?? DEFAULT_PAGES_PER_STEP,
      maxMs: STEP_MS,
      // Enough concurrent listings to keep the rate limit busy when a page takes ~250 ms.
      lanes: run.options.lanes ?? Math.min(6, Math.max(2, Math.ceil(rps / 5))),
    };
  }

  private rps(run: RunRow): number {
    return run.options.readsPerSecond ?? envReadsPerSecond(this.env);
  }

  /** One client per base URL and rate, kept across steps so its token bucket carries over. */
  private async client(run: RunRow): Promise<KalshiClient> {
    const rps = this.rps(run);
    const key = `${run.base_url}|${rps}|${run.options.maxRetries ?? ""}|${run.options.backoffBaseMs ?? ""}`;
    let client = this.clients.get(key);
    if (!client) {
      const signer =
        this.env.KALSHI_API_KEY_ID && this.env.KALSHI_PRIVATE_KEY
          ? await createRsaPssSigner(this.env.KALSHI_API_KEY_ID, this.env.KALSHI_PRIVATE_KEY)
          : undefined;
      const burst = Math.max(1, Math.floor(rps * BURST_SHARE_OF_RATE));
      // At the configured rate the sync takes its slots from the base's shared read budget (with the
      // backfills); a run given another rate (tests, benches) paces itself alone.
      const budget = rps === envReadsPerSecond(this.env) ? readBudget(this.env) : null;
      const base = run.base_url.replace(/\/+$/, "");
      client = new KalshiClient({
        baseUrl: run.base_url,
        readsPerSecond: rps,
        burst,
        pacer: budget
          ? new RemotePacer(budget(base), base, "sync", new TokenBucket({ ratePerSecond: rps, capacity: burst }))
          : undefined,
        maxRetries: run.options.maxRetries,
        backoffBaseMs: run.options.backoffBaseMs,
        signer,
        onEvent: (e: ClientEvent) => {
          if (e.type === "retry" && this.live) this.live.retries += 1;
        },
      });
      this.clients.set(key, client);
    }
    return client;
  }

  private status(run: RunRow): SyncRunStatus {
    return toStatus(run, this.store.listings(run.id));
  }

  /**
   * Mirrors the run into D1 sync_runs (best effort: the coordinator's own record is authoritative).
   * A finished run whose last mirror failed is remembered and mirrored again by the next mirror
   * that gets through, so D1's record (GET /healthz reads it) is not left saying "running".
   */
  private async mirror(run: RunRow): Promise<void> {
    const behind = this.store.unmirrored().filter((id) => id !== run.id);
    for (const r of [run, ...behind.map((id) => this.store.getRun(id))]) {
      if (!r) continue;
      try {
        await upsertSyncRun(this.env.DB, {
          id: r.id,
          mode: r.mode,
          trigger: r.trigger,
          status: r.status,
          started_at: r.started_at,
          finished_at: r.finished_at,
          stats: JSON.stringify(this.status(r).progress),
          error: r.error,
        });
        this.store.setMirrored(r.id, true);
      } catch (e) {
        log("error", "sync_runs mirror failed", { run_id: r.id, error: errorMessage(e) });
        if (r.status !== "running") this.store.setMirrored(r.id, false);
        return;
      }
    }
    for (const id of behind) if (!this.store.getRun(id)) this.store.setMirrored(id, true);
  }
}

/** KALSHI_READS_PER_SECOND (default 20, Kalshi's basic tier): the read budget every client of a base shares. */
function envReadsPerSecond(env: Pick<Env, "KALSHI_READS_PER_SECOND">): number {
  const n = Number(env.KALSHI_READS_PER_SECOND);
  return Number.isFinite(n) && n > 0 ? n : 20;
}

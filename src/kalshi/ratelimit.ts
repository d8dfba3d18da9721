/**
 * Client-side rate limiter shared by every request of one client, implemented as a virtual
 * schedule: each caller reserves the next free slot at once and then sleeps until it, so
 * concurrent callers are paced fairly without a queue. A slot must satisfy two rules:
 *
 * - **Token bucket (GCRA)** at `ratePerSecond` with `capacity` tokens: slots are spaced 1/rate
 *   apart, except that up to `capacity − 1` slots missed while no caller was ready (the schedule
 *   fell behind "now") may be taken back to back. Capacity 1 (the default) never recovers a
 *   missed slot.
 * - **Sliding window**: at most `ceil(ratePerSecond)` slots in any 1-second window `[t, t + 1 s)`
 *   (for Kalshi's whole-number tiers: the rate itself). So a burst only ever spends slots the past
 *   second left unused; the client never exceeds the configured rate over any 1-s window, which a
 *   per-second-window server limiter and a token bucket holding ≥ 1 s of budget (Kalshi's, and the
 *   simulator's) both accept. With capacity 1 the rule never binds (even spacing already meets it).
 *
 * Against a server bucket of C = rate tokens, a client burst of B leaves C − B tokens of slack for
 * network jitter (B = 4 at 20 r/s: 16 tokens, 800 ms). A pause (server Retry-After) moves the
 * schedule itself, so callers resume one slot apart instead of bursting when it ends.
 */
export interface TokenBucketOptions {
  ratePerSecond: number;
  /** Max slots recoverable back to back after falling behind (burst size). Default 1. */
  capacity?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Length of the sliding window that caps any burst at the per-second rate. */
export const RATE_WINDOW_MS = 1000;

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly capacity: number;
  /** Slots allowed in any RATE_WINDOW_MS window. */
  readonly perWindow: number;
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  /** Theoretical arrival time of the next request on an evenly paced schedule. */
  private tat = Number.NEGATIVE_INFINITY;
  private pausedUntil = Number.NEGATIVE_INFINITY;
  /** The last `perWindow` reserved slots (a ring; slots are reserved in non-decreasing order). */
  private readonly recent: Float64Array;
  private head = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.ratePerSecond > 0) || !Number.isFinite(opts.ratePerSecond)) {
      throw new RangeError(`ratePerSecond must be a positive number, got ${opts.ratePerSecond}`);
    }
    this.ratePerSecond = opts.ratePerSecond;
    this.capacity = Math.max(1, Math.floor(opts.capacity ?? 1));
    this.intervalMs = 1000 / this.ratePerSecond;
    this.toleranceMs = (this.capacity - 1) * this.intervalMs;
    this.perWindow = Math.ceil(this.ratePerSecond);
    this.recent = new Float64Array(this.perWindow).fill(Number.NEGATIVE_INFINITY);
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
  }

  /** Reserve the next slot; returns how long the caller must wait for it. */
  private reserve(): number {
    const now = this.now();
    // recent[head] is the slot perWindow reservations ago: the new one must be a window later.
    const slot = Math.max(now, this.pausedUntil, this.tat - this.toleranceMs, this.recent[this.head]! + RATE_WINDOW_MS);
    this.tat = Math.max(this.tat, slot) + this.intervalMs;
    this.recent[this.head] = slot;
    this.head = (this.head + 1) % this.perWindow;
    return slot - now;
  }

  /** Take one token, sleeping until it is available. Resolves to the milliseconds waited. */
  async acquire(): Promise<number> {
    const wait = this.reserve();
    if (wait > 0) await this.sleep(wait);
    return wait;
  }

  /** Hold every caller until `ms` from now (a server's Retry-After applies to the whole client). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }
}

/** What a Kalshi client paces its requests with: a local TokenBucket, or a budget shared with others. */
export interface Pacer {
  /** Resolves when the next request may go; to the milliseconds waited. */
  acquire(): Promise<number>;
  /** Hold every request until `ms` from now (a server's Retry-After). */
  pause(ms: number): void;
}

/** Who asks a shared read budget for a permit: the sync, or a backfill (the ingest's gap backfill, a history backfill). */
export type ReadClass = "sync" | "backfill";

/** Backfills (every object together) take at most this many reads per second of the shared budget. */
export const BACKFILL_READS_PER_SECOND = 10;

/**
 * One Kalshi read budget shared by every client of one REST base (issue #14, decision 0100): the
 * sync's and every backfill's requests take a slot of the same schedule, so together they never
 * send more than `ratePerSecond` in any 1-s window. Backfills first wait for a slot of their own
 * class (at most min(BACKFILL_READS_PER_SECOND, rate / 2)), and only then reserve a shared slot: a
 * crowd of backfills never books the shared schedule ahead of the sync, which keeps at least the
 * rest of the rate and all of it while no backfill runs.
 */
export class ReadBudget {
  private readonly shared: TokenBucket;
  private readonly backfill: TokenBucket;
  readonly granted: Record<ReadClass, number> = { sync: 0, backfill: 0 };

  constructor(
    readonly ratePerSecond: number,
    burst = 1,
    now?: () => number,
    sleep?: (ms: number) => Promise<void>,
  ) {
    this.shared = new TokenBucket({ ratePerSecond, capacity: burst, now, sleep });
    this.backfill = new TokenBucket({
      ratePerSecond: Math.min(BACKFILL_READS_PER_SECOND, ratePerSecond / 2),
      now,
      sleep,
    });
  }

  /** Resolves when a request of class `cls` may go (to the ms waited). */
  async permit(cls: ReadClass): Promise<number> {
    let waited = 0;
    if (cls === "backfill") waited += await this.backfill.acquire();
    waited += await this.shared.acquire();
    this.granted[cls]++;
    return waited;
  }

  pause(ms: number): void {
    this.shared.pause(ms);
  }
}

/** The name of the object holding the read budget of a REST base (one per base: one per Kalshi account or simulator world). */
export function readBudgetName(baseUrl: string): string {
  return `read-budget:${baseUrl.replace(/\/+$/, "")}`;
}

/**
 * The holder of a REST base's read budget shared with the sync (decision 0100): the SyncCoordinator
 * instance named `readBudgetName(base)`. Null when the Worker has no SYNC binding (a bench harness):
 * backfills then pace themselves alone. The sync, the ingest's gap backfill and the ticker objects'
 * history fills all find it here. (Typed by shape, not by `Env`: the CLI's build has no Worker env.)
 */
export function readBudget<Id>(env: {
  SYNC?: { idFromName(name: string): Id; get(id: Id): ReadBudgetHolder };
}): ((baseUrl: string) => ReadBudgetHolder) | null {
  const ns = env.SYNC;
  if (!ns) return null;
  return (base) => ns.get(ns.idFromName(readBudgetName(base)));
}

/**
 * A Pacer that asks a remote holder (a Durable Object's `readPermit`) for each slot. If the holder
 * cannot be reached the request is paced by `fallback` instead of failing (a local bucket at the
 * class's share), and the failure counted.
 */
export interface ReadBudgetHolder {
  readPermit(baseUrl: string, cls: ReadClass): Promise<number>;
  pauseReads(baseUrl: string, ms: number): Promise<void>;
}

export class RemotePacer implements Pacer {
  failures = 0;
  constructor(
    private readonly holder: ReadBudgetHolder,
    private readonly baseUrl: string,
    private readonly cls: ReadClass,
    private readonly fallback: TokenBucket,
  ) {}

  async acquire(): Promise<number> {
    const t0 = Date.now();
    try {
      await this.holder.readPermit(this.baseUrl, this.cls);
      return Date.now() - t0;
    } catch {
      this.failures++;
      return (await this.fallback.acquire()) + (Date.now() - t0);
    }
  }

  pause(ms: number): void {
    this.fallback.pause(ms);
    this.holder.pauseReads(this.baseUrl, ms).catch(() => {
      this.failures++;
    });
  }
}

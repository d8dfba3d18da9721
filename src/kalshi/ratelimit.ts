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

/**
 * Token bucket shared by every request of one client, implemented as its equivalent virtual
 * schedule (GCRA): each caller reserves the next free slot at once and then sleeps until it, so
 * concurrent callers are paced fairly without a queue. Capacity defaults to 1: requests are spread
 * evenly at `ratePerSecond` rather than bursting, which a server-side per-second limiter tolerates
 * best. A pause (server Retry-After) moves the schedule itself, so callers resume one slot apart
 * instead of bursting when it ends.
 */
export interface TokenBucketOptions {
  ratePerSecond: number;
  /** Max requests saved up while idle (burst size). Default 1. */
  capacity?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly capacity: number;
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  /** Theoretical arrival time of the next request on an evenly paced schedule. */
  private tat = Number.NEGATIVE_INFINITY;
  private pausedUntil = Number.NEGATIVE_INFINITY;
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
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
  }

  /** Reserve the next slot; returns how long the caller must wait for it. */
  private reserve(): number {
    const now = this.now();
    const slot = Math.max(now, this.pausedUntil, this.tat - this.toleranceMs);
    this.tat = Math.max(this.tat, slot) + this.intervalMs;
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

/**
 * volume_profile over a time window ending at the latest trade: running buy/sell sums over the
 * trades with ts in (end − windowMs, end], where end = the highest trade ts seen. Each trade
 * enters and leaves once, so updates are O(1) amortized (late trades: O(k) placement).
 * The window is anchored at market time (the latest trade), not the wall clock, so a replayed
 * or simulated stream gives the same answer as the live one; `advanceTo` moves it explicitly.
 * Formulas and units: docs/builders.md.
 */
import { TradeRing } from "./trade-ring";
import { assertValidTrade, COUNT_SCALE, type BuilderTrade } from "./trade";
import type { AddResult } from "./price-history";
import type { VolumeProfile } from "./schemas";

export const DEFAULT_VOLUME_WINDOW_MS = 5 * 60_000;

export type { VolumeProfile } from "./schemas";

export class VolumeProfileBuilder {
  private readonly ring = new TradeRing(Infinity);
  private end = -Infinity;
  private buy = 0; // 1/100 contracts
  private sell = 0;

  constructor(readonly windowMs: number = DEFAULT_VOLUME_WINDOW_MS) {
    if (!Number.isSafeInteger(windowMs) || windowMs < 1)
      throw new RangeError(`volume window must be a positive integer of ms, got ${windowMs}`);
  }

  static of(
    trades: Iterable<BuilderTrade>,
    windowMs: number = DEFAULT_VOLUME_WINDOW_MS,
    endMs?: number,
  ): VolumeProfileBuilder {
    const b = new VolumeProfileBuilder(windowMs);
    for (const t of trades) b.add(t);
    if (endMs !== undefined) b.advanceTo(endMs);
    return b;
  }

  get length(): number {
    return this.ring.length;
  }

  add(t: BuilderTrade): AddResult {
    assertValidTrade(t);
    if (t.ts <= this.end - this.windowMs) return "outside";
    const pos = this.ring.positionOf(t.ts, t.id);
    if (pos < 0) return "duplicate";
    this.ring.insertAt(pos, t);
    if (t.takerSide === "yes") this.buy += t.count;
    else this.sell += t.count;
    if (t.ts > this.end) this.advanceTo(t.ts);
    return "added";
  }

  /** Moves the window end forward (never back) and drops trades that fell out. */
  advanceTo(endMs: number): void {
    if (endMs <= this.end) return;
    this.end = endMs;
    const cutoff = endMs - this.windowMs;
    const ring = this.ring;
    while (ring.length > 0 && ring.tsAt(0) <= cutoff) {
      if (ring.takerYesAt(0)) this.buy -= ring.countAt(0);
      else this.sell -= ring.countAt(0);
      ring.shift();
    }
  }

  snapshot(): VolumeProfile {
    const n = this.ring.length;
    const total = this.buy + this.sell;
    return {
      window_ms: this.windowMs,
      window_end_ms: Number.isFinite(this.end) ? this.end : null,
      trades: n,
      buyVolume: this.buy / COUNT_SCALE,
      sellVolume: this.sell / COUNT_SCALE,
      totalVolume: total / COUNT_SCALE,
      ratio: n === 0 ? null : this.buy / total,
      average: n === 0 ? null : total / n / COUNT_SCALE,
    };
  }

  trades(): BuilderTrade[] {
    return this.ring.toArray();
  }
}

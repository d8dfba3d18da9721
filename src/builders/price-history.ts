/**
 * price_history over the last N trades (by (ts, id) order), updated in O(1) amortized per trade:
 * running Σ price·count, Σ count and Σ (trade-to-trade change)², plus a PriceSet for high/low.
 * Formulas and units: docs/builders.md.
 */
import { PriceSet } from "./price-set";
import { TradeRing } from "./trade-ring";
import { pricedValues, type PriceHistory } from "./schemas";
import { assertValidTrade, type BuilderTrade } from "./trade";

export const DEFAULT_PRICE_WINDOW = 100;

export type { PriceHistory } from "./schemas";

/** Outcome of offering a trade to a builder. */
export type AddResult = "added" | "duplicate" | "outside";

export class PriceHistoryBuilder {
  private readonly ring: TradeRing;
  private readonly prices = new PriceSet();
  /** Σ price·count in 1e-6 dollar·contracts; exact while < 2^53 (a window notional under $9·10^9). */
  private sumPriceCount = 0;
  private sumCount = 0;
  /** Σ (p[i] − p[i−1])² over consecutive trades in the window, in (1/10000 $)². */
  private sumSqDiff = 0;

  constructor(readonly window: number = DEFAULT_PRICE_WINDOW) {
    if (!Number.isSafeInteger(window) || window < 1)
      throw new RangeError(`price window must be a positive integer, got ${window}`);
    this.ring = new TradeRing(window);
  }

  /** Builds over any trades (any order); O(k) per trade only for late ones. */
  static of(trades: Iterable<BuilderTrade>, window: number = DEFAULT_PRICE_WINDOW): PriceHistoryBuilder {
    const b = new PriceHistoryBuilder(window);
    for (const t of trades) b.add(t);
    return b;
  }

  get length(): number {
    return this.ring.length;
  }

  add(t: BuilderTrade): AddResult {
    assertValidTrade(t);
    const ring = this.ring;
    let pos = ring.positionOf(t.ts, t.id);
    if (pos < 0) return "duplicate";
    if (ring.full) {
      // Older than every trade of a full window: it would leave at once.
      if (pos === 0) return "outside";
      this.evictOldest();
      pos--;
    }
    const p = t.price;
    const n = ring.length;
    const hasPrev = pos > 0;
    const hasNext = pos < n;
    const prev = hasPrev ? ring.priceAt(pos - 1) : 0;
    const next = hasNext ? ring.priceAt(pos) : 0;
    if (hasPrev && hasNext) this.sumSqDiff -= (next - prev) * (next - prev);
    if (hasPrev) this.sumSqDiff += (p - prev) * (p - prev);
    if (hasNext) this.sumSqDiff += (next - p) * (next - p);
    this.sumPriceCount += p * t.count;
    this.sumCount += t.count;
    this.prices.add(p);
    ring.insertAt(pos, t);
    return "added";
  }

  snapshot(): PriceHistory {
    const ring = this.ring;
    const n = ring.length;
    if (n === 0) {
      return {
        window: this.window,
        count: 0,
        ...pricedValues({ last: null, vwap: null, high: null, low: null, volatility: null }),
        returns: null,
        first_ts: null,
        last_ts: null,
      };
    }
    const first = ring.priceAt(0);
    const last = ring.priceAt(n - 1);
    return {
      window: this.window,
      count: n,
      // In 1/10000-dollar units; pricedValues gives each in cents and its *_dollars twin.
      ...pricedValues({
        last,
        vwap: this.sumPriceCount / this.sumCount,
        high: this.prices.max()!,
        low: this.prices.min()!,
        volatility: n < 2 ? null : changeStdDev(this.sumSqDiff, last - first, n - 1),
      }),
      returns: first === 0 ? null : last / first - 1,
      first_ts: ring.tsAt(0),
      last_ts: ring.tsAt(n - 1),
    };
  }

  /** The trades in the window, oldest first. */
  trades(): BuilderTrade[] {
    return this.ring.toArray();
  }

  private evictOldest(): void {
    const ring = this.ring;
    const p0 = ring.priceAt(0);
    if (ring.length > 1) {
      const d = ring.priceAt(1) - p0;
      this.sumSqDiff -= d * d;
    }
    this.sumPriceCount -= p0 * ring.countAt(0);
    this.sumCount -= ring.countAt(0);
    this.prices.remove(p0);
    ring.shift();
  }
}

/**
 * Population std dev of m changes whose squares sum to `sumSq` and which sum to `sum`
 * (they telescope to last − first): sqrt((m·Σd² − (Σd)²) / m²). The numerator is computed in
 * BigInt so it is exact before the single square root.
 */
function changeStdDev(sumSq: number, sum: number, m: number): number {
  const num = BigInt(m) * BigInt(sumSq) - BigInt(sum) * BigInt(sum);
  return Math.sqrt(Number(num)) / m;
}

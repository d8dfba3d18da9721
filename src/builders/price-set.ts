/**
 * Multiset of prices in 0..PRICE_SCALE (1/10000 dollars) with O(1) add, remove, min and max.
 *
 * Why not monotonic deques: they need trades to leave in arrival order, but a late trade can land
 * in the middle of the window. Prices live in a small fixed domain (10001 values), so a count per
 * price plus a three-level bitmap (10001 → 313 → 10 → 1 words) finds the highest/lowest present
 * price with three count-leading/trailing-zero steps, regardless of insertion order.
 */
import { PRICE_SCALE } from "./trade";

const SIZE = PRICE_SCALE + 1;
const L0_WORDS = Math.ceil(SIZE / 32); // 313
const L1_WORDS = Math.ceil(L0_WORDS / 32); // 10 (fits one L2 word)

function highestBit(w: number): number {
  return 31 - Math.clz32(w);
}
function lowestBit(w: number): number {
  return 31 - Math.clz32(w & -w);
}

export class PriceSet {
  private readonly counts = new Uint32Array(SIZE);
  private readonly l0 = new Uint32Array(L0_WORDS);
  private readonly l1 = new Uint32Array(L1_WORDS);
  private l2 = 0;
  private n = 0;

  get size(): number {
    return this.n;
  }

  add(price: number): void {
    this.n++;
    if (this.counts[price]!++ !== 0) return;
    const w0 = price >>> 5;
    const was0 = this.l0[w0]!;
    this.l0[w0] = was0 | (1 << (price & 31));
    if (was0 !== 0) return;
    const w1 = w0 >>> 5;
    const was1 = this.l1[w1]!;
    this.l1[w1] = was1 | (1 << (w0 & 31));
    if (was1 === 0) this.l2 |= 1 << w1;
  }

  remove(price: number): void {
    const c = this.counts[price]!;
    if (c === 0) throw new Error(`PriceSet: remove of absent price ${price}`);
    this.n--;
    this.counts[price] = c - 1;
    if (c !== 1) return;
    const w0 = price >>> 5;
    const now0 = this.l0[w0]! & ~(1 << (price & 31));
    this.l0[w0] = now0;
    if (now0 !== 0) return;
    const w1 = w0 >>> 5;
    const now1 = this.l1[w1]! & ~(1 << (w0 & 31));
    this.l1[w1] = now1;
    if (now1 === 0) this.l2 &= ~(1 << w1);
  }

  /** Highest price held, or null when empty. */
  max(): number | null {
    if (this.l2 === 0) return null;
    const w1 = highestBit(this.l2);
    const w0 = (w1 << 5) | highestBit(this.l1[w1]!);
    return (w0 << 5) | highestBit(this.l0[w0]!);
  }

  /** Lowest price held, or null when empty. */
  min(): number | null {
    if (this.l2 === 0) return null;
    const w1 = lowestBit(this.l2);
    const w0 = (w1 << 5) | lowestBit(this.l1[w1]!);
    return (w0 << 5) | lowestBit(this.l0[w0]!);
  }
}

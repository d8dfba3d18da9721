/**
 * Trades kept sorted by (ts, id) in a ring of parallel typed arrays: appending in order and
 * dropping the oldest are O(1) with no allocation; a late trade is placed by shifting the k newer
 * trades after its position (O(k) block moves; k is small when trades arrive nearly in order).
 * Ids live in a slot table the ring points into, so every shifted column is a typed array.
 */
import { compareTradeKeys, type BuilderTrade } from "./trade";

const MIN_CAPACITY = 16;

function nextPow2(n: number): number {
  let c = MIN_CAPACITY;
  while (c < n) c *= 2;
  return c;
}

export class TradeRing {
  private ts: Float64Array;
  private price: Int32Array;
  private count: Float64Array;
  private yes: Uint8Array;
  /** Ring position → index into `ids`. */
  private slot: Int32Array;
  private ids: string[];
  /** Stack of unused `ids` indexes. */
  private free: Int32Array;
  private freeTop: number;
  private mask: number;
  private head = 0;
  private size = 0;

  /** @param maxLength fixed upper bound (the ring never grows past it), or Infinity to grow. */
  constructor(private readonly maxLength: number = Infinity, initialCapacity = MIN_CAPACITY) {
    const cap = nextPow2(Number.isFinite(maxLength) ? Math.min(maxLength, 1 << 20) : initialCapacity);
    this.ts = new Float64Array(cap);
    this.price = new Int32Array(cap);
    this.count = new Float64Array(cap);
    this.yes = new Uint8Array(cap);
    this.slot = new Int32Array(cap);
    this.ids = new Array<string>(cap).fill("");
    this.free = new Int32Array(cap);
    for (let i = 0; i < cap; i++) this.free[i] = cap - 1 - i;
    this.freeTop = cap;
    this.mask = cap - 1;
  }

  get length(): number {
    return this.size;
  }

  get full(): boolean {
    return this.size >= this.maxLength;
  }

  tsAt(i: number): number {
    return this.ts[(this.head + i) & this.mask]!;
  }
  priceAt(i: number): number {
    return this.price[(this.head + i) & this.mask]!;
  }
  countAt(i: number): number {
    return this.count[(this.head + i) & this.mask]!;
  }
  takerYesAt(i: number): boolean {
    return this.yes[(this.head + i) & this.mask] === 1;
  }
  idAt(i: number): string {
    return this.ids[this.slot[(this.head + i) & this.mask]!]!;
  }

  /**
   * Logical index where a trade with this key belongs (0 = oldest), or -1 if a trade with the
   * same (ts, id) is already held. In-order trades cost one compare; a late one a binary search
   * (a burst of trades in one second is ordered by id, so its trades land anywhere in the burst).
   */
  positionOf(ts: number, id: string): number {
    const n = this.size;
    if (n === 0) return 0;
    const c = compareTradeKeys(ts, id, this.tsAt(n - 1), this.idAt(n - 1));
    if (c > 0) return n;
    if (c === 0) return -1;
    // First index whose key is greater than (ts, id), in [0, n - 1].
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareTradeKeys(ts, id, this.tsAt(mid), this.idAt(mid)) >= 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && compareTradeKeys(ts, id, this.tsAt(lo - 1), this.idAt(lo - 1)) === 0) return -1;
    return lo;
  }

  /** Inserts at logical index `pos` (from positionOf). Caller makes room when at maxLength. */
  insertAt(pos: number, t: BuilderTrade): void {
    if (this.size === this.mask + 1) this.grow();
    const m = this.mask;
    // Shift [pos, size) one slot towards the tail: a block move when it does not wrap.
    const start = this.head + pos;
    const end = this.head + this.size;
    if (pos < this.size && end <= m) {
      this.ts.copyWithin(start + 1, start, end);
      this.price.copyWithin(start + 1, start, end);
      this.count.copyWithin(start + 1, start, end);
      this.yes.copyWithin(start + 1, start, end);
      this.slot.copyWithin(start + 1, start, end);
    } else for (let i = this.size; i > pos; i--) {
      const to = (this.head + i) & m;
      const from = (this.head + i - 1) & m;
      this.ts[to] = this.ts[from]!;
      this.price[to] = this.price[from]!;
      this.count[to] = this.count[from]!;
      this.yes[to] = this.yes[from]!;
      this.slot[to] = this.slot[from]!;
    }
    const at = (this.head + pos) & m;
    this.ts[at] = t.ts;
    this.price[at] = t.price;
    this.count[at] = t.count;
    this.yes[at] = t.takerSide === "yes" ? 1 : 0;
    const sl = this.free[--this.freeTop]!;
    this.ids[sl] = t.id;
    this.slot[at] = sl;
    this.size++;
  }

  /** Drops the oldest trade. */
  shift(): void {
    if (this.size === 0) return;
    const sl = this.slot[this.head]!;
    this.ids[sl] = "";
    this.free[this.freeTop++] = sl;
    this.head = (this.head + 1) & this.mask;
    this.size--;
  }

  /** The held trades, oldest first (allocates; for queries and persistence, not the hot path). */
  toArray(): BuilderTrade[] {
    const out: BuilderTrade[] = new Array(this.size);
    for (let i = 0; i < this.size; i++) {
      out[i] = {
        id: this.idAt(i),
        ts: this.tsAt(i),
        price: this.priceAt(i),
        count: this.countAt(i),
        takerSide: this.takerYesAt(i) ? "yes" : "no",
      };
    }
    return out;
  }

  private grow(): void {
    if (this.size >= this.maxLength) throw new Error("TradeRing: insert into a full fixed-size ring");
    const old = this.mask + 1;
    const cap = old * 2;
    const ts = new Float64Array(cap);
    const price = new Int32Array(cap);
    const count = new Float64Array(cap);
    const yes = new Uint8Array(cap);
    const slot = new Int32Array(cap);
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) & this.mask;
      ts[i] = this.ts[from]!;
      price[i] = this.price[from]!;
      count[i] = this.count[from]!;
      yes[i] = this.yes[from]!;
      slot[i] = this.slot[from]!;
    }
    // Full, so every old id slot is in use: the new ones are the free ones.
    for (let i = old; i < cap; i++) this.ids.push("");
    const free = new Int32Array(cap);
    for (let i = 0; i < old; i++) free[i] = cap - 1 - i;
    this.free = free;
    this.freeTop = old;
    this.ts = ts;
    this.price = price;
    this.count = count;
    this.yes = yes;
    this.slot = slot;
    this.mask = cap - 1;
    this.head = 0;
  }
}

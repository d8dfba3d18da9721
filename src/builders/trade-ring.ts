/**
 * Trades kept sorted by (ts, id) in a ring of parallel typed arrays: appending in order and
 * dropping the oldest are O(1) with no allocation; a late trade is placed by shifting the k newer
 * trades after its position (O(k) block moves; k is small when trades arrive nearly in order).
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
  private id: string[];
  private mask: number;
  private head = 0;
  private size = 0;

  /** @param maxLength fixed upper bound (the ring never grows past it), or Infinity to grow. */
  constructor(
    private readonly maxLength: number = Infinity,
    initialCapacity = MIN_CAPACITY,
  ) {
    const cap = nextPow2(Number.isFinite(maxLength) ? Math.min(maxLength, 1 << 20) : initialCapacity);
    this.ts = new Float64Array(cap);
    this.price = new Int32Array(cap);
    this.count = new Float64Array(cap);
    this.yes = new Uint8Array(cap);
    this.id = new Array<string>(cap).fill("");
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
    return this.id[(this.head + i) & this.mask]!;
  }

  /**
   * Logical index where a trade with this key belongs (0 = oldest), or -1 if a trade with the
   * same (ts, id) is already held. Scans from the newest end, so in-order trades cost one compare;
   * a trade more than 32 places back is placed by binary search (a burst of trades in one second
   * is ordered by id, so its trades land anywhere in the burst).
   */
  positionOf(ts: number, id: string): number {
    let i = this.size;
    let steps = 0;
    while (i > 0) {
      const c = compareTradeKeys(ts, id, this.tsAt(i - 1), this.idAt(i - 1));
      if (c > 0) return i;
      if (c === 0) return -1;
      i--;
      if (++steps === 32) return this.searchBelow(i, ts, id);
    }
    return 0;
  }

  /** positionOf for a key below the one at index `hi`: binary search over [0, hi]. */
  private searchBelow(hi: number, ts: number, id: string): number {
    let lo = 0;
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
    if (pos < this.size) this.shiftTail(pos);
    const at = (this.head + pos) & this.mask;
    this.ts[at] = t.ts;
    this.price[at] = t.price;
    this.count[at] = t.count;
    this.yes[at] = t.takerSide === "yes" ? 1 : 0;
    this.id[at] = t.id;
    this.size++;
  }

  /** Moves [pos, size) one place towards the tail: block moves unless the range wraps. */
  private shiftTail(pos: number): void {
    const m = this.mask;
    const start = this.head + pos;
    const end = this.head + this.size;
    if (end <= m && this.size - pos > 16) {
      this.ts.copyWithin(start + 1, start, end);
      this.price.copyWithin(start + 1, start, end);
      this.count.copyWithin(start + 1, start, end);
      this.yes.copyWithin(start + 1, start, end);
      this.id.copyWithin(start + 1, start, end);
      return;
    }
    for (let i = this.size; i > pos; i--) {
      const to = (this.head + i) & m;
      const from = (this.head + i - 1) & m;
      this.ts[to] = this.ts[from]!;
      this.price[to] = this.price[from]!;
      this.count[to] = this.count[from]!;
      this.yes[to] = this.yes[from]!;
      this.id[to] = this.id[from]!;
    }
  }

  /** Drops the oldest trade. */
  shift(): void {
    if (this.size === 0) return;
    this.id[this.head] = "";
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
    const cap = (this.mask + 1) * 2;
    const ts = new Float64Array(cap);
    const price = new Int32Array(cap);
    const count = new Float64Array(cap);
    const yes = new Uint8Array(cap);
    const id = new Array<string>(cap).fill("");
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) & this.mask;
      ts[i] = this.ts[from]!;
      price[i] = this.price[from]!;
      count[i] = this.count[from]!;
      yes[i] = this.yes[from]!;
      id[i] = this.id[from]!;
    }
    this.ts = ts;
    this.price = price;
    this.count = count;
    this.yes = yes;
    this.id = id;
    this.mask = cap - 1;
    this.head = 0;
  }
}

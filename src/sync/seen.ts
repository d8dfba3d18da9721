/**
 * The set of market tickers a run has seen, kept compact (pure; no I/O).
 *
 * A run must know which stored markets no listing returned, without writing a D1 row per market
 * (issue: soft-delete bookkeeping must not write every row) and without one Durable Object
 * SQLite row per ticker (a 200k-market full sync plus 96 incremental runs a day would be tens of
 * millions of billed row writes a month). So each page's tickers are stored as one blob of
 * 53-bit hashes (8 bytes per ticker, one DO row per page), and the reconcile phase loads them into
 * one sorted Float64Array (1.6 MB per 200k tickers) for binary search.
 *
 * A hash collision can only make an unseen ticker look seen, i.e. skip a soft delete (the safe
 * direction); with 2^53 hash values and 200k tickers the chance for a given vanished ticker is
 * ~2e-11.
 */

/** cyrb53: a fast 53-bit string hash (public domain, by bryc). */
export function hash53(str: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** One page's tickers as a blob of hashes. */
export function encodeSeen(tickers: readonly string[]): ArrayBuffer {
  const arr = new Float64Array(tickers.length);
  for (let i = 0; i < tickers.length; i++) arr[i] = hash53(tickers[i]!);
  return arr.buffer;
}

/** Sorted, searchable union of page blobs. */
export class SeenSet {
  private readonly sorted: Float64Array;

  constructor(blobs: Iterable<ArrayBuffer | Uint8Array>) {
    const parts: Float64Array[] = [];
    let n = 0;
    for (const b of blobs) {
      // Copy: a blob view may not be 8-byte aligned.
      const bytes = b instanceof Uint8Array ? b : new Uint8Array(b);
      const copy = new Float64Array(bytes.byteLength / 8);
      new Uint8Array(copy.buffer).set(bytes.subarray(0, copy.length * 8));
      parts.push(copy);
      n += copy.length;
    }
    const all = new Float64Array(n);
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    all.sort();
    this.sorted = all;
  }

  get size(): number {
    return this.sorted.length;
  }

  has(ticker: string): boolean {
    const h = hash53(ticker);
    const a = this.sorted;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = a[mid]!;
      if (v === h) return true;
      if (v < h) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}

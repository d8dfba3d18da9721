/**
 * Seeded, deterministic randomness. Two flavours:
 * - `Rng`: a sequential stream (mulberry32) for generation and mutation steps;
 * - `hash32`/`unit`: stateless derivation from integer keys, so a property of market #i can be
 *   recomputed at render time instead of being stored (keeps the world compact).
 */

/** murmur3 finaliser: a good 32-bit avalanche mix. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash any number of integers into one unsigned 32-bit value. */
export function hash32(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) h = mix32((h ^ (x >>> 0)) + 0x7f4a7c15 + Math.imul(h, 31));
  return h;
}

/** Stateless uniform in [0, 1) from integer keys. */
export function unit(...xs: number[]): number {
  return hash32(...xs) / 4294967296;
}

export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = mix32(seed >>> 0 || 0x6d2b79f5);
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi] inclusive. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error("Rng.pick on empty array");
    return xs[this.int(xs.length)] as T;
  }
  /** Weighted pick: weights need not sum to 1. */
  weighted<T>(xs: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of xs) total += w;
    let r = this.next() * total;
    for (const [x, w] of xs) {
      r -= w;
      if (r < 0) return x;
    }
    return (xs[xs.length - 1] as readonly [T, number])[0];
  }
  /** Number of events of a Poisson-ish process with expected value `mean` (floor + Bernoulli remainder). */
  count(mean: number): number {
    const whole = Math.floor(mean);
    return whole + (this.chance(mean - whole) ? 1 : 0);
  }
}

/** A v4-shaped UUID derived deterministically from integer keys. */
export function uuidFrom(...xs: number[]): string {
  // Each word from its own chain (the word's index hashed first): with the index last, all four
  // shared one 32-bit state after `xs`, so ids collided after ~2^16 keys (a trade id repeated
  // every ~20,000 trades, and the ingest rightly dropped the second trade as a duplicate).
  const a = hash32(1, ...xs),
    b = hash32(2, ...xs),
    c = hash32(3, ...xs),
    d = hash32(4, ...xs);
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  const s = hex(a) + hex(b) + hex(c) + hex(d);
  const variant = ((parseInt(s[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-${variant}${s.slice(17, 20)}-${s.slice(20, 32)}`;
}

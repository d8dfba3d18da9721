/**
 * How many trades a ticker object keeps, and which may be dropped. Pure.
 *
 * Kept: the newest MAX_PRICE_WINDOW trades, and every trade within MAX_VOLUME_WINDOW_MS of the
 * newest one, capped at RETAIN_CAP. Queries are limited to these maxima, so a pruned trade is
 * outside every window a query may ask for — which is also why a late or duplicate trade at or
 * below the prune frontier can be ignored without changing any answer.
 */
import type { TradeRing } from "../builders";

export const MAX_PRICE_WINDOW = 1000;
export const MAX_VOLUME_WINDOW_MS = 60 * 60_000;
/** Hard cap per market (far above Kalshi's per-market trade rates over an hour). */
export const RETAIN_CAP = 100_000;
/** Prune only when at least this many trades can go (amortizes the delete). */
export const PRUNE_BATCH = 256;

/** Number of oldest trades of `ring` (sorted) that may be dropped now; 0 until PRUNE_BATCH is reached. */
export function prunableCount(ring: TradeRing, batch = PRUNE_BATCH): number {
  const n = ring.length;
  if (n <= MAX_PRICE_WINDOW) return 0;
  const cutoff = ring.tsAt(n - 1) - MAX_VOLUME_WINDOW_MS;
  const byCount = n - MAX_PRICE_WINDOW;
  let k = 0;
  while (k < byCount && ring.tsAt(k) <= cutoff) k++;
  k = Math.max(k, n - RETAIN_CAP);
  return k >= batch ? k : 0;
}

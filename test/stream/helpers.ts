/** Deterministic trade streams for the streaming tests (normalized stream format). */
import type { StreamTrade } from "../../src/stream/messages";

export const T0 = Date.UTC(2026, 2, 12, 17, 0, 0);

export function makeTrades(
  ticker: string,
  n: number,
  opts: { seed?: number; spacingMs?: number; start?: number } = {},
): StreamTrade[] {
  let seed = opts.seed ?? 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const out: StreamTrade[] = [];
  let price = 5000;
  const start = opts.start ?? T0;
  for (let i = 0; i < n; i++) {
    price = Math.min(9900, Math.max(100, price + Math.round((rnd() - 0.5) * 200)));
    out.push({
      type: "trade",
      ticker,
      trade_id: `${ticker}-${String(i).padStart(6, "0")}`,
      // Whole seconds as on Kalshi's wire: several trades share a ts.
      ts: start + Math.floor((i * (opts.spacingMs ?? 700)) / 1000) * 1000,
      price_dollars: (price / 10000).toFixed(4),
      count_fp: `${1 + Math.floor(rnd() * 50)}.${rnd() < 0.2 ? "11" : "00"}`,
      taker_side: rnd() < 0.5 ? "yes" : "no",
    });
  }
  return out;
}

/** Fisher–Yates with a seeded generator. */
export function shuffled<T>(xs: readonly T[], seed = 3): T[] {
  const a = [...xs];
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

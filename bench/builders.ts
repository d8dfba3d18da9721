/**
 * Builder update throughput as pure code, one core.
 *   npx tsx bench/builders.ts [trades=2000000] [late_fraction=0.01]
 * Feeds pre-generated trades (1-second ts with ties, 1% late by up to 5 s, as Kalshi's WS
 * delivers) into PriceHistoryBuilder(100) and VolumeProfileBuilder(5 min), separately and
 * together, and prints trades/s per run (best of 5 after a warm-up).
 */
import { PriceHistoryBuilder, VolumeProfileBuilder, type BuilderTrade } from "../src/builders";

const N = Number(process.argv[2] ?? 2_000_000);
const LATE = Number(process.argv[3] ?? 0.01);

function makeTrades(n: number, lateFraction: number): BuilderTrade[] {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const out: BuilderTrade[] = new Array(n);
  let sec = 1_773_331_880;
  let price = 5000;
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.3) sec++; // ~3 trades per second: many ts ties
    price = Math.min(9999, Math.max(1, price + Math.round((rnd() - 0.5) * 40)));
    const late = rnd() < lateFraction ? Math.floor(rnd() * 5) : 0;
    out[i] = {
      id: `${(i * 2654435761) >>> 0}`.padStart(10, "0"),
      ts: (sec - late) * 1000,
      price,
      count: 100 * (1 + Math.floor(rnd() * 20)) + (rnd() < 0.1 ? 11 : 0),
      takerSide: rnd() < 0.5 ? "yes" : "no",
    };
  }
  return out;
}

function run(name: string, trades: BuilderTrade[], make: () => { add(t: BuilderTrade): unknown }): void {
  const rates: number[] = [];
  for (let r = 0; r < 6; r++) {
    const b = make();
    const t0 = performance.now();
    for (let i = 0; i < trades.length; i++) b.add(trades[i]!);
    const ms = performance.now() - t0;
    if (r > 0) rates.push(trades.length / (ms / 1000));
  }
  const best = Math.max(...rates);
  const median = rates.sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
  console.log(
    `${name.padEnd(36)} best ${(best / 1e6).toFixed(2)}M trades/s  median ${(median / 1e6).toFixed(2)}M trades/s`,
  );
}

const trades = makeTrades(N, LATE);
console.log(`node ${process.version}, ${N} trades, late fraction ${LATE}`);
run("price_history(100)", trades, () => new PriceHistoryBuilder(100));
run("volume_profile(5 min)", trades, () => new VolumeProfileBuilder(300_000));
run("both (as the ticker object does)", trades, () => {
  const p = new PriceHistoryBuilder(100);
  const v = new VolumeProfileBuilder(300_000);
  return { add: (t: BuilderTrade) => (p.add(t), v.add(t)) };
});

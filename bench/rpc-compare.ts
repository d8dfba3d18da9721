/**
 * itty-durable vs native Durable Object RPC on the same forwarding workload: N trades over T
 * tickers sent to per-ticker objects in batches of B (one call per ticker per batch), C calls in
 * flight, the same TickerState (SQLite writes + builders) behind both.
 *   npx tsx bench/rpc-compare.ts [trades=20000] [tickers=200]
 * Prints trades/s and calls/s per layer and batch size (median of 3 runs, fresh tickers each run).
 */
import { startBenchWorker } from "./rpc-harness";

const TRADES = Number(process.argv[2] ?? 20_000);
const TICKERS = Number(process.argv[3] ?? 200);
const CONCURRENCY = 32;

interface RunResult { mode: string; trades: number; calls: number; added: number; errors: number; first_error: string | null; ms: number }

const worker = await startBenchWorker();
let runId = 0;
try {
  console.log(`node ${process.version}; ${TRADES} trades over ${TICKERS} tickers; ${CONCURRENCY} calls in flight`);
  console.log("| layer | trades per call | calls | median ms | trades/s | calls/s | errors |");
  console.log("|---|---|---|---|---|---|---|");
  for (const batch of [1, 10, 100]) {
    for (const mode of ["native", "itty"]) {
      const runs: RunResult[] = [];
      // One warm-up run, then three measured ones.
      for (let r = 0; r < 4; r++) {
        const q = new URLSearchParams({ mode, trades: String(batch === 1 ? Math.min(TRADES, 5000) : TRADES), tickers: String(TICKERS), batch: String(batch), concurrency: String(CONCURRENCY), run: `r${runId++}` });
        const t0 = performance.now();
        const res = (await (await worker.fetch(`/rpc?${q}`)).json()) as RunResult;
        res.ms = Math.max(res.ms, 1);
        if (r > 0) runs.push({ ...res, ms: performance.now() - t0 });
      }
      runs.sort((a, b) => a.ms - b.ms);
      const m = runs[1]!;
      const errs = runs.reduce((s, x) => s + x.errors, 0);
      console.log(`| ${mode} | ${batch} | ${m.calls} | ${m.ms.toFixed(0)} | ${Math.round(m.trades / (m.ms / 1000))} | ${Math.round(m.calls / (m.ms / 1000))} | ${errs}${errs ? ` (${m.first_error})` : ""} |`);
    }
  }
} finally {
  await worker.stop();
}

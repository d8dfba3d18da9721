/**
 * itty-durable vs native Durable Object RPC on the same forwarding workload: trades over T
 * tickers sent to per-ticker objects in batches of B (one call per ticker per batch), 32 calls in
 * flight, the same TickerState (SQLite writes + builders) behind both layers.
 *   npx tsx bench/rpc-compare.ts [reps=5] [tickers=20]
 * After a warm-up of both layers, each batch size runs `reps` times per layer, alternating which
 * layer goes first, on fresh tickers; prints medians.
 */
import { startBenchWorker } from "./rpc-harness";

const REPS = Number(process.argv[2] ?? 5);
const TICKERS = Number(process.argv[3] ?? 20);
const CONCURRENCY = 32;
const PLAN: [batch: number, trades: number][] = [
  [1, 1000],
  [10, 3000],
  [100, 10_000],
  [1000, 10_000],
];

interface RunResult {
  mode: string;
  trades: number;
  calls: number;
  added: number;
  errors: number;
  first_error: string | null;
  ms: number;
  wall: number;
}

const worker = await startBenchWorker();
let runId = 0;
async function run(mode: string, batch: number, trades: number): Promise<RunResult> {
  const q = new URLSearchParams({
    mode,
    trades: String(trades),
    tickers: String(TICKERS),
    batch: String(batch),
    concurrency: String(CONCURRENCY),
    run: `r${runId++}`,
  });
  const t0 = performance.now();
  const res = (await (await worker.fetch(`/rpc?${q}`)).json()) as RunResult;
  return { ...res, wall: performance.now() - t0 };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  for (const mode of ["native", "itty", "native", "itty"]) await run(mode, 10, 2000); // warm-up
  console.log(
    `node ${process.version}; ${TICKERS} tickers; ${CONCURRENCY} calls in flight; median of ${REPS} alternating runs`,
  );
  console.log("| layer | trades per call | calls per run | median ms | trades/s | calls/s | failed calls |");
  console.log("|---|---|---|---|---|---|---|");
  for (const [batch, trades] of PLAN) {
    const by: Record<string, RunResult[]> = { native: [], itty: [] };
    for (let r = 0; r < REPS; r++) {
      const order = r % 2 === 0 ? ["native", "itty"] : ["itty", "native"];
      for (const mode of order) by[mode]!.push(await run(mode, batch, trades));
    }
    for (const mode of ["native", "itty"]) {
      const rs = by[mode]!;
      const ms = median(rs.map((x) => x.wall));
      const failed = rs.reduce((s, x) => s + x.errors, 0);
      const err = rs.find((x) => x.first_error)?.first_error;
      console.log(
        `| ${mode} | ${batch} | ${rs[0]!.calls} | ${ms.toFixed(0)} | ${Math.round(trades / (ms / 1000))} | ${Math.round(rs[0]!.calls / (ms / 1000))} | ${failed}/${rs[0]!.calls * REPS}${err ? ` (${err.slice(0, 80)})` : ""} |`,
      );
    }
  }
} finally {
  await worker.stop();
}

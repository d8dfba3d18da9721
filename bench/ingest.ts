/**
 * End-to-end ingest throughput, locally in workerd: trade batches → IngestObject.ingestTrades
 * (zod-validated as POST /admin/ingest/trades does) → one RPC per ticker per batch →
 * TickerObject (SQLite writes + builders) → per-day registry in D1.
 *   npx tsx bench/ingest.ts [trades=200000] [tickers=50] [batch=50000] [in_flight=2]
 * (50,000 trades is the most POST /admin/ingest/trades takes per request, what a replay sends.)
 * Prints sustained trades/s, Durable Object calls per trade and D1 statements per trade.
 * BENCH_PERSIST=1 keeps storage on disk (as `npm start`) instead of in memory.
 */
import { startBenchWorker } from "./rpc-harness";

const TRADES = Number(process.argv[2] ?? 200_000);
const TICKERS = Number(process.argv[3] ?? 50);
const BATCH = Number(process.argv[4] ?? 50_000);
const IN_FLIGHT = Number(process.argv[5] ?? 2);

interface IngestResult {
  received: number;
  tickers: number;
  rpc_calls: number;
  added: number;
  duplicates: number;
  failed: unknown[];
  registry_rows: number;
}

function makeBatch(start: number, n: number): unknown[] {
  const out = [];
  const t0 = Date.UTC(2026, 10, 25, 14, 0, 0);
  for (let i = start; i < start + n; i++) {
    // Skewed like real markets: a few tickers take most trades.
    const r = (Math.imul(i + 1, 2654435761) >>> 0) / 2 ** 32;
    const ticker = `KXBENCH-T${Math.floor(TICKERS * r * r)}`;
    out.push({
      type: "trade",
      ticker,
      trade_id: `bench-${i}`,
      ts: t0 + Math.floor(i / 20) * 1000,
      price_dollars: (0.01 + ((i * 7919) % 98) / 100).toFixed(4),
      count_fp: `${1 + (i % 20)}.00`,
      taker_side: i % 3 === 0 ? "no" : "yes",
    });
  }
  return out;
}

interface ForwardHealth {
  forward: { rpc_calls: number };
}

const worker = await startBenchWorker();
const forwardStats = async () => ((await (await worker.fetch("/ingest/health")).json()) as ForwardHealth).forward;
try {
  // Warm-up: creates the ticker objects (trades numbered below 0: earlier timestamps, other ids,
  // so none of the measured trades falls behind a ticker's prune frontier).
  const warm = Math.min(BATCH, 2000);
  await worker.fetch("/ingest", { method: "POST", body: JSON.stringify({ trades: makeBatch(-warm, warm) }) });
  const bodies: string[] = [];
  for (let i = 0; i < TRADES; i += BATCH)
    bodies.push(JSON.stringify({ trades: makeBatch(i, Math.min(BATCH, TRADES - i)) }));
  const before = await forwardStats();
  let next = 0;
  const totals = { received: 0, rpc_calls: 0, added: 0, failed: 0, registry_rows: 0, requests: 0 };
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const res = await worker.fetch("/ingest", { method: "POST", body });
        if (!res.ok) throw new Error(`ingest failed: HTTP ${res.status} ${await res.text()}`);
        const r = (await res.json()) as IngestResult;
        totals.received += r.received;
        totals.rpc_calls += r.rpc_calls;
        totals.added += r.added;
        totals.failed += r.failed.length;
        totals.registry_rows += r.registry_rows;
        totals.requests++;
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  const after = await forwardStats();
  const calls = after.rpc_calls - before.rpc_calls;
  console.log(
    `node ${process.version}; ${TRADES} trades, ${TICKERS} tickers (skewed), batches of ${BATCH}, ${IN_FLIGHT} in flight, state in ${worker.storage}`,
  );
  console.log(
    `sustained: ${Math.round(totals.received / s)} trades/s over ${s.toFixed(2)} s (added ${totals.added}, failed calls ${totals.failed})`,
  );
  console.log(
    `ticker-object RPCs: ${calls} → ${(calls / totals.received).toFixed(4)} per trade (${(totals.received / calls).toFixed(1)} trades per call); ingest-object RPCs: ${totals.requests} → ${(totals.requests / totals.received).toFixed(5)} per trade`,
  );
  console.log(
    `D1 registry: ${totals.requests} upsert statements (${totals.registry_rows} rows) → ${(totals.requests / totals.received).toFixed(5)} statements per trade`,
  );
} finally {
  await worker.stop();
}

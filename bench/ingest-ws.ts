/**
 * WebSocket ingest throughput, locally: the Kalshi simulator (sim/server.ts) pumps trades to the
 * IngestObject's outbound WebSocket (trade + ticker channels), which normalizes them and forwards
 * them to the TickerObjects. Measures trades/s from the first pump until every trade is stored.
 *   npx tsx bench/ingest-ws.ts [trades=20000] [markets=100]
 */
import { startSimServer } from "../sim/server";
import { startBenchWorker } from "./rpc-harness";

const TRADES = Number(process.argv[2] ?? 20_000);
const MARKETS = Number(process.argv[3] ?? 100);

interface Health {
  connected: boolean;
  subscriptions: { sid: number | null; markets: number; subscribing: boolean }[];
  protocol: { frames: number; trades: number; tickers: number };
  forward: { flushes: number; rpc_calls: number; trades: number; added: number; failures: number };
  registry: { statements: number };
}

const sim = await startSimServer({ host: "127.0.0.1", port: 0, config: { seed: 5, markets: 4000, clock: "manual", trade_rate_per_s: 0 } });
const worker = await startBenchWorker();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
try {
  const page = (await (await fetch(`${sim.origin}/trade-api/v2/markets?status=open&limit=1000`)).json()) as { markets: { ticker: string }[] };
  const tickers = page.markets.map((m) => m.ticker).slice(0, MARKETS);
  const wsUrl = `${sim.origin.replace("http", "ws")}/trade-api/ws/v2`;
  await worker.fetch("/ingest/start", { method: "POST", body: JSON.stringify({ feed: "bench-ws", ws_url: wsUrl, markets: tickers }) });
  const health = async () => (await (await worker.fetch("/ingest/health?feed=bench-ws")).json()) as Health;
  for (;;) {
    const h = await health();
    if (h.connected && h.subscriptions.length > 0 && h.subscriptions.every((s) => s.sid !== null && s.markets === tickers.length && !s.subscribing)) break;
    await sleep(50);
  }
  const t0 = performance.now();
  let pumped = 0;
  while (pumped < TRADES) {
    const r = (await (await fetch(`${sim.origin}/_sim/feed/pump`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ trades: Math.min(2000, TRADES - pumped) }) })).json()) as { generated: number };
    pumped += r.generated;
  }
  const tPumped = performance.now();
  let h = await health();
  while (h.forward.added < TRADES) {
    await sleep(20);
    h = await health();
    if (performance.now() - t0 > 300_000) throw new Error(`timed out: ${JSON.stringify(h.forward)}`);
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`node ${process.version}; ${TRADES} trades over ${tickers.length} markets via WebSocket (trade + ticker channels)`);
  console.log(`simulator pumped in ${((tPumped - t0) / 1000).toFixed(2)} s; all stored after ${s.toFixed(2)} s → ${Math.round(TRADES / s)} trades/s sustained`);
  console.log(`frames ${h.protocol.frames} (trades ${h.protocol.trades}, tickers ${h.protocol.tickers}); flushes ${h.forward.flushes}; ticker-object RPCs ${h.forward.rpc_calls} → ${(h.forward.rpc_calls / TRADES).toFixed(3)} per trade; failures ${h.forward.failures}; D1 registry statements ${h.registry.statements}`);
  await worker.fetch("/ingest/stop?feed=bench-ws", { method: "POST" });
} finally {
  await worker.stop();
  await sim.close();
}

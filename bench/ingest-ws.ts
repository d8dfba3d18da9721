/**
 * WebSocket ingest throughput, locally: the Kalshi simulator (sim/server.ts) pumps trades to the
 * IngestObject's outbound WebSocket (trade + ticker channels), which normalizes them and forwards
 * them to the TickerObjects. Measures trades/s from the first pump until every trade is stored.
 *
 *   npx tsx bench/ingest-ws.ts [trades=20000] [markets=100] [--pump-rate R] [--stream-rate 20000] [--cold]
 *                              [--profile out.cpuprofile]
 *
 * Steady state by default: a warm-up of 20 trades per market first creates every ticker object
 * (the first call to an object costs ~6 ms locally: see bench/results/2026-11-25-streaming-session3.md), then
 * the timed run. --cold times the first trades instead (object creation included).
 * --pump-rate R    offer the trades at R trades/s (default: as fast as the simulator can, ~60k/s,
 *                  which builds a backlog in the socket when the ingest is slower: that measures
 *                  capacity; a paced run shows whether the ingest keeps up with a given rate).
 * --stream-rate R  the simulator's clock advances as a stream of R trades/s would (trade `ts` is in
 *                  whole seconds, as on Kalshi, so R/markets trades per market share each second);
 *                  0 freezes the clock: every trade in the same second (the worst case for ordering).
 * --heap           sample the worker isolate's V8 heap (ingest and ticker objects share it
 *                  locally) every 250 ms over the timed run and report the peak.
 * --profile FILE   V8 CPU profile of the worker's isolate (ingest and ticker objects) over the timed
 *                  run, written to FILE with a self-time summary.
 */
import { writeFileSync } from "node:fs";
import { startSimServer } from "../sim/server";
import { connectInspector, startCpuProfile, stopCpuProfile, summarizeProfile, type ProfileNode } from "./inspector";
import { startBenchWorker } from "./rpc-harness";

const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? undefined : args.splice(at, 2)[1];
}
function flag(name: string): boolean {
  const at = args.indexOf(`--${name}`);
  if (at >= 0) args.splice(at, 1);
  return at >= 0;
}
const PROFILE = option("profile");
const STREAM_RATE = Number(option("stream-rate") ?? 20_000);
const PUMP_RATE = Number(option("pump-rate") ?? 0);
const COLD = flag("cold");
const HEAP = flag("heap");
const TRADES = Number(args[0] ?? 20_000);
const MARKETS = Number(args[1] ?? 100);
const INSPECTOR_PORT = 9239;
const PUMP = 2000;

interface Health {
  connected: boolean;
  last_error: string | null;
  reconnects: number;
  backfill: { backfills: number; backfilled_trades: number; truncated: number };
  subscriptions: { sid: number | null; markets: number; subscribing: boolean }[];
  protocol: { frames: number; trades: number; tickers: number; invalid: number };
  forward: {
    flushes: number;
    rpc_calls: number;
    trades: number;
    added: number;
    duplicates: number;
    outside: number;
    rejected: number;
    failures: number;
  };
  registry: { statements: number };
}

/** The ingest path's cost centres, from a sample's stack (leaf first). */
function ingestCategory(stack: ProfileNode["callFrame"][]): string | undefined {
  for (const { functionName: f } of stack) {
    if (f.includes("_zod") || f === "safeParse") return "zod validation";
    if (/^(normalizeTrade|normalizeTicker|canonicalDollars|canonicalCount|parseDollars|formatDollars)$/.test(f))
      return "normalize";
    if (/^(applyBatch|applyTrades|applyPacked)$/.test(f)) return "ticker object (builders + SQLite)";
    if (/^(forwardBatch|flushForward)$/.test(f)) return "forwarding (RPC call sites)";
    if (f === "note") return "day registry";
    if (f === "onFrame") return "frame handling (JSON.parse, seq, events)";
  }
  return undefined;
}

const sim = await startSimServer({
  host: "127.0.0.1",
  port: 0,
  config: { seed: 5, markets: 4000, clock: "manual", trade_rate_per_s: 0 },
});
const worker = await startBenchWorker(PROFILE || HEAP ? { inspectorPort: INSPECTOR_PORT } : {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const post = async (path: string, body: unknown) =>
  (
    await fetch(`${sim.origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    })
  ).json();
try {
  const page = (await (await fetch(`${sim.origin}/trade-api/v2/markets?status=open&limit=1000`)).json()) as {
    markets: { ticker: string }[];
  };
  const tickers = page.markets.map((m) => m.ticker).slice(0, MARKETS);
  const wsUrl = `${sim.origin.replace("http", "ws")}/trade-api/ws/v2`;
  await worker.fetch("/ingest/start", {
    method: "POST",
    body: JSON.stringify({ feed: "bench-ws", ws_url: wsUrl, markets: tickers }),
  });
  const health = async () => (await (await worker.fetch("/ingest/health?feed=bench-ws")).json()) as Health;
  for (;;) {
    const h = await health();
    if (
      h.connected &&
      h.subscriptions.length > 0 &&
      h.subscriptions.every((s) => s.sid !== null && s.markets === tickers.length && !s.subscribing)
    )
      break;
    await sleep(50);
  }

  /** Trades the ticker objects have answered for: stored, or refused as duplicate/outside/invalid. */
  const handled = (h: Health) => h.forward.added + h.forward.duplicates + h.forward.outside + h.forward.rejected;

  /** Pumps `n` trades (advancing the simulator's clock at STREAM_RATE) and waits until `total` are handled. */
  async function pumpAndStore(n: number, total: number): Promise<{ seconds: number; pumpedIn: number; h: Health }> {
    const t0 = performance.now();
    const timeoutMs = 120_000 + (PUMP_RATE > 0 ? (n / PUMP_RATE) * 1000 : 0);
    let pumped = 0;
    while (pumped < n) {
      const r = (await post("/_sim/feed/pump", { trades: Math.min(PUMP, n - pumped) })) as { generated: number };
      pumped += r.generated;
      if (PUMP_RATE > 0) {
        const ahead = (pumped / PUMP_RATE) * 1000 - (performance.now() - t0);
        if (ahead > 0) await sleep(ahead);
      }
      if (STREAM_RATE > 0) await post("/_sim/clock", { advance_ms: Math.round((r.generated / STREAM_RATE) * 1000) });
    }
    const pumpedIn = (performance.now() - t0) / 1000;
    let h = await health();
    while (handled(h) < total) {
      await sleep(20);
      h = await health();
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`timed out after ${timeoutMs / 1000} s: ${JSON.stringify(h)}`);
    }
    return { seconds: (performance.now() - t0) / 1000, pumpedIn, h };
  }

  const warmup = COLD ? 0 : 20 * tickers.length;
  let before: Health = await health();
  if (warmup > 0) {
    const w = await pumpAndStore(warmup, warmup);
    console.log(`warm-up: ${warmup} trades (every market's ticker object created) stored in ${w.seconds.toFixed(2)} s`);
    before = w.h;
  }
  const inspector = PROFILE || HEAP ? await connectInspector(INSPECTOR_PORT, /ssmd-bench|core:user/) : null;
  if (inspector && PROFILE) await startCpuProfile(inspector);
  let peakHeap = 0;
  let sampling = HEAP;
  const sampler = (async () => {
    while (sampling && inspector) {
      peakHeap = Math.max(
        peakHeap,
        ((await inspector.call("Runtime.getHeapUsage", {}, 5000)).usedSize as number | undefined) ?? 0,
      );
      await sleep(250);
    }
  })();
  const run = await pumpAndStore(TRADES, warmup + TRADES);
  sampling = false;
  await sampler;
  if (HEAP)
    console.log(
      `peak V8 heap of the worker isolate (ingest + ${tickers.length} ticker objects): ${(peakHeap / 1048576).toFixed(1)} MB`,
    );
  if (inspector && PROFILE) {
    const prof = await stopCpuProfile(inspector);
    if (prof) {
      writeFileSync(PROFILE, JSON.stringify(prof));
      console.log(`CPU profile (${inspector.title}) written to ${PROFILE}\n${summarizeProfile(prof, ingestCategory)}`);
    }
    inspector.close();
  }
  const h = run.h;
  const d = (f: (x: Health) => number) => f(h) - f(before);
  const calls = d((x) => x.forward.rpc_calls);
  console.log(
    `node ${process.version}; ${TRADES} trades over ${tickers.length} markets via WebSocket (trade + ticker channels), state in ${worker.storage.split(" ")[0]}, ${COLD ? "cold (object creation included)" : "warm"}, ` +
      (STREAM_RATE > 0 ? `simulator clock at ${STREAM_RATE} trades/s` : "simulator clock frozen"),
  );
  if (PUMP_RATE > 0) {
    // Paced: the ingest kept up if the last trades were stored about a flush delay (≤ ~2 s) after they were sent.
    const lag = run.seconds - run.pumpedIn;
    console.log(
      `offered ${PUMP_RATE} trades/s for ${run.pumpedIn.toFixed(2)} s; the last stored ${lag.toFixed(2)} s after the last was sent ` +
        `(${lag <= 2.5 ? "kept up" : "fell behind"}) → ${Math.round(TRADES / run.seconds)} trades/s sustained`,
    );
  } else {
    console.log(
      `simulator pumped in ${run.pumpedIn.toFixed(2)} s; all stored after ${run.seconds.toFixed(2)} s → ${Math.round(TRADES / run.seconds)} trades/s sustained`,
    );
  }
  console.log(
    `frames ${d((x) => x.protocol.frames)} (trades ${d((x) => x.protocol.trades)}, tickers ${d((x) => x.protocol.tickers)}, invalid ${d((x) => x.protocol.invalid)}); ` +
      `not stored: ${d((x) => x.forward.duplicates)} duplicates, ${d((x) => x.forward.outside)} outside, ${d((x) => x.forward.rejected)} rejected; ` +
      `flushes ${d((x) => x.forward.flushes)}; ticker-object RPCs ${calls} → ${(calls / TRADES).toFixed(3)} per trade; failures ${d((x) => x.forward.failures)}; D1 registry statements ${h.registry.statements}`,
  );
  if (d((x) => x.reconnects) > 0) {
    console.log(
      `the connection dropped ${d((x) => x.reconnects)}× (last: ${JSON.stringify(h.last_error)}); REST backfill: ${d((x) => x.backfill.backfills)} jobs, ` +
        `${d((x) => x.backfill.backfilled_trades)} trades (${d((x) => x.backfill.truncated)} cut at the page bound and continued)`,
    );
  }
  await worker.fetch("/ingest/stop?feed=bench-ws", { method: "POST" });
} finally {
  await worker.stop();
  await sim.close();
}

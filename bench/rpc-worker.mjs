// Bench-only Worker (bundled by bench/rpc-compare.ts and bench/ingest.ts with esbuild, run in
// Miniflare/workerd). Plain JS, type-checked (JSDoc) with the Workers code by tsconfig.json rather
// than by the Node-typed tsconfig.node.json; everything it runs is the production TypeScript from src/stream.
//
//   TICKER  → TickerObject (native Durable Object RPC)      — production class
//   ITTY    → IttyTicker (itty-durable 2.4: fetch + JSON)   — same TickerState behind it
//   INGEST  → IngestObject                                   — production class
import { createDurable } from "itty-durable/itty-durable.js";
import { proxyDurable } from "itty-durable/proxy-durable.js";
import { z } from "zod";
import { mapLimit } from "../src/lib/async.ts";
import { MAX_TRADES_PER_BATCH } from "../src/stream/forwarder.ts";
import { StreamTradeSchema } from "../src/stream/messages.ts";
import { TickerState } from "../src/stream/ticker.ts";

export { TickerObject } from "../src/stream/ticker.ts";
export { IngestObject } from "../src/stream/ingest.ts";

/** @typedef {import("../src/stream/messages.ts").StreamTrade} StreamTrade */
/**
 * The bench Worker's bindings (bench/rpc-harness.ts): the production objects, itty's, and D1.
 * @typedef {{ TICKER: Env["TICKER"], INGEST: Env["INGEST"], ITTY: DurableObjectNamespace, DB: D1Database }} BenchEnv
 */

// Kept outside the itty object: itty-durable JSON-serializes the object's own fields.
/** @type {WeakMap<object, TickerState>} */
const cores = new WeakMap();

export class IttyTicker extends createDurable() {
  /**
   * @param {string} ticker
   * @param {StreamTrade[]} trades
   */
  applyTrades(ticker, trades) {
    // itty-durable types `state` as {}: it is the Durable Object's state.
    const state = /** @type {DurableObjectState} */ (this.state);
    let core = cores.get(state);
    if (!core) cores.set(state, (core = new TickerState(state.storage.sql)));
    return core.applyTrades(ticker, trades);
  }
}

/**
 * `n` deterministic trades over `tickers` tickers named after `run`.
 * @param {string | null} run
 * @param {number} n
 * @param {number} tickers
 * @returns {StreamTrade[]}
 */
function makeTrades(run, n, tickers) {
  const out = new Array(n);
  let seed = 12345;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const t0 = Date.UTC(2026, 10, 25, 14, 0, 0);
  for (let i = 0; i < n; i++) {
    out[i] = {
      type: "trade",
      ticker: `${run}-T${i % tickers}`,
      trade_id: `${run}-${i}`,
      ts: t0 + Math.floor(i / 3) * 1000,
      price_dollars: (0.01 + Math.floor(rnd() * 98) / 100).toFixed(4),
      count_fp: `${1 + Math.floor(rnd() * 20)}.00`,
      taker_side: rnd() < 0.5 ? "yes" : "no",
    };
  }
  return out;
}

const IngestBody = z.object({ trades: z.array(StreamTradeSchema).min(1).max(MAX_TRADES_PER_BATCH) });

export default {
  /**
   * @param {Request} req
   * @param {BenchEnv} env
   */
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === "/rpc") {
      // Same forwarding workload for both layers: N trades over T tickers, one call per
      // (ticker, batch of B trades), C calls in flight.
      const mode = url.searchParams.get("mode");
      const n = Number(url.searchParams.get("trades"));
      const tickers = Number(url.searchParams.get("tickers"));
      const batch = Number(url.searchParams.get("batch"));
      const concurrency = Number(url.searchParams.get("concurrency"));
      const run = url.searchParams.get("run");
      const trades = makeTrades(run, n, tickers);
      const groups = new Map();
      for (const t of trades) {
        let g = groups.get(t.ticker);
        if (!g) groups.set(t.ticker, (g = []));
        g.push(t);
      }
      const calls = [];
      for (const [ticker, list] of groups)
        for (let i = 0; i < list.length; i += batch) calls.push([ticker, list.slice(i, i + batch)]);
      const itty = proxyDurable(env.ITTY, { name: "ITTY", parse: true });
      let added = 0;
      let errors = 0;
      let firstError = null;
      const t0 = Date.now();
      await mapLimit(calls, concurrency, async ([ticker, list]) => {
        try {
          const r =
            mode === "native"
              ? await env.TICKER.get(env.TICKER.idFromName(ticker)).applyTrades(ticker, list)
              : await itty.get(ticker).applyTrades(ticker, list);
          added += r.added;
        } catch (e) {
          errors++;
          firstError ??= String(/** @type {{ message?: string } | undefined} */ (e)?.message || e).slice(0, 200);
        }
      });
      const ms = Date.now() - t0;
      return Response.json({ mode, trades: n, calls: calls.length, added, errors, first_error: firstError, ms });
    }
    if (url.pathname === "/ingest" && req.method === "POST") {
      // What POST /admin/ingest/trades does after auth: validate the body, hand it to the ingest object.
      const body = IngestBody.parse(await req.json());
      const r = await env.INGEST.get(env.INGEST.idFromName("kalshi")).ingestTrades(body.trades);
      return Response.json(r);
    }
    if (url.pathname === "/migrate" && req.method === "POST") {
      for (const sql of await req.json()) await env.DB.prepare(sql).run();
      return Response.json({ ok: true });
    }
    if (url.pathname === "/ingest/start" && req.method === "POST") {
      const opts = await req.json();
      return Response.json(await env.INGEST.get(env.INGEST.idFromName(opts.feed ?? "kalshi")).start(opts));
    }
    if (url.pathname === "/ingest/health") {
      const feed = url.searchParams.get("feed") ?? "kalshi";
      return Response.json(await env.INGEST.get(env.INGEST.idFromName(feed)).health());
    }
    if (url.pathname === "/ingest/stop" && req.method === "POST") {
      const feed = url.searchParams.get("feed") ?? "kalshi";
      return Response.json(await env.INGEST.get(env.INGEST.idFromName(feed)).stop());
    }
    if (url.pathname === "/ticker") {
      const t = String(url.searchParams.get("t"));
      return Response.json(await env.TICKER.get(env.TICKER.idFromName(t)).snapshot());
    }
    return new Response("not found", { status: 404 });
  },
};

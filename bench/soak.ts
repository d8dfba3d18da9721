/**
 * Soak: everything at once (issue #17). `npm start` with N simulated markets, then for M minutes
 * at once:
 * - a mixed read load (market lists with filters and cursors, single markets, events, fees with
 *   quotes, tickers and builders, tools, MCP calls; ~30 % sent with `Cache-Control: no-cache`, so
 *   KV hits and misses both) — at a fixed offered rate for the first half, at saturation (a
 *   closed loop of --connections) for the second;
 * - a full sync at the start, an incremental every minute, the simulator's mutations on (its
 *   hourly rates plus an explicit batch of metadata changes, new and vanished markets each minute);
 * - the stream at --trades trades/s over --stream-markets markets with the simulator's WebSocket
 *   drops, gaps and duplicates.
 * Reported and held: no 5xx; p50/p99 per route family against the same routes unloaded (measured
 * before the load); the RSS of every process of the service every 10 s and its trend; after the
 * load stops, D1 against the simulator's truth (after the last incremental, then after a final
 * full sync) and every streamed ticker's builders against a reference recomputed from the trades
 * the simulator recorded (`GET /markets/trades`).
 *
 *   PATH=node_modules/node/bin:$PATH npx tsx bench/soak.ts [--markets 200000] [--minutes 10]
 *     [--rate 40] [--connections 8] [--trades 5000] [--stream-markets 500] [--port 8870]
 *     [--sim-port 8871] [--dir /tmp/ssmd-soak] [--json out.json]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, rmSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import {
  DEFAULT_PRICE_WINDOW,
  DEFAULT_VOLUME_WINDOW_MS,
  PriceHistoryBuilder,
  VolumeProfileBuilder,
} from "../src/builders";
import { KalshiTradeSchema } from "../src/kalshi/wire/rest";
import { normalizeRestTrade } from "../src/stream/backfill";
import { toBuilderTrade } from "../src/stream/normalize";
import {
  adminGet,
  adminPost,
  d1Markets,
  getRetry,
  diffCount,
  diffTruth,
  load,
  processTree,
  QUIET,
  quantile,
  type Row,
  type Run,
  root,
  seeded,
  simNow,
  simPost,
  sleep,
  startSync,
  summarizeDiff,
  trend,
  truthMarkets,
  waitDone,
} from "./soak-harness";

const { values } = parseArgs({
  options: {
    markets: { type: "string", default: "200000" },
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "40" },
    connections: { type: "string", default: "8" },
    trades: { type: "string", default: "5000" },
    "stream-markets": { type: "string", default: "500" },
    // Odd: trade and ticker messages alternate on the connection, and only a sequenced (trade)
    // message can be dropped or jump — an even count would land on ticker messages only.
    "drop-every": { type: "string", default: "49999" },
    "gap-every": { type: "string", default: "69997" },
    "duplicate-every": { type: "string", default: "997" },
    port: { type: "string", default: "8870" },
    "sim-port": { type: "string", default: "8871" },
    dir: { type: "string", default: "/tmp/ssmd-soak" },
    seed: { type: "string", default: "1" },
    json: { type: "string" },
  },
});
const MINUTES = Number(values.minutes);
const PORT = Number(values.port);
const SIM_PORT = Number(values["sim-port"]);
const TOKEN = "soak-token";
const REQUEST_TIMEOUT_MS = 60_000;
const ORIGIN = `http://127.0.0.1:${PORT}`;
const SIM = `http://127.0.0.1:${SIM_PORT}/_sim`;
const KALSHI = `http://127.0.0.1:${SIM_PORT}/trade-api/v2`;
const t0 = Date.now();
const log = (msg: string) => process.stderr.write(`[soak ${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}\n`);
const rand = seeded(Number(values.seed));
const report: Record<string, unknown> = {
  markets: Number(values.markets),
  minutes: MINUTES,
  offered_rate: Number(values.rate),
  connections: Number(values.connections),
  trades_per_s: Number(values.trades),
  stream_markets: Number(values["stream-markets"]),
  ws_faults: {
    drop_every: Number(values["drop-every"]),
    gap_every: Number(values["gap-every"]),
    duplicate_every: Number(values["duplicate-every"]),
  },
  load_at_start: load(),
};

// ------------------------------------------------------------------ the service

rmSync(values.dir!, { recursive: true, force: true });
const startLog = createWriteStream(`${values.dir}.start.log`);
const service: ChildProcess = spawn("npm", ["start"], {
  cwd: root,
  env: {
    ...process.env,
    SSMD_PORT: String(PORT),
    SSMD_SIM_PORT: String(SIM_PORT),
    SSMD_SIM_MARKETS: values.markets,
    SSMD_SIM_SEED: values.seed,
    SSMD_PERSIST_DIR: values.dir,
    SSMD_ADMIN_TOKEN: TOKEN,
    SSMD_READ_RATE_LIMIT: "off",
  },
  stdio: ["pipe", "pipe", "pipe"],
  detached: true,
});
let ready = false;
service.stdout?.pipe(startLog);
service.stderr?.on("data", (d) => {
  startLog.write(d);
  if (String(d).includes("[ssmd] ready:")) ready = true;
});
function stopService() {
  try {
    process.kill(-service.pid!, "SIGTERM");
  } catch {
    // gone
  }
}
process.on("exit", stopService);

const admin = <T>(path: string) => adminGet<T>(ORIGIN, TOKEN, path);

// ------------------------------------------------------------------ the read load

type Family = "markets-list" | "market" | "events" | "fees" | "tickers" | "tools" | "mcp";
interface Req {
  family: Family;
  method: "GET" | "POST";
  path: string;
  body?: string;
}
interface Catalog {
  requests: Req[];
}

/** A setup read; one retry on a reset connection (a reused keep-alive socket the server had just closed). */
async function json<T>(path: string, retry = true): Promise<T> {
  let res: Response;
  try {
    res = await fetch(ORIGIN + path);
  } catch (e) {
    if (!retry) throw e;
    log(`GET ${path}: ${String((e as Error).cause ?? e)}; once more`);
    return json(path, false);
  }
  if (!res.ok) throw new Error(`GET ${path} → ${res.status}`);
  return (await res.json()) as T;
}

/** The mix: every family's requests built from what D1 and the stream hold now. */
async function buildCatalog(streamTickers: string[]): Promise<Catalog> {
  type M = { ticker: string; event_ticker: string; series_ticker: string | null; category: string | null };
  const open = (await json<{ markets: M[] }>("/markets?status=open&limit=1000")).markets;
  const pick = <T>(xs: T[], n: number) => Array.from({ length: n }, () => xs[Math.floor(rand() * xs.length)]!);
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 20; i++) {
    const q: string = `/markets?status=open&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    cursor = (await json<{ cursor: string | null }>(q)).cursor;
    if (!cursor) break;
    cursors.push(cursor);
  }
  const categories = [...new Set(open.map((m) => m.category).filter(Boolean))] as string[];
  const series = [...new Set(open.map((m) => m.series_ticker).filter(Boolean))] as string[];
  const quotable: string[] = [];
  for (const s of series.slice(0, 40)) {
    const r = await json<{ series: { fee_type: string } }>(`/series/${encodeURIComponent(s)}`).catch(() => null);
    if (r && r.series.fee_type !== "flat") quotable.push(s);
  }
  const day = new Date().toISOString().slice(0, 10);
  const weekAhead = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  const reqs: Req[] = [];
  const get = (family: Family, path: string) => reqs.push({ family, method: "GET", path });
  for (const c of cursors) get("markets-list", `/markets?status=open&limit=100&cursor=${encodeURIComponent(c)}`);
  for (const c of categories) get("markets-list", `/markets?category=${encodeURIComponent(c)}&status=open&limit=50`);
  for (const s of pick(series, 10))
    get("markets-list", `/markets?series=${encodeURIComponent(s)}&closing_before=${weekAhead}`);
  get("markets-list", "/markets?limit=100");
  get("markets-list", "/markets?status=closed&limit=100");
  for (const m of pick(open, 200)) get("market", `/markets/${encodeURIComponent(m.ticker)}`);
  get("events", "/events?limit=100");
  get("events", "/events?status=open&limit=100");
  for (const c of categories) get("events", `/events?category=${encodeURIComponent(c)}&limit=50`);
  for (const m of pick(open, 40)) get("events", `/events/${encodeURIComponent(m.event_ticker)}`);
  get("fees", "/fees");
  for (const s of quotable)
    for (const price of ["0.07", "0.45", "0.93"])
      get(
        "fees",
        `/fees?series=${encodeURIComponent(s)}&price=${price}&contracts=${1 + Math.floor(rand() * 500)}&role=taker`,
      );
  get("tickers", `/tickers?date=${day}&limit=500`);
  for (const t of pick(streamTickers, 60)) {
    const e = encodeURIComponent(t);
    get("tickers", `/tickers/${e}`);
    get("tickers", `/tickers/${e}/price_history?window=50`);
    get("tickers", `/tickers/${e}/volume_profile?window=90s`);
  }
  for (const m of pick(open, 30))
    reqs.push({
      family: "tools",
      method: "POST",
      path: "/tools/get_market",
      body: JSON.stringify({ ticker: m.ticker }),
    });
  for (const t of pick(streamTickers, 20))
    reqs.push({ family: "tools", method: "POST", path: "/tools/get_ticker", body: JSON.stringify({ ticker: t }) });
  reqs.push({ family: "tools", method: "POST", path: "/tools/list_markets", body: '{"status":"open","limit":20}' });
  reqs.push({ family: "tools", method: "GET", path: "/tools" });
  const mcp = (name: string, args: unknown) =>
    reqs.push({
      family: "mcp",
      method: "POST",
      path: "/mcp",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
    });
  for (const m of pick(open, 20)) mcp("get_market", { ticker: m.ticker });
  mcp("list_events", { status: "open", limit: 10 });
  for (const s of quotable.slice(0, 5)) mcp("get_fees", { series: s, price: "0.5", contracts: "10" });
  for (const t of pick(streamTickers, 10)) mcp("get_price_history", { ticker: t, window: 20 });
  reqs.push({ family: "mcp", method: "POST", path: "/mcp", body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });
  return { requests: reqs };
}

interface Stats {
  lat: Record<string, number[]>;
  status: Record<string, number>;
  xcache: Record<string, number>;
  fivexx: Array<{ path: string; status: number; body: string }>;
  errors: Array<{ path: string; error: string }>;
  timeouts: number;
}
const newStats = (): Stats => ({ lat: {}, status: {}, xcache: {}, fivexx: [], errors: [], timeouts: 0 });

/** One request of the mix: ~30 % skip KV (`no-cache`). Records latency to the last byte. */
async function send(r: Req, st: Stats): Promise<void> {
  const headers: Record<string, string> = {};
  if (r.method === "POST") headers["content-type"] = "application/json";
  if (r.family === "mcp") headers.accept = "application/json, text/event-stream";
  if (rand() < 0.3) headers["cache-control"] = "no-cache";
  const s = performance.now();
  try {
    // A bound on each request, so an overloaded service shows as timeouts rather than a stalled load.
    const res = await fetch(ORIGIN + r.path, {
      method: r.method,
      headers,
      body: r.body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = await res.text();
    (st.lat[r.family] ??= []).push(performance.now() - s);
    st.status[res.status] = (st.status[res.status] ?? 0) + 1;
    const x = res.headers.get("x-cache") ?? "none";
    st.xcache[x] = (st.xcache[x] ?? 0) + 1;
    if (res.status >= 500 && st.fivexx.length < 50)
      st.fivexx.push({ path: r.path, status: res.status, body: body.slice(0, 300) });
    else if (res.status >= 500) st.fivexx.push({ path: "", status: res.status, body: "" });
  } catch (e) {
    if (e instanceof DOMException && e.name === "TimeoutError") st.timeouts++;
    else st.errors.push({ path: r.path, error: String(e).slice(0, 200) });
  }
}

function latencyTable(st: Stats): Record<string, { n: number; p50: number; p99: number }> {
  const out: Record<string, { n: number; p50: number; p99: number }> = {};
  for (const [f, xs] of Object.entries(st.lat)) {
    const s = [...xs].sort((a, b) => a - b);
    out[f] = { n: s.length, p50: +quantile(s, 0.5).toFixed(1), p99: +quantile(s, 0.99).toFixed(1) };
  }
  return out;
}

/** Unloaded: each request of the mix in turn, one at a time, `rounds` times. */
async function unloaded(cat: Catalog, rounds: number): Promise<Stats> {
  const st = newStats();
  for (let i = 0; i < rounds; i++) for (const r of cat.requests) await send(r, st);
  return st;
}

/** Open loop at `rate` req/s until `untilMs` (capped in flight, so an overload shows as latency, not as a pile). */
async function fixedRate(
  cat: Catalog,
  rate: number,
  untilMs: number,
  st: Stats,
): Promise<{ sent: number; late: number }> {
  const inflight = new Set<Promise<void>>();
  let sent = 0;
  let late = 0;
  const start = performance.now();
  while (Date.now() < untilMs) {
    const due = start + (sent * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -1000) late++;
    if (inflight.size >= 256) await Promise.race(inflight);
    const p = send(cat.requests[Math.floor(rand() * cat.requests.length)]!, st).finally(() => inflight.delete(p));
    inflight.add(p);
    sent++;
  }
  await Promise.all(inflight);
  return { sent, late };
}

/** Closed loop: `connections` clients back to back until `untilMs`. */
async function saturation(cat: Catalog, connections: number, untilMs: number, st: Stats): Promise<number> {
  let n = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < untilMs) {
        await send(cat.requests[Math.floor(rand() * cat.requests.length)]!, st);
        n++;
      }
    }),
  );
  return n;
}

// ------------------------------------------------------------------ builders against the tape

interface TickerView {
  price_history: unknown;
  volume_profile: unknown;
  stats: { trades_retained: number };
}

/** Every trade the simulator recorded for `ticker` (its tape, newest first, pages of 1000). */
async function tape(ticker: string): Promise<unknown[]> {
  const out: unknown[] = [];
  let cursor = "";
  for (;;) {
    const q = new URLSearchParams({ ticker, limit: "1000" });
    if (cursor) q.set("cursor", cursor);
    const page = (await (await getRetry(`${KALSHI}/markets/trades?${q}`)).json()) as {
      trades: unknown[];
      cursor: string;
    };
    out.push(...page.trades);
    if (!page.cursor) return out;
    cursor = page.cursor;
  }
}

/** The builders a ticker object must hold after exactly these trades: the default windows over all of them. */
function reference(trades: unknown[]) {
  const bt = trades.map((t) => {
    const n = normalizeRestTrade(KalshiTradeSchema.parse(t), false);
    if (!n.ok) throw new Error(n.reason);
    return toBuilderTrade(n.value);
  });
  return {
    price_history: PriceHistoryBuilder.of(bt, DEFAULT_PRICE_WINDOW).snapshot(),
    volume_profile: VolumeProfileBuilder.of(bt, DEFAULT_VOLUME_WINDOW_MS).snapshot(),
    count: new Set(bt.map((t) => t.id)).size,
  };
}

async function checkBuilders(tickers: string[]) {
  let traded = 0;
  let equal = 0;
  let trades = 0;
  const problems: string[] = [];
  for (const t of tickers) {
    const tp = await tape(t);
    const res = await fetch(`${ORIGIN}/tickers/${encodeURIComponent(t)}`, { headers: { "cache-control": "no-cache" } });
    if (tp.length === 0) {
      if (res.status !== 404) problems.push(`${t}: no trade on the tape, GET /tickers → ${res.status}`);
      continue;
    }
    traded++;
    trades += tp.length;
    if (!res.ok) {
      problems.push(`${t}: ${tp.length} trades on the tape, GET /tickers → ${res.status}`);
      continue;
    }
    const got = (await res.json()) as TickerView;
    const want = reference(tp);
    const diffs: string[] = [];
    if (JSON.stringify(got.price_history) !== JSON.stringify(want.price_history)) diffs.push("price_history");
    if (JSON.stringify(got.volume_profile) !== JSON.stringify(want.volume_profile)) diffs.push("volume_profile");
    if (got.stats.trades_retained !== want.count)
      diffs.push(`trades_retained ${got.stats.trades_retained} ≠ tape ${want.count}`);
    if (diffs.length === 0) equal++;
    else problems.push(`${t}: ${diffs.join(", ")}`);
  }
  return {
    tickers: tickers.length,
    traded,
    tape_trades: trades,
    equal,
    problems: problems.length,
    examples: problems.slice(0, 8),
  };
}

// ------------------------------------------------------------------ main

interface IngestHealth {
  connected: boolean;
  reconnects: number;
  subscriptions: { sid: number | null; markets: number; subscribing: boolean }[];
  protocol: { frames: number; trades: number; gaps: number; duplicate_frames: number; resubscribes: number };
  backfill: { backfills: number; backfilled_trades: number; running: boolean; pending_tickers: number; errors: number };
  forward: {
    trades: number;
    added: number;
    duplicates: number;
    outside: number;
    rejected: number;
    failures: number;
    dropped_trades?: number;
  };
}

try {
  log(`npm start: ${values.markets} markets on :${PORT} (sim :${SIM_PORT}), state ${values.dir}; load ${load()}`);
  const s0 = Date.now();
  while (!ready) {
    if (service.exitCode !== null) throw new Error(`npm start exited ${service.exitCode}: see ${values.dir}.start.log`);
    if (Date.now() - s0 > 30 * 60_000) throw new Error("npm start not ready after 30 min");
    await sleep(500);
  }
  report.start_to_ready_s = (Date.now() - s0) / 1000;
  log(`ready in ${report.start_to_ready_s} s`);

  // The stream's markets: open ones that stay open past the soak (closing after a day).
  const after = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const streamTickers: string[] = [];
  let c: string | null = null;
  while (streamTickers.length < Number(values["stream-markets"])) {
    const q: string = `/markets?status=active&closing_after=${after}&limit=1000${c ? `&cursor=${encodeURIComponent(c)}` : ""}`;
    const page = await json<{ markets: Array<{ ticker: string }>; cursor: string | null }>(q);
    streamTickers.push(...page.markets.map((m) => m.ticker));
    c = page.cursor;
    if (!c) break;
  }
  streamTickers.length = Math.min(streamTickers.length, Number(values["stream-markets"]));
  await simPost(SIM, "/config", { trade_rate_per_s: 0 });
  const started = await adminPost(ORIGIN, TOKEN, "/admin/ingest/start", { markets: streamTickers });
  if (!started.ok) throw new Error(`ingest start → ${started.status} ${await started.text()}`);
  for (;;) {
    const h = await admin<IngestHealth>("/admin/ingest/health");
    if (
      h.connected &&
      h.subscriptions.length > 0 &&
      h.subscriptions.every((s) => s.sid !== null && s.markets === streamTickers.length && !s.subscribing)
    )
      break;
    await sleep(200);
  }
  // A first trade on every stream market, so the ticker routes have data for the unloaded baseline.
  await simPost(SIM, "/feed/pump", { trades: streamTickers.length * 4 });
  await sleep(3000);
  const cat = await buildCatalog(streamTickers);
  report.catalog = Object.fromEntries(
    (["markets-list", "market", "events", "fees", "tickers", "tools", "mcp"] as Family[]).map((f) => [
      f,
      cat.requests.filter((r) => r.family === f).length,
    ]),
  );
  log(`catalog ${JSON.stringify(report.catalog)}; unloaded baseline`);
  const base = await unloaded(cat, 2);
  report.unloaded = {
    latency: latencyTable(base),
    status: base.status,
    xcache: base.xcache,
    errors: base.errors.length,
    load: load(),
  };
  log(`unloaded ${JSON.stringify(report.unloaded)}`);

  // Everything at once.
  const soakStart = Date.now();
  const soakEnd = soakStart + MINUTES * 60_000;
  report.soak_started = new Date(soakStart).toISOString();
  report.load_at_soak_start = load();
  await simPost(SIM, "/config", { trade_rate_per_s: Number(values.trades) });
  await simPost(SIM, "/faults", {
    ws: {
      drop_every: Number(values["drop-every"]),
      gap_every: Number(values["gap-every"]),
      duplicate_every: Number(values["duplicate-every"]),
    },
  });
  let running = true;

  // Memory of every process of the service, and of this load generator, every 10 s.
  const memory: Array<{ t_s: number; load1: number; rss_mb: Record<string, number> }> = [];
  const sampler = (async () => {
    while (running) {
      const rss: Record<string, number> = {};
      for (const p of processTree(service.pid!)) rss[`${p.name}#${p.pid}`] = +(p.rss_kb / 1024).toFixed(1);
      rss["load-generator (this process)"] = +(process.memoryUsage().rss / 1048576).toFixed(1);
      memory.push({ t_s: Math.round((Date.now() - soakStart) / 1000), load1: +load().split(" ")[0]!, rss_mb: rss });
      await sleep(10_000);
    }
  })();

  // Syncs: a full one now, then an incremental every minute, with a batch of mutations before each.
  const syncs: Array<Record<string, unknown>> = [];
  const runIds: string[] = [];
  const syncDriver = (async () => {
    let minute = 0;
    while (running) {
      const mode = minute === 0 ? "full" : "incremental";
      let mutated: Record<string, number> = {};
      if (minute > 0) {
        const m = await simPost<Record<string, unknown[]>>(SIM, "/mutate", {
          change_fraction: 0.01,
          metadata_changes: 50,
          new_markets: 20,
          vanish: 5,
        });
        mutated = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Array.isArray(v) ? v.length : Number(v)]));
      }
      const r = await startSync(ORIGIN, TOKEN, mode);
      syncs.push({
        at_s: Math.round((Date.now() - soakStart) / 1000),
        mode,
        answer: r.status,
        outcome: r.outcome,
        run_id: r.runId,
        mutated,
      });
      if (r.runId) runIds.push(r.runId);
      log(`sync ${mode}: ${r.status} ${r.outcome ?? ""} ${r.runId ?? ""} mutated ${JSON.stringify(mutated)}`);
      minute++;
      const next = soakStart + minute * 60_000;
      while (running && Date.now() < next) await sleep(500);
    }
  })();

  const health: Array<Record<string, unknown>> = [];
  const healthPoller = (async () => {
    while (running) {
      await sleep(10_000);
      const h = await admin<IngestHealth>("/admin/ingest/health").catch((e) => ({ error: String(e) }) as never);
      health.push({ t_s: Math.round((Date.now() - soakStart) / 1000), ...summarizeHealth(h) });
    }
  })();

  const half = soakStart + (soakEnd - soakStart) / 2;
  const fixed = newStats();
  const fr = await fixedRate(cat, Number(values.rate), half, fixed);
  log(`fixed-rate half done: ${fr.sent} sent, ${JSON.stringify(latencyTable(fixed))}; load ${load()}`);
  const sat = newStats();
  const satN = await saturation(cat, Number(values.connections), soakEnd, sat);
  log(`saturation half done: ${satN} requests, ${JSON.stringify(latencyTable(sat))}; load ${load()}`);
  running = false;
  report.load_at_soak_end = load();
  await Promise.all([sampler, syncDriver, healthPoller]);

  const satSeconds = (soakEnd - half) / 1000;
  report.fixed_rate = {
    offered_per_s: Number(values.rate),
    sent: fr.sent,
    late_by_over_1s: fr.late,
    latency: latencyTable(fixed),
    status: fixed.status,
    xcache: fixed.xcache,
    fivexx: fixed.fivexx.length,
    fivexx_examples: fixed.fivexx.slice(0, 5),
    timeouts_60s: fixed.timeouts,
    network_errors: fixed.errors.length,
    error_examples: fixed.errors.slice(0, 5),
  };
  report.saturation = {
    connections: Number(values.connections),
    requests: satN,
    req_per_s: +(satN / satSeconds).toFixed(1),
    latency: latencyTable(sat),
    status: sat.status,
    xcache: sat.xcache,
    fivexx: sat.fivexx.length,
    fivexx_examples: sat.fivexx.slice(0, 5),
    timeouts_60s: sat.timeouts,
    network_errors: sat.errors.length,
    error_examples: sat.errors.slice(0, 5),
  };
  report.ingest_health = health;

  // Memory: per process, first/last/max and the trend after the first minute.
  const series = new Map<string, Array<[number, number]>>();
  for (const s of memory)
    for (const [k, v] of Object.entries(s.rss_mb)) (series.get(k) ?? series.set(k, []).get(k)!).push([s.t_s, v]);
  report.memory = {
    samples: memory.length,
    per_process: Object.fromEntries(
      [...series].map(([k, pts]) => {
        const warm = pts.filter(([t]) => t >= 60);
        const tr = trend(
          warm.map(([t]) => t / 60),
          warm.map(([, v]) => v),
        );
        return [
          k,
          {
            first_mb: pts[0]![1],
            last_mb: pts.at(-1)![1],
            max_mb: Math.max(...pts.map(([, v]) => v)),
            slope_mb_per_min_after_1min: +tr.slope.toFixed(2),
            growth_over_span: `${(tr.growth * 100).toFixed(1)} %`,
          },
        ];
      }),
    ),
    raw: memory,
  };

  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2));

  // After the load: the stream and the mutations stop, the last runs finish.
  await simPost(SIM, "/config", { trade_rate_per_s: 0, mutation_rates: QUIET });
  await simPost(SIM, "/faults", { rules: [], ws: {} });
  const finished: Array<Record<string, unknown>> = [];
  for (const id of runIds) {
    const r = await waitDone(ORIGIN, TOKEN, id, 600_000);
    finished.push(runSummary(r));
  }
  report.syncs = syncs.map((s) => ({ ...s, run: finished.find((f) => f.run_id === s.run_id) }));
  log(`syncs: ${JSON.stringify(report.syncs)}`);

  // The stream settles: no backfill running, the forwarded count still for 10 s.
  let lastAdded = -1;
  let still = 0;
  for (let i = 0; i < 240 && still < 5; i++) {
    const h = await admin<IngestHealth>("/admin/ingest/health");
    const n = h.forward.added + h.forward.duplicates + h.forward.outside + h.forward.rejected;
    still = n === lastAdded && !h.backfill.running && h.backfill.pending_tickers === 0 ? still + 1 : 0;
    lastAdded = n;
    await sleep(2000);
  }
  const hEnd = await admin<IngestHealth>("/admin/ingest/health");
  report.ingest_end = summarizeHealth(hEnd);
  await adminPost(ORIGIN, TOKEN, "/admin/ingest/stop", {});
  log(`ingest at the end: ${JSON.stringify(report.ingest_end)}`);
  report.builders = await checkBuilders(streamTickers).catch((e) => ({ error: String(e), problems: -1 }));
  log(`builders: ${JSON.stringify(report.builders)}`);

  // D1 against the truth: after one more incremental (the mutations' last minute), then after a full sync.
  for (const mode of ["incremental", "full"] as const) {
    const r = await startSync(ORIGIN, TOKEN, mode);
    if (!r.runId) throw new Error(`final ${mode} refused: ${r.status}`);
    const syncStartMs = await simNow(SIM);
    const run = await waitDone(ORIGIN, TOKEN, r.runId, 600_000);
    const nowMs = await simNow(SIM);
    const [d1, truth] = [await d1Markets(ORIGIN), await truthMarkets(SIM)];
    // The simulator's clock runs on (status transitions at close/settlement times): a market whose
    // truth moved after the sync began is not one the sync could have had.
    const moved = (m: Row) => Date.parse(String(m.updated_time ?? 0)) >= syncStartMs - 1000;
    const d = diffTruth(d1, truth, nowMs, moved);
    report[`d1_after_final_${mode}`] = {
      run: runSummary(run),
      d1_rows: d1.size,
      ...summarizeDiff(d),
      ok: diffCount(d) === 0,
    };
    log(`D1 after the final ${mode}: ${JSON.stringify(report[`d1_after_final_${mode}`])}`);
  }

  const fivexx = (report.fixed_rate as { fivexx: number }).fivexx + (report.saturation as { fivexx: number }).fivexx;
  const b = report.builders as { problems: number };
  const full = report.d1_after_final_full as { ok: boolean; wrongly_deleted?: unknown };
  const inc = report.d1_after_final_incremental as { wrongly_deleted?: unknown };
  report.holds = {
    no_5xx: fivexx === 0,
    builders_equal_reference: b.problems === 0,
    d1_equals_truth_after_full: full.ok,
    no_wrong_soft_delete: !full.wrongly_deleted && !inc.wrongly_deleted,
    syncs_succeeded: finished.every((f) => f.status === "succeeded"),
  };
  report.ok = Object.values(report.holds as Record<string, boolean>).every(Boolean);
} catch (e) {
  // What was measured so far is kept (the report is written below either way).
  report.error = String((e as Error).stack ?? e);
  log(`failed: ${report.error}`);
} finally {
  report.seconds = (Date.now() - t0) / 1000;
  stopService();
}

function summarizeHealth(h: IngestHealth) {
  if (!h.protocol) return h as unknown as Record<string, unknown>;
  return {
    connected: h.connected,
    reconnects: h.reconnects,
    frames: h.protocol.frames,
    trades: h.protocol.trades,
    gaps: h.protocol.gaps,
    duplicate_frames: h.protocol.duplicate_frames,
    resubscribes: h.protocol.resubscribes,
    backfills: h.backfill.backfills,
    backfilled_trades: h.backfill.backfilled_trades,
    backfill_errors: h.backfill.errors,
    added: h.forward.added,
    duplicates: h.forward.duplicates,
    outside: h.forward.outside,
    rejected: h.forward.rejected,
    failures: h.forward.failures,
    dropped_trades: h.forward.dropped_trades,
  };
}

function runSummary(r: Run) {
  return {
    run_id: r.run_id,
    mode: r.mode,
    status: r.status,
    pages: r.progress.pages,
    items: r.progress.items_seen,
    rows_written: r.progress.rows_written,
    soft_deleted: r.progress.soft_deleted,
    retries: r.progress.retries,
    errors: r.progress.errors.slice(0, 3),
    error: r.error,
  };
}

const out = JSON.stringify(report, null, 2);
if (values.json) writeFileSync(values.json, out);
const { raw: _raw, ...memoryShown } = (report.memory ?? {}) as Record<string, unknown>;
console.log(JSON.stringify({ ...report, memory: memoryShown }, null, 2));
console.log(report.ok ? "OK: the soak held" : "FAILED: see holds");
process.exitCode = report.ok ? 0 : 1;

/**
 * End-to-end: starts the service exactly as `npm start` does (simulator + migrations + the Worker
 * bundle under Miniflare + first sync), on its own ports and a throw-away local state directory,
 * then talks real HTTP to it, runs the `ssmd` CLI against it, and finally stops it with SIGTERM.
 */
import { test, before, after } from "node:test";
import { portOpen } from "./net.mjs";
import { get } from "node:http";
import { SCHEDULED_PATH } from "../../scripts/serve-worker.mjs";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { root, startService } from "./start-service.mjs";

const port = 18787 + Math.floor(Math.random() * 500);
const simPort = port + 1000;
const origin = `http://127.0.0.1:${port}`;
const token = "e2e-admin-token";
/** `npm start`'s process (set by before()). */
/** @type {import("node:child_process").ChildProcess | undefined} */
let service;
let stopService = () => {};

const execFileP = promisify(execFile);
/**
 * Runs the `ssmd` bin against the service; never throws.
 * @param {string[]} args
 * @param {Record<string, string>} [extraEnv]
 * @returns {Promise<{ code: number | string, stdout: string, stderr: string }>}
 */
async function cli(args, extraEnv = {}) {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [join(root, "cli", "bin.mjs"), ...args], {
      env: { ...process.env, SSMD_URL: origin, SSMD_TOKEN: token, ...extraEnv },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    // execFile's rejection: the exit code (or an error code such as ETIMEDOUT) and the output so far.
    const e = /** @type {{ code?: number | string, stdout?: string, stderr?: string }} */ (err);
    return { code: e.code ?? 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/**
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<{ status: number, body: any }>}
 */
async function getJson(path, init) {
  const r = await fetch(origin + path, init);
  return { status: r.status, body: await r.json() };
}

/** @typedef {{ trigger: string, status: string, mode: string }} SyncRun  an entry of GET /admin/sync's `runs` */

before(async () => {
  const started = await startService({ port, token, markets: 3000 });
  service = started.child;
  stopService = started.stop;
});

after(() => stopService());

test("healthz reports version and reachable D1, KV and Kalshi source", async () => {
  const { status, body } = await getJson("/healthz");
  assert.equal(status, 200);
  assert.equal(typeof body.version, "string");
  assert.deepEqual(
    { d1: body.checks?.d1, kv: body.checks?.kv, kalshi: body.checks?.kalshi },
    { d1: true, kv: true, kalshi: true },
  );
});

test("the first sync filled the security master from the simulator", async () => {
  const { status, body } = await getJson("/markets?status=open&limit=5");
  assert.equal(status, 200);
  assert.equal(body.markets.length, 5);
  for (const m of body.markets) {
    assert.equal(m.status, "open");
    assert.equal(typeof m.event?.event_ticker, "string");
  }
  const one = await getJson(`/markets/${encodeURIComponent(body.markets[0].ticker)}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.market?.ticker ?? one.body.ticker, body.markets[0].ticker);
  const events = await getJson("/events?limit=3");
  assert.equal(events.status, 200);
  assert.ok(events.body.events.length > 0);
  const fees = await getJson("/fees?tier=default");
  assert.equal(fees.status, 200);
});

test("errors are JSON and never 500", async () => {
  const bad = await getJson("/markets?status=bogus");
  assert.equal(bad.status, 400);
  assert.equal(typeof bad.body.error?.message, "string");
  const missing = await getJson("/markets/NO-SUCH-TICKER");
  assert.equal(missing.status, 404);
  const unauth = await fetch(`${origin}/admin/sync`, { method: "POST", body: "{}" });
  assert.equal(unauth.status, 401);
});

test("ssmd CLI lists, shows and syncs against the running service", async () => {
  const list = await cli(["secmaster", "list", "--status=open", "--limit=3", "--json"]);
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout);
  const markets = Array.isArray(rows) ? rows : rows.markets;
  assert.equal(markets.length, 3);
  const show = await cli(["secmaster", "show", markets[0].ticker]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, new RegExp(markets[0].ticker.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  const sync = await cli(["secmaster", "sync", "--incremental"]);
  assert.equal(sync.code, 0, sync.stderr);
});

test("ssmd CLI fails with a one-line error when the server is unreachable", async () => {
  const r = await cli(["secmaster", "list"], { SSMD_URL: "http://127.0.0.1:1" });
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr.trim().split("\n").length, 1);
});

test("the stream ingest receives the simulator's trades over WebSocket", async () => {
  const deadline = Date.now() + 60_000;
  let health;
  for (;;) {
    const r = await getJson("/admin/ingest/health", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    health = r.body;
    if (health.connected && health.forward.trades > 0) break;
    if (Date.now() > deadline) assert.fail(`no streamed trades in 60s: ${JSON.stringify(health)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
  assert.ok(health.markets > 0);
});

test("trades pushed over HTTP feed the ticker's builders and the day's ticker registry", async () => {
  // A ticker of its own, so the simulator's live stream cannot add trades to it.
  const ticker = `KXE2E-${Date.now()}-T1`;
  const now = Date.now();
  const trades = [
    {
      type: "trade",
      ticker,
      trade_id: "e2e-1",
      ts: now - 2000,
      price_dollars: "0.4000",
      count_fp: "10.00",
      taker_side: "yes",
    },
    {
      type: "trade",
      ticker,
      trade_id: "e2e-2",
      ts: now - 1000,
      price_dollars: "0.5000",
      count_fp: "30.00",
      taker_side: "no",
    },
  ];
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const pushed = await fetch(`${origin}/admin/ingest/trades`, {
    method: "POST",
    headers,
    body: JSON.stringify({ trades }),
  });
  assert.equal(pushed.status, 200, await pushed.clone().text());

  // The day of the trades themselves: `now`'s day can be the next one (a run just after midnight UTC).
  const last = trades.at(-1);
  assert.ok(last);
  const day = new Date(last.ts).toISOString().slice(0, 10);
  const listed = await getJson(`/tickers?feed=kalshi&date=${day}`);
  assert.equal(listed.status, 200);
  assert.ok(JSON.stringify(listed.body).includes(ticker), `${ticker} not in the day's registry`);

  const ph = await getJson(`/tickers/${ticker}/price_history?window=2`);
  assert.equal(ph.status, 200);
  const p = ph.body.price_history;
  // Seed names in cents, *_dollars twins in dollars (docs/api.md, "Units").
  assert.deepEqual(
    {
      count: p.count,
      last: p.last,
      high: p.high,
      low: p.low,
      last_dollars: p.last_dollars,
      high_dollars: p.high_dollars,
      low_dollars: p.low_dollars,
    },
    { count: 2, last: 50, high: 50, low: 40, last_dollars: 0.5, high_dollars: 0.5, low_dollars: 0.4 },
  );
  assert.ok(
    Math.abs(p.vwap - 47.5) < 1e-10 && Math.abs(p.vwap_dollars - 0.475) < 1e-12 && Math.abs(p.returns - 0.25) < 1e-12,
  );

  const vp = await getJson(`/tickers/${ticker}/volume_profile?window=1h`);
  assert.equal(vp.status, 200);
  const v = vp.body.volume_profile;
  assert.deepEqual(
    { buy: v.buyVolume, sell: v.sellVolume, total: v.totalVolume, ratio: v.ratio, average: v.average },
    { buy: 10, sell: 30, total: 40, ratio: 0.25, average: 20 },
  );
});

test("cached answers reach an HTTP client gzip-compressed and decode to the same JSON", async () => {
  const path = "/markets?status=open&limit=50";
  const plain = await fetch(origin + path, { headers: { "accept-encoding": "identity", "cache-control": "no-cache" } });
  const json = await plain.text();
  await (await fetch(origin + path)).arrayBuffer(); // fill
  const hit = await fetch(origin + path, { headers: { "accept-encoding": "gzip" } });
  assert.equal(hit.status, 200);
  assert.equal(hit.headers.get("x-cache"), "HIT");
  assert.equal(hit.headers.get("content-encoding"), "gzip");
  assert.equal(await hit.text(), json);
});

test("a client that sends no Accept-Encoding (curl's default) gets plain JSON, from the cache too", async () => {
  const path = "/markets?status=open&limit=40";
  await (await fetch(origin + path)).arrayBuffer(); // fill (fetch accepts gzip)
  // node:http sends no Accept-Encoding unless told to.
  /** @type {{ headers: import("node:http").IncomingHttpHeaders, body: string }} */
  const res = await new Promise((resolve, reject) => {
    get(origin + path, (r) => {
      /** @type {Buffer[]} */
      const chunks = [];
      r.on("data", (c) => chunks.push(c));
      r.on("end", () => resolve({ headers: r.headers, body: Buffer.concat(chunks).toString("utf8") }));
    }).on("error", reject);
  });
  assert.equal(res.headers["x-cache"], "HIT");
  assert.equal(res.headers["content-encoding"], undefined);
  assert.ok(Array.isArray(JSON.parse(res.body).markets));
});

test("every GET route answers gzip to a client that asks for it, cached or not, and decodes to the plain answer", async () => {
  // Walks /openapi.json: the runtime compresses what the Worker sends identity (Miniflare's entry as
  // Cloudflare's edge: Content-Encoding set, workerd compresses), the cache's own gzip bodies are
  // sent as stored — never compressed twice (the decoded text is the identity answer).
  const headers = { authorization: `Bearer ${token}` };
  const doc = (await getJson("/openapi.json")).body;
  const market = (await getJson("/markets?limit=1")).body.markets[0];
  const runId = (await getJson("/admin/sync?limit=1", { headers })).body.runs[0].run_id;
  /** @type {Record<string, string>} */
  const values = {
    ticker: market.ticker,
    event_ticker: market.event_ticker,
    series_ticker: market.series_ticker,
    run_id: runId,
  };
  /** @type {Record<string, string>} required query parameters, fixed (not from the clock) */
  const required = { date: "2026-11-20", interval: "1h" };
  // An endless stream (a WebSocket upgrade or SSE).
  const skipped = new Set(["/tickers/{ticker}/live"]);
  const routes = Object.entries(doc.paths)
    .filter(([p, ops]) => /** @type {any} */ (ops).get && !skipped.has(p))
    .map(([p, ops]) => {
      const params = /** @type {any[]} */ (/** @type {any} */ (ops).get.parameters ?? []);
      const query = params
        .filter((x) => x.in === "query" && x.required)
        .map((x) => `${x.name}=${encodeURIComponent(required[x.name] ?? "")}`);
      return (
        p.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(values[k] ?? "")) +
        (query.length ? `?${query.join("&")}` : "")
      );
    });
  assert.ok(routes.length >= 15 && routes.includes("/markets") && routes.includes("/tools"), routes.join(" "));
  const live = /^\/(healthz|admin\/)/;
  const problems = [];
  for (const path of routes) {
    for (const cache of ["", "no-cache"]) {
      const h = { ...headers, ...(cache ? { "cache-control": cache } : {}) };
      const plain = await fetch(origin + path, { headers: { ...h, "accept-encoding": "identity" } });
      const text = await plain.text();
      // fetch decodes gzip itself; the header says how the bytes travelled.
      const gz = await fetch(origin + path, { headers: { ...h, "accept-encoding": "gzip" } });
      const decoded = await gz.text();
      const what = `${path}${cache ? " (no-cache)" : ""}: ${gz.status}`;
      if (gz.status >= 500) problems.push(`${what} ${decoded.slice(0, 200)}`);
      else if (gz.headers.get("content-encoding") !== "gzip")
        problems.push(`${what} content-encoding ${gz.headers.get("content-encoding")}`);
      else if (plain.headers.get("content-encoding") !== null)
        problems.push(`${what} identity client got ${plain.headers.get("content-encoding")}`);
      // Health and admin answers are of the instant (check results, counters): gzip only.
      else if (live.test(path)) continue;
      else if (/json/.test(gz.headers.get("content-type") ?? "") && !same(text, decoded))
        problems.push(`${what} decoded body is not the identity answer`);
    }
  }
  assert.deepEqual(problems, []);
});

/**
 * The same JSON answer, up to what changes per request (numbers: healthz latencies, run progress;
 * an error's request_id).
 * @param {string} a
 * @param {string} b
 */
function same(a, b) {
  const strip = (/** @type {string} */ t) =>
    JSON.stringify(JSON.parse(t), (k, v) => (typeof v === "number" || k === "request_id" ? 0 : v));
  return strip(a) === strip(b);
}

test("the local cron endpoint runs scheduled(): the quarter-hour cron starts an incremental sync", async () => {
  const headers = { authorization: `Bearer ${token}` };
  const before = (await getJson("/admin/sync?limit=50", { headers })).body.runs.filter(
    (/** @type {SyncRun} */ r) => r.trigger === "cron",
  ).length;
  const r = await fetch(`${origin}${SCHEDULED_PATH}?cron=${encodeURIComponent("*/15 * * * *")}`);
  assert.equal(r.status, 200, await r.text());
  const deadline = Date.now() + 30_000;
  for (;;) {
    /** @type {SyncRun[]} */
    const runs = (await getJson("/admin/sync?limit=50", { headers })).body.runs.filter(
      (/** @type {SyncRun} */ x) => x.trigger === "cron",
    );
    // A new cron run, or (if the local quarter-hour ticker fired just before) the one it joined.
    if (runs.length > before || runs.some((x) => x.status === "running")) {
      assert.equal(runs[0]?.mode, "incremental");
      break;
    }
    if (Date.now() > deadline) assert.fail("no cron-triggered sync run within 30s");
    await new Promise((res) => setTimeout(res, 500));
  }
});

test("SIGTERM stops the service cleanly: exit 0, Worker and simulator ports closed", async () => {
  const started = service;
  assert.ok(started, "before() started the service");
  assert.equal(await portOpen(port), true);
  const exited = new Promise((resolve) => started.once("exit", (code, signal) => resolve({ code, signal })));
  started.kill("SIGTERM");
  const result = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 15_000))]);
  assert.deepEqual(result, { code: 0, signal: null });
  const deadline = Date.now() + 5_000;
  while ((await portOpen(port)) || (await portOpen(simPort))) {
    if (Date.now() > deadline) assert.fail("a port is still open after shutdown");
    await new Promise((res) => setTimeout(res, 200));
  }
});

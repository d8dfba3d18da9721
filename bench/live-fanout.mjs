#!/usr/bin/env node
/**
 * Live push under load, against a running `npm start` (GET /tickers/{ticker}/live, src/stream/live.ts):
 *
 *  fan-out (default): `--clients` WebSocket clients (the `ws` package, acknowledging each message as
 *    the app does; `--slow` of them acknowledge `--slow-ack-ms` late) on one fresh ticker while
 *    trades are offered at `--rate` per second through POST /admin/ingest/trades (`--batches-per-s`
 *    POSTs a second, sent on schedule without waiting for the one before, at most 8 in flight) for
 *    `--seconds`. Reported: updates and trades delivered per client, drop-to-snapshot messages and
 *    the updates they replaced, push latency (trade ts → message at the client), and the workerd
 *    process's CPU (utime + stime from /proc/<pid>/stat) and RSS — first with no client (the same
 *    trades, the cost of ingesting them), then with the clients: the difference is the fan-out's.
 *
 *  --watch 1,10,50: one page watching K tickers, in headless Chromium (Debian's, as the browser
 *    tests): K WebSockets (one per ticker, what the app does) from one page — time until every
 *    socket has its first snapshot, workerd RSS per socket, then each ticker getting a trade per
 *    batch (`--batches-per-s`, `--seconds`): messages at the page and workerd CPU. One socket on one
 *    ticker carrying the same message count is the floor a multiplexed socket could reach.
 *
 *   node bench/live-fanout.mjs --origin http://127.0.0.1:8850 --token T [--clients 100] [--slow 5]
 *        [--slow-ack-ms 1500] [--rate 500] [--batches-per-s 10] [--seconds 30] [--watch 1,10,50]
 *
 * Start the service with SSMD_READ_RATE_LIMIT=off. The workerd process is the one listening on the
 * origin's port (found through /proc/net/tcp).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { parseArgs } from "node:util";
import WebSocket from "ws";

const { values: a } = parseArgs({
  options: {
    origin: { type: "string", default: "http://127.0.0.1:8787" },
    token: { type: "string", default: "dev-admin-token" },
    clients: { type: "string", default: "100" },
    slow: { type: "string", default: "5" },
    "slow-ack-ms": { type: "string", default: "1500" },
    rate: { type: "string", default: "500" },
    "batches-per-s": { type: "string", default: "10" },
    seconds: { type: "string", default: "30" },
    watch: { type: "string" },
  },
});
const origin = /** @type {string} */ (a.origin);
const wsOrigin = origin.replace(/^http/, "ws");
const seconds = Number(a.seconds);
const batchesPerS = Number(a["batches-per-s"]);

const pct = (/** @type {number[]} */ xs, /** @type {number} */ p) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
};
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/** The process listening on the origin's port (workerd): its socket's inode in /proc/net/tcp, then the fd that holds it. */
function workerdPid() {
  const port = Number(new URL(origin).port);
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const inode = readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(hex) && f[3] === "0A")?.[9];
  if (!inode) throw new Error(`nothing listens on port ${port}`);
  for (const p of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${p}/fd/${fd}`) === `socket:[${inode}]`) return Number(p);
      } catch {}
    }
  }
  throw new Error(`no process holds the socket of port ${port} (run as its user)`);
}
const pid = workerdPid();
const CLK_TCK = 100;
/** workerd's CPU seconds so far (user + system) and RSS in MiB. */
function proc() {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpu = (Number(f[11]) + Number(f[12])) / CLK_TCK;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
  return { cpu, rss };
}
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const auth = { authorization: `Bearer ${a.token}`, "content-type": "application/json" };
/** @param {unknown[]} trades */
async function post(trades) {
  const r = await fetch(`${origin}/admin/ingest/trades`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ trades }),
  });
  if (!r.ok) throw new Error(`POST /admin/ingest/trades ${r.status}: ${await r.text()}`);
  await r.arrayBuffer();
}

let seq = 0;
/**
 * @param {string} ticker
 * @param {number} ts
 */
const trade = (ticker, ts) => ({
  type: "trade",
  ticker,
  trade_id: `lf-${process.pid}-${seq++}`,
  ts,
  price_dollars: (0.3 + (seq % 40) / 100).toFixed(4),
  count_fp: `${1 + (seq % 5)}.00`,
  taker_side: seq % 2 ? "yes" : "no",
});

/**
 * Offers `makeBatch()` `batchesPerS` times a second for `seconds`, each POST on schedule (at most 8
 * in flight: a batch due while 8 are outstanding is skipped and counted).
 * @param {(ts: number) => unknown[]} makeBatch
 */
async function offer(makeBatch) {
  const every = 1000 / batchesPerS;
  const n = Math.round(seconds * batchesPerS);
  const t0 = performance.now();
  let inFlight = 0;
  let skipped = 0;
  let sent = 0;
  let trades = 0;
  /** @type {number[]} */
  const lat = [];
  /** @type {Promise<void>[]} */
  const all = [];
  for (let b = 0; b < n; b++) {
    const due = t0 + b * every;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight >= 8) {
      skipped++;
      continue;
    }
    const batch = makeBatch(Date.now());
    inFlight++;
    const s = performance.now();
    all.push(
      post(batch).then(() => {
        inFlight--;
        sent++;
        trades += batch.length;
        lat.push(performance.now() - s);
      }),
    );
  }
  await Promise.all(all);
  const took = (performance.now() - t0) / 1000;
  return { sent, skipped, trades, took, postP50: pct(lat, 50), postP99: pct(lat, 99) };
}

/**
 * A WebSocket subscriber like the app's: acknowledges each message (after `ackDelay` ms if given).
 * @param {string} ticker
 * @param {number} ackDelay
 */
function subscribe(ticker, ackDelay = 0) {
  /** @type {number[]} */
  const lat = [];
  const st = { updates: 0, trades: 0, snapshots: 0, dropped: 0, omitted: 0, lat };
  const ws = new WebSocket(`${wsOrigin}/tickers/${encodeURIComponent(ticker)}/live`);
  const opened = new Promise((resolve, reject) => {
    ws.once("message", () => resolve(undefined));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`live ${res.statusCode}`)));
    ws.once("error", reject);
  });
  ws.on("message", (data) => {
    const at = Date.now();
    const msg = JSON.parse(String(data));
    if (msg.type === "update") {
      st.updates++;
      st.trades += msg.trades.length;
      st.omitted += msg.trades_omitted;
      for (const t of msg.trades) st.lat.push(at - t.ts);
    } else if (msg.type === "snapshot") {
      st.snapshots++;
      st.dropped = msg.dropped;
    }
    const ack = () => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: "ack", seq: msg.seq }));
    if (ackDelay > 0) setTimeout(ack, ackDelay);
    else ack();
  });
  return { ws, st, opened };
}

/** A ticker of its own for this run, made known to the live route by one trade. */
async function freshTicker(tag = "") {
  const t = `KXLIVEBENCH-${process.pid}${tag}`;
  await post([trade(t, Date.now())]);
  return t;
}

async function fanOut() {
  const clients = Number(a.clients);
  const slow = Math.min(clients, Number(a.slow));
  const perBatch = Math.max(1, Math.round(Number(a.rate) / batchesPerS));
  const ticker = await freshTicker();
  console.log(
    `fan-out: ${clients} clients (${slow} acknowledging ${a["slow-ack-ms"]} ms late) on ${ticker}; ` +
      `${perBatch} trades × ${batchesPerS} POST/s = ${perBatch * batchesPerS} trades/s offered for ${seconds} s; workerd pid ${pid}; load ${loadavg()}`,
  );
  const make = (/** @type {number} */ ts) => Array.from({ length: perBatch }, (_, i) => trade(ticker, ts + (i >> 6)));

  // 1. The same trades with nobody listening: what ingesting them costs.
  const p0 = proc();
  const base = await offer(make);
  const p1 = proc();
  const baseCpu = p1.cpu - p0.cpu;
  console.log(
    `  no clients: ${base.sent} POSTs (${base.skipped} skipped: 8 in flight), ${base.trades} trades in ${base.took.toFixed(1)} s ` +
      `(${(base.trades / base.took).toFixed(0)}/s), POST p50 ${base.postP50.toFixed(0)} ms p99 ${base.postP99.toFixed(0)} ms; ` +
      `workerd CPU ${baseCpu.toFixed(1)} s (${((baseCpu / base.took) * 100).toFixed(0)} % of a core), RSS ${p1.rss.toFixed(0)} MiB`,
  );

  // 2. Connect the clients.
  const c0 = performance.now();
  const subs = Array.from({ length: clients }, (_, i) => subscribe(ticker, i < slow ? Number(a["slow-ack-ms"]) : 0));
  await Promise.all(subs.map((s) => s.opened));
  const connectMs = performance.now() - c0;
  await sleep(500);
  const p2 = proc();
  console.log(
    `  connected ${clients} in ${connectMs.toFixed(0)} ms (every first snapshot); workerd RSS ${p2.rss.toFixed(0)} MiB ` +
      `(+${(((p2.rss - p1.rss) * 1024) / clients).toFixed(0)} KiB per socket)`,
  );

  // 3. The trades with the clients listening (this process's CPU too: it parses every message).
  const u0 = process.cpuUsage();
  const run = await offer(make);
  const u1 = process.cpuUsage(u0);
  await sleep(2 * Number(a["slow-ack-ms"]) + 1000);
  const p3 = proc();
  const cpu = p3.cpu - p2.cpu;
  const fast = subs.slice(slow).map((s) => s.st);
  const slowSt = subs.slice(0, slow).map((s) => s.st);
  const sum = (
    /** @type {typeof fast} */ xs,
    /** @type {"updates" | "trades" | "snapshots" | "dropped" | "omitted"} */ k,
  ) => xs.reduce((n, s) => n + s[k], 0);
  const lat = fast.flatMap((s) => s.lat);
  console.log(
    `  with clients: ${run.sent} POSTs (${run.skipped} skipped), ${run.trades} trades in ${run.took.toFixed(1)} s ` +
      `(${(run.trades / run.took).toFixed(0)}/s), POST p50 ${run.postP50.toFixed(0)} ms p99 ${run.postP99.toFixed(0)} ms; ` +
      `workerd CPU ${cpu.toFixed(1)} s (${((cpu / run.took) * 100).toFixed(0)} % of a core; fan-out ${(cpu - baseCpu).toFixed(1)} s over no clients), RSS ${p3.rss.toFixed(0)} MiB; ` +
      `the bench's own CPU ${((u1.user + u1.system) / 1e6).toFixed(1)} s`,
  );
  const msgs = sum(fast, "updates") + sum(slowSt, "updates");
  const perMsg = ((cpu - baseCpu) / Math.max(1, msgs + sum(fast, "snapshots") + sum(slowSt, "snapshots"))) * 1e6;
  console.log(
    `  delivered: ${msgs} updates (${(msgs / run.took) | 0}/s), ${sum(fast, "trades") + sum(slowSt, "trades")} trades in them; ` +
      `fast clients ${(sum(fast, "updates") / Math.max(1, fast.length)).toFixed(1)} updates and ` +
      `${(sum(fast, "trades") / Math.max(1, fast.length)).toFixed(0)} trades each of ${run.sent} batches / ${run.trades} trades ` +
      `(snapshots after the first: ${sum(fast, "snapshots") - fast.length}, trades left out by the size cap: ${sum(fast, "omitted")}); ` +
      `push latency (trade ts → client) p50 ${pct(lat, 50).toFixed(0)} ms p99 ${pct(lat, 99).toFixed(0)} ms; ` +
      `fan-out CPU ${perMsg.toFixed(0)} µs per message sent`,
  );
  if (slow > 0)
    console.log(
      `  slow clients: ${(sum(slowSt, "updates") / slow).toFixed(1)} updates each, ` +
        `${((sum(slowSt, "snapshots") - slow) / slow).toFixed(1)} drop-to-snapshot messages each, ` +
        `${(sum(slowSt, "dropped") / slow).toFixed(1)} updates dropped each (the last snapshot's count)`,
    );
  for (const s of subs) s.ws.close();
  await sleep(500);
}

async function watch() {
  const { chromium } = await import("playwright-core");
  const ks = String(a.watch)
    .split(",")
    .map((x) => Number(x));
  const browser = await chromium.launch({
    executablePath: process.env.SSMD_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  console.log(`watch: one page, K tickers, one WebSocket each; workerd pid ${pid}; load ${loadavg()}`);
  try {
    for (const k of ks) {
      /** @type {string[]} */
      const tickers = [];
      for (let i = 0; i < k; i++) tickers.push(await freshTicker(`-W${k}-${i}`));
      // The same K sockets from Node (`ws`, all handshakes at once): the server's part of the connect time.
      const n0 = performance.now();
      const fromNode = tickers.map((t) => subscribe(t));
      await Promise.all(fromNode.map((x) => x.opened));
      const nodeMs = performance.now() - n0;
      for (const x of fromNode) x.ws.close();
      await sleep(300);
      const page = await browser.newPage();
      // An API path with a small answer: the page only needs the origin.
      await page.goto(`${origin}/healthz`);
      const r0 = proc();
      const connect = await page.evaluate(async (ts) => {
        const t0 = performance.now();
        const w = /** @type {any} */ (window);
        w.msgs = 0;
        w.socks = [];
        await Promise.all(
          ts.map(
            (/** @type {string} */ t) =>
              new Promise((resolve) => {
                const ws = new WebSocket(`${location.origin.replace("http", "ws")}/tickers/${t}/live`);
                w.socks.push(ws);
                ws.onmessage = (e) => {
                  w.msgs++;
                  ws.send(JSON.stringify({ type: "ack", seq: JSON.parse(String(e.data)).seq }));
                  resolve(undefined);
                };
              }),
          ),
        );
        return performance.now() - t0;
      }, tickers);
      await sleep(500);
      const r1 = proc();
      const m0 = await page.evaluate(() => /** @type {any} */ (window).msgs);
      const run = await offer((ts) => tickers.map((t) => trade(t, ts)));
      await sleep(1000);
      const r2 = proc();
      const m1 = await page.evaluate(() => /** @type {any} */ (window).msgs);
      console.log(
        `  K=${k}: ${k} sockets open with their snapshots in ${connect.toFixed(0)} ms in Chromium (${nodeMs.toFixed(0)} ms from Node); workerd RSS +${(((r1.rss - r0.rss) * 1024) / k).toFixed(0)} KiB per socket; ` +
          `${run.sent} batches of ${k} trades (one per ticker) in ${run.took.toFixed(1)} s → ${m1 - m0} messages at the page ` +
          `(${((m1 - m0) / run.took).toFixed(0)}/s); workerd CPU ${(r2.cpu - r1.cpu).toFixed(2)} s ` +
          `(${(((r2.cpu - r1.cpu) / Math.max(1, m1 - m0)) * 1e6).toFixed(0)} µs per message delivered, ingest included)`,
      );
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

if (a.watch) await watch();
else await fanOut();

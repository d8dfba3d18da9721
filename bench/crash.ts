/**
 * Crashes mid-work lose nothing (issue #17): the Worker as `npm start` serves it
 * (scripts/serve-worker.mjs: the deploy bundle in workerd through Miniflare, state persisted in a
 * directory) is SIGKILLed — workerd, then its Node parent: no clean stop — at random points of a
 * piece of work, N times, restarting each time on the same state; then the outcome is checked.
 *
 *   npx tsx bench/crash.ts [--mode full|incremental|stream|backfill|all, or a list: stream,backfill] [--markets 20000]
 *     [--kills 5] [--seed 7] [--rps 20] [--port 8874 (uses 3 ports from it)] [--dir /tmp/ssmd-crash] [--json out.json]
 *
 * Modes:
 * - full: a full sync into an empty D1, killed at random committed-page counts. It must resume
 *   (same run id, not failed, committed pages kept) and end with D1 equal to the simulator's truth
 *   for the sync window and to an uncrashed control run, row for row.
 * - incremental: from a synced D1, the world mutated (prices, metadata, new and vanished
 *   markets), an incremental sync killed at random page counts; the same checks, against a control
 *   incremental from a copy of the same D1.
 * - stream: a busy stream (--trades trades/s over --stream-markets markets) plus acknowledged HTTP
 *   batches (POST /admin/ingest/trades, 200 = acknowledged) on other tickers, killed at random
 *   times; the ingest must reconnect by itself. Then: no acknowledged trade lost, no trade stored
 *   twice, every stored stream trade is one the simulator sent, each ticker object's builders equal
 *   a reference recomputed from the trades it holds (its windows survived the reload), and every
 *   ticker with trades is in the per-day registry. Stream trades the simulator sent that never
 *   reached a ticker object are counted (`stream_trades_not_stored`).
 * - backfill: the same with the simulator dropping trade frames (sequence gaps → REST backfill
 *   jobs), each kill while a backfill is running.
 *
 * Needs the repo's Node 24 first on PATH (wrangler): PATH=node_modules/node/bin:$PATH.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  DEFAULT_PRICE_WINDOW,
  DEFAULT_VOLUME_WINDOW_MS,
  PriceHistoryBuilder,
  VolumeProfileBuilder,
} from "../src/builders";
import { toBuilderTrade } from "../src/stream/normalize";
import type { SimConfig } from "../sim/core/index";
import { startSimServer } from "../sim/server";
import {
  adminGet,
  adminPost,
  d1Markets,
  getRetry,
  diffCount,
  diffD1,
  diffTruth,
  getRun,
  kill,
  load,
  migrate,
  QUIET,
  seeded,
  simNow,
  simPost,
  sleep,
  startSync,
  startWorker,
  stop,
  summarizeDiff,
  truthMarkets,
  waitDone,
  type Worker,
} from "./soak-harness";

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "full" },
    markets: { type: "string", default: "20000" },
    kills: { type: "string", default: "5" },
    seed: { type: "string", default: "7" },
    rps: { type: "string", default: "20" },
    trades: { type: "string", default: "2000" },
    "stream-markets": { type: "string", default: "100" },
    "stream-seconds": { type: "string", default: "60" },
    port: { type: "string", default: "8874" },
    dir: { type: "string", default: "/tmp/ssmd-crash" },
    json: { type: "string" },
  },
});
const MODES = values.mode === "all" ? ["full", "incremental", "stream", "backfill"] : values.mode!.split(",");
for (const m of MODES)
  if (!["full", "incremental", "stream", "backfill"].includes(m)) throw new Error(`unknown --mode ${m}`);
const MARKETS = Number(values.markets);
const KILLS = Number(values.kills);
const TOKEN = "crash-bench-token";
const t0 = Date.now();
const log = (msg: string) => process.stderr.write(`[crash ${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}\n`);
const rand = seeded(Number(values.seed));

const sim = await startSimServer({
  host: "127.0.0.1",
  port: 0,
  config: {
    markets: MARKETS,
    seed: Number(values.seed),
    // The sync started through POST /admin/sync anchors its window at the Worker's clock, so the
    // simulator's world starts now.
    start_time_ms: Date.now(),
    // Manual: a truth read once stays true while the syncs run; the stream modes move it themselves.
    clock: "manual",
    mutation_rates: QUIET,
    trade_rate_per_s: 0,
  } as unknown as SimConfig,
  log: () => {},
});
const control = `${sim.origin}/_sim`;
const kalshiBase = `${sim.origin}/trade-api/v2`;
rmSync(values.dir!, { recursive: true, force: true });
mkdirSync(values.dir!, { recursive: true });
let dirCount = 0;
const newDir = () => join(values.dir!, `state-${dirCount++}`);
/** Ports --port … --port+2 in turn: a restarted Worker never waits for the killed one's socket. */
const nextPort = () => Number(values.port) + (portTurn++ % 3);
let portTurn = 0;
const start = (persistDir: string) =>
  startWorker({
    persistDir,
    port: nextPort(),
    kalshiBase,
    token: TOKEN,
    rps: values.rps!,
    logFile: join(values.dir!, "worker.log"),
  });

interface KillRecord extends Record<string, unknown> {
  resumed?: boolean;
  skipped?: string;
}

/** Kills `w` and starts it again on the same state; the new Worker. */
async function crashAndRestart(w: Worker, dir: string): Promise<{ w: Worker; pids: number; restart_s: number }> {
  const pids = await kill(w);
  const k0 = Date.now();
  const nw = await start(dir);
  return { w: nw, pids: pids.length, restart_s: (Date.now() - k0) / 1000 };
}

// ------------------------------------------------------------------ syncs

/** A sync of `mode` on `dir`, killed at `KILLS` random committed-page counts below `pages`. */
async function crashedSync(
  dir: string,
  mode: "full" | "incremental",
  pages: number,
): Promise<{ w: Worker; runId: string; kills: KillRecord[] }> {
  let w = await start(dir);
  const { runId } = await startSync(w.origin, TOKEN, mode);
  if (!runId) throw new Error(`${mode} refused`);
  const targets = Array.from({ length: KILLS }, () => Math.max(1, Math.floor(rand() * (pages - 1)))).sort(
    (a, b) => a - b,
  );
  const kills: KillRecord[] = [];
  let lastKillAt = 0;
  for (const planned of targets) {
    // At least one page committed since the previous restart, so every kill lands somewhere new.
    const target = Math.max(planned, lastKillAt + 1);
    let run = await getRun(w.origin, TOKEN, runId);
    while (run.status === "running" && run.progress.pages < target) {
      await sleep(50 + rand() * 150);
      run = await getRun(w.origin, TOKEN, runId);
    }
    if (run.status !== "running") {
      kills.push({ target_pages: target, skipped: `run already ${run.status}` });
      break;
    }
    const before = run.progress.pages;
    lastKillAt = before;
    const r = await crashAndRestart(w, dir);
    w = r.w;
    const after = await getRun(w.origin, TOKEN, runId);
    kills.push({
      target_pages: target,
      pages_before_kill: before,
      workerd_killed: r.pids,
      restart_s: r.restart_s,
      pages_after_restart: after.progress.pages,
      status_after_restart: after.status,
      // Pages counted before the kill but not yet committed are fetched again (at most one step's).
      pages_redone: Math.max(0, before - after.progress.pages),
      resumed: after.run_id === runId && after.status !== "failed",
    });
    log(`${mode}: kill at ${before} pages → after restart ${after.status} at ${after.progress.pages} pages`);
  }
  return { w, runId, kills };
}

async function syncMode(mode: "full" | "incremental"): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { mode, markets: MARKETS, kills_planned: KILLS, load_at_start: load() };
  // The starting state: empty (full), or a full sync's D1 (incremental), copied for both runs.
  const seedDir = newDir();
  await migrate(seedDir);
  if (mode === "incremental") {
    const w = await start(seedDir);
    const r = await waitDone(w.origin, TOKEN, (await startSync(w.origin, TOKEN, "full")).runId!);
    await stop(w);
    out.seed_full_sync = r.status;
    const m = await simPost<Record<string, unknown[]>>(control, "/mutate", {
      change_fraction: 0.05,
      metadata_changes: Math.round(MARKETS / 20),
      new_markets: Math.round(MARKETS / 100),
      vanish: 10,
    });
    out.mutated = Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Array.isArray(v) ? v.length : v]));
  }
  const controlDir = newDir();
  execFileSync("cp", ["-r", seedDir, controlDir]);
  const crashDir = newDir();
  execFileSync("cp", ["-r", seedDir, crashDir]);
  const nowMs = await simNow(control);
  const truth = await truthMarkets(control);

  log(`${mode}: control run, ${MARKETS} markets at ${values.rps} reads/s`);
  let w = await start(controlDir);
  const c0 = Date.now();
  const controlRun = await waitDone(w.origin, TOKEN, (await startSync(w.origin, TOKEN, mode)).runId!);
  const ctl = { status: controlRun.status, pages: controlRun.progress.pages, seconds: (Date.now() - c0) / 1000 };
  const controlD1 = await d1Markets(w.origin);
  const controlVsTruth = diffTruth(controlD1, truth, nowMs);
  await stop(w);
  out.control = { ...ctl, d1_markets: controlD1.size, vs_truth: summarizeDiff(controlVsTruth) };
  log(`${mode}: control ${JSON.stringify(out.control)}`);

  const crashed = await crashedSync(crashDir, mode, ctl.pages);
  w = crashed.w;
  const final = await waitDone(w.origin, TOKEN, crashed.runId);
  const crashedD1 = await d1Markets(w.origin);
  const vsTruth = diffTruth(crashedD1, truth, nowMs);
  const vsControl = diffD1(crashedD1, controlD1);
  await stop(w);
  out.crashed = {
    run_id: crashed.runId,
    status: final.status,
    error: final.error,
    pages: final.progress.pages,
    retries: final.progress.retries,
    errors: final.progress.errors.slice(0, 5),
    d1_markets: crashedD1.size,
    vs_truth: summarizeDiff(vsTruth),
    differences_vs_control: vsControl.length,
    examples_vs_control: vsControl.slice(0, 5),
  };
  out.kills = crashed.kills;
  out.kills_done = crashed.kills.filter((k) => !k.skipped).length;
  out.ok =
    final.status === "succeeded" &&
    diffCount(vsTruth) === 0 &&
    vsControl.length === 0 &&
    crashed.kills.every((k) => k.skipped || k.resumed);
  return out;
}

// ------------------------------------------------------------------ stream

interface Health {
  connected: boolean;
  reconnects: number;
  subscriptions: { sid: number | null; markets: number; subscribing: boolean }[];
  protocol: { trades: number; gaps: number };
  backfill: { backfills: number; backfilled_trades: number; running: boolean; pending_tickers: number };
  forward: { added: number; duplicates: number; outside: number; rejected: number; pending_trades?: number };
}
const health = (w: Worker) => adminGet<Health>(w.origin, TOKEN, "/admin/ingest/health");

async function subscribed(w: Worker, n: number, timeoutMs = 120_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const h = await health(w).catch(() => null);
    if (
      h?.connected &&
      h.subscriptions.length > 0 &&
      h.subscriptions.every((s) => s.sid !== null && s.markets === n && !s.subscribing)
    )
      return true;
    await sleep(200);
  }
  return false;
}

/** Every trade a ticker object holds (GET /tickers/{t}/trades, newest first, all pages). */
async function storedTrades(
  w: Worker,
  ticker: string,
): Promise<Array<{ trade_id: string; ts: number; price_dollars: string; count_fp: string; taker_side: "yes" | "no" }>> {
  const out: Array<{
    trade_id: string;
    ts: number;
    price_dollars: string;
    count_fp: string;
    taker_side: "yes" | "no";
  }> = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: "1000" });
    if (cursor) q.set("cursor", cursor);
    const res = await fetch(`${w.origin}/tickers/${encodeURIComponent(ticker)}/trades?${q}`, {
      headers: { "cache-control": "no-cache" },
    });
    if (res.status === 404) return out;
    if (!res.ok) throw new Error(`GET /tickers/${ticker}/trades → ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { trades: typeof out; cursor: string | null };
    out.push(...page.trades);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

async function tapeIds(ticker: string): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  let cursor = "";
  for (;;) {
    const q = new URLSearchParams({ ticker, limit: "1000" });
    if (cursor) q.set("cursor", cursor);
    const page = (await (await getRetry(`${kalshiBase}/markets/trades?${q}`)).json()) as {
      trades: Array<{ trade_id: string }>;
      cursor: string;
    };
    for (const t of page.trades) out.set(t.trade_id, t);
    if (!page.cursor) return out;
    cursor = page.cursor;
  }
}

async function streamMode(withGaps: boolean): Promise<Record<string, unknown>> {
  const mode = withGaps ? "backfill" : "stream";
  const out: Record<string, unknown> = {
    mode,
    trades_per_s: Number(values.trades),
    kills_planned: KILLS,
    load_at_start: load(),
  };
  const page = (await (await fetch(`${kalshiBase}/markets?status=open&limit=1000`)).json()) as {
    markets: Array<{ ticker: string }>;
  };
  const n = Number(values["stream-markets"]);
  const streamTickers = page.markets.slice(0, n).map((m) => m.ticker);
  // HTTP-pushed trades go to tickers of their own, so their acknowledgement is checked alone.
  const httpTickers = Array.from({ length: 20 }, (_, i) => `CRASHHTTP-${mode.toUpperCase()}-${i}`);
  const dir = newDir();
  await migrate(dir);
  let w = await start(dir);
  // Odd counts: the connection carries trade and ticker messages about alternately, and only a
  // sequenced (trade) message can be dropped — an even count would land on ticker messages only.
  await simPost(control, "/faults", { ws: withGaps ? { drop_every: 1499, duplicate_every: 301 } : {} });
  const st = await adminPost(w.origin, TOKEN, "/admin/ingest/start", { markets: streamTickers });
  if (!st.ok) throw new Error(`ingest start → ${st.status} ${await st.text()}`);
  if (!(await subscribed(w, n))) throw new Error("not subscribed");
  await simPost(control, "/config", { trade_rate_per_s: Number(values.trades) });
  // The world's clock follows the wall clock while the stream runs (trade times move on).
  let ticking = true;
  const clock = (async () => {
    let last = Date.now();
    while (ticking) {
      await sleep(100);
      const now = Date.now();
      await simPost(control, "/clock", { advance_ms: now - last });
      last = now;
    }
  })();

  // Acknowledged pushes: a batch every ~200 ms while the Worker is up; a batch whose answer was
  // 200 is acknowledged, one cut by a kill is not (its trades may or may not be stored).
  const acked = new Map<string, string>(); // trade_id → ticker
  const unacked = new Set<string>();
  let seq = 0;
  let pushing = true;
  let current = w;
  const pusher = (async () => {
    while (pushing) {
      const trades = Array.from({ length: 50 }, () => {
        const id = `crash-${mode}-${++seq}`;
        const ticker = httpTickers[seq % httpTickers.length]!;
        return {
          id,
          ticker,
          trade: {
            type: "trade",
            ticker,
            trade_id: id,
            price_dollars: (0.01 + (seq % 98) / 100).toFixed(4),
            count_fp: "1.00",
            taker_side: seq % 2 ? "yes" : "no",
            ts: Date.now(),
          },
        };
      });
      try {
        const res = await adminPost(current.origin, TOKEN, "/admin/ingest/trades", {
          trades: trades.map((t) => t.trade),
        });
        if (res.status === 200) for (const t of trades) acked.set(t.id, t.ticker);
        else for (const t of trades) unacked.add(t.id);
        await res.arrayBuffer();
      } catch {
        for (const t of trades) unacked.add(t.id);
      }
      await sleep(200);
    }
  })();

  const kills: KillRecord[] = [];
  const streamMs = Number(values["stream-seconds"]) * 1000;
  const gap = streamMs / (KILLS + 1);
  for (let k = 0; k < KILLS; k++) {
    // A random point in this stretch; for backfill, the first moment after it with a backfill running.
    await sleep(gap * (0.5 + rand()));
    let h = await health(current);
    if (withGaps) {
      const until = Date.now() + 20_000;
      while (!h.backfill.running && Date.now() < until) {
        await sleep(20);
        h = await health(current);
      }
    }
    const r = await crashAndRestart(current, dir);
    current = w = r.w;
    const resumed = await subscribed(w, n, 60_000);
    kills.push({
      at_s: (Date.now() - t0) / 1000,
      backfill_running_at_kill: h.backfill.running,
      trades_added_before_kill: h.forward.added,
      workerd_killed: r.pids,
      restart_s: r.restart_s,
      resubscribed_by_itself: resumed,
      resumed,
    });
    log(
      `${mode}: kill ${k + 1} (backfill running: ${h.backfill.running}) → restarted in ${r.restart_s} s, resubscribed ${resumed}`,
    );
  }
  await sleep(gap);
  pushing = false;
  await pusher;
  await simPost(control, "/config", { trade_rate_per_s: 0 });
  ticking = false;
  await clock;
  await simPost(control, "/faults", { ws: {} });
  // Settle: no backfill running, the handled count still for 10 s.
  let last = -1;
  for (let still = 0, i = 0; still < 5 && i < 120; i++) {
    const h = await health(w);
    const handled = h.forward.added + h.forward.duplicates + h.forward.outside + h.forward.rejected;
    still = handled === last && !h.backfill.running && h.backfill.pending_tickers === 0 ? still + 1 : 0;
    last = handled;
    await sleep(2000);
  }
  const hEnd = await health(w);
  await adminPost(w.origin, TOKEN, "/admin/ingest/stop", {});

  // The checks.
  const problems: string[] = [];
  let storedTwice = 0;
  let notSent = 0;
  let notStored = 0;
  let tapeTotal = 0;
  let storedTotal = 0;
  let buildersEqual = 0;
  let traded = 0;
  const tickersWithTrades = new Set<string>();
  const days = new Set<string>();
  for (const t of [...streamTickers, ...httpTickers]) {
    const stored = await storedTrades(w, t);
    if (stored.length === 0) continue;
    traded++;
    tickersWithTrades.add(t);
    for (const s of stored) days.add(new Date(s.ts).toISOString().slice(0, 10));
    storedTotal += stored.length;
    const ids = new Set(stored.map((s) => s.trade_id));
    if (ids.size !== stored.length) {
      storedTwice += stored.length - ids.size;
      problems.push(`${t}: ${stored.length - ids.size} trades stored twice`);
    }
    if (streamTickers.includes(t)) {
      const tp = await tapeIds(t);
      tapeTotal += tp.size;
      for (const id of ids) if (!tp.has(id)) notSent++;
      for (const id of tp.keys()) if (!ids.has(id)) notStored++;
    }
    // The windows survived every reload: the builders equal a reference over the trades held.
    const bt = stored.map((s) => toBuilderTrade({ type: "trade", ticker: t, ...s }));
    const res = await fetch(`${w.origin}/tickers/${encodeURIComponent(t)}`, {
      headers: { "cache-control": "no-cache" },
    });
    const got = (await res.json()) as { price_history: unknown; volume_profile: unknown };
    const same =
      JSON.stringify(got.price_history) ===
        JSON.stringify(PriceHistoryBuilder.of(bt, DEFAULT_PRICE_WINDOW).snapshot()) &&
      JSON.stringify(got.volume_profile) ===
        JSON.stringify(VolumeProfileBuilder.of(bt, DEFAULT_VOLUME_WINDOW_MS).snapshot());
    if (same) buildersEqual++;
    else problems.push(`${t}: builders differ from the reference over its stored trades`);
  }
  // Acknowledged HTTP trades: every one stored.
  let ackLost = 0;
  const storedHttp = new Set<string>();
  for (const t of httpTickers) for (const s of await storedTrades(w, t)) storedHttp.add(s.trade_id);
  for (const id of acked.keys()) if (!storedHttp.has(id)) ackLost++;
  if (ackLost > 0) problems.push(`${ackLost} acknowledged trades lost`);
  // The registry: every ticker with trades, on each day it traded.
  const registered = new Set<string>();
  for (const day of days) {
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({ date: day, limit: "5000" });
      if (cursor) q.set("cursor", cursor);
      const res = await fetch(`${w.origin}/tickers?${q}`, { headers: { "cache-control": "no-cache" } });
      const pg = (await res.json()) as { tickers: Array<{ ticker: string }>; cursor: string | null };
      for (const x of pg.tickers) registered.add(x.ticker);
      cursor = pg.cursor;
    } while (cursor);
  }
  const unregistered = [...tickersWithTrades].filter((t) => !registered.has(t));
  if (unregistered.length > 0) problems.push(`not in the registry: ${unregistered.slice(0, 5).join(", ")}`);
  await stop(w);
  out.kills = kills;
  out.kills_done = kills.length;
  out.ingest_end = {
    reconnects: hEnd.reconnects,
    gaps: hEnd.protocol.gaps,
    backfills: hEnd.backfill.backfills,
    backfilled_trades: hEnd.backfill.backfilled_trades,
    added: hEnd.forward.added,
  };
  out.http = { acknowledged: acked.size, not_acknowledged: unacked.size, acknowledged_lost: ackLost };
  out.stream = {
    tickers: streamTickers.length,
    sim_trades_on_tape: tapeTotal,
    stored: storedTotal,
    stored_not_sent: notSent,
    stream_trades_not_stored: notStored,
  };
  out.stored_twice = storedTwice;
  out.builders_equal_reference = `${buildersEqual}/${traded}`;
  out.registry = { tickers_with_trades: tickersWithTrades.size, missing: unregistered.length };
  out.problems = problems.slice(0, 10);
  out.ok = problems.length === 0 && notSent === 0 && kills.every((k) => k.resumed);
  return out;
}

// ------------------------------------------------------------------ main

const report: Record<string, unknown> = {
  markets: MARKETS,
  seed: Number(values.seed),
  rps: Number(values.rps),
  modes: MODES,
};
const results: Record<string, unknown>[] = [];
try {
  for (const m of MODES) {
    const r = m === "full" || m === "incremental" ? await syncMode(m) : await streamMode(m === "backfill");
    r.load_at_end = load();
    results.push(r);
    log(`${m}: ${r.ok ? "OK" : "FAILED"} ${JSON.stringify(r).slice(0, 1500)}`);
  }
} finally {
  await sim.close();
}
report.results = results;
report.ok = results.length === MODES.length && results.every((r) => r.ok);
report.seconds = (Date.now() - t0) / 1000;
const text = JSON.stringify(report, null, 2);
if (values.json) writeFileSync(values.json, text);
console.log(text);
console.log(report.ok ? "OK: every crash resumed and nothing was lost" : "FAILED");
process.exitCode = report.ok ? 0 : 1;

/**
 * Crashes mid-sync lose nothing (issue #17): runs a full sync under `npm start`'s server
 * (scripts/serve-worker.mjs: the deploy bundle in workerd through Miniflare, state persisted in a
 * directory), SIGKILLs workerd at random points of it N times — restarting each time on the same
 * state — and checks that the run resumes (same run id, pages not lost) and finishes with D1
 * equal to the simulator's truth for the sync window, and equal to an uncrashed control run.
 *
 *   npx tsx bench/crash.ts [--markets 20000] [--kills 5] [--seed 7] [--rps 20] [--json]
 *
 * Needs the repo's Node 24 first on PATH (wrangler): PATH=node_modules/node/bin:$PATH.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { startSimServer } from "../sim/server";
import type { SimConfig } from "../sim/core/index";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    markets: { type: "string", default: "20000" },
    kills: { type: "string", default: "5" },
    seed: { type: "string", default: "7" },
    rps: { type: "string", default: "20" },
    json: { type: "boolean", default: false },
  },
});
const MARKETS = Number(values.markets);
const KILLS = Number(values.kills);
const TOKEN = "crash-bench-token";
const DAY_MS = 86_400_000;
// The sync started through POST /admin/sync anchors its window at the Worker's clock, so the
// simulator's world starts now (its clock then stays put: "manual").
const START_MS = Date.now();
const log = (msg: string) => process.stderr.write(`[crash] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const execFileP = promisify(execFile);

let seedState = Number(values.seed) >>> 0;
/** Deterministic kill points for a given --seed. */
function rand(): number {
  seedState = (seedState + 0x6d2b79f5) >>> 0;
  let t = seedState;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const quiet = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};
const sim = await startSimServer({
  host: "127.0.0.1",
  port: 0,
  config: {
    markets: MARKETS,
    seed: Number(values.seed),
    start_time_ms: START_MS,
    mutation_rates: quiet,
    trade_rate_per_s: 0,
  } as unknown as SimConfig,
  log: () => {},
});
const kalshiBase = `${sim.origin}/trade-api/v2`;

interface Worker {
  child: ChildProcess;
  origin: string;
}

let nextPort = 19_000 + Math.floor(Math.random() * 2000);

async function migrate(persistDir: string) {
  await execFileP(
    join(root, "node_modules", ".bin", "wrangler"),
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir],
    {
      cwd: root,
      env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
    },
  );
}

async function startWorker(persistDir: string): Promise<Worker> {
  const port = nextPort++;
  const child = spawn(
    process.execPath,
    [
      join(root, "scripts", "serve-worker.mjs"),
      "--port",
      String(port),
      "--persist-to",
      persistDir,
      "--var",
      `KALSHI_BASE_URL:${kalshiBase}`,
      "--var",
      `KALSHI_WS_URL:${kalshiBase.replace(/^http/, "ws").replace("/trade-api/v2", "/trade-api/ws/v2")}`,
      "--var",
      `SSMD_ADMIN_TOKEN:${TOKEN}`,
      "--var",
      `KALSHI_READS_PER_SECOND:${values.rps}`,
    ],
    {
      cwd: root,
      env: { ...process.env, SSMD_READ_RATE_LIMIT: "off" },
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`worker exited: ${stderr.slice(-500)}`);
    try {
      if ((await fetch(`${origin}/openapi.json`)).ok) return { child, origin };
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`worker did not start: ${stderr.slice(-500)}`);
}

/** workerd processes under the serve-worker process (Miniflare spawns workerd as its child). */
function workerdPids(parent: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(parent)], { encoding: "utf8" })
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter(([, comm]) => comm?.startsWith("workerd"))
      .map(([pid]) => Number(pid));
  } catch {
    return [];
  }
}

/** The crash: SIGKILL of workerd (no clean stop), then of its Node parent, which started it. */
async function kill(w: Worker): Promise<number[]> {
  const pids = workerdPids(w.child.pid!);
  for (const pid of pids) process.kill(pid, "SIGKILL");
  process.kill(w.child.pid!, "SIGKILL");
  await new Promise((r) => (w.child.exitCode !== null || w.child.signalCode ? r(null) : w.child.once("exit", r)));
  return pids;
}

async function stop(w: Worker) {
  w.child.kill("SIGTERM");
  await new Promise((r) => (w.child.exitCode !== null || w.child.signalCode ? r(null) : w.child.once("exit", r)));
}

const admin = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

interface Run {
  run_id: string;
  status: string;
  progress: { pages: number; items_seen: number; rows_written: number; retries: number; errors: string[] };
  error: string | null;
}

async function startFull(w: Worker): Promise<string> {
  const res = await fetch(`${w.origin}/admin/sync`, { method: "POST", headers: admin, body: '{"mode":"full"}' });
  if (res.status !== 202) throw new Error(`POST /admin/sync → ${res.status} ${await res.text()}`);
  return ((await res.json()) as { run_id: string }).run_id;
}

async function getRun(w: Worker, id: string): Promise<Run> {
  const res = await fetch(`${w.origin}/admin/sync/${id}`, { headers: admin });
  if (!res.ok) throw new Error(`GET /admin/sync/${id} → ${res.status} ${await res.text()}`);
  return (await res.json()) as Run;
}

async function waitDone(w: Worker, id: string, stallMs = 120_000): Promise<Run> {
  let last = "";
  let lastChange = Date.now();
  for (;;) {
    const run = await getRun(w, id);
    if (run.status !== "running") return run;
    const sig = `${run.progress.pages}/${run.progress.items_seen}`;
    if (sig !== last) {
      last = sig;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) throw new Error(`run ${id} stalled at ${sig}`);
    await sleep(250);
  }
}

type Row = Record<string, unknown>;

async function d1Markets(w: Worker): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: "1000", include_deleted: "true" });
    if (cursor) q.set("cursor", cursor);
    const res = await fetch(`${w.origin}/markets?${q}`, { headers: { "cache-control": "no-cache" } });
    if (!res.ok) throw new Error(`GET /markets → ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { markets: Row[]; cursor: string | null };
    for (const m of page.markets) out.set(m.ticker as string, m);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

async function truthMarkets(): Promise<Row[]> {
  const out: Row[] = [];
  let cursor = "";
  for (;;) {
    const q = new URLSearchParams({ limit: "10000" });
    if (cursor) q.set("cursor", cursor);
    const page = (await (await fetch(`${sim.origin}/_sim/truth/markets?${q}`)).json()) as {
      markets: Row[];
      cursor: string;
    };
    out.push(...page.markets);
    if (!page.cursor) return out;
    cursor = page.cursor;
  }
}

/** The full sync's window (docs/sync.md): open markets, and the others closed or settled in the last 30 days. */
function inFullWindow(m: Row, nowMs: number): boolean {
  const start = nowMs - 30 * DAY_MS;
  if (["initialized", "active", "inactive"].includes(m.status as string)) return true;
  if (m.status === "finalized") return Date.parse((m.settlement_ts as string) ?? "") >= start;
  return m.close_time ? Date.parse(m.close_time as string) >= start : false;
}

/** Kalshi's fields ssmd keeps verbatim, as the API names them (status → status_raw). */
const COMPARED: Array<[string, string]> = [
  ["status", "status_raw"],
  ["event_ticker", "event_ticker"],
  ["title", "title"],
  ["last_price_dollars", "last_price_dollars"],
  ["yes_bid_dollars", "yes_bid_dollars"],
  ["yes_ask_dollars", "yes_ask_dollars"],
  ["volume_fp", "volume_fp"],
  ["open_interest_fp", "open_interest_fp"],
];
const sameInstant = (a: unknown, b: unknown) =>
  (a ?? null) === (b ?? null) || Date.parse(String(a)) === Date.parse(String(b));

function diffTruth(d1: Map<string, Row>, truth: Row[], nowMs: number): string[] {
  const problems: string[] = [];
  const want = truth.filter((m) => inFullWindow(m, nowMs));
  for (const t of want) {
    const row = d1.get(t.ticker as string);
    if (!row) {
      problems.push(`missing ${t.ticker}`);
      continue;
    }
    if (row.deleted_at) problems.push(`soft-deleted in D1 but live: ${t.ticker}`);
    for (const [tk, dk] of COMPARED)
      if (t[tk] !== undefined && (t[tk] ?? null) !== (row[dk] ?? null))
        problems.push(`${t.ticker}.${dk}: D1 ${JSON.stringify(row[dk])} ≠ truth ${JSON.stringify(t[tk])}`);
    if (!sameInstant(t.close_time, row.close_time)) problems.push(`${t.ticker}.close_time differs`);
  }
  const known = new Set(truth.map((m) => m.ticker as string));
  for (const ticker of d1.keys()) if (!known.has(ticker)) problems.push(`in D1, unknown to Kalshi: ${ticker}`);
  return problems;
}

/** Two D1s row by row, ignoring ssmd's own bookkeeping times. */
function diffD1(a: Map<string, Row>, b: Map<string, Row>): string[] {
  const skip = new Set(["first_seen_at", "updated_at", "synced_at", "last_seen_at"]);
  const problems: string[] = [];
  for (const [t, ra] of a) {
    const rb = b.get(t);
    if (!rb) {
      problems.push(`only in crashed run: ${t}`);
      continue;
    }
    for (const k of Object.keys(ra))
      if (!skip.has(k) && JSON.stringify(ra[k]) !== JSON.stringify(rb[k])) problems.push(`${t}.${k} differs`);
  }
  for (const t of b.keys()) if (!a.has(t)) problems.push(`only in control run: ${t}`);
  return problems;
}

const dirs: string[] = [];
const tmpState = () => {
  const d = mkdtempSync(join(tmpdir(), "ssmd-crash-"));
  dirs.push(d);
  return d;
};
const t0 = Date.now();
const report: Record<string, unknown> = {
  markets: MARKETS,
  kills_planned: KILLS,
  seed: Number(values.seed),
  rps: Number(values.rps),
};
try {
  const nowMs = ((await (await fetch(`${sim.origin}/_sim/state`)).json()) as { now_ms: number }).now_ms;
  const truth = await truthMarkets();
  report.truth_in_window = truth.filter((m) => inFullWindow(m, nowMs)).length;

  // Control: the same sync, never interrupted.
  log(`control run: ${MARKETS} markets at ${values.rps} reads/s`);
  const controlDir = tmpState();
  await migrate(controlDir);
  let w = await startWorker(controlDir);
  const c0 = Date.now();
  const controlRun = await waitDone(w, await startFull(w));
  const control = { status: controlRun.status, pages: controlRun.progress.pages, seconds: (Date.now() - c0) / 1000 };
  const controlD1 = await d1Markets(w);
  const controlVsTruth = diffTruth(controlD1, truth, nowMs);
  await stop(w);
  report.control = {
    ...control,
    d1_markets: controlD1.size,
    problems_vs_truth: controlVsTruth.length,
    examples: controlVsTruth.slice(0, 5),
  };
  log(`control: ${JSON.stringify(report.control)}`);

  // The crashed run: same sync, SIGKILL of workerd at KILLS random page counts.
  const dir = tmpState();
  await migrate(dir);
  w = await startWorker(dir);
  const runId = await startFull(w);
  const targets = Array.from({ length: KILLS }, () => Math.max(1, Math.floor(rand() * (control.pages - 1)))).sort(
    (a, b) => a - b,
  );
  const kills: Array<Record<string, unknown>> = [];
  let lastKillAt = 0;
  for (const planned of targets) {
    // At least one page committed since the previous restart, so every kill lands somewhere new.
    const target = Math.max(planned, lastKillAt + 1);
    let run = await getRun(w, runId);
    while (run.status === "running" && run.progress.pages < target) {
      await sleep(50 + rand() * 150);
      run = await getRun(w, runId);
    }
    if (run.status !== "running") {
      kills.push({ target_pages: target, skipped: `run already ${run.status}` });
      break;
    }
    const before = run.progress.pages;
    lastKillAt = before;
    const killed = await kill(w);
    const k0 = Date.now();
    w = await startWorker(dir);
    const after = await getRun(w, runId);
    kills.push({
      target_pages: target,
      pages_before_kill: before,
      workerd_killed: killed.length,
      restart_s: (Date.now() - k0) / 1000,
      pages_after_restart: after.progress.pages,
      status_after_restart: after.status,
      // Pages counted before the kill but not yet committed are fetched again (at most one step's).
      pages_redone: Math.max(0, before - after.progress.pages),
      resumed: after.run_id === runId && after.status !== "failed",
    });
    log(`kill at ${before} pages → after restart ${after.status} at ${after.progress.pages} pages`);
  }
  const final = await waitDone(w, runId);
  const crashedD1 = await d1Markets(w);
  const crashedVsTruth = diffTruth(crashedD1, truth, nowMs);
  const crashedVsControl = diffD1(crashedD1, controlD1);
  await stop(w);
  report.crashed = {
    run_id: runId,
    status: final.status,
    error: final.error,
    pages: final.progress.pages,
    retries: final.progress.retries,
    errors: final.progress.errors.slice(0, 5),
    d1_markets: crashedD1.size,
    problems_vs_truth: crashedVsTruth.length,
    examples_vs_truth: crashedVsTruth.slice(0, 5),
    differences_vs_control: crashedVsControl.length,
    examples_vs_control: crashedVsControl.slice(0, 5),
  };
  report.kills = kills;
  report.ok =
    final.status === "succeeded" &&
    crashedVsTruth.length === 0 &&
    crashedVsControl.length === 0 &&
    kills.every((k) => k.skipped || k.resumed);
} finally {
  await sim.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
report.seconds = (Date.now() - t0) / 1000;
if (values.json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(JSON.stringify(report, null, 2));
  console.log(report.ok ? "OK: every crash resumed and D1 equals the truth" : "FAILED");
}
process.exitCode = report.ok ? 0 : 1;

/**
 * What bench/soak.ts, bench/crash.ts and bench/faults.ts share (issue #17): the Worker started as
 * `npm start` serves it (scripts/serve-worker.mjs: the deploy bundle under Miniflare, state in a
 * directory) and killed without a clean stop, the admin sync calls, D1 read back through the API,
 * the simulator's truth, the comparisons, memory of a process tree from /proc.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Rng } from "../sim/core/prng";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DAY_MS = 86_400_000;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const execFileP = promisify(execFile);

/** A deterministic generator for a seed (kill points, fault choices): the simulator's own PRNG. */
export function seeded(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/**
 * fetch for idempotent reads, again (up to 3 times) when the connection was reset: undici reuses a
 * kept-alive socket the server may have just closed, and on this loaded machine that happens.
 */
export async function getRetry(url: string, init?: RequestInit): Promise<Response> {
  for (let i = 0; ; i++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      const code = ((e as Error).cause as { code?: string } | undefined)?.code;
      if (i >= 3 || (code !== "ECONNRESET" && code !== "UND_ERR_SOCKET")) throw e;
      await sleep(200 * (i + 1));
    }
  }
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/** Quiet world: no price, metadata, creation, vanish or pause mutations. */
export const QUIET = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};

export async function migrate(persistDir: string): Promise<void> {
  await execFileP(
    join(root, "node_modules", ".bin", "wrangler"),
    ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir],
    { cwd: root, env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } },
  );
}

export interface Worker {
  child: ChildProcess;
  origin: string;
  token: string;
}

/** The Worker as `npm start` runs it (scripts/serve-worker.mjs), on `port`, state in `persistDir`. */
export async function startWorker(o: {
  persistDir: string;
  port: number;
  kalshiBase: string;
  token: string;
  rps: number | string;
  /** Appends the Worker's stderr (its console output) here. */
  logFile?: string;
}): Promise<Worker> {
  const ws = o.kalshiBase.replace(/^http/, "ws").replace("/trade-api/v2", "/trade-api/ws/v2");
  const child = spawn(
    process.execPath,
    [
      join(root, "scripts", "serve-worker.mjs"),
      "--port",
      String(o.port),
      "--persist-to",
      o.persistDir,
      ...["--var", `KALSHI_BASE_URL:${o.kalshiBase}`, "--var", `KALSHI_WS_URL:${ws}`],
      ...["--var", `SSMD_ADMIN_TOKEN:${o.token}`, "--var", `KALSHI_READS_PER_SECOND:${o.rps}`],
    ],
    {
      cwd: root,
      env: { ...process.env, SSMD_READ_RATE_LIMIT: "off" },
      stdio: ["ignore", o.logFile ? "pipe" : "ignore", "pipe"],
      detached: true,
    },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + String(d)).slice(-4000);
    if (o.logFile) appendFileSync(o.logFile, d);
  });
  child.stdout?.on("data", (d) => o.logFile && appendFileSync(o.logFile, d));
  const origin = `http://127.0.0.1:${o.port}`;
  for (let i = 0; i < 480; i++) {
    if (child.exitCode !== null) throw new Error(`worker exited: ${stderr.slice(-500)}`);
    try {
      if ((await fetch(`${origin}/openapi.json`)).ok) return { child, origin, token: o.token };
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`worker did not start: ${stderr.slice(-500)}`);
}

/** Direct children of `parent` whose command name starts with `prefix`. */
export function childPids(parent: number, prefix: string): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(parent)], { encoding: "utf8" })
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter(([, comm]) => comm?.startsWith(prefix))
      .map(([pid]) => Number(pid));
  } catch {
    return [];
  }
}

/** The crash: SIGKILL of workerd (no clean stop), then of its Node parent, which started it. */
export async function kill(w: Worker): Promise<number[]> {
  const pids = childPids(w.child.pid!, "workerd");
  for (const pid of pids) process.kill(pid, "SIGKILL");
  process.kill(w.child.pid!, "SIGKILL");
  await exited(w.child);
  return pids;
}

export async function stop(w: Worker): Promise<void> {
  w.child.kill("SIGTERM");
  await exited(w.child);
}

function exited(c: ChildProcess): Promise<unknown> {
  return new Promise((r) => (c.exitCode !== null || c.signalCode ? r(null) : c.once("exit", r)));
}

const adminHeaders = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

export async function adminPost(origin: string, token: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${origin}${path}`, { method: "POST", headers: adminHeaders(token), body: JSON.stringify(body) });
}

export async function adminGet<T>(origin: string, token: string, path: string): Promise<T> {
  const res = await getRetry(`${origin}${path}`, { headers: adminHeaders(token) });
  if (!res.ok) throw new Error(`GET ${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface Run {
  run_id: string;
  mode: string;
  status: string;
  progress: {
    pages: number;
    items_seen: number;
    rows_written: number;
    retries: number;
    soft_deleted?: number;
    undeleted?: number;
    errors: string[];
  };
  error: string | null;
}

/** POST /admin/sync; the run id, or null with the answer when it is refused (409 while the other mode runs). */
export async function startSync(
  origin: string,
  token: string,
  mode: "full" | "incremental",
): Promise<{ runId: string | null; status: number; outcome?: string }> {
  const res = await adminPost(origin, token, "/admin/sync", { mode });
  const body = (await res.json()) as { run_id?: string; outcome?: string; error?: { details?: { run?: Run } } };
  if (res.status === 202) return { runId: body.run_id!, status: 202, outcome: body.outcome };
  if (res.status === 409) return { runId: null, status: 409, outcome: body.error?.details?.run?.mode };
  throw new Error(`POST /admin/sync ${mode} → ${res.status} ${JSON.stringify(body)}`);
}

export const getRun = (origin: string, token: string, id: string) => adminGet<Run>(origin, token, `/admin/sync/${id}`);

/** Polls a run until it is no longer running; throws when its progress stalls for `stallMs`. */
export async function waitDone(origin: string, token: string, id: string, stallMs = 180_000): Promise<Run> {
  let last = "";
  let lastChange = Date.now();
  for (;;) {
    const run = await getRun(origin, token, id);
    if (run.status !== "running") return run;
    const sig = `${run.progress.pages}/${run.progress.items_seen}/${run.progress.retries}`;
    if (sig !== last) {
      last = sig;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > stallMs) throw new Error(`run ${id} stalled at ${sig}`);
    await sleep(250);
  }
}

export type Row = Record<string, unknown>;

/** Every market row in D1, soft-deleted ones too, through GET /markets (KV skipped). */
export async function d1Markets(origin: string): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ limit: "1000", include_deleted: "true" });
    if (cursor) q.set("cursor", cursor);
    const res = await getRetry(`${origin}/markets?${q}`, { headers: { "cache-control": "no-cache" } });
    if (!res.ok) throw new Error(`GET /markets → ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { markets: Row[]; cursor: string | null };
    for (const m of page.markets) out.set(m.ticker as string, m);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** The simulator's true markets (`control` = its /_sim base), vanished ones marked `_vanished`. */
export async function truthMarkets(control: string): Promise<Row[]> {
  const out: Row[] = [];
  let cursor = "";
  for (;;) {
    const q = new URLSearchParams({ limit: "10000", include_vanished: "true" });
    if (cursor) q.set("cursor", cursor);
    const page = (await (await getRetry(`${control}/truth/markets?${q}`)).json()) as { markets: Row[]; cursor: string };
    out.push(...page.markets);
    if (!page.cursor) return out;
    cursor = page.cursor;
  }
}

export async function simNow(control: string): Promise<number> {
  return ((await (await getRetry(`${control}/state`)).json()) as { now_ms: number }).now_ms;
}

export async function simPost<T = unknown>(control: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${control}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${control}${path} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The full sync's window (docs/sync.md): open markets, and the others closed or settled in the last 30 days. */
export function inFullWindow(m: Row, nowMs: number): boolean {
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

export interface TruthDiff {
  /** In the window, live at Kalshi, absent from D1. */
  missing: string[];
  /** Soft-deleted in D1 while Kalshi still lists them: a wrong soft delete. */
  wrongly_deleted: string[];
  /** A Kalshi field differs. */
  stale: string[];
  /** In D1 and live, but Kalshi no longer has the market (vanished): should be soft-deleted. */
  not_deleted: string[];
  /** In D1, never known to Kalshi. */
  unknown: string[];
  /** Markets left out of the comparison (`skip`): their truth moved while the sync ran. */
  skipped: number;
  compared: number;
}

export const diffCount = (d: TruthDiff) =>
  d.missing.length + d.wrongly_deleted.length + d.stale.length + d.not_deleted.length + d.unknown.length;

/**
 * D1 against the truth for the full window at `nowMs`. `skip(m)`: markets not to compare (e.g. a
 * lifecycle transition after the last sync listed them, on a simulator whose clock runs on).
 */
export function diffTruth(d1: Map<string, Row>, truth: Row[], nowMs: number, skip?: (m: Row) => boolean): TruthDiff {
  const d: TruthDiff = {
    missing: [],
    wrongly_deleted: [],
    stale: [],
    not_deleted: [],
    unknown: [],
    skipped: 0,
    compared: 0,
  };
  const known = new Set<string>();
  for (const t of truth) {
    const ticker = t.ticker as string;
    known.add(ticker);
    const row = d1.get(ticker);
    if (t._vanished) {
      if (row && !row.deleted_at) d.not_deleted.push(ticker);
      continue;
    }
    if (!inFullWindow(t, nowMs)) continue;
    if (skip?.(t)) {
      d.skipped++;
      continue;
    }
    d.compared++;
    if (!row) {
      d.missing.push(ticker);
      continue;
    }
    if (row.deleted_at) d.wrongly_deleted.push(ticker);
    for (const [tk, dk] of COMPARED)
      if (t[tk] !== undefined && (t[tk] ?? null) !== (row[dk] ?? null))
        d.stale.push(`${ticker}.${dk}: D1 ${JSON.stringify(row[dk])} ≠ truth ${JSON.stringify(t[tk])}`);
    if (!sameInstant(t.close_time, row.close_time)) d.stale.push(`${ticker}.close_time differs`);
  }
  for (const ticker of d1.keys()) if (!known.has(ticker)) d.unknown.push(ticker);
  return d;
}

/** A TruthDiff for a report: counts, and a few examples of each kind. */
export function summarizeDiff(d: TruthDiff): Record<string, unknown> {
  const out: Record<string, unknown> = { compared: d.compared, skipped: d.skipped, problems: diffCount(d) };
  for (const k of ["missing", "wrongly_deleted", "stale", "not_deleted", "unknown"] as const)
    if (d[k].length > 0) out[k] = { count: d[k].length, examples: d[k].slice(0, 4) };
  return out;
}

/**
 * Two D1s row by row, ignoring ssmd's own bookkeeping times; of `deleted_at` (the time the run
 * saw the market gone) only whether it is set.
 */
export function diffD1(a: Map<string, Row>, b: Map<string, Row>): string[] {
  const skip = new Set(["first_seen_at", "updated_at", "synced_at", "last_seen_at"]);
  const value = (r: Row, k: string) => (k === "deleted_at" ? r[k] !== null && r[k] !== undefined : r[k]);
  const problems: string[] = [];
  for (const [t, ra] of a) {
    const rb = b.get(t);
    if (!rb) {
      problems.push(`only in the crashed run: ${t}`);
      continue;
    }
    for (const k of Object.keys(ra))
      if (!skip.has(k) && JSON.stringify(value(ra, k)) !== JSON.stringify(value(rb, k)))
        problems.push(`${t}.${k} differs`);
  }
  for (const t of b.keys()) if (!a.has(t)) problems.push(`only in the control run: ${t}`);
  return problems;
}

/** Every process under `rootPid` (itself included), with its command line and RSS. */
export function processTree(rootPid: number): Array<{ pid: number; name: string; rss_kb: number }> {
  const parent = new Map<number, number>();
  const info = new Map<number, { name: string; rss: number }>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const status = readFileSync(`/proc/${d}/status`, "utf8");
      const cmd = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").filter(Boolean);
      parent.set(Number(d), Number(/PPid:\s+(\d+)/.exec(status)?.[1]));
      info.set(Number(d), {
        name: processLabel(/Name:\s+(\S+)/.exec(status)?.[1] ?? "?", cmd),
        rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
      });
    } catch {
      // gone
    }
  }
  const out: Array<{ pid: number; name: string; rss_kb: number }> = [];
  const walk = (pid: number) => {
    const i = info.get(pid);
    if (i && i.rss > 0) out.push({ pid, name: i.name, rss_kb: i.rss });
    for (const [c, p] of parent) if (p === pid) walk(c);
  };
  walk(rootPid);
  return out;
}

/** A short name for a process: workerd, or the script a node process runs. */
function processLabel(name: string, cmd: string[]): string {
  if (name.startsWith("workerd")) return "workerd";
  const script = cmd.find((a) => /\.(mjs|ts|js)$/.test(a) && !a.includes("node_modules/tsx"));
  return script ? `${name}:${script.split("/").slice(-2).join("/")}` : `${name}:${cmd.slice(1, 3).join(" ")}`;
}

/**
 * Least-squares slope of y over x, in y-units per x-unit; with the relative growth over the span
 * (slope × span ÷ mean), the "flat" figure a memory series is judged by.
 */
export function trend(xs: number[], ys: number[]): { slope: number; growth: number } {
  const n = xs.length;
  if (n < 3) return { slope: Number.NaN, growth: Number.NaN };
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  const slope = den === 0 ? 0 : num / den;
  return { slope, growth: (slope * (xs[n - 1]! - xs[0]!)) / my };
}

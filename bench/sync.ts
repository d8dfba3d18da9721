/**
 * Sync benchmark: the real worker (bundled by `wrangler deploy --dry-run`, run in workerd through
 * Miniflare with a local D1 and a SQLite-backed SyncCoordinator) against the Kalshi simulator
 * (in this process) at Kalshi's basic-tier rate limit.
 *
 *   npx tsx bench/sync.ts [--markets 200000] [--rps 20] [--seed 1] [--skip-changes]
 *                         [--first-load-only] [--timeline] [--profile out.cpuprofile]
 *
 * --first-load-only  only the full sync into an empty D1 (~1 min at 200k), implies --timeline
 * --timeline         per run: each listing's start/end/pages and a per-second table of Kalshi
 *                    requests (by route), listings in progress and CPU of the busiest workerd thread
 * --profile FILE     V8 CPU profile of the worker's isolate during the first load (written to FILE,
 *                    plus a self-time summary by category). Caveat: locally every isolate (the
 *                    worker, D1's SQLite object, KV) runs on one workerd thread, and time the thread
 *                    spends in another isolate is not reliably attributed in this isolate's profile
 *                    — for saturation use the timeline's "busiest thread" CPU column instead.
 *
 * Measures
 * - full sync from an empty D1: wall time ÷ floor, floor = Kalshi requests ÷ rps
 * - D1 rows written by full and incremental syncs at 0 %, 1 % and 10 % of active markets changed
 * - peak memory of the sync worker: V8 heap of the worker's isolate (where the SyncCoordinator runs),
 *   sampled every 100 ms over the inspector protocol (Runtime.getHeapUsage) — the figure that the
 *   128 MB isolate limit applies to; plus the workerd process RSS for reference (it also holds the
 *   local D1 databases and the runtime)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimServer } from "../sim/server";
import { applyMigrations, startSyncWorker } from "./sync-worker";
import { connectInspector, startCpuProfile, stopCpuProfile, summarizeProfile, type ProfileNode } from "./inspector";
import type { SyncRunStatus, StartSyncResult } from "../src/sync/types";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a.startsWith("--"))
    args.set(a.slice(2), process.argv[i + 1]?.startsWith("--") === false ? process.argv[++i]! : "true");
}
const MARKETS = Number(args.get("markets") ?? 200_000);
const RPS = Number(args.get("rps") ?? 20);
const SEED = Number(args.get("seed") ?? 1);
const FIRST_LOAD_ONLY = args.get("first-load-only") === "true";
const TIMELINE = FIRST_LOAD_ONLY || args.get("timeline") === "true";
const PROFILE = args.get("profile");
const QUIET = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};

function log(...xs: unknown[]) {
  console.log(new Date().toISOString().slice(11, 19), ...xs);
}

/** RSS of workerd child processes (kB), from /proc. */
function workerdPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const status = readFileSync(`/proc/${d}/status`, "utf8");
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      const name = /Name:\s+(\S+)/.exec(status)?.[1];
      if (ppid === process.pid && name === "workerd") out.push(Number(d));
    } catch {
      /* process gone */
    }
  }
  return out;
}
function rssKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU ticks (utime + stime, 1/100 s) per thread of the given processes. */
function threadTicks(pids: number[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of pids) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        out.set(`${pid}/${tid}`, Number(f[11]) + Number(f[12]));
      } catch {
        /* thread gone */
      }
    }
  }
  return out;
}

interface Sample {
  t: number;
  requests: Record<string, number>;
  listings: Array<{ id: string; state: string; pages: number }>;
  phase: string;
  ticks: Map<string, number>;
}

/** Per-listing start/end and a per-second table, from samples taken every ~100 ms. */
function timeline(samples: Sample[], started: number): string {
  const lines: string[] = [];
  const sec = (t: number) => ((t - started) / 1000).toFixed(1).padStart(5);
  // A listing "starts" at the first sample with a committed page (so up to one page late) and ends
  // at the first sample where it is no longer pending.
  const ids = samples.at(-1)?.listings.map((l) => l.id) ?? [];
  const span = new Map<string, { start?: number; end?: number; pages: number }>();
  for (const id of ids) span.set(id, { pages: 0 });
  for (const s of samples) {
    for (const l of s.listings) {
      const sp = span.get(l.id)!;
      if (sp.start === undefined && l.pages > 0) sp.start = s.t;
      if (sp.end === undefined && l.state !== "pending") sp.end = s.t;
      sp.pages = l.pages;
    }
  }
  lines.push("listing                 first page   done   pages");
  for (const [id, sp] of span)
    lines.push(
      `${id.padEnd(22)} ${sp.start ? sec(sp.start) : "    -"} s ${sp.end ? sec(sp.end) : "    -"} s  ${String(sp.pages).padStart(5)}`,
    );
  // Per second: requests by route, listings in progress (started, not done), phase, busiest thread.
  lines.push("  sec  req  events markets other  in-progress  phase      cpu(busiest thread) cpu(all workerd)");
  const last = samples.at(-1)!;
  for (let t0 = started, i = 0; t0 < last.t; t0 += 1000) {
    const a = samples[i]!;
    while (i + 1 < samples.length && samples[i + 1]!.t <= t0 + 1000) i++;
    const b = samples[i]!;
    if (b === a) continue;
    const d = (k: string) => (b.requests[k] ?? 0) - (a.requests[k] ?? 0);
    const total = Object.keys(b.requests).reduce((n, k) => n + d(k), 0);
    const ev = d("GET /events");
    const mk = d("GET /markets");
    const busy = b.listings.filter((l) => l.state === "pending" && l.pages > 0).length;
    let top = 0;
    let all = 0;
    for (const [k, v] of b.ticks) {
      const dv = v - (a.ticks.get(k) ?? 0);
      top = Math.max(top, dv);
      all += dv;
    }
    const secs = (b.t - a.t) / 1000;
    lines.push(
      `${sec(a.t)} ${String(total).padStart(4)} ${String(ev).padStart(7)} ${String(mk).padStart(7)} ${String(total - ev - mk).padStart(5)} ${String(busy).padStart(12)}  ${b.phase.padEnd(9)} ${String(Math.round(top / secs)).padStart(6)} % ${String(Math.round(all / secs)).padStart(14)} %`,
    );
  }
  return lines.join("\n");
}

/** The sync's cost centres, from a sample's stack (leaf first). */
function syncCategory(stack: ProfileNode["callFrame"][]): string | undefined {
  if (stack[0]!.url.includes("d1-api")) return "D1 binding (request/response JSON)";
  for (const { functionName: f } of stack) {
    if (/^(normalizeMarket|normalizeEvent|normalizeSeries|extraOf)$/.test(f)) return "normalize";
    if (f.includes("_zod") || f === "parseEnvelope") return "JSON.parse + zod validation";
    if (/^(marketRowText|textBatches|jsonBatches|hash53|encodeSeen)$/.test(f)) return "row text / batching / hashing";
    if (/^(commitPage|saveRun|saveListing)$/.test(f)) return "DO storage";
  }
  return undefined;
}

async function main() {
  log(`bundling the worker (wrangler deploy --dry-run)`);
  const outdir = mkdtempSync(join(tmpdir(), "ssmd-bench-"));
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir], { stdio: "ignore" });

  log(`simulator: ${MARKETS} markets, ${RPS} reads/s`);
  const t0 = Date.now();
  const sim = await startSimServer({
    host: "127.0.0.1",
    port: 0,
    config: { seed: SEED, markets: MARKETS, reads_per_second: RPS, mutation_rates: QUIET },
  });
  const state = (await (await fetch(`${sim.origin}/_sim/state`)).json()) as { counts: Record<string, unknown> };
  log(`simulator up in ${Date.now() - t0} ms`, JSON.stringify(state.counts));

  const INSPECTOR_PORT = 9300 + Math.floor(Math.random() * 500);
  const mf = await startSyncWorker({
    bundleDir: outdir,
    simOrigin: sim.origin,
    rps: RPS,
    dbName: "bench-db",
    inspectorPort: INSPECTOR_PORT,
  });
  const db = await mf.getD1Database("DB");
  await applyMigrations(db as unknown as D1Database);
  const ns = await mf.getDurableObjectNamespace("SYNC");
  const stub = ns.get(ns.idFromName("global")) as unknown as {
    start(mode: string, trigger: string): Promise<StartSyncResult>;
    getRun(id: string): Promise<SyncRunStatus | null>;
  };
  // The inspector lists one target per isolate; the worker's is named after it ("ssmd" / core:user).
  const inspector = await connectInspector(INSPECTOR_PORT, /ssmd|core:user/, log);
  const inspect = async (method: string) =>
    ((await inspector.call(method, {}, 5000)).usedSize as number | undefined) ?? 0;
  /** Used heap; after a forced full GC when `live` (the live set, what a heap limit constrains). */
  const heapUsed = async (live = false) => {
    if (live) await inspect("HeapProfiler.collectGarbage");
    return inspect("Runtime.getHeapUsage");
  };
  const pids = workerdPids();
  const baseline = pids.reduce((a, p) => a + rssKb(p, "VmRSS"), 0);
  log(`workerd pids ${pids.join(",")}, baseline RSS ${(baseline / 1024).toFixed(1)} MB`);

  type SimStats = { requests: number; rate_limited: number; by_route: Record<string, number> };
  const simStats = async () => (await (await fetch(`${sim.origin}/_sim/stats`)).json()) as SimStats;

  async function run(mode: "full" | "incremental", label: string, liveHeap = false, profile?: string) {
    const statsBefore = await simStats();
    if (profile) {
      await startCpuProfile(inspector);
    }
    const samples: Sample[] = [];
    const started = Date.now();
    const { run: r0 } = await stub.start(mode, "admin");
    let peak = 0;
    let peakHeap = 0;
    let r: SyncRunStatus | null = r0;
    let lastLog = Date.now();
    while (r && r.status === "running") {
      await new Promise((res) => setTimeout(res, liveHeap ? 250 : 100));
      peak = Math.max(
        peak,
        pids.reduce((a, p) => a + rssKb(p, "VmRSS"), 0),
      );
      peakHeap = Math.max(peakHeap, await heapUsed(liveHeap));
      r = await stub.getRun(r0.run_id);
      if (TIMELINE && r) {
        const st = await simStats();
        samples.push({
          t: Date.now(),
          requests: st.by_route,
          listings: (r.progress.listings ?? []).map(({ id, state, pages }) => ({ id, state, pages })),
          phase: r.progress.phase ?? "",
          ticks: threadTicks(pids),
        });
      }
      if (r && Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(
          `  ${label}: ${r.progress.phase}, ${r.progress.pages} requests, ${r.progress.items_seen} items, listings ${r.progress.listings_done}/${r.progress.listings_total}`,
        );
      }
    }
    const wall = (Date.now() - started) / 1000;
    if (profile) {
      const prof = await stopCpuProfile(inspector);
      if (prof) {
        writeFileSync(profile, JSON.stringify(prof));
        log(`CPU profile written to ${profile}\n${summarizeProfile(prof, syncCategory)}`);
      } else log("no CPU profile returned");
    }
    if (TIMELINE && samples.length > 1) log(`${label}: timeline (s from start)\n${timeline(samples, started)}`);
    const statsAfter = await simStats();
    const p = r!.progress;
    const requests = statsAfter.requests - statsBefore.requests;
    const floor = p.pages / RPS;
    const row = {
      label,
      status: r!.status,
      wall_s: +wall.toFixed(1),
      kalshi_requests: p.pages,
      sim_requests: requests,
      sim_429: statsAfter.rate_limited - statsBefore.rate_limited,
      floor_s: +floor.toFixed(1),
      ratio: +(wall / floor).toFixed(3),
      items_seen: p.items_seen,
      rows_written: p.rows_written_by_table,
      rows_changed: p.rows_changed,
      soft_deleted: p.soft_deleted,
      already_written: p.already_written ?? 0,
      retries: p.retries,
      [liveHeap ? "peak_live_heap_mb" : "peak_heap_mb"]: +(peakHeap / 1048576).toFixed(1),
      peak_rss_mb: +(peak / 1024).toFixed(1),
      phase_ms: p.phase_ms,
      listings: Object.fromEntries((p.listings ?? []).map((l) => [l.id, `${l.pages}p/${l.items}`])),
      steps: p.steps,
      errors: p.errors.slice(0, 3),
    };
    log(JSON.stringify(row));
    return row;
  }

  const mutate = async (body: unknown) =>
    (await (
      await fetch(`${sim.origin}/_sim/mutate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      })
    ).json()) as Record<string, unknown>;

  const results = [];
  results.push(await run("full", "full, empty D1", false, PROFILE));
  if (FIRST_LOAD_ONLY) {
    console.log(`\nRESULTS ${JSON.stringify({ markets: MARKETS, rps: RPS, counts: state.counts, results }, null, 1)}`);
    inspector.close();
    await mf.dispose();
    await sim.close();
    return;
  }
  results.push(await run("full", "full, 0 % changed"));
  results.push(await run("incremental", "incremental, 0 % changed"));
  if (args.get("skip-changes") !== "true") {
    for (const pct of [1, 10]) {
      log(`mutate ${pct} %`, JSON.stringify(await mutate({ change_fraction: pct / 100 })));
      results.push(await run("incremental", `incremental, ${pct} % changed`));
      log(`mutate ${pct} %`, JSON.stringify(await mutate({ change_fraction: pct / 100 })));
      results.push(await run("full", `full, ${pct} % changed`));
    }
  }
  // Memory probe: the initial load again (D1 emptied), sampling the isolate's live heap (forced GC
  // every 250 ms, which slows the run: its wall time is not a timing figure).
  for (const t of ["markets", "events", "series", "series_fees"]) await db.prepare(`DELETE FROM ${t}`).run();
  results.push(await run("full", "memory probe: full, empty D1, live heap", true));
  const hwm = pids.reduce((a, p) => a + rssKb(p, "VmHWM"), 0);
  log(`workerd VmHWM ${(hwm / 1024).toFixed(1)} MB (baseline RSS ${(baseline / 1024).toFixed(1)} MB)`);
  console.log(
    `\nRESULTS ${JSON.stringify({ markets: MARKETS, rps: RPS, counts: state.counts, baseline_rss_mb: +(baseline / 1024).toFixed(1), workerd_hwm_mb: +(hwm / 1024).toFixed(1), results }, null, 1)}`,
  );
  inspector.close();
  await mf.dispose();
  await sim.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

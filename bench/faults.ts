/**
 * Full syncs under Kalshi faults (issue #17): at each fault level (share of REST requests
 * faulted), a full sync over a D1 that already holds the world (so its soft-delete phase runs),
 * with the simulator answering 5xx, 429 bursts with Retry-After, slow responses, malformed pages
 * and dropped connections in equal parts. Each run must succeed, or fail cleanly (status failed,
 * an error saying why) and succeed when started again; then D1 must equal the truth with no wrong
 * soft delete (a few markets vanish before each level: those must be soft-deleted). Reported per
 * level: Kalshi requests used against the rate-limit floor (the clean run's requests ÷ reads/s).
 *
 *   PATH=node_modules/node/bin:$PATH npx tsx bench/faults.ts [--markets 20000] [--levels 1,5,10]
 *     [--rps 20] [--seed 7] [--port 8872 (and the next one)] [--dir /tmp/ssmd-faults] [--json out.json]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { SimConfig } from "../sim/core/index";
import { startSimServer } from "../sim/server";
import {
  d1Markets,
  diffCount,
  diffTruth,
  load,
  migrate,
  QUIET,
  type Run,
  simPost,
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
    markets: { type: "string", default: "20000" },
    levels: { type: "string", default: "1,5,10" },
    rps: { type: "string", default: "20" },
    seed: { type: "string", default: "7" },
    port: { type: "string", default: "8872" },
    dir: { type: "string", default: "/tmp/ssmd-faults" },
    attempts: { type: "string", default: "4" },
    json: { type: "string" },
  },
});
const RPS = Number(values.rps);
const TOKEN = "faults-bench-token";
const t0 = Date.now();
const log = (msg: string) => process.stderr.write(`[faults ${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}\n`);

const sim = await startSimServer({
  host: "127.0.0.1",
  port: 0,
  config: {
    markets: Number(values.markets),
    seed: Number(values.seed),
    // The sync started through POST /admin/sync anchors its window at the Worker's clock.
    start_time_ms: Date.now(),
    clock: "manual",
    mutation_rates: QUIET,
    trade_rate_per_s: 0,
    // Kalshi's real limit too: the simulator's token bucket answers 429 beyond it.
    reads_per_second: RPS,
  } as unknown as SimConfig,
  log: () => {},
});
const control = `${sim.origin}/_sim`;
const kalshiBase = `${sim.origin}/trade-api/v2`;
type SimStats = { requests: number; rate_limited: number; faults?: Record<string, number>; faults_fired?: unknown };
const simStats = async () => (await (await fetch(`${control}/stats`)).json()) as SimStats;

/** The fault rules for a level: `p` of requests faulted, a fifth for each kind. */
function rules(p: number) {
  const each = p / 5;
  return [
    { type: "server_error", fraction: each / 2, status: 503 },
    { type: "server_error", fraction: each / 2, status: 500 },
    // A burst: each trigger answers 429 to 3 consecutive requests.
    { type: "rate_limit", fraction: each / 3, times: 3, retry_after_s: 1 },
    { type: "slow", fraction: each, delay_ms: 2000 },
    { type: "malformed", fraction: each / 3, mode: "invalid_json" },
    { type: "malformed", fraction: each / 3, mode: "wrong_envelope" },
    { type: "malformed", fraction: each / 3, mode: "truncated_json" },
    { type: "drop", fraction: each / 2, at: "mid_body" },
    { type: "drop", fraction: each / 2, at: "before_headers" },
  ];
}

const report: Record<string, unknown> = {
  markets: Number(values.markets),
  rps: RPS,
  seed: Number(values.seed),
  load_at_start: load(),
};
const port = Number(values.port);
let w: Worker | null = null;
rmSync(values.dir!, { recursive: true, force: true });
mkdirSync(values.dir!, { recursive: true });
try {
  // The clean run: into an empty D1; its Kalshi requests are the floor's numerator.
  const baseDir = join(values.dir!, "clean");
  await migrate(baseDir);
  w = await startWorker({
    persistDir: baseDir,
    port,
    kalshiBase,
    token: TOKEN,
    rps: RPS,
    logFile: join(values.dir!, "worker.log"),
  });
  let before = await simStats();
  let c0 = Date.now();
  let { runId } = await startSync(w.origin, TOKEN, "full");
  let run = await waitDone(w.origin, TOKEN, runId!);
  let after = await simStats();
  const cleanRequests = after.requests - before.requests;
  const clean = {
    status: run.status,
    pages: run.progress.pages,
    sim_requests: cleanRequests,
    wall_s: (Date.now() - c0) / 1000,
    floor_s: +(cleanRequests / RPS).toFixed(1),
  };
  report.clean = clean;
  log(`clean full sync: ${JSON.stringify(clean)}; load ${load()}`);
  await stop(w);
  w = null;

  const levels: Array<Record<string, unknown>> = [];
  for (const pct of values.levels!.split(",").map(Number)) {
    // The world moves a little, and a few markets vanish: the sync must update those and soft-delete these.
    const mutated = await simPost<{ vanished: string[]; changed?: string[] }>(control, "/mutate", {
      change_fraction: 0.02,
      metadata_changes: 20,
      vanish: 5,
    });
    const dir = join(values.dir!, `level-${pct}`);
    execFileSync("cp", ["-r", baseDir, dir]);
    w = await startWorker({
      persistDir: dir,
      port: port + ((levels.length + 1) % 2),
      kalshiBase,
      token: TOKEN,
      rps: RPS,
      logFile: join(values.dir!, "worker.log"),
    });
    await simPost(control, "/faults", { rules: rules(pct / 100) });
    before = await simStats();
    c0 = Date.now();
    const attempts: Array<Record<string, unknown>> = [];
    for (let a = 0; a < Number(values.attempts); a++) {
      ({ runId } = await startSync(w.origin, TOKEN, "full"));
      run = await waitDone(w.origin, TOKEN, runId!);
      attempts.push(attemptSummary(run));
      log(`level ${pct} %: attempt ${a + 1} ${run.status} ${run.error ?? ""}`);
      if (run.status === "succeeded") break;
    }
    after = await simStats();
    await simPost(control, "/faults", { rules: [] });
    const requests = after.requests - before.requests;
    const wall = (Date.now() - c0) / 1000;
    const nowMs = ((await (await fetch(`${control}/state`)).json()) as { now_ms: number }).now_ms;
    const d = diffTruth(await d1Markets(w.origin), await truthMarkets(control), nowMs);
    const failedCleanly = attempts
      .filter((x) => x.status === "failed")
      .every((x) => typeof x.error === "string" && x.error);
    const row = {
      level_pct: pct,
      attempts,
      succeeded: run.status === "succeeded",
      failed_attempts_clean: failedCleanly,
      sim_requests: requests,
      sim_429: after.rate_limited - before.rate_limited,
      faults_fired: faultsFired(before, after),
      requests_vs_clean: +(requests / cleanRequests).toFixed(2),
      wall_s: wall,
      floor_s: clean.floor_s,
      wall_vs_floor: +(wall / clean.floor_s).toFixed(2),
      vanished_before: mutated.vanished.length,
      d1_vs_truth: summarizeDiff(d),
      wrong_soft_deletes: d.wrongly_deleted.length,
      ok: run.status === "succeeded" && failedCleanly && diffCount(d) === 0,
    };
    levels.push(row);
    log(`level ${pct} %: ${JSON.stringify(row)}; load ${load()}`);
    await stop(w);
    w = null;
  }
  report.levels = levels;
  report.ok = levels.every((l) => l.ok);
} finally {
  if (w) await stop(w);
  await sim.close();
  report.seconds = (Date.now() - t0) / 1000;
  report.load_at_end = load();
}

function attemptSummary(r: Run) {
  return {
    run_id: r.run_id,
    status: r.status,
    pages: r.progress.pages,
    retries: r.progress.retries,
    soft_deleted: r.progress.soft_deleted,
    errors: r.progress.errors.length,
    error_examples: r.progress.errors.slice(0, 3),
    error: r.error,
  };
}

/** Faults fired between two stats readings, by kind. */
function faultsFired(a: SimStats, b: SimStats): unknown {
  const fa = (a.faults_fired ?? {}) as Record<string, number>;
  const fb = (b.faults_fired ?? {}) as Record<string, number>;
  if (typeof fb !== "object") return b.faults_fired;
  return Object.fromEntries(Object.entries(fb).map(([k, v]) => [k, typeof v === "number" ? v - (fa[k] ?? 0) : v]));
}

const out = JSON.stringify(report, null, 2);
if (values.json) writeFileSync(values.json, out);
console.log(out);
console.log(report.ok ? "OK: every level completed with D1 equal to the truth" : "FAILED");
process.exitCode = report.ok ? 0 : 1;

#!/usr/bin/env node
/**
 * `npm start`: the whole service on this machine, offline.
 *  1. the Kalshi simulator (sim/server.ts) on SSMD_SIM_PORT (default 8788), unless KALSHI_BASE_URL is set;
 *  2. local D1 migrations (wrangler d1 migrations apply --local);
 *  3. the web app built (vite build app → app/dist, served by the Worker as static assets);
 *  4. the Worker on SSMD_PORT (8787), in workerd with local D1, KV and Durable Objects:
 *     - `npm start`: the deploy bundle served by Miniflare directly (scripts/serve-worker.mjs) —
 *       production-like, no hot-reload proxy in front of the Worker;
 *     - `npm run dev` (or `--dev`): under `wrangler dev`, with hot reload;
 *  5. a first full sync through the admin route, with progress, so there is data within a minute;
 *  6. the Cron Triggers of wrangler.toml, fired locally (neither runtime fires them by itself).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readCrons, startLocalCron } from "./local-cron.mjs";
import { SCHEDULED_PATH } from "./serve-worker.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const env = process.env;
const port = Number(env.SSMD_PORT ?? 8787);
const simPort = Number(env.SSMD_SIM_PORT ?? 8788);
const markets = env.SSMD_SIM_MARKETS ?? "20000";
const seed = env.SSMD_SIM_SEED ?? "1";
const persistDir = env.SSMD_PERSIST_DIR ?? join(root, ".wrangler", "state");
const adminToken = env.SSMD_ADMIN_TOKEN ?? "dev-admin-token";
// The Worker always gets its Kalshi URLs from here (--var), never from wrangler.toml, whose [vars]
// name Kalshi's production endpoints for `wrangler deploy`: by default the local simulator.
const useSim = !env.KALSHI_BASE_URL;
const kalshiBase = env.KALSHI_BASE_URL ?? `http://127.0.0.1:${simPort}/trade-api/v2`;
const kalshiWs = env.KALSHI_WS_URL ?? (useSim ? `ws://127.0.0.1:${simPort}/trade-api/ws/v2` : wsUrlOf(kalshiBase));

/**
 * KALSHI_BASE_URL given without KALSHI_WS_URL: Kalshi's layout, …/trade-api/v2 → ws(s)://…/trade-api/ws/v2.
 * @param {string} base
 */
function wsUrlOf(base) {
  const u = new URL(base);
  if (!/\/trade-api\/v2\/?$/.test(u.pathname)) {
    process.stderr.write(`[ssmd] KALSHI_BASE_URL ${base} does not end in /trade-api/v2: set KALSHI_WS_URL as well\n`);
    process.exit(2);
  }
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.pathname = u.pathname.replace(/\/trade-api\/v2\/?$/, "/trade-api/ws/v2");
  return u.toString();
}
const origin = `http://127.0.0.1:${port}`;
/** `npm run dev` / `--dev`: wrangler dev (hot reload); otherwise the bundle under Miniflare. */
const devMode = process.argv.includes("--dev") || env.npm_lifecycle_event === "dev";

/** @type {import("node:child_process").ChildProcess[]} */
const children = [];
const stop = new AbortController();
const log = (/** @type {string} */ msg) => process.stderr.write(`[ssmd] ${msg}\n`);
const childEnv = { ...env, WRANGLER_SEND_METRICS: "false", NO_D1_WARNING: "true", CI: env.CI ?? "true" };

/**
 * Starts a child process (stopped by shutdown()).
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ stdio?: import("node:child_process").StdioOptions }} [opts]
 */
function run(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { cwd: root, env: childEnv, stdio: opts.stdio ?? "inherit" });
  children.push(child);
  return child;
}

/**
 * Runs a child process to its end; rejects unless it exits 0.
 * @param {string} cmd
 * @param {string[]} args
 * @returns {Promise<void>}
 */
function runToEnd(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = run(cmd, args);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}`))));
  });
}

/**
 * Polls `url` until it answers below 500.
 * @param {string} url
 * @param {string} what  named in the timeout error
 */
async function waitFor(url, what, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return r;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${what} did not come up at ${url} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

function shutdown(code = 0) {
  stop.abort();
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500).unref();
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));
// `npm start` runs this under `sh -c`, which does not pass a SIGTERM sent to npm on to us: when the
// process that started us goes away, stop too rather than leave the service running orphaned.
const startedBy = process.ppid;
setInterval(() => {
  if (process.ppid !== startedBy) {
    log("the process that started ssmd exited: stopping");
    shutdown(0);
  }
}, 1000).unref();

async function firstSync() {
  const headers = { authorization: `Bearer ${adminToken}`, "content-type": "application/json" };
  const r = await fetch(`${origin}/admin/sync`, { method: "POST", headers, body: JSON.stringify({ mode: "full" }) });
  if (r.status !== 202 && r.status !== 409) throw new Error(`POST /admin/sync answered ${r.status}: ${await r.text()}`);
  const { run_id } = await r.json();
  log(`first full sync started: run ${run_id}`);
  for (;;) {
    await new Promise((res) => setTimeout(res, 1000));
    const s = await (await fetch(`${origin}/admin/sync/${run_id}`, { headers })).json();
    const p = s.progress ?? {};
    log(
      `sync ${s.status}: listings ${p.listings_done}/${p.listings_total}, pages ${p.pages}, items ${p.items_seen}, rows written ${p.rows_written}`,
    );
    if (s.status !== "running") return s;
  }
}

async function main() {
  if (useSim) {
    log(`starting the Kalshi simulator on 127.0.0.1:${simPort} (${markets} markets, seed ${seed})`);
    const sim = run(join(root, "node_modules", ".bin", "tsx"), [
      join(root, "sim", "server.ts"),
      "--port",
      String(simPort),
      "--markets",
      markets,
      "--seed",
      seed,
    ]);
    sim.on("exit", (code) => {
      if (!stop.signal.aborted) {
        log(`simulator exited (${code})`);
        shutdown(1);
      }
    });
    await waitFor(`http://127.0.0.1:${simPort}/trade-api/v2/exchange/status`, "the simulator");
  } else {
    log(`using Kalshi at ${kalshiBase}`);
  }

  log("applying D1 migrations to the local database");
  await runToEnd(join(root, "node_modules", ".bin", "wrangler"), [
    "d1",
    "migrations",
    "apply",
    "DB",
    "--local",
    "--persist-to",
    persistDir,
  ]);

  // The web app (app/ → app/dist, wrangler.toml [assets]): built each start, so it matches the source.
  log("building the web app (vite build app → app/dist)");
  await runToEnd(join(root, "node_modules", ".bin", "vite"), ["build", "app", "--logLevel", "warn"]);

  const vars = [`KALSHI_BASE_URL:${kalshiBase}`, `KALSHI_WS_URL:${kalshiWs}`, `SSMD_ADMIN_TOKEN:${adminToken}`];
  let worker;
  if (devMode) {
    log(`starting the Worker under wrangler dev (hot reload) on ${origin}`);
    worker = run(join(root, "node_modules", ".bin", "wrangler"), [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      persistDir,
      "--show-interactive-dev-session=false",
      "--inspector-port",
      String(env.SSMD_INSPECTOR_PORT ?? 0),
      ...vars.flatMap((v) => ["--var", v]),
    ]);
  } else {
    log(
      `starting the Worker on ${origin} (its deploy bundle under Miniflare; \`npm run dev\` for wrangler dev with hot reload)`,
    );
    worker = run(process.execPath, [
      join(root, "scripts", "serve-worker.mjs"),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      persistDir,
      ...(env.SSMD_INSPECTOR_PORT ? ["--inspector-port", env.SSMD_INSPECTOR_PORT] : []),
      ...vars.flatMap((v) => ["--var", v]),
    ]);
  }
  worker.on("exit", (code) => {
    if (!stop.signal.aborted) {
      log(`the Worker exited (${code})`);
      shutdown(1);
    }
  });
  await waitFor(`${origin}/healthz`, "the Worker");

  const crons = readCrons(join(root, "wrangler.toml"));
  startLocalCron(
    crons,
    (cron) => {
      log(`cron ${cron}`);
      fetch(`${origin}${SCHEDULED_PATH}?cron=${encodeURIComponent(cron)}`).catch((e) =>
        log(`cron ${cron} failed: ${e.message}`),
      );
    },
    { signal: stop.signal },
  );

  if (env.SSMD_SKIP_FIRST_SYNC !== "1") {
    const result = await firstSync();
    if (result.status !== "succeeded") log(`first sync ended ${result.status}: ${result.error ?? ""}`);
  }
  // Start the stream ingest now rather than at the first quarter-hour cron tick.
  const ingest = await fetch(`${origin}/admin/ingest/start`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: "{}",
  });
  log(ingest.ok ? "stream ingest started" : `stream ingest did not start: ${ingest.status} ${await ingest.text()}`);
  log(`ready: ${origin}  (try ${origin}/markets?status=open&limit=5 — admin token: ${adminToken})`);
}

main().catch((e) => {
  log(`start failed: ${e.message}`);
  shutdown(1);
});

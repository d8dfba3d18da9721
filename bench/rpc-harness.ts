/**
 * Runs bench/rpc-worker.mjs locally in workerd through Miniflare directly (bundled by
 * `wrangler deploy --dry-run`, as bench/sync.ts does), with the production Durable Object classes
 * SQLite-backed, D1 (migrations applied) and KV. Shared by bench/rpc-compare.ts, bench/ingest.ts
 * and bench/ingest-ws.ts.
 *
 * Not `wrangler dev` / `unstable_dev`: those put dev tooling (a proxy worker for hot reload, the
 * inspector proxy) on every call, which measured 1.7–4× slower than workerd itself on the ingest
 * workload (docs/decisions/0050-bench-harness-miniflare-tmpfs.md).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

const ROOT = new URL("..", import.meta.url).pathname;

export interface BenchWorker {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
  /** Where the state lives, for the report. */
  storage: string;
  /** Port of the workerd inspector when `inspectorPort` was given (CPU profiles: target "core:user"). */
  inspectorPort?: number;
}

export interface BenchWorkerOptions {
  /**
   * Keep Durable Object / D1 / KV state on disk, in the project's .wrangler/ as `npm start` does
   * (each Durable Object commit then waits for an fsync on the workerd thread), instead of in
   * memory (a tmpfs, /dev/shm). Default: BENCH_PERSIST=1 in the environment.
   */
  persist?: boolean;
  inspectorPort?: number;
}

export async function startBenchWorker(opts: BenchWorkerOptions = {}): Promise<BenchWorker> {
  const persist = opts.persist ?? process.env.BENCH_PERSIST === "1";
  // Miniflare keeps every Durable Object in a SQLite file even without persistence (in
  // os.tmpdir(), usually on disk), so "in memory" means files on a tmpfs.
  const root = persist ? join(ROOT, ".wrangler", "bench") : existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, "ssmd-bench-"));
  const config = join(dir, "wrangler.toml");
  writeFileSync(
    config,
    `name = "ssmd-bench"\nmain = "${join(ROOT, "bench/rpc-worker.mjs")}"\ncompatibility_date = "2026-11-01"\ncompatibility_flags = ["nodejs_compat"]\n`,
  );
  const outdir = join(dir, "dist");
  execFileSync(
    join(ROOT, "node_modules/.bin/wrangler"),
    ["deploy", "--dry-run", "--config", config, "--outdir", outdir],
    {
      stdio: "ignore",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    },
  );
  const state = join(dir, "state");
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      log: new (await import("miniflare")).Log(3),
      scriptPath: join(outdir, "rpc-worker.js"),
      modulesRoot: outdir,
      compatibilityDate: "2026-11-01",
      compatibilityFlags: ["nodejs_compat"],
      ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
      bindings: { KALSHI_WS_URL: "ws://127.0.0.1:9/unused" },
      d1Databases: { DB: "bench" },
      kvNamespaces: ["CACHE"],
      durableObjects: {
        TICKER: { className: "TickerObject", useSQLite: true },
        ITTY: { className: "IttyTicker", useSQLite: true },
        INGEST: { className: "IngestObject", useSQLite: true },
      },
      resourcePersistencePath: state,
    }),
  );
  const url = await mf.ready;
  const fetchPath = (path: string, init?: RequestInit) => fetch(new URL(path, url), init);
  const statements: string[] = [];
  const mdir = join(ROOT, "migrations");
  for (const f of readdirSync(mdir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const s of readFileSync(join(mdir, f), "utf8").split("--> statement-breakpoint"))
      if (s.trim()) statements.push(s);
  }
  const res = await fetchPath("/migrate", { method: "POST", body: JSON.stringify(statements) });
  if (!res.ok) throw new Error(`migrations failed: ${await res.text()}`);
  const stop = async () => {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    fetch: fetchPath,
    stop,
    inspectorPort: opts.inspectorPort,
    storage: persist ? `disk (${dir})` : `memory (${dir})`,
  };
}

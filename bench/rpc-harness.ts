/**
 * Runs bench/rpc-worker.mjs locally in workerd through wrangler's `unstable_dev` (wrangler bundles
 * it), with the production Durable Object classes SQLite-backed, D1 (migrations applied) and KV.
 * Shared by bench/rpc-compare.ts and bench/ingest.ts. The wrangler config is written to a temp dir.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unstable_dev } from "wrangler";

const ROOT = new URL("..", import.meta.url).pathname;

export interface BenchWorker {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** @param persist keep Durable Object / D1 state on disk (as `npm start` does) instead of in memory. */
export async function startBenchWorker(persist = process.env.BENCH_PERSIST === "1"): Promise<BenchWorker> {
  const dir = mkdtempSync(join(tmpdir(), "ssmd-bench-"));
  const config = join(dir, "wrangler.toml");
  writeFileSync(
    config,
    `name = "ssmd-bench"
main = "${join(ROOT, "bench/rpc-worker.mjs")}"
compatibility_date = "2026-11-01"
compatibility_flags = ["nodejs_compat"]
[vars]
KALSHI_WS_URL = "ws://127.0.0.1:9/unused"
SSMD_VERSION = "bench"
[[d1_databases]]
binding = "DB"
database_name = "bench"
database_id = "00000000-0000-0000-0000-000000000001"
[[kv_namespaces]]
binding = "CACHE"
id = "00000000000000000000000000000001"
[[durable_objects.bindings]]
name = "TICKER"
class_name = "TickerObject"
[[durable_objects.bindings]]
name = "ITTY"
class_name = "IttyTicker"
[[durable_objects.bindings]]
name = "INGEST"
class_name = "IngestObject"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["TickerObject", "IttyTicker", "IngestObject"]
`,
  );
  const worker = await unstable_dev(join(ROOT, "bench/rpc-worker.mjs"), {
    config,
    ...(persist ? { persistTo: join(dir, "state") } : { persist: false }),
    logLevel: "warn",
    experimental: { disableExperimentalWarning: true },
  });
  const fetchPath = (path: string, init?: RequestInit) => worker.fetch(path, init as never) as unknown as Promise<Response>;
  const statements: string[] = [];
  const mdir = join(ROOT, "migrations");
  for (const f of readdirSync(mdir).filter((f) => f.endsWith(".sql")).sort()) {
    for (const s of readFileSync(join(mdir, f), "utf8").split("--> statement-breakpoint")) if (s.trim()) statements.push(s);
  }
  const res = await fetchPath("/migrate", { method: "POST", body: JSON.stringify(statements) });
  if (!res.ok) throw new Error(`migrations failed: ${await res.text()}`);
  return { fetch: fetchPath, stop: () => worker.stop() };
}

/**
 * The bundled Worker with a SyncCoordinator, D1 and KV in Miniflare, against a simulator — the
 * setup bench/sync.ts and bench/search.ts share — and the D1 migrations applied as `wrangler d1
 * migrations apply` would.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { bundleModuleList } from "../scripts/serve-worker.mjs";

export async function startSyncWorker(o: {
  bundleDir: string;
  simOrigin: string;
  rps: number;
  dbName: string;
  inspectorPort?: number;
}): Promise<Miniflare> {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      inspectorPort: o.inspectorPort,
      // index.js and the Text modules of wrangler.toml's [[rules]] the bundle carries (the /docs assets).
      modules: await bundleModuleList(process.cwd(), o.bundleDir),
      modulesRoot: o.bundleDir,
      compatibilityDate: "2026-11-01",
      compatibilityFlags: ["nodejs_compat"],
      d1Databases: { DB: o.dbName },
      kvNamespaces: ["CACHE"],
      durableObjects: { SYNC: { className: "SyncCoordinator", useSQLite: true } },
      bindings: {
        KALSHI_BASE_URL: `${o.simOrigin}/trade-api/v2`,
        KALSHI_WS_URL: `${o.simOrigin.replace(/^http/, "ws")}/trade-api/ws/v2`,
        KALSHI_READS_PER_SECOND: String(o.rps),
        CORS_ORIGINS: "*",
      },
    }),
  );
  await mf.ready;
  return mf;
}

/** Every migration in order but those `skip` names, one statement per breakpoint (a trigger's body holds semicolons). */
export async function applyMigrations(db: D1Database, skip: readonly string[] = []): Promise<void> {
  for (const f of readdirSync("migrations")
    .filter((x) => x.endsWith(".sql") && !skip.includes(x))
    .sort()) {
    for (const stmt of readFileSync(join("migrations", f), "utf8").split("--> statement-breakpoint")) {
      const code = stmt
        .split("\n")
        .filter((l) => !l.trim().startsWith("--"))
        .join("\n");
      if (code.trim()) await db.prepare(code).run();
    }
  }
}

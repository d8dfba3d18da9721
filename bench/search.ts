/**
 * Full-text search benchmark: the real worker (bundled by `wrangler deploy --dry-run`, run in
 * workerd through Miniflare with an in-memory local D1) synced from the Kalshi simulator (in this
 * process), twice — once with every migration (search index on) and once without
 * migrations/0004_full_text_search.sql and 0007_search_close_order.sql (off).
 *
 *   npx tsx bench/search.ts [--markets 200000] [--rps 2000] [--seed 1] [--queries 400] [--only on|off]
 *                           [--config wrangler.toml]   (the wrangler config the bundle is built with)
 *                           [--no-http]                (time the page query only, not the route)
 *
 * Measures
 * - sync wall time with the index on vs off: a full sync into an empty D1 (the first load, where
 *   every market is an insert and so an index write), then a full sync after the simulator changed
 *   10 % of the markets' prices and some metadata. `--rps` is high so the runs are bound by the
 *   worker and D1, not by Kalshi's rate limit (at 20 reads/s the index cost would hide in the floor).
 * - index size: the FTS5 shadow tables' bytes (dbstat is not available through D1, so the sum of
 *   their blobs and rows) and the D1 file size (D1's meta.size_after) on vs off.
 * - search latency on the D1 path (KV not used): the page query GET /markets?q= runs
 *   (src/db/queries.ts marketsSearchPageQuery) as D1 reports it (meta.duration: the SQL inside
 *   D1), and the route itself, GET /markets?q=… with `Cache-Control: no-cache` (which skips KV),
 *   timed from this process (HTTP to workerd included); a mix of words sampled from the synced titles (common to rare),
 *   tickers, event tickers and two-word queries, with and without filters, first and second pages;
 *   limit 100; then the commonest words with status=open or a category, summed apart ("all
 *   queries" stays the 2026-12-03 mix).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { drizzle } from "drizzle-orm/d1";
import { startSimServer } from "../sim/server";
import { applyMigrations, startSyncWorker } from "./sync-worker";
import { marketsSearchPageQuery, type MarketFilter, type MarketSearchKey } from "../src/db/queries";
import { searchWords } from "../src/domain/search";
import type { StartSyncResult, SyncRunStatus } from "../src/sync/types";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!;
  if (a.startsWith("--"))
    args.set(a.slice(2), process.argv[i + 1]?.startsWith("--") === false ? process.argv[++i]! : "true");
}
const MARKETS = Number(args.get("markets") ?? 200_000);
const RPS = Number(args.get("rps") ?? 2000);
const SEED = Number(args.get("seed") ?? 1);
const QUERIES = Number(args.get("queries") ?? 400);
const ONLY = args.get("only");
const CONFIG = args.get("config") ?? "wrangler.toml";
/** Also time the route (GET /markets?q=, KV skipped) — off with --no-http (e.g. a bundle without q). */
const HTTP = args.get("no-http") !== "true";
const FTS_MIGRATIONS = ["0004_full_text_search.sql", "0007_search_close_order.sql"];
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

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const summary = (xs: number[]) => ({
  n: xs.length,
  p50: +pct(xs, 50).toFixed(2),
  p95: +pct(xs, 95).toFixed(2),
  p99: +pct(xs, 99).toFixed(2),
  max: +Math.max(...xs).toFixed(2),
});

async function main() {
  log("bundling the worker (wrangler deploy --dry-run)");
  const outdir = mkdtempSync(join(tmpdir(), "ssmd-bench-"));
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--config", CONFIG, "--outdir", outdir], { stdio: "ignore" });

  let counts: Record<string, unknown> = {};
  const results: Record<string, unknown>[] = [];
  // Off first, then on, each against a fresh simulator of the same seed (the same world).
  for (const variant of ["off", "on"] as const) {
    if (ONLY && ONLY !== variant) continue;
    const sim = await startSimServer({
      host: "127.0.0.1",
      port: 0,
      config: { seed: SEED, markets: MARKETS, reads_per_second: RPS, mutation_rates: QUIET },
    });
    const state = (await (await fetch(`${sim.origin}/_sim/state`)).json()) as { counts: Record<string, unknown> };
    counts = state.counts;
    log(`${variant}: simulator ${JSON.stringify(state.counts)}, ${RPS} reads/s`);
    const mutate = async (body: unknown) =>
      (await (
        await fetch(`${sim.origin}/_sim/mutate`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        })
      ).json()) as Record<string, unknown>;

    const mf = await startSyncWorker({
      bundleDir: outdir,
      simOrigin: sim.origin,
      rps: RPS,
      dbName: `bench-search-${variant}`,
    });
    const d1 = (await mf.getD1Database("DB")) as unknown as D1Database;
    await applyMigrations(d1, variant === "on" ? [] : FTS_MIGRATIONS);
    const ns = await mf.getDurableObjectNamespace("SYNC");
    const stub = ns.get(ns.idFromName(`bench-${variant}`)) as unknown as {
      start(mode: string, trigger: string): Promise<StartSyncResult>;
      getRun(id: string): Promise<SyncRunStatus | null>;
    };
    const sync = async (label: string) => {
      const t0 = Date.now();
      const { run } = await stub.start("full", "admin");
      let r: SyncRunStatus | null = run;
      while (r && r.status === "running") {
        await new Promise((res) => setTimeout(res, 100));
        r = await stub.getRun(run.run_id);
      }
      const wall = (Date.now() - t0) / 1000;
      const row = {
        variant,
        label,
        status: r?.status,
        wall_s: +wall.toFixed(1),
        kalshi_requests: r?.progress.pages,
        rows_written: r?.progress.rows_written_by_table,
        phase_ms: r?.progress.phase_ms,
      };
      log(JSON.stringify(row));
      results.push(row);
    };
    await sync("full, empty D1");
    // PRAGMA page_count is not allowed through D1; every result's meta carries the file size.
    const dbBytes = (await d1.prepare("SELECT 1").run()).meta.size_after;
    const size: Record<string, unknown> = { variant, db_mb: +(dbBytes / 1048576).toFixed(1) };
    if (variant === "on") {
      for (const t of ["markets", "events", "series"]) {
        const r = await d1
          .prepare(
            `SELECT (SELECT sum(length(block)) + count(*) * 8 FROM ${t}_fts_data) AS data, (SELECT sum(length(sz)) + count(*) * 8 FROM ${t}_fts_docsize) AS docsize, (SELECT sum(length(term)) + count(*) * 16 FROM ${t}_fts_idx) AS idx, (SELECT count(*) FROM ${t}) AS rows`,
          )
          .first<{ data: number; docsize: number; idx: number; rows: number }>();
        size[`${t}_fts_mb`] = +((r!.data + r!.docsize + r!.idx) / 1048576).toFixed(2);
        size[`${t}_rows`] = r!.rows;
      }
    }
    log(JSON.stringify(size));
    results.push(size);
    const mutated = await mutate({ change_fraction: 0.1, metadata_changes: 200 });
    log(`mutate: ${mutated.changed} changed, ${(mutated.metadata_changed as unknown[]).length} metadata changes`);
    await sync("full, 10 % changed");

    // Cache-Control: no-cache skips KV (src/api/respond.ts): every answer comes from D1.
    const get = (path: string) =>
      mf.dispatchFetch(`http://localhost${path}`, {
        headers: { "Cache-Control": "no-cache" },
      }) as unknown as Promise<Response>;
    if (variant === "on") results.push(...(await searchLatency(d1, get)));
    await mf.dispose();
    await sim.close();
  }
  console.log(`\nRESULTS ${JSON.stringify({ markets: MARKETS, rps: RPS, seed: SEED, counts, results }, null, 1)}`);
}

/** The query mix (deterministic for a seed): words of the stored titles by frequency, tickers, pairs. */
async function searchLatency(
  d1: D1Database,
  get: (path: string) => Promise<Response>,
): Promise<Record<string, unknown>[]> {
  const db = drizzle(d1);
  const sample = await d1
    .prepare(
      "SELECT ticker, event_ticker, title, category FROM markets WHERE deleted_at IS NULL AND rowid % 97 = 0 LIMIT 2000",
    )
    .all<{ ticker: string; event_ticker: string; title: string | null; category: string | null }>();
  const counts = new Map<string, number>();
  for (const m of sample.results)
    for (const w of new Set((m.title ?? "").toLowerCase().split(/[^\p{L}\p{N}]+/u)))
      if (/\p{L}/u.test(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const byFreq = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const categories = [...new Set(sample.results.map((m) => m.category).filter((c): c is string => c !== null))];
  type Case = { kind: string; q: string; filter: MarketFilter; extra?: boolean };
  const cases: Case[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const k = i % 8;
    const m = pick(sample.results);
    const q =
      k === 0
        ? byFreq[i % Math.min(5, byFreq.length)]! // the most common words (largest match sets)
        : k === 1
          ? pick(byFreq.slice(0, 30))
          : k === 2
            ? pick(byFreq)
            : k === 3
              ? m.ticker
              : k === 4
                ? m.event_ticker
                : `${pick(byFreq.slice(0, 30))} ${pick(byFreq)}`;
    const filter: MarketFilter =
      k === 5
        ? { status: "open" }
        : k === 6
          ? { category: pick(categories) }
          : k === 7
            ? { status: "active", category: pick(categories) }
            : {};
    cases.push({
      kind: [
        "common",
        "top-30",
        "any word",
        "ticker",
        "event ticker",
        "pair + open",
        "pair + category",
        "pair + active + category",
      ][k]!,
      q,
      filter,
    });
  }
  // Appended after the mix above (which stays the 2026-12-03 mix for a seed): one of the 5 commonest
  // words with a filter — status=open, or a category (where the word may be rare: the worst case,
  // decision 0102).
  for (let i = 0; i < QUERIES / 4; i++) {
    const category = i % 2 === 1;
    cases.push({
      kind: category ? "common + category" : "common + open",
      q: byFreq[Math.floor(i / 2) % Math.min(5, byFreq.length)]!,
      filter: category ? { category: pick(categories) } : { status: "open" },
      extra: true,
    });
  }
  const http: Record<string, number[]> = {};
  const sqlMs: Record<string, number[]> = {};
  const all = { http: [] as number[], sql: [] as number[] };
  const withExtra = { http: [] as number[], sql: [] as number[] };
  const run = async (c: Case, after: MarketSearchKey | null, cursor: string | null, page: string) => {
    const { sql, params } = marketsSearchPageQuery(db, c.filter, searchWords(c.q), 100, after).toSQL();
    const r = await d1
      .prepare(sql)
      .bind(...params)
      .all<Record<string, unknown>>();
    const query = new URLSearchParams({ q: c.q, limit: "100" });
    if (c.filter.status) query.set("status", c.filter.status);
    if (c.filter.category) query.set("category", c.filter.category);
    if (cursor) query.set("cursor", cursor);
    let body: { markets: Array<{ ticker: string }>; cursor: string | null } = { markets: [], cursor: null };
    let ms = NaN;
    if (HTTP) {
      const t0 = performance.now();
      const res = await get(`/markets?${query}`);
      body = (await res.json()) as typeof body;
      ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`GET /markets?${query}: ${res.status} ${JSON.stringify(body)}`);
      if (body.markets.length !== Math.min(100, r.results.length))
        throw new Error(`route and query disagree: ${query}`);
    }
    if (page !== "warm-up") {
      const key = `${c.kind}, ${page}`;
      (http[key] ??= []).push(ms);
      (sqlMs[key] ??= []).push(r.meta.duration);
      const into = c.extra ? [withExtra] : [all, withExtra];
      for (const a of into) {
        a.http.push(ms);
        a.sql.push(r.meta.duration);
      }
    }
    return { rows: r.results, cursor: body.cursor };
  };
  // Warm-up: the index's pages into SQLite's cache, as a serving D1 would have them.
  for (const c of cases.slice(0, 20)) await run(c, null, null, "warm-up");
  for (const c of cases) {
    const first = await run(c, null, null, "page 1");
    if (first.rows.length > 100) {
      // The second page, from the first one's last row.
      const last = first.rows[99]!;
      const key: MarketSearchKey = [Number(last.bucket), last.close_ts as number | null, last.ticker as string];
      await run(c, key, first.cursor, "page 2");
    }
  }
  const out: Record<string, unknown>[] = [
    { search: "all queries", d1_sql_ms: summary(all.sql), ...(HTTP ? { http_ms: summary(all.http) } : {}) },
    {
      search: "all queries and the common words with a filter",
      d1_sql_ms: summary(withExtra.sql),
      ...(HTTP ? { http_ms: summary(withExtra.http) } : {}),
    },
  ];
  for (const k of Object.keys(http).sort())
    out.push({ search: k, d1_sql_ms: summary(sqlMs[k]!), ...(HTTP ? { http_ms: summary(http[k]!) } : {}) });
  for (const o of out) log(JSON.stringify(o));
  return out;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

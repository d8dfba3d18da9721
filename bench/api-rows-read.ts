/**
 * D1 rows read per API request: runs the exact SQL of the read routes (built by src/db/queries.ts)
 * against a local D1 database (e.g. the one `npm start` synced with 200,000 simulated markets) and
 * reports D1's `meta.rows_read` — what Cloudflare bills — for page 1 and page 2 of each filter mix.
 *
 *   npx tsx bench/api-rows-read.ts [--persist=.wrangler/state/v3] [--json]
 *
 * `--persist` is wrangler's local state directory (`npm start` uses .wrangler/state, i.e.
 * `<SSMD_PERSIST_DIR>/v3`). Read-only: it runs SELECTs only.
 */
import { parseArgs } from "node:util";
import type { D1Database } from "@cloudflare/workers-types";
import { drizzle } from "drizzle-orm/d1";
import { getPlatformProxy } from "wrangler";
import { eventsPageQuery, marketQuery, marketsPageQuery, type MarketFilter, type MarketKey } from "../src/db/queries";

const { values } = parseArgs({
  options: {
    persist: { type: "string", default: ".wrangler/state/v3" },
    json: { type: "boolean", default: false },
  },
});

interface Row {
  query: string;
  page: number;
  rows_returned: number;
  rows_read: number;
  ms: number;
}

const proxy = await getPlatformProxy<{ DB: D1Database }>({
  configPath: "wrangler.toml",
  persist: { path: values.persist! },
});
const d1 = proxy.env.DB;
const db = drizzle(d1);

async function measure(q: {
  toSQL(): { sql: string; params: unknown[] };
}): Promise<{ rows: Record<string, unknown>[]; read: number; ms: number }> {
  const { sql, params } = q.toSQL();
  const r = await d1
    .prepare(sql)
    .bind(...params)
    .all<Record<string, unknown>>();
  return { rows: r.results, read: r.meta.rows_read ?? NaN, ms: r.meta.duration };
}

async function pick<T>(sql: string): Promise<T> {
  const r = await d1.prepare(sql).first<T>();
  if (!r) throw new Error(`no data for: ${sql}`);
  return r;
}

const LIMIT = 100;
const out: Row[] = [];
const total = await pick<{ n: number }>("SELECT count(*) AS n FROM markets");
const cat = await pick<{ category: string }>(
  "SELECT category FROM markets WHERE status = 'open' GROUP BY category ORDER BY count(*) DESC LIMIT 1",
);
const ser = await pick<{ series_ticker: string }>(
  "SELECT series_ticker FROM markets GROUP BY series_ticker ORDER BY count(*) DESC LIMIT 1",
);
const mid = await pick<{ close_ts: number }>(
  `SELECT close_ts FROM markets ORDER BY close_ts LIMIT 1 OFFSET ${Math.floor(total.n / 2)}`,
);
const filters: Array<[string, MarketFilter]> = [
  ["/markets", {}],
  ["/markets?status=open", { status: "open" }],
  // Narrower status words: the status index range plus a residual status_raw term (docs/api.md, "Status filters").
  ["/markets?status=active", { status: "active" }],
  ["/markets?status=paused", { status: "paused" }],
  [`/markets?category=${cat.category}&status=open`, { category: cat.category, status: "open" }],
  [`/markets?category=${cat.category}`, { category: cat.category }],
  [`/markets?series=${ser.series_ticker}`, { series: ser.series_ticker }],
  [`/markets?series=${ser.series_ticker}&status=open`, { series: ser.series_ticker, status: "open" }],
  [`/markets?closing_after=<median>`, { closingAfter: mid.close_ts }],
];
for (const [name, f] of filters) {
  let after: MarketKey | null = null;
  for (let page = 1; page <= 2; page++) {
    const m = await measure(marketsPageQuery(db, f, LIMIT, after));
    out.push({ query: name, page, rows_returned: Math.min(LIMIT, m.rows.length), rows_read: m.read, ms: m.ms });
    if (m.rows.length <= LIMIT) break;
    // drizzle's raw SQL selects columns in the schema order: close_ts and ticker by name
    const last = m.rows[LIMIT - 1]!;
    after = [(last.close_ts as number | null) ?? null, last.ticker as string];
  }
}
const t = await pick<{ ticker: string }>("SELECT ticker FROM markets LIMIT 1 OFFSET 1000");
const one = await measure(marketQuery(db, t.ticker));
out.push({ query: "/markets/{ticker}", page: 1, rows_returned: one.rows.length, rows_read: one.read, ms: one.ms });
let evAfter: string | null = null;
for (let page = 1; page <= 2; page++) {
  const e = await measure(eventsPageQuery(db, {}, LIMIT, evAfter));
  out.push({ query: "/events", page, rows_returned: Math.min(LIMIT, e.rows.length), rows_read: e.read, ms: e.ms });
  if (e.rows.length <= LIMIT) break;
  evAfter = e.rows[LIMIT - 1]!.event_ticker as string;
}
await proxy.dispose();

if (values.json) console.log(JSON.stringify({ markets: total.n, limit: LIMIT, results: out }, null, 2));
else {
  console.log(`${total.n} markets, limit ${LIMIT}\n`);
  console.log("| request | page | rows returned | D1 rows read | D1 ms |");
  console.log("|---|---:|---:|---:|---:|");
  for (const r of out)
    console.log(`| ${r.query} | ${r.page} | ${r.rows_returned} | ${r.rows_read} | ${r.ms.toFixed(1)} |`);
}

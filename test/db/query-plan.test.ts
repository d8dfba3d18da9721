/**
 * The API's list queries must be index range scans, never full table scans: checked with SQLite's
 * EXPLAIN QUERY PLAN on the exact SQL drizzle generates for each filter combination.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { eventsPageQuery, marketsPageQuery, openDb, type EventFilter, type MarketFilter } from "../../src/db/queries";

async function plan(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<string> {
  const { sql, params } = query.toSQL();
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return results.map((r) => r.detail).join("\n");
}

/** The plan's line for the markets table (the outer loop of the query). */
function marketsLine(p: string): string {
  return p.split("\n").find((l) => /\bmarkets\b/.test(l) && /SCAN|SEARCH/.test(l)) ?? p;
}

const t = Date.UTC(2026, 11, 1);
const cases: Array<[string, MarketFilter, RegExp]> = [
  [
    "category + status + closing window",
    { category: "Economics", status: "open", closingBefore: t, closingAfter: t - 86_400_000 },
    /SEARCH markets USING INDEX markets_category_status_close_ticker \(category=\? AND status=\? AND close_ts>\? AND close_ts<\?\)/,
  ],
  [
    "category + status",
    { category: "Economics", status: "open" },
    /USING INDEX markets_category_status_close_ticker \(category=\? AND status=\?/,
  ],
  ["category only", { category: "Economics" }, /USING INDEX markets_category_close_ticker \(category=\?/],
  [
    "series + status",
    { series: "KXFED", status: "closed" },
    /USING INDEX markets_series_status_close_ticker \(series_ticker=\? AND status=\?/,
  ],
  ["series only", { series: "KXFED" }, /USING INDEX markets_series_close_ticker \(series_ticker=\?/],
  [
    "status + closing before",
    { status: "open", closingBefore: t },
    /USING INDEX markets_status_close_ticker \(status=\? AND close_ts<\?\)/,
  ],
  ["closing before only", { closingBefore: t }, /USING INDEX markets_close_ticker \(close_ts<\?\)/],
  ["no filter (ordered by close time)", {}, /SCAN markets USING INDEX markets_close_ticker/],
  // The narrower status words and status_raw are an equality on the normalized status plus a residual status_raw term.
  ["status=active (raw active|open)", { status: "active" }, /USING INDEX markets_status_close_ticker \(status=\?/],
  [
    "category + status=paused",
    { category: "Economics", status: "paused" },
    /USING INDEX markets_category_status_close_ticker \(category=\? AND status=\?/,
  ],
  [
    "series + status_raw",
    { series: "KXFED", statusRaw: "determined" },
    /USING INDEX markets_series_status_close_ticker \(series_ticker=\? AND status=\?/,
  ],
  ["status=unknown", { status: "unknown" }, /USING INDEX markets_status_close_ticker \(status=\?/],
];

describe("EXPLAIN QUERY PLAN of the list queries", () => {
  beforeAll(async () => {
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    // A realistic spread (8 categories, 40 series, 4 statuses, close times over 90 days) and fresh
    // statistics, as the sync leaves them (it runs PRAGMA optimize after writing).
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 3999)
       INSERT INTO markets (ticker, event_ticker, series_ticker, category, market_type, status_raw, status, close_ts, first_seen_at, updated_at)
       SELECT 'M' || i, 'E' || (i / 10), 'S' || (i % 40), 'C' || (i % 8), 'binary',
              'x', CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'closed' WHEN 2 THEN 'settled' ELSE 'open' END,
              ${t} + (i % 90) * 86400000, 0, 0 FROM n`,
    ).run();
    // Their 400 events, a few statuses per category and series.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 399)
       INSERT INTO events (event_ticker, series_ticker, title, category, mutually_exclusive, status, first_seen_at, updated_at)
       SELECT 'E' || i, 'S' || (i % 40), 't', 'C' || (i % 8), 0,
              CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'closed' WHEN 2 THEN 'settled' ELSE 'open' END, 0, 0 FROM n`,
    ).run();
    await env.DB.prepare("PRAGMA optimize").run();
  });

  for (const [name, filter, expected] of cases) {
    it(`GET /markets with ${name} uses its index`, async () => {
      const p = await plan(marketsPageQuery(openDb(env.DB), filter, 100, null));
      expect(marketsLine(p)).toMatch(expected);
      // The index already yields the page order: no sort of the matching rows.
      expect(p).not.toMatch(/TEMP B-TREE/);
    });
  }

  // Every events filter is an index range in the page's order, the cursor included (migration 0006): no sort of the matches.
  const eventCases: Array<[string, EventFilter, RegExp]> = [
    [
      "category + status",
      { category: "Economics", status: "open" },
      /SEARCH events USING INDEX events_category_status_ticker \(category=\? AND status=\? AND event_ticker>\?\)/,
    ],
    [
      "category",
      { category: "Economics" },
      /SEARCH events USING INDEX events_category_ticker \(category=\? AND event_ticker>\?\)/,
    ],
    ["status", { status: "open" }, /SEARCH events USING INDEX events_status_ticker \(status=\? AND event_ticker>\?\)/],
    [
      "series + status",
      { series: "KXFED", status: "closed" },
      /SEARCH events USING INDEX events_series_status_ticker \(series_ticker=\? AND status=\? AND event_ticker>\?\)/,
    ],
    [
      "series",
      { series: "KXFED" },
      /SEARCH events USING INDEX events_series_ticker \(series_ticker=\? AND event_ticker>\?\)/,
    ],
  ];
  for (const [name, filter, expected] of eventCases) {
    it(`GET /events by ${name} reads its index in page order`, async () => {
      const p = await plan(eventsPageQuery(openDb(env.DB), filter, 100, "E1"));
      expect(p).toMatch(expected);
      expect(p).not.toMatch(/TEMP B-TREE/);
    });
  }
});

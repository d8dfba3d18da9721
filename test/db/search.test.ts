/**
 * Full-text search in D1 (workerd's SQLite): the FTS5 tables of migrations/0004_full_text_search.sql
 * exist, their triggers keep them in step with the sync's writers (changed-rows upserts,
 * soft-deletes) and with plain DELETEs, diacritics are folded, and no text a client
 * can send in `q` is an FTS5 error.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  marketsSearchPageQuery,
  openDb,
  searchEvents,
  searchMarkets,
  type MarketSearchKey,
  type MarketWithEventRow,
  type Page,
} from "../../src/db/queries";
import { softDeleteMarkets } from "../../src/db/softdelete";
import type { MarketContent, MarketRow } from "../../src/db/schema";
import { upsertMarkets } from "../../src/db/upsert-markets";
import { searchWords } from "../../src/domain/search";
import { createSimWorld, fetchCatalog, writeCatalog, type Catalog } from "../api/helpers";

const NOW = Date.UTC(2026, 10, 20, 12);
let cat: Catalog;

/** FTS5's own check of an external-content index against its table (throws when they differ). */
async function integrity(): Promise<void> {
  for (const t of ["markets_fts", "events_fts", "series_fts"])
    await env.DB.prepare(`INSERT INTO ${t} (${t}, rank) VALUES ('integrity-check', 1)`).run();
}

async function found(q: string, includeDeleted = false): Promise<string[]> {
  const page = await searchMarkets(openDb(env.DB), { includeDeleted }, searchWords(q), 1000, null);
  return page.rows.map((r) => r.market.ticker);
}

/** The stored content of a market (what the sync's upsert takes), with `change` applied. */
async function stored(ticker: string, change: Partial<MarketContent>): Promise<MarketContent> {
  const row = await env.DB.prepare("SELECT * FROM markets WHERE ticker = ?").bind(ticker).first<MarketRow>();
  const { first_seen_at, updated_at, deleted_at, series_ticker, category, ...content } = row!;
  return { ...content, ...change };
}

/** A market written again by the sync's changed-rows upsert. */
async function rewrite(ticker: string, change: Partial<MarketContent>, at: number): Promise<string[]> {
  return (await upsertMarkets(env.DB, [await stored(ticker, change)], at)).changed;
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  cat = await fetchCatalog(await createSimWorld({ seed: 7, markets: 120, reads_per_second: null }));
  await writeCatalog(cat);
  // The upsert inserts too: a new market written by the sync's writer.
  const m = cat.markets[0]!;
  await env.DB.prepare("DELETE FROM markets WHERE ticker = ?").bind(m.ticker).run();
});

describe("FTS5 in D1", () => {
  it("indexes every row stored, inserts by the sync's upsert included", async () => {
    const first = cat.markets[0]!;
    expect(await found(first.ticker, true)).toEqual([]);
    const row = { ...(await stored(cat.markets[1]!.ticker, {})), ticker: first.ticker, title: first.title ?? null };
    expect((await upsertMarkets(env.DB, [row], NOW)).changed).toEqual([first.ticker]);
    expect(await found(first.ticker)).toEqual([first.ticker]);
    await integrity();
    for (const t of ["markets", "events", "series"]) {
      const n = await env.DB.prepare(
        `SELECT (SELECT count(*) FROM ${t}) AS rows, (SELECT count(*) FROM ${t}_fts) AS fts`,
      ).first<{ rows: number; fts: number }>();
      expect(n!.fts, t).toBe(n!.rows);
      expect(n!.rows, t).toBeGreaterThan(0);
    }
    const m = cat.markets[5]!;
    expect(await found(m.ticker)).toEqual([m.ticker]);
  });

  it("follows a title change through the upsert, and folds diacritics both ways", async () => {
    const m = cat.markets[3]!;
    expect(await rewrite(m.ticker, { title: "Société Générale résultats ?" }, NOW + 1)).toEqual([m.ticker]);
    await integrity();
    expect(await found("Societe generale")).toEqual([m.ticker]);
    expect(await found("SOCIÉTÉ")).toEqual([m.ticker]);
    expect(await found("resultats")).toEqual([m.ticker]);
    // The old title's words no longer find it by title alone.
    await rewrite(m.ticker, { title: "Zürich Überlingen" }, NOW + 2);
    await integrity();
    expect(await found("Societe")).toEqual([]);
    expect(await found("zurich uberlingen")).toEqual([m.ticker]);
  });

  it("a price-only change does not touch the index (the trigger's WHEN)", async () => {
    const m = cat.markets[8]!;
    const before = await env.DB.prepare("SELECT count(*) AS n FROM markets_fts_data").first<{ n: number }>();
    expect(await rewrite(m.ticker, { title: "Zürich Überlingen", yes_bid_dollars: "0.4200" }, NOW + 3)).toEqual([
      m.ticker,
    ]);
    const after = await env.DB.prepare("SELECT count(*) AS n FROM markets_fts_data").first<{ n: number }>();
    // One title change wrote index segments; the price change after it wrote none.
    expect(after!.n).toBeGreaterThan(before!.n);
    const again = await env.DB.prepare("SELECT count(*) AS n FROM markets_fts_data").first<{ n: number }>();
    expect(await rewrite(m.ticker, { yes_bid_dollars: "0.4400" }, NOW + 5)).toEqual([m.ticker]);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM markets_fts_data").first<{ n: number }>())!.n).toBe(
      again!.n,
    );
    await integrity();
  });

  it("a soft-deleted market leaves the results (and is found with include_deleted)", async () => {
    const m = cat.markets[10]!;
    expect(await found(m.ticker)).toEqual([m.ticker]);
    await softDeleteMarkets(env.DB, [m.ticker], NOW + 6);
    expect(await found(m.ticker)).toEqual([]);
    expect(await found(m.ticker, true)).toEqual([m.ticker]);
    await integrity();
  });

  it("a hard DELETE leaves the index consistent", async () => {
    const m = cat.markets[11]!;
    await env.DB.prepare("DELETE FROM markets WHERE ticker = ?").bind(m.ticker).run();
    await integrity();
    expect(await found(m.ticker, true)).toEqual([]);
  });

  it("events are found by their own text and by their series' title", async () => {
    // An event none of the tests above changed a market of.
    const ev = cat.events.find((e) => e.event_ticker === cat.markets.at(-1)!.event_ticker)!;
    const s = cat.series.find((x) => x.ticker === ev.series_ticker)!;
    const byTicker = await searchEvents(openDb(env.DB), {}, searchWords(ev.event_ticker), 100, null);
    expect(byTicker.rows.map((r) => r.event.event_ticker)).toEqual([ev.event_ticker]);
    expect(byTicker.rows[0]!.market_count).toBe(cat.markets.filter((m) => m.event_ticker === ev.event_ticker).length);
    const bySeries = await searchEvents(openDb(env.DB), {}, searchWords(s.title), 1000, null);
    const tickers = bySeries.rows.map((r) => r.event.event_ticker);
    for (const e of cat.events.filter((x) => x.series_ticker === s.ticker)) expect(tickers).toContain(e.event_ticker);
  });

  it("no q a client can send is an FTS5 error", async () => {
    const nasty = [
      '"',
      '""',
      '"unterminated',
      "*",
      "bitcoin*",
      "NEAR(bitcoin price)",
      "NEAR",
      "a OR b",
      "NOT bitcoin",
      "AND",
      "-bitcoin",
      "- -",
      "title:bitcoin",
      "ticker : x",
      "{title}: x",
      "^price",
      "(bitcoin",
      "bitcoin)",
      "+",
      "a'b",
      "😀 fed",
      "x".repeat(200),
      "\u0000fed",
      "rank",
      "markets_fts",
    ];
    for (const q of nasty) {
      const words = searchWords(q);
      if (words.length === 0) continue;
      await expect(found(q), q).resolves.toBeInstanceOf(Array);
      const after = await searchMarkets(openDb(env.DB), {}, words, 10, [2, null, ""]);
      expect(after.rows.length, q).toBeGreaterThanOrEqual(0);
    }
    expect(searchWords('- * ( ) "')).toEqual([]);
  });

  it("reads matches in close-time order: ties of a second, milliseconds, NULL close times, a moved close time", async () => {
    // Five markets of one title word: two in one second (ms apart, the later with the smaller
    // ticker), one with no close time (first: NULLs sort first), one a second later, one a day later.
    const T = Date.UTC(2026, 11, 1, 12);
    const picks = cat.markets.slice(20, 25).map((m) => m.ticker);
    const closes = [T + 999, T + 1, null, T + 1000, T + 86_400_000];
    for (const [i, t] of picks.entries())
      await rewrite(
        t,
        {
          title: "Quokka boundary",
          close_ts: closes[i]!,
          close_time: closes[i] === null ? null : new Date(closes[i]!).toISOString(),
        },
        NOW + 10 + i,
      );
    await integrity();
    const order = (rows: Array<{ ticker: string; close_ts: number | null }>) =>
      [...rows]
        .sort((a, b) => (a.close_ts ?? -1) - (b.close_ts ?? -1) || (a.ticker < b.ticker ? -1 : 1))
        .map((r) => r.ticker);
    const expected = order(picks.map((t, i) => ({ ticker: t, close_ts: closes[i]! })));
    expect(await found("quokka")).toEqual(expected);
    // Page by page with every page size: the same order, each market once.
    for (let limit = 1; limit <= 5; limit++) {
      const seen: string[] = [];
      let after: MarketSearchKey | null = null;
      do {
        const page: Page<MarketWithEventRow, MarketSearchKey> = await searchMarkets(
          openDb(env.DB),
          {},
          ["quokka"],
          limit,
          after,
        );
        seen.push(...page.rows.map((r) => r.market.ticker));
        after = page.next;
      } while (after !== null);
      expect(seen, `limit ${limit}`).toEqual(expected);
    }
    // A new close time moves the market in the order (the trigger rewrites its key).
    await rewrite(picks[4]!, { close_ts: T - 5000, close_time: new Date(T - 5000).toISOString() }, NOW + 20);
    await integrity();
    expect(await found("quokka")).toEqual([picks[2]!, picks[4]!, picks[1]!, picks[0]!, picks[3]!]);
    // The filters bound the close times read (the open range here) and still filter exactly.
    expect(await found("quokka boundary")).toEqual(await found("quokka"));
    const open = (await searchMarkets(openDb(env.DB), { closingAfter: T + 1 }, ["quokka"], 10, null)).rows.map(
      (r) => r.market.ticker,
    );
    expect(open).toEqual([picks[1]!, picks[0]!, picks[3]!]);
  });

  it("the search page query reads markets_fts in key order and markets by rowid, never a scan of markets", async () => {
    const { sql, params } = marketsSearchPageQuery(
      openDb(env.DB),
      { category: "Crypto" },
      searchWords("bitcoin"),
      100,
      null,
    ).toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const plan = results.map((r) => r.detail).join("\n");
    // Each bucket's first rows: markets_fts with ORDER BY rowid consumed (FTS5's index number 64,
    // no sort) and bounded on both sides (`><`), each joined to its market by rowid.
    expect(plan.match(/MATERIALIZE s\d\nSCAN f VIRTUAL TABLE INDEX 64:M\d+></g)).toHaveLength(3);
    // The bounds: the first and last close time of the category, one index seek each.
    expect(plan.match(/SEARCH markets USING INDEX markets_category_close_ticker \(category=\?\)/g)).toHaveLength(2);
    expect(plan).toMatch(/SEARCH markets USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(plan).not.toMatch(/SCAN markets\b/);
  });
});

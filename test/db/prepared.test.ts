/**
 * The read routes' statements (src/db/queries.ts): built once per query shape with placeholders,
 * then filled per request. They answer exactly what the same query built for the request with its
 * values answers (drizzle, no placeholders) — for every filter combination, cursor kind and two
 * different values of each shape in a row (a cached statement must not keep the first values) —
 * and through a read session (`readSession`, D1 read replication) exactly what the primary answers.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  eventsPageQuery,
  getEvent,
  getMarket,
  listEvents,
  listMarkets,
  marketsPageQuery,
  openDb,
  readSession,
  type EventFilter,
  type MarketFilter,
  type MarketKey,
} from "../../src/db/queries";
import { migrate, syntheticCatalog, writeCatalog, type Catalog } from "../api/helpers";

let cat: Catalog;
const DAY = 86_400_000;

beforeAll(async () => {
  await migrate();
  cat = syntheticCatalog(120, 4);
  await writeCatalog(cat);
  // One market soft-deleted, and stream days for has_stream_on.
  await env.DB.prepare("UPDATE markets SET deleted_at = 1 WHERE ticker = ?").bind(cat.markets[3]!.ticker).run();
  await env.DB.batch(
    cat.markets
      .slice(0, 30)
      .map((m) =>
        env.DB.prepare(
          "INSERT INTO ticker_days (feed, day, ticker, first_ts, last_ts, messages) VALUES ('kalshi', '2026-03-02', ?, 0, 0, 1)",
        ).bind(m.ticker),
      ),
  );
});

function closeTimes(): number[] {
  return [...new Set(cat.markets.map((m) => (m.close_time ? Date.parse(m.close_time) : null)))]
    .filter((t): t is number => t !== null)
    .sort((a, b) => a - b);
}

/** Pairs of filters of the same shape with different values, over every filter the route has. */
function marketFilters(): MarketFilter[][] {
  const times = closeTimes();
  const mid = times[Math.floor(times.length / 2)]!;
  const categories = [...new Set(cat.series.map((s) => s.category))];
  const series = [...new Set(cat.markets.map((m) => m.event_ticker.split("-")[0]!))];
  return [
    [{}, { includeDeleted: true }],
    [{ category: categories[0] }, { category: categories[1] }],
    [{ status: "open" }, { status: "closed" }, { status: "active" }, { status: "unknown" }],
    [{ statusRaw: "active" }, { statusRaw: "finalized" }],
    [{ series: series[0] }, { series: series[1] }],
    [{ closingBefore: mid }, { closingBefore: mid + 3 * DAY }],
    [{ closingAfter: mid }, { closingAfter: mid - 2 * DAY }],
    [
      { category: categories[0], status: "open", closingAfter: mid - DAY },
      { category: categories[1], status: "open", closingAfter: mid + DAY },
    ],
    [{ hasStreamOn: { feed: "kalshi", day: "2026-03-02" } }, { hasStreamOn: { feed: "kalshi", day: "2026-03-03" } }],
  ];
}

describe("prepared statements of GET /markets", () => {
  it("page through every filter exactly like the query built with its values", async () => {
    const db = openDb(env.DB);
    let compared = 0;
    for (const group of marketFilters()) {
      for (const filter of group) {
        let after: MarketKey | null = null;
        for (let page = 0; page < 40; page++) {
          const want = await marketsPageQuery(db, filter, 7, after);
          const got = await listMarkets(env.DB, filter, 7, after);
          expect(got.rows, JSON.stringify({ filter, after })).toEqual(want.slice(0, 7));
          compared += got.rows.length;
          if (got.next === null) {
            expect(want.length).toBeLessThanOrEqual(7);
            break;
          }
          after = got.next;
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it("a cursor on a market without a close time (the NULL-first boundary)", async () => {
    const db = openDb(env.DB);
    const after: MarketKey = [null, ""];
    const got = await listMarkets(env.DB, {}, 5, after);
    expect(got.rows).toEqual((await marketsPageQuery(db, {}, 5, after)).slice(0, 5));
  });

  it("render the same SQL as the query built with values", async () => {
    const db = openDb(env.DB);
    const f: MarketFilter = { category: "Economics", status: "active", closingBefore: 5, includeDeleted: true };
    const a = marketsPageQuery(db, f, 10, [3, "X"]).toSQL();
    const b = marketsPageQuery(db, { ...f, category: "Crypto", closingBefore: 9 }, 20, [8, "Y"]).toSQL();
    expect(a.sql).toBe(b.sql);
    expect(a.params).not.toEqual(b.params);
  });

  it("GET /markets/{ticker}: one market after another, and an unknown ticker", async () => {
    for (const m of cat.markets.slice(0, 10)) {
      const got = await getMarket(env.DB, m.ticker);
      expect(got?.market.ticker).toBe(m.ticker);
      expect(got?.event?.event_ticker).toBe(m.event_ticker);
    }
    expect(await getMarket(env.DB, "NO-SUCH")).toBeNull();
  });
});

describe("prepared statements of GET /events", () => {
  it("page through every filter like the query built with its values, market_count from the row", async () => {
    const db = openDb(env.DB);
    const categories = [...new Set(cat.series.map((s) => s.category))];
    const filters: EventFilter[] = [
      {},
      { status: "open" },
      { status: "closed" },
      { category: categories[0] },
      { category: categories[1], status: "open" },
      { series: "KXBTCD" },
      { includeDeleted: true },
    ];
    for (const filter of filters) {
      let after: string | null = null;
      for (let page = 0; page < 40; page++) {
        const want = await eventsPageQuery(db, filter, 4, after);
        const got = await listEvents(env.DB, filter, 4, after);
        expect(got.rows, JSON.stringify({ filter, after })).toEqual(
          want.slice(0, 4).map((event) => ({ event, market_count: event.market_count })),
        );
        if (got.next === null) break;
        after = got.next;
      }
    }
  });

  it("GET /events/{t}: the event and its markets in one round trip, deleted ones only when asked", async () => {
    const deleted = cat.markets[3]!;
    const live = await getEvent(env.DB, deleted.event_ticker, false);
    const all = await getEvent(env.DB, deleted.event_ticker, true);
    expect(all!.markets.length).toBe(live!.markets.length + 1);
    expect(live!.event.market_count).toBe(live!.markets.length);
    expect(live!.markets.map((m) => m.ticker)).not.toContain(deleted.ticker);
    expect(await getEvent(env.DB, "NO-SUCH", false)).toBeNull();
  });
});

describe("read sessions (D1 read replication)", () => {
  it("the runtime has withSession and the session answers what the primary answers", async () => {
    const session = readSession(env.DB);
    expect(typeof session.getBookmark).toBe("function");
    for (const group of marketFilters())
      for (const filter of group)
        expect(await listMarkets(session, filter, 50, null)).toEqual(await listMarkets(env.DB, filter, 50, null));
    expect(await listEvents(session, { status: "open" }, 50, null)).toEqual(
      await listEvents(env.DB, { status: "open" }, 50, null),
    );
    const t = cat.markets[0]!;
    expect(await getMarket(session, t.ticker)).toEqual(await getMarket(env.DB, t.ticker));
    expect(await getEvent(session, t.event_ticker, true)).toEqual(await getEvent(env.DB, t.event_ticker, true));
    // A session that has read holds a bookmark (later queries see at least that state).
    expect(session.getBookmark()).not.toBeUndefined();
  });
});

/**
 * GET /markets and /markets/{ticker} against a catalog written through the kalshi normalizers;
 * every expected answer is computed here from the wire objects, not by ssmd's SQL.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { bumpGenerations } from "../../src/cache/generation";
import type { KalshiMarket } from "../../src/kalshi/wire/rest";
import {
  migrate,
  pageAll,
  refMarketCategory,
  refOrder,
  refSeriesOf,
  refStatus,
  syntheticCatalog,
  writeCatalog,
  type Catalog,
} from "./helpers";

let cat: Catalog;

interface ApiMarket {
  ticker: string;
  status: string;
  status_raw: string;
  category: string | null;
  series_ticker: string | null;
  close_time: string | null;
  yes_bid: number | null;
  yes_ask: number | null;
  no_bid: number | null;
  no_ask: number | null;
  last_price: number | null;
  volume: number | null;
  yes_bid_dollars: string | null;
  no_bid_dollars: string | null;
  no_ask_dollars: string | null;
  no_side_derived: boolean;
  volume_fp: string | null;
  settlement_bounds_type: string | null;
  extra: unknown;
  deleted_at: string | null;
  event: {
    event_ticker: string;
    title: string;
    category: string | null;
    series_ticker: string;
    mutually_exclusive: boolean;
    status: string;
    strike_date: string | null;
  } | null;
}

async function get(path: string): Promise<{ status: number; body: any; res: Response }> {
  const res = await SELF.fetch(`https://ssmd.test${path}`);
  return { status: res.status, body: await res.json(), res };
}

async function listAll(query: string, limit = 7): Promise<{ items: ApiMarket[]; pages: number }> {
  return pageAll<ApiMarket>(async (cursor) => {
    const q = new URLSearchParams(query);
    q.set("limit", String(limit));
    if (cursor) q.set("cursor", cursor);
    const { status, body } = await get(`/markets?${q}`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.markets.length).toBeLessThanOrEqual(limit);
    return { items: body.markets, cursor: body.cursor };
  });
}

const tickers = (ms: { ticker: string }[]) => ms.map((m) => m.ticker);
const closeMs = (m: KalshiMarket) => Date.parse(m.close_time!);

beforeAll(async () => {
  await migrate();
  cat = syntheticCatalog(120, 7);
  await writeCatalog(cat);
});

describe("GET /markets", () => {
  it("pages through every market exactly once, in (close_time, ticker) order", async () => {
    const { items, pages } = await listAll("", 7);
    const expected = [...cat.markets].sort(refOrder).map((m) => m.ticker);
    expect(tickers(items)).toEqual(expected);
    expect(new Set(tickers(items)).size).toBe(items.length);
    expect(pages).toBe(Math.ceil(expected.length / 7));
  });

  it("last page has cursor null; default limit is 100", async () => {
    const { body } = await get("/markets");
    expect(body.markets).toHaveLength(100);
    expect(typeof body.cursor).toBe("string");
    const { body: all } = await get("/markets?limit=1000");
    expect(all.markets).toHaveLength(cat.markets.length);
    expect(all.cursor).toBeNull();
  });

  const filters: Array<[string, (m: KalshiMarket) => boolean]> = [
    ["status=open", (m) => refStatus(m.status) === "open"],
    ["status=closed", (m) => refStatus(m.status) === "closed"],
    ["status=settled", (m) => refStatus(m.status) === "settled"],
    ["category=Economics", (m) => refMarketCategory(cat, m) === "Economics"],
    ["category=Crypto&status=open", (m) => refMarketCategory(cat, m) === "Crypto" && refStatus(m.status) === "open"],
    ["series=KXINXU", (m) => refSeriesOf(cat, m) === "KXINXU"],
    ["series=KXCPI&status=closed", (m) => refSeriesOf(cat, m) === "KXCPI" && refStatus(m.status) === "closed"],
    ["closing_before=2026-03-03", (m) => closeMs(m) < Date.UTC(2026, 2, 3)],
    ["closing_after=2026-03-02T12:00:00Z", (m) => closeMs(m) >= Date.UTC(2026, 2, 2, 12)],
    [
      "closing_after=2026-03-02T00:00:00%2B05:00&closing_before=2026-03-03T17:00:00Z&category=Economics",
      (m) =>
        closeMs(m) >= Date.UTC(2026, 2, 1, 19) &&
        closeMs(m) < Date.UTC(2026, 2, 3, 17) &&
        refMarketCategory(cat, m) === "Economics",
    ],
    ["category=Nope", () => false],
  ];
  for (const [query, pred] of filters) {
    it(`filter ${query}`, async () => {
      const expected = cat.markets
        .filter(pred)
        .sort(refOrder)
        .map((m) => m.ticker);
      const { items } = await listAll(query, 9);
      expect(tickers(items)).toEqual(expected);
    });
  }

  it("filters never trivially pass: each non-empty filter above selects a strict subset", () => {
    for (const [q, pred] of filters.slice(0, -1)) {
      const n = cat.markets.filter(pred).length;
      expect(n, q).toBeGreaterThan(0);
      expect(n, q).toBeLessThan(cat.markets.length);
    }
  });

  it("carries the seed's fields, lossless strings and the joined event", async () => {
    const { body } = await get("/markets?limit=1000");
    const byTicker = new Map<string, ApiMarket>(body.markets.map((m: ApiMarket) => [m.ticker, m]));
    for (const w of cat.markets) {
      const m = byTicker.get(w.ticker)!;
      expect(m.status_raw).toBe(w.status);
      expect(m.status).toBe(refStatus(w.status));
      expect(m.close_time).toBe(w.close_time);
      expect(m.yes_bid_dollars).toBe(w.yes_bid_dollars);
      expect(m.volume_fp).toBe(w.volume_fp);
      // cents view: "0.4512" → 45.12 exactly as decimal text shifted by two places
      const cents = (s: string) => Number(s.replace(/^0\./, "").replace(/^(\d{2})(\d*)$/, "$1.$2"));
      expect(m.yes_bid).toBe(cents(w.yes_bid_dollars!));
      expect(m.volume).toBe(Number(w.volume_fp));
      if (w.no_bid_dollars === undefined) {
        // NO side omitted by Kalshi: derived as 1 − YES and flagged.
        expect(m.no_side_derived).toBe(true);
        const comp = (s: string) => (10000 - Math.round(Number(s) * 10000)) / 10000;
        expect(Number(m.no_bid_dollars)).toBe(comp(w.yes_ask_dollars!));
        expect(Number(m.no_ask_dollars)).toBe(comp(w.yes_bid_dollars!));
      } else {
        expect(m.no_side_derived).toBe(false);
        expect(m.no_bid_dollars).toBe(w.no_bid_dollars);
      }
      // a wire field with a column is served from it, not from extra
      expect(m.settlement_bounds_type).toBe("default");
      expect(m.extra ?? {}).not.toHaveProperty("settlement_bounds_type");
      const ev = cat.events.find((e) => e.event_ticker === w.event_ticker)!;
      expect(m.event).toMatchObject({
        event_ticker: ev.event_ticker,
        title: ev.title,
        series_ticker: ev.series_ticker,
        mutually_exclusive: ev.mutually_exclusive,
        category: refMarketCategory(cat, w),
        strike_date: ev.strike_date,
      });
      const evStatuses = cat.markets.filter((x) => x.event_ticker === ev.event_ticker).map((x) => refStatus(x.status));
      const evStatus = evStatuses.includes("open") ? "open" : evStatuses.includes("closed") ? "closed" : "settled";
      expect(m.event!.status).toBe(evStatus);
    }
  });

  it("excludes soft-deleted markets unless include_deleted=true", async () => {
    const victims = [...cat.markets]
      .sort(refOrder)
      .slice(3, 6)
      .map((m) => m.ticker);
    await env.DB.prepare(`UPDATE markets SET deleted_at = ?1 WHERE ticker IN (SELECT value FROM json_each(?2))`)
      .bind(Date.UTC(2026, 2, 5), JSON.stringify(victims))
      .run();
    await bumpGenerations(env.CACHE, ["markets"]);
    const live = await listAll("", 50);
    expect(tickers(live.items).filter((t) => victims.includes(t))).toEqual([]);
    expect(live.items).toHaveLength(cat.markets.length - victims.length);
    const all = await listAll("include_deleted=true", 50);
    expect(all.items).toHaveLength(cat.markets.length);
    const deleted = all.items.filter((m) => m.deleted_at !== null);
    expect(tickers(deleted).sort()).toEqual([...victims].sort());
    expect(deleted[0]!.deleted_at).toBe("2026-03-05T00:00:00.000Z");
    // the detail route still answers for a deleted market, showing deleted_at
    const { status, body } = await get(`/markets/${victims[0]}`);
    expect(status).toBe(200);
    expect(body.market.deleted_at).toBe("2026-03-05T00:00:00.000Z");
    await env.DB.prepare(`UPDATE markets SET deleted_at = NULL`).run();
    await bumpGenerations(env.CACHE, ["markets"]);
  });

  it("has_stream_on intersects with the kalshi feed's ticker_days", async () => {
    const streamed = cat.markets.filter((_, i) => i % 4 === 1).map((m) => m.ticker);
    const stmt = env.DB.prepare(
      `INSERT INTO ticker_days (feed, day, ticker, first_ts, last_ts, messages) VALUES (?1, ?2, ?3, 1, 2, 3)`,
    );
    await env.DB.batch([
      ...streamed.map((t) => stmt.bind("kalshi", "2026-03-02", t)),
      // other days and other feeds must not count
      stmt.bind("kalshi", "2026-03-03", cat.markets[0]!.ticker),
      stmt.bind("other", "2026-03-02", cat.markets[2]!.ticker),
    ]);
    await bumpGenerations(env.CACHE, ["tickers"]);
    const { items } = await listAll("has_stream_on=2026-03-02", 8);
    const expected = cat.markets
      .filter((m) => streamed.includes(m.ticker))
      .sort(refOrder)
      .map((m) => m.ticker);
    expect(tickers(items)).toEqual(expected);
    const combined = await listAll("has_stream_on=2026-03-02&status=open", 8);
    expect(tickers(combined.items)).toEqual(
      cat.markets
        .filter((m) => streamed.includes(m.ticker) && refStatus(m.status) === "open")
        .sort(refOrder)
        .map((m) => m.ticker),
    );
  });
});

describe("GET /markets/{ticker}", () => {
  it("returns the market with its event", async () => {
    const w = cat.markets[17]!;
    const { status, body } = await get(`/markets/${encodeURIComponent(w.ticker)}`);
    expect(status).toBe(200);
    expect(body.market.ticker).toBe(w.ticker);
    expect(body.market.event.event_ticker).toBe(w.event_ticker);
    expect(body.market.rules_primary).toBe(w.rules_primary);
    expect(body.market.price_ranges).toEqual(w.price_ranges);
  });

  it("404 with the JSON error for an unknown ticker", async () => {
    const { status, body } = await get("/markets/NOPE-1");
    expect(status).toBe(404);
    expect(body.error.code).toBe("not_found");
    expect(body.error.message).toContain("NOPE-1");
  });

  it("rejects query parameters it does not take", async () => {
    const { status, body } = await get(`/markets/${cat.markets[0]!.ticker}?status=open`);
    expect(status).toBe(400);
    expect(body.error.details[0].parameter).toBe("status");
  });
});

describe("validation: 400 naming the parameter", () => {
  const cases: Array<[string, string]> = [
    ["status=tradeable", "status"],
    ["status=", "status"],
    ["limit=0", "limit"],
    ["limit=1001", "limit"],
    ["limit=abc", "limit"],
    ["limit=1e3", "limit"],
    ["limit=-5", "limit"],
    ["closing_before=yesterday", "closing_before"],
    ["closing_before=2026-02-30", "closing_before"],
    ["closing_after=2026-03-01T10:00:00", "closing_after"],
    ["include_deleted=yes", "include_deleted"],
    ["has_stream_on=2026-3-1", "has_stream_on"],
    ["cursor=%%%", "cursor"],
    ["cursor=bm90LWpzb24", "cursor"],
    ["cursor=WzEsMiwzXQ", "cursor"],
    ["category=", "category"],
    ["bogus=1", "bogus"],
    ["limit=5&limit=6", "limit"],
  ];
  for (const [query, param] of cases) {
    it(`${query} → 400 on ${param}`, async () => {
      const { status, body } = await get(`/markets?${query}`);
      expect(status).toBe(400);
      expect(body.error.code).toBe("invalid_parameter");
      expect(body.error.details.map((d: { parameter: string }) => d.parameter)).toContain(param);
      expect(body.error.message).toContain(param);
      expect(typeof body.error.request_id).toBe("string");
    });
  }
});

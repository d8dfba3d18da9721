/** `GET /markets/trades`: the Trade schema (all wire generations) and the client's page/listing methods. */
import { describe, expect, it } from "vitest";
import { KalshiClient, KalshiQueryError } from "../../src/kalshi/client";
import { KalshiTradeSchema, KalshiTradesPageSchema } from "../../src/kalshi/wire/rest";

const BASE = "https://kalshi.test/trade-api/v2";

/** A page in Kalshi's current format (fields per the public-trades docs, 2026-05+), one legacy item, one malformed. */
const PAGE_1 = {
  trades: [
    {
      trade_id: "9c3f7d9e-52b1-4c55-9d8e-0a3c1b1f2e01",
      ticker: "KXBTCD-26MAR1317-T65499.99",
      count_fp: "12.50",
      yes_price_dollars: "0.5600",
      no_price_dollars: "0.4400",
      taker_side: "yes",
      taker_outcome_side: "yes",
      taker_book_side: "bid",
      is_block_trade: false,
      created_time: "2026-03-12T17:00:01.234567Z",
    },
    {
      trade_id: "9c3f7d9e-52b1-4c55-9d8e-0a3c1b1f2e02",
      ticker: "KXBTCD-26MAR1317-T65499.99",
      count: 3,
      yes_price: 57,
      no_price: 43,
      taker_side: "no",
      created_time: "2026-03-12T17:00:00Z",
    },
    {
      trade_id: "broken",
      ticker: "KXBTCD-26MAR1317-T65499.99",
      created_time: "2026-03-12T17:00:00Z",
      taker_side: "no",
    },
  ],
  cursor: "CgsI2LWKzwYQ8L3DHhIJS1hCVENEMjZN",
};
const PAGE_2 = {
  trades: [
    {
      trade_id: "9c3f7d9e-52b1-4c55-9d8e-0a3c1b1f2e03",
      ticker: "KXHIGHNY-26MAR12-B55",
      count_fp: "0.11",
      yes_price_dollars: "0.0990",
      no_price_dollars: "0.9010",
      taker_outcome_side: "no",
      taker_book_side: "ask",
      is_block_trade: true,
      created_time: "2026-03-12T16:59:59Z",
    },
  ],
  cursor: "",
};

function scripted(bodies: unknown[]) {
  const urls: URL[] = [];
  const fetchFn = (async (input: RequestInfo | URL) => {
    urls.push(new URL(String(input instanceof Request ? input.url : input)));
    const body = bodies.shift();
    if (body === undefined) throw new Error("unexpected request");
    return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
  }) as typeof fetch;
  const c = new KalshiClient({
    baseUrl: BASE,
    fetch: fetchFn,
    readsPerSecond: 1000,
    sleep: async () => {},
    random: () => 0.5,
  });
  return { c, urls };
}

describe("TradeSchema", () => {
  it("accepts the current wire and the legacy integers, keeps unknown fields, refuses a trade without price or count", () => {
    expect(KalshiTradeSchema.parse(PAGE_1.trades[0])).toMatchObject({
      count_fp: "12.50",
      yes_price_dollars: "0.5600",
      taker_book_side: "bid",
    });
    expect(KalshiTradeSchema.parse(PAGE_1.trades[1])).toMatchObject({ count: 3, yes_price: 57 });
    expect(KalshiTradeSchema.parse({ ...PAGE_2.trades[0], venue: "x" })).toMatchObject({
      venue: "x",
      is_block_trade: true,
    });
    expect(KalshiTradeSchema.safeParse(PAGE_1.trades[2]).success).toBe(false);
    expect(KalshiTradeSchema.safeParse({ ...PAGE_2.trades[0], created_time: "yesterday" }).success).toBe(false);
    expect(KalshiTradeSchema.safeParse({ ...PAGE_2.trades[0], trade_id: "" }).success).toBe(false);
    expect(KalshiTradesPageSchema.safeParse(PAGE_2).success).toBe(true);
  });
});

describe("KalshiClient trades", () => {
  it("getTradesPage: query in Unix seconds at the max page size, malformed item skipped with its ticker", async () => {
    const { c, urls } = scripted([PAGE_1]);
    const p = await c.getTradesPage({ ticker: "KXBTCD-26MAR1317-T65499.99", min_ts: 1773334799, max_ts: 1773334802 });
    expect(urls[0]!.pathname).toBe("/trade-api/v2/markets/trades");
    expect(Object.fromEntries(urls[0]!.searchParams)).toEqual({
      ticker: "KXBTCD-26MAR1317-T65499.99",
      min_ts: "1773334799",
      max_ts: "1773334802",
      limit: "1000",
    });
    expect(p.items.map((t) => t.trade_id)).toEqual([
      "9c3f7d9e-52b1-4c55-9d8e-0a3c1b1f2e01",
      "9c3f7d9e-52b1-4c55-9d8e-0a3c1b1f2e02",
    ]);
    expect(p.skipped).toEqual([
      expect.objectContaining({ ticker: "KXBTCD-26MAR1317-T65499.99", index: 2, kind: "trade" }),
    ]);
    expect(p.cursor).toBe(PAGE_1.cursor);
  });

  it("listTrades follows the cursor to the empty one", async () => {
    const { c, urls } = scripted([PAGE_1, PAGE_2]);
    const pages = [];
    for await (const p of c.listTrades({ limit: 3 })) pages.push(p);
    expect(pages.map((p) => p.items.length)).toEqual([2, 1]);
    expect(pages[1]!.cursor).toBeNull();
    expect(urls[1]!.searchParams.get("cursor")).toBe(PAGE_1.cursor);
    expect(urls[1]!.searchParams.get("limit")).toBe("3");
  });

  it("refuses queries Kalshi would reject", async () => {
    const { c } = scripted([]);
    await expect(c.getTradesPage({ limit: 1001 })).rejects.toBeInstanceOf(KalshiQueryError);
    await expect(c.getTradesPage({ min_ts: 10, max_ts: 5 })).rejects.toBeInstanceOf(KalshiQueryError);
  });
});

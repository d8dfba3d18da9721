import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  errorBody,
  ErrorResponseSchema,
  EventEnvelopeSchema,
  EventSchema,
  EventsPageSchema,
  ExchangeScheduleSchema,
  ExchangeStatusSchema,
  MarketSchema,
  MarketsPageSchema,
  MarketsQuery,
  SeriesFeeChangeSchema,
  SeriesSchema,
  TradeMsgSchema,
  TickerMsgSchema,
  WsCommandSchema,
  WsDataMessageSchema,
  WsReplySchema,
  WsServerMessageSchema,
} from "../../src/kalshi/schemas";
import { fixture, fixtures } from "./fixtures";

/** Which schema each fixture is an instance of. */
const SCHEMA_OF: Record<string, z.ZodType> = {
  "rest-error-400": ErrorResponseSchema,
  "rest-event-with-markets": EventEnvelopeSchema,
  "rest-events-page": EventsPageSchema,
  "rest-exchange-schedule": ExchangeScheduleSchema,
  "rest-exchange-status": ExchangeStatusSchema,
  "rest-markets-page": MarketsPageSchema,
  "rest-markets-page-last": MarketsPageSchema,
  "ws-subscribe-cmd": WsCommandSchema,
  "ws-update-subscription-cmd": WsCommandSchema,
  "ws-subscribed": WsReplySchema,
  "ws-ok": WsReplySchema,
  "ws-unsubscribed": WsReplySchema,
  "ws-error": WsReplySchema,
};
const MARKET_FIXTURES = ["rest-market", "rest-market-finalized", "rest-market-legacy-2026-01"];

describe("every fixture parses", () => {
  it("has the fixture set of docs/kalshi-wire.md §10", () => {
    expect(Object.keys(fixtures).length).toBeGreaterThanOrEqual(32);
  });

  for (const name of Object.keys(fixtures)) {
    it(name, () => {
      const json = fixture(name);
      let schema = SCHEMA_OF[name];
      let value: unknown = json;
      if (!schema && name.startsWith("ws-")) schema = WsDataMessageSchema;
      if (MARKET_FIXTURES.includes(name)) {
        schema = MarketSchema;
        value = json.market;
      }
      if (name === "rest-series") {
        schema = SeriesSchema;
        value = json.series;
      }
      if (name === "rest-series-list") {
        for (const s of json.series) expect(SeriesSchema.safeParse(s).success).toBe(true);
        return;
      }
      if (name === "rest-series-fee-changes") {
        for (const c of json.series_fee_change_arr) expect(SeriesFeeChangeSchema.safeParse(c).success).toBe(true);
        return;
      }
      expect(schema, `no schema for ${name}`).toBeDefined();
      const r = schema!.safeParse(value);
      expect(r.success, r.success ? "" : JSON.stringify(r.error.issues)).toBe(true);
      // Loose objects: the parsed value keeps every field (only "" dollars become null, below).
      if (name !== "ws-ticker-legacy") expect(r.data).toEqual(value);
      if (name.startsWith("ws-") && !name.endsWith("-cmd"))
        expect(WsServerMessageSchema.safeParse(json).success).toBe(true);
    });
  }

  it("nested event markets parse as markets", () => {
    const j = fixture("rest-event-with-markets");
    expect(EventSchema.parse(j.event).markets).toHaveLength(3);
    for (const m of j.markets) expect(MarketSchema.safeParse(m).success).toBe(true);
  });
});

describe("drift tolerance", () => {
  const market = () => fixture("rest-market").market;

  it("keeps unknown fields", () => {
    const m = { ...market(), brand_new: { nested: [1, 2] }, exchange_index: 7 };
    expect(MarketSchema.parse(m)).toMatchObject({ brand_new: { nested: [1, 2] }, exchange_index: 7 });
  });

  it("empty dollar strings are null, sub-penny and fractional counts kept verbatim", () => {
    const m = MarketSchema.parse({
      ...market(),
      yes_bid_dollars: "",
      last_price_dollars: "0.9990",
      volume_fp: "2233487.48",
    });
    expect(m.yes_bid_dollars).toBeNull();
    expect(m.last_price_dollars).toBe("0.9990");
    expect(m.volume_fp).toBe("2233487.48");
    const t = TickerMsgSchema.parse(fixture("ws-ticker-legacy").msg);
    expect(t.price_dollars).toBeNull();
  });

  it("accepts a market with no legacy/deprecated fields at all, and JSON numbers as dollar text", () => {
    const m = market();
    for (const k of ["title", "subtitle", "expiration_time", "volume_fp", "no_bid_dollars"]) delete m[k];
    const r = MarketSchema.parse({ ...m, yes_bid_dollars: 0.45 });
    expect(r.yes_bid_dollars).toBe("0.45");
  });

  it("rejects a market missing an identity field or with a non-decimal price (never zeroed)", () => {
    for (const k of ["ticker", "event_ticker", "status", "market_type"]) {
      const m = market();
      delete m[k];
      expect(MarketSchema.safeParse(m).success, k).toBe(false);
    }
    expect(MarketSchema.safeParse({ ...market(), yes_bid_dollars: "abc" }).success).toBe(false);
    expect(MarketSchema.safeParse({ ...market(), volume_fp: "1e5" }).success).toBe(false);
    expect(MarketSchema.safeParse({ ...market(), close_time: "tomorrow" }).success).toBe(false);
  });

  it("trade: all taker-side generations and ts/ts_ms; a trade needs a price and a count", () => {
    const base = fixture("ws-trade").msg;
    expect(TradeMsgSchema.safeParse(base).success).toBe(true);
    const modern = {
      ...base,
      taker_side: undefined,
      taker_outcome_side: "no",
      taker_book_side: "ask",
      ts_ms: 1773331880123,
    };
    expect(TradeMsgSchema.parse(modern)).toMatchObject({
      taker_outcome_side: "no",
      taker_book_side: "ask",
      ts_ms: 1773331880123,
    });
    expect(TradeMsgSchema.safeParse(fixture("ws-trade-legacy").msg).success).toBe(true);
    const { count_fp: _c, ...noCount } = base;
    expect(TradeMsgSchema.safeParse(noCount).success).toBe(false);
    const { yes_price_dollars: _y, no_price_dollars: _n, ...noPrice } = base;
    expect(TradeMsgSchema.safeParse(noPrice).success).toBe(false);
  });

  it("error bodies in both forms", () => {
    const wrapped = ErrorResponseSchema.parse(fixture("rest-error-400"));
    expect(errorBody(wrapped).code).toBe("bad_request");
    const bare = ErrorResponseSchema.parse({ code: "not_found", message: "market not found" });
    expect(errorBody(bare).message).toBe("market not found");
  });

  it("WS replies: subscribed without msg, ok with msg {}, unsubscribed with msg.sids", () => {
    expect(WsReplySchema.safeParse({ type: "subscribed", id: 1 }).success).toBe(true);
    expect(WsReplySchema.safeParse({ id: 3, type: "ok", msg: {} }).success).toBe(true);
    expect(WsReplySchema.safeParse({ id: 5, type: "unsubscribed", msg: { sids: [1, 2] } }).success).toBe(true);
  });
});

describe("MarketsQuery", () => {
  it("accepts compatible filters", () => {
    expect(MarketsQuery.safeParse({ status: "open", min_created_ts: 1 }).success).toBe(true);
    expect(MarketsQuery.safeParse({ status: "settled", min_settled_ts: 1 }).success).toBe(true);
    expect(MarketsQuery.safeParse({ min_updated_ts: 1, mve_filter: "exclude", cursor: "x", limit: 1000 }).success).toBe(
      true,
    );
  });
  it("refuses combinations Kalshi rejects or silently answers empty (docs/kalshi-wire.md Q7)", () => {
    expect(MarketsQuery.safeParse({ status: "open", min_close_ts: 1 }).success).toBe(false);
    expect(MarketsQuery.safeParse({ min_created_ts: 1, max_close_ts: 2 }).success).toBe(false);
    expect(MarketsQuery.safeParse({ min_updated_ts: 1, status: "open" }).success).toBe(false);
    expect(MarketsQuery.safeParse({ min_updated_ts: 1, mve_filter: "only" }).success).toBe(false);
    expect(MarketsQuery.safeParse({ limit: 1001 }).success).toBe(false);
  });
});

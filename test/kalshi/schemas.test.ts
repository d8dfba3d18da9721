import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  kalshiErrorBody,
  KalshiErrorResponseSchema,
  KalshiEventEnvelopeSchema,
  KalshiEventSchema,
  KalshiEventsPageSchema,
  KalshiExchangeScheduleSchema,
  KalshiExchangeStatusSchema,
  KalshiMarketSchema,
  KalshiMarketsPageSchema,
  KalshiSeriesFeeChangeSchema,
  KalshiSeriesSchema,
} from "../../src/kalshi/wire/rest";
import { KalshiMarketsQuery } from "../../src/kalshi/wire/queries";
import {
  KalshiTradeMsgSchema,
  KalshiTickerMsgSchema,
  KalshiWsCommandSchema,
  KalshiWsDataMessageSchema,
  KalshiWsReplySchema,
  KalshiWsServerMessageSchema,
} from "../../src/kalshi/wire/ws";
import { fixture, fixtures } from "./fixtures";

/** Which schema each fixture is an instance of. */
const SCHEMA_OF: Record<string, z.ZodType> = {
  "rest-error-400": KalshiErrorResponseSchema,
  "rest-event-with-markets": KalshiEventEnvelopeSchema,
  "rest-events-page": KalshiEventsPageSchema,
  "rest-exchange-schedule": KalshiExchangeScheduleSchema,
  "rest-exchange-status": KalshiExchangeStatusSchema,
  "rest-markets-page": KalshiMarketsPageSchema,
  "rest-markets-page-last": KalshiMarketsPageSchema,
  "ws-subscribe-cmd": KalshiWsCommandSchema,
  "ws-update-subscription-cmd": KalshiWsCommandSchema,
  "ws-subscribed": KalshiWsReplySchema,
  "ws-ok": KalshiWsReplySchema,
  "ws-unsubscribed": KalshiWsReplySchema,
  "ws-error": KalshiWsReplySchema,
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
      if (!schema && name.startsWith("ws-")) schema = KalshiWsDataMessageSchema;
      if (MARKET_FIXTURES.includes(name)) {
        schema = KalshiMarketSchema;
        value = json.market;
      }
      if (name === "rest-series") {
        schema = KalshiSeriesSchema;
        value = json.series;
      }
      if (name === "rest-series-list") {
        for (const s of json.series) expect(KalshiSeriesSchema.safeParse(s).success).toBe(true);
        return;
      }
      if (name === "rest-series-fee-changes") {
        for (const c of json.series_fee_change_arr) expect(KalshiSeriesFeeChangeSchema.safeParse(c).success).toBe(true);
        return;
      }
      expect(schema, `no schema for ${name}`).toBeDefined();
      const r = schema!.safeParse(value);
      expect(r.success, r.success ? "" : JSON.stringify(r.error.issues)).toBe(true);
      // Loose objects: the parsed value keeps every field (only "" dollars become null, below).
      if (name !== "ws-ticker-legacy") expect(r.data).toEqual(value);
      if (name.startsWith("ws-") && !name.endsWith("-cmd"))
        expect(KalshiWsServerMessageSchema.safeParse(json).success).toBe(true);
    });
  }

  it("nested event markets parse as markets", () => {
    const j = fixture("rest-event-with-markets");
    expect(KalshiEventSchema.parse(j.event).markets).toHaveLength(3);
    for (const m of j.markets) expect(KalshiMarketSchema.safeParse(m).success).toBe(true);
  });
});

describe("drift tolerance", () => {
  const market = () => fixture("rest-market").market;

  it("keeps unknown fields", () => {
    const m = { ...market(), brand_new: { nested: [1, 2] }, exchange_index: 7 };
    expect(KalshiMarketSchema.parse(m)).toMatchObject({ brand_new: { nested: [1, 2] }, exchange_index: 7 });
  });

  it("empty dollar strings are null, sub-penny and fractional counts kept verbatim", () => {
    const m = KalshiMarketSchema.parse({
      ...market(),
      yes_bid_dollars: "",
      last_price_dollars: "0.9990",
      volume_fp: "2233487.48",
    });
    expect(m.yes_bid_dollars).toBeNull();
    expect(m.last_price_dollars).toBe("0.9990");
    expect(m.volume_fp).toBe("2233487.48");
    const t = KalshiTickerMsgSchema.parse(fixture("ws-ticker-legacy").msg);
    expect(t.price_dollars).toBeNull();
  });

  it("accepts a market with no legacy/deprecated fields at all, and JSON numbers as dollar text", () => {
    const m = market();
    for (const k of ["title", "subtitle", "expiration_time", "volume_fp", "no_bid_dollars"]) delete m[k];
    const r = KalshiMarketSchema.parse({ ...m, yes_bid_dollars: 0.45 });
    expect(r.yes_bid_dollars).toBe("0.45");
  });

  it("rejects a market missing an identity field or with a non-decimal price (never zeroed)", () => {
    for (const k of ["ticker", "event_ticker", "status", "market_type"]) {
      const m = market();
      delete m[k];
      expect(KalshiMarketSchema.safeParse(m).success, k).toBe(false);
    }
    expect(KalshiMarketSchema.safeParse({ ...market(), yes_bid_dollars: "abc" }).success).toBe(false);
    expect(KalshiMarketSchema.safeParse({ ...market(), volume_fp: "1e5" }).success).toBe(false);
    expect(KalshiMarketSchema.safeParse({ ...market(), close_time: "tomorrow" }).success).toBe(false);
  });

  it("trade: all taker-side generations and ts/ts_ms; a trade needs a price and a count", () => {
    const base = fixture("ws-trade").msg;
    expect(KalshiTradeMsgSchema.safeParse(base).success).toBe(true);
    const modern = {
      ...base,
      taker_side: undefined,
      taker_outcome_side: "no",
      taker_book_side: "ask",
      ts_ms: 1773331880123,
    };
    expect(KalshiTradeMsgSchema.parse(modern)).toMatchObject({
      taker_outcome_side: "no",
      taker_book_side: "ask",
      ts_ms: 1773331880123,
    });
    expect(KalshiTradeMsgSchema.safeParse(fixture("ws-trade-legacy").msg).success).toBe(true);
    const { count_fp: _c, ...noCount } = base;
    expect(KalshiTradeMsgSchema.safeParse(noCount).success).toBe(false);
    const { yes_price_dollars: _y, no_price_dollars: _n, ...noPrice } = base;
    expect(KalshiTradeMsgSchema.safeParse(noPrice).success).toBe(false);
  });

  it("error bodies in both forms", () => {
    const wrapped = KalshiErrorResponseSchema.parse(fixture("rest-error-400"));
    expect(kalshiErrorBody(wrapped).code).toBe("bad_request");
    const bare = KalshiErrorResponseSchema.parse({ code: "not_found", message: "market not found" });
    expect(kalshiErrorBody(bare).message).toBe("market not found");
  });

  it("WS replies: subscribed without msg, ok with msg {}, unsubscribed with msg.sids", () => {
    expect(KalshiWsReplySchema.safeParse({ type: "subscribed", id: 1 }).success).toBe(true);
    expect(KalshiWsReplySchema.safeParse({ id: 3, type: "ok", msg: {} }).success).toBe(true);
    expect(KalshiWsReplySchema.safeParse({ id: 5, type: "unsubscribed", msg: { sids: [1, 2] } }).success).toBe(true);
  });
});

describe("MarketsQuery", () => {
  it("accepts compatible filters", () => {
    expect(KalshiMarketsQuery.safeParse({ status: "open", min_created_ts: 1 }).success).toBe(true);
    expect(KalshiMarketsQuery.safeParse({ status: "settled", min_settled_ts: 1 }).success).toBe(true);
    expect(
      KalshiMarketsQuery.safeParse({ min_updated_ts: 1, mve_filter: "exclude", cursor: "x", limit: 1000 }).success,
    ).toBe(true);
  });
  it("refuses combinations Kalshi rejects or silently answers empty (docs/kalshi-wire.md Q7)", () => {
    expect(KalshiMarketsQuery.safeParse({ status: "open", min_close_ts: 1 }).success).toBe(false);
    expect(KalshiMarketsQuery.safeParse({ min_created_ts: 1, max_close_ts: 2 }).success).toBe(false);
    expect(KalshiMarketsQuery.safeParse({ min_updated_ts: 1, status: "open" }).success).toBe(false);
    expect(KalshiMarketsQuery.safeParse({ min_updated_ts: 1, mve_filter: "only" }).success).toBe(false);
    expect(KalshiMarketsQuery.safeParse({ limit: 1001 }).success).toBe(false);
  });
});

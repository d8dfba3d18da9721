import { describe, expect, it } from "vitest";
import { OrderbookDeltaMsgSchema, TickerMsgSchema, TradeMsgSchema } from "../../src/kalshi/schemas";
import {
  deltaLevel,
  messageTsMs,
  tickerBook,
  tickerPriceDollars,
  tradeCountFp,
  tradeNoPriceDollars,
  tradeTakerSide,
  tradeYesPriceDollars,
} from "../../src/kalshi/ws-fields";
import { fixture } from "./fixtures";

const trade = (o: Record<string, unknown> = {}) => TradeMsgSchema.parse({ ...fixture("ws-trade").msg, ...o });

describe("trade fields across generations", () => {
  it("current wire", () => {
    const m = trade();
    expect([tradeYesPriceDollars(m), tradeNoPriceDollars(m), tradeCountFp(m), tradeTakerSide(m)]).toEqual(["0.8900", "0.1100", "3.00", "yes"]);
    expect(messageTsMs(m)).toBe(1773331880000);
  });

  it("legacy integers only", () => {
    const m = TradeMsgSchema.parse({ market_ticker: "X", yes_price: 36, count: 136, taker_side: "no", ts: 1 });
    expect([tradeYesPriceDollars(m), tradeNoPriceDollars(m), tradeCountFp(m), tradeTakerSide(m)]).toEqual(["0.3600", "0.6400", "136.00", "no"]);
  });

  it("taker side: outcome side, else book side, else deprecated field", () => {
    expect(tradeTakerSide(trade({ taker_side: undefined, taker_outcome_side: "no" }))).toBe("no");
    expect(tradeTakerSide(trade({ taker_side: undefined, taker_book_side: "bid" }))).toBe("yes");
    expect(tradeTakerSide(trade({ taker_side: undefined, taker_book_side: "ask" }))).toBe("no");
    expect(tradeTakerSide(trade({ taker_side: undefined }))).toBeNull();
  });

  it("ts_ms preferred over ts", () => {
    expect(messageTsMs(trade({ ts_ms: 1773331880123 }))).toBe(1773331880123);
    expect(messageTsMs({ time: "2026-07-19T15:45:00.544125Z" })).toBe(Date.parse("2026-07-19T15:45:00.544Z"));
    expect(messageTsMs({})).toBeNull();
  });
});

describe("ticker fields", () => {
  it("2026-07 wire: NO side derived, sub-penny price", () => {
    const m = TickerMsgSchema.parse(fixture("ws-ticker").msg);
    expect(tickerBook(m)).toEqual({
      yes_bid_dollars: "0.0000",
      yes_ask_dollars: "1.0000",
      no_bid_dollars: "0.0000",
      no_ask_dollars: "1.0000",
      no_side_derived: true,
    });
    expect(tickerPriceDollars(m)).toBe("0.9990");
    expect(messageTsMs(m)).toBe(1784475900544);
  });

  it("2026-03 wire: NO side as sent", () => {
    const m = TickerMsgSchema.parse(fixture("ws-ticker-2026-03").msg);
    expect(tickerBook(m)).toMatchObject({ no_bid_dollars: "0.0100", no_ask_dollars: "0.0300", no_side_derived: false });
  });

  it("legacy: price \"\" with price 0 means no trade yet (docs/kalshi-wire.md Q18)", () => {
    const m = TickerMsgSchema.parse(fixture("ws-ticker-legacy").msg);
    expect(tickerPriceDollars(m)).toBeNull();
    expect(tickerBook(m)).toMatchObject({ yes_bid_dollars: "0.3700", no_ask_dollars: "0.6300", no_bid_dollars: "0.5700" });
    expect(tickerPriceDollars(TickerMsgSchema.parse({ market_ticker: "X", price: 48 }))).toBe("0.4800");
  });
});

describe("orderbook delta", () => {
  it("string fields, else legacy integers (signed)", () => {
    expect(deltaLevel(OrderbookDeltaMsgSchema.parse(fixture("ws-orderbook-delta").msg))).toEqual({ price_dollars: "0.4500", delta_fp: "-50.00" });
    expect(deltaLevel(OrderbookDeltaMsgSchema.parse({ market_ticker: "X", side: "no", price: 7, delta: -54 }))).toEqual({
      price_dollars: "0.0700",
      delta_fp: "-54.00",
    });
  });
});

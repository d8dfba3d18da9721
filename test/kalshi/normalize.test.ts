import { describe, expect, it } from "vitest";
import { marketToWire, normalizeEvent, normalizeMarket, normalizeSeries } from "../../src/sync/normalizers";
import { KalshiEventSchema, KalshiMarketSchema, KalshiSeriesSchema } from "../../src/kalshi/wire/rest";
import { fixture } from "./fixtures";

/** Every market object in the fixtures, labelled. */
function allFixtureMarkets(): Array<[string, Record<string, unknown>]> {
  const out: Array<[string, Record<string, unknown>]> = [];
  for (const name of ["rest-market", "rest-market-finalized", "rest-market-legacy-2026-01"])
    out.push([name, fixture(name).market]);
  for (const [i, m] of fixture("rest-markets-page").markets.entries()) out.push([`rest-markets-page[${i}]`, m]);
  const ev = fixture("rest-event-with-markets");
  for (const [i, m] of ev.event.markets.entries()) out.push([`event.markets[${i}]`, m]);
  for (const [i, m] of ev.markets.entries()) out.push([`markets[${i}]`, m]);
  return out;
}

/** The wire object as ssmd can faithfully keep it: "" dollars and explicit nulls mean "absent". */
function comparable(wire: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(wire).filter(([k, v]) => v !== null && !(v === "" && /_dollars$|_fp$/.test(k))),
  );
}

describe("normalizeMarket is lossless", () => {
  for (const [label, wire] of allFixtureMarkets()) {
    it(label, () => {
      const row = normalizeMarket(KalshiMarketSchema.parse(wire));
      const extra = row.extra ? JSON.parse(row.extra) : {};
      // Each *_dollars / *_fp string is preserved exactly, in its column or in extra.
      for (const [k, v] of Object.entries(wire)) {
        if (typeof v === "string" && /_dollars$|_fp$/.test(k) && v !== "") {
          expect(k in row ? (row as Record<string, unknown>)[k] : extra[k], k).toBe(v);
        }
      }
      // The whole object comes back from the row.
      expect(marketToWire(row)).toEqual(comparable(wire));
      expect(row.status_raw).toBe(wire.status);
      expect(row.close_ts).toBe(Date.parse(wire.close_time as string));
      expect(row.open_ts).toBe(Date.parse(wire.open_time as string));
      expect(row.no_side_derived).toBe(false);
    });
  }

  it("unknown fields go to extra, known ones never do", () => {
    const wire = { ...fixture("rest-market").market, brand_new: { a: [1, "x"] }, exchange_index: 3 };
    const row = normalizeMarket(KalshiMarketSchema.parse(wire));
    expect(JSON.parse(row.extra!)).toEqual({ brand_new: { a: [1, "x"] }, exchange_index: 3 });
    expect(row.settlement_bounds_type).toBe("default");
    expect(row.yes_bid_size_fp).toBe("250.00");
    expect(JSON.parse(row.price_ranges!)).toEqual(wire.price_ranges);
  });

  it("a market with no unknown fields has extra = null", () => {
    const wire = fixture("rest-market").market;
    expect(normalizeMarket(KalshiMarketSchema.parse(wire)).extra).toBeNull();
  });

  it("empty dollar strings → null; sub-penny and fractional counts kept exactly", () => {
    const wire = {
      ...fixture("rest-market").market,
      last_price_dollars: "",
      previous_price_dollars: "",
      yes_bid_dollars: "0.9990",
      volume_fp: "2233487.48",
      open_interest_fp: "0.11",
    };
    const row = normalizeMarket(KalshiMarketSchema.parse(wire));
    expect(row.last_price_dollars).toBeNull();
    expect(row.previous_price_dollars).toBeNull();
    expect(row.yes_bid_dollars).toBe("0.9990");
    expect(row.volume_fp).toBe("2233487.48");
    expect(row.open_interest_fp).toBe("0.11");
    expect(row.extra).toBeNull(); // "" is a value of a known field, not an unknown field
  });
});

describe("legacy wire (integer cents, 2026-01)", () => {
  it("derives dollars / fp strings from integers when the strings are absent; integers kept in extra", () => {
    const wire = fixture("rest-market-legacy-2026-01").market;
    for (const k of Object.keys(wire)) if (/_dollars$|_fp$/.test(k)) delete wire[k];
    const row = normalizeMarket(KalshiMarketSchema.parse(wire));
    expect(row).toMatchObject({
      yes_bid_dollars: "0.4500",
      yes_ask_dollars: "0.4800",
      no_bid_dollars: "0.5200",
      no_ask_dollars: "0.5500",
      last_price_dollars: "0.4600",
      previous_price_dollars: "0.0000",
      notional_value_dollars: "1.0000",
      volume_fp: "5120.00",
      volume_24h_fp: "5120.00",
      open_interest_fp: "3304.00",
      no_side_derived: false,
    });
    const extra = JSON.parse(row.extra!);
    expect(extra).toMatchObject({
      yes_bid: 45,
      no_ask: 55,
      volume: 5120,
      tick_size: 1,
      response_price_units: "usd_cent",
      liquidity: 0,
    });
  });

  it("a string field wins over its legacy integer", () => {
    const wire = { ...fixture("rest-market-legacy-2026-01").market, yes_bid: 44 };
    const row = normalizeMarket(KalshiMarketSchema.parse(wire));
    expect(row.yes_bid_dollars).toBe("0.4500");
    expect(JSON.parse(row.extra!).yes_bid).toBe(44);
  });
});

describe("NO side", () => {
  it("is derived from the YES side when Kalshi omits it, and flagged", () => {
    const wire = fixture("rest-market").market;
    delete wire.no_bid_dollars;
    delete wire.no_ask_dollars;
    const row = normalizeMarket(KalshiMarketSchema.parse(wire));
    expect(row.no_bid_dollars).toBe("0.5200"); // 1 − yes_ask 0.4800
    expect(row.no_ask_dollars).toBe("0.5500"); // 1 − yes_bid 0.4500
    expect(row.no_side_derived).toBe(true);
    // Derived values are not reported as wire data.
    const back = marketToWire(row);
    expect(back).not.toHaveProperty("no_bid_dollars");
    expect(back).toEqual(wire);
  });

  it("sub-penny and empty-side conventions", () => {
    const wire = { ...fixture("rest-market").market, yes_bid_dollars: "0.0000", yes_ask_dollars: "0.9990" };
    delete wire.no_bid_dollars;
    delete wire.no_ask_dollars;
    const row = normalizeMarket(KalshiMarketSchema.parse(wire));
    expect(row.no_bid_dollars).toBe("0.0010");
    expect(row.no_ask_dollars).toBe("1.0000");
  });

  it("is not derived when Kalshi sent it, nor when there is no YES side", () => {
    expect(normalizeMarket(KalshiMarketSchema.parse(fixture("rest-market").market)).no_side_derived).toBe(false);
    const wire = fixture("rest-market").market;
    for (const k of ["yes_bid_dollars", "yes_ask_dollars", "no_bid_dollars", "no_ask_dollars"]) delete wire[k];
    const row = normalizeMarket(KalshiMarketSchema.parse(wire));
    expect(row).toMatchObject({ no_bid_dollars: null, no_ask_dollars: null, no_side_derived: false });
  });
});

describe("status columns", () => {
  it("raw kept, normalized mapped; unknown raw values are unknown", () => {
    const fin = normalizeMarket(KalshiMarketSchema.parse(fixture("rest-market-finalized").market));
    expect([fin.status_raw, fin.status]).toEqual(["finalized", "settled"]);
    const frozen = normalizeMarket(KalshiMarketSchema.parse({ ...fixture("rest-market").market, status: "frozen" }));
    expect([frozen.status_raw, frozen.status]).toEqual(["frozen", "unknown"]);
    const empty = normalizeMarket(KalshiMarketSchema.parse({ ...fixture("rest-market").market, status: "" }));
    expect([empty.status_raw, empty.status]).toEqual(["", "unknown"]);
  });
});

describe("normalizeEvent / normalizeSeries", () => {
  it("event: columns, category fallback to the series, nested markets not in extra", () => {
    const ev = KalshiEventSchema.parse(fixture("rest-event-with-markets").event);
    const row = normalizeEvent(ev, "Ignored");
    expect(row).toMatchObject({
      event_ticker: "KXBTCD-26MAR1317",
      series_ticker: "KXBTCD",
      category: "Crypto",
      mutually_exclusive: false,
      available_on_brokers: true,
      product_metadata: null,
      strike_date: "2026-03-13T21:00:00Z",
      extra: null,
    });
    const noCat = normalizeEvent(
      KalshiEventSchema.parse({ ...fixture("rest-events-page").events[0], category: "", exchange_index: 2 }),
      "Crypto",
    );
    expect(noCat.category).toBe("Crypto");
    expect(JSON.parse(noCat.extra!)).toEqual({ exchange_index: 2 });
    const meta = normalizeEvent(
      KalshiEventSchema.parse({ ...fixture("rest-events-page").events[0], product_metadata: { k: 1 } }),
    );
    expect(meta.product_metadata).toBe('{"k":1}');
  });

  it("series: JSON columns, volume_fp kept exactly, legacy volume in extra", () => {
    const s = KalshiSeriesSchema.parse(fixture("rest-series").series);
    const row = normalizeSeries(s);
    expect(row).toMatchObject({ ticker: "KXBTCD", fee_type: "quadratic", fee_multiplier: 1, volume_fp: "7083218.00" });
    expect(JSON.parse(row.tags!)).toEqual(["BTC"]);
    expect(JSON.parse(row.settlement_sources!)).toEqual(s.settlement_sources);
    expect(JSON.parse(row.extra!)).toEqual({ volume: 7083218 });
    const legacy = normalizeSeries(
      KalshiSeriesSchema.parse({ ...fixture("rest-series").series, volume_fp: undefined }),
    );
    expect(legacy.volume_fp).toBe("7083218.00");
  });
});

import { describe, expect, it } from "vitest";
import {
  flushNow,
  FORWARD_DELAY_MS,
  FORWARD_MAX_DELAY_MS,
  groupByTicker,
  nextFlushDelay,
  tickerObjectName,
} from "../../src/stream/forward";
import type { StreamTrade } from "../../src/stream/messages";

const trade = (ticker: string, id: string): StreamTrade => ({
  type: "trade",
  ticker,
  trade_id: id,
  ts: 1,
  price_dollars: "0.5000",
  count_fp: "1.00",
  taker_side: "yes",
});

describe("nextFlushDelay", () => {
  it("waits the base delay when flushes are quick or unknown", () => {
    for (const ms of [0, 1, 5, 12.5, -3, Number.NaN]) expect(nextFlushDelay(ms)).toBe(FORWARD_DELAY_MS);
  });
  it("spaces flushes by twice the last flush's duration under load, capped", () => {
    expect(nextFlushDelay(40)).toBe(80);
    expect(nextFlushDelay(300)).toBe(600);
    expect(nextFlushDelay(600)).toBe(1200);
    expect(nextFlushDelay(1500)).toBe(FORWARD_MAX_DELAY_MS);
    expect(nextFlushDelay(Number.POSITIVE_INFINITY)).toBe(FORWARD_DELAY_MS);
  });
});

describe("flushNow", () => {
  it("goes when due, or early once the stream has been quiet for the base delay", () => {
    const due = 10_000;
    expect(flushNow(due, due, due - 1)).toBe(true);
    expect(flushNow(due - 500, due, due - 510)).toBe(false); // frames still arriving: keep batching
    expect(flushNow(due - 500, due, due - 500 - FORWARD_DELAY_MS)).toBe(true); // quiet: no reason to wait
    expect(flushNow(due - 500, due, null)).toBe(true); // no frames at all (a backfill's trades)
  });
});

describe("groupByTicker", () => {
  it("groups by ticker in first-seen order, keeping each ticker's arrival order", () => {
    const g = groupByTicker([trade("B", "1"), trade("A", "2"), trade("B", "3"), trade("A", "4"), trade("C", "5")]);
    expect([...g.keys()]).toEqual(["B", "A", "C"]);
    expect(g.get("B")!.map((t) => t.trade_id)).toEqual(["1", "3"]);
    expect(g.get("A")!.map((t) => t.trade_id)).toEqual(["2", "4"]);
  });
});

describe("tickerObjectName", () => {
  it("keeps feeds apart", () => {
    expect(tickerObjectName("KXA-1")).toBe("KXA-1");
    expect(tickerObjectName("KXA-1", "world-7")).toBe("world-7:KXA-1");
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toBuilderTrade } from "../../src/stream/normalize";
import { packTrades, unpackTrade } from "../../src/stream/trade-pack";
import type { StreamTrade } from "../../src/stream/messages";
import { makeTrades } from "./helpers";

describe("packTrades", () => {
  it("keeps every valid trade, in order, in the builders' units — also after a structured clone (the RPC)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 1000 }), (n, seed) => {
        const trades = makeTrades("KX-T", n, { seed });
        const { packed, rejected } = packTrades(trades);
        expect(rejected).toBe(0);
        const sent = structuredClone(packed);
        expect(Array.from({ length: sent.ids.length }, (_, i) => unpackTrade(sent, i))).toEqual(
          trades.map(toBuilderTrade),
        );
      }),
      { numRuns: 50 },
    );
  });

  it("leaves out and counts what is not a valid stream trade, without failing the batch", () => {
    const [a, b, c] = makeTrades("KX-T", 3);
    const bad: StreamTrade[] = [
      a!,
      { ...b!, price_dollars: "1.5000" },
      { ...b!, count_fp: "0.00" },
      { ...b!, ts: 1.5 },
      c!,
    ];
    const { packed, rejected } = packTrades(bad);
    expect(rejected).toBe(3);
    expect(packed.ids).toEqual([a!.trade_id, c!.trade_id]);
    expect(unpackTrade(packed, 1)).toEqual(toBuilderTrade(c!));
  });

  it("carries extreme values exactly: prices 0 and 1, a count near 10^12 contracts, both sides", () => {
    const [t] = makeTrades("KX-T", 1);
    const edge: StreamTrade[] = [
      { ...t!, trade_id: "p0", price_dollars: "0.0000", taker_side: "no" },
      { ...t!, trade_id: "p1", price_dollars: "1.0000", count_fp: "999999999999.99", taker_side: "yes" },
    ];
    const { packed } = packTrades(edge);
    expect([unpackTrade(packed, 0), unpackTrade(packed, 1)]).toEqual(edge.map(toBuilderTrade));
  });
});

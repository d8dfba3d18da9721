import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  InvalidTradeError,
  PriceHistoryBuilder,
  PriceSet,
  TradeRing,
  VolumeProfileBuilder,
  type BuilderTrade,
  type PriceHistory,
} from "../../src/builders";
import { refPriceHistory, refVolumeProfile } from "./reference";

const T0 = 1_773_331_880_000;

function trade(id: string, sec: number, price: number, count = 100, side: "yes" | "no" = "yes"): BuilderTrade {
  return { id, ts: T0 + sec * 1000, price, count, takerSide: side };
}

/** Random trade streams: few distinct ts (many ties), a narrow or wide price range, duplicates, any order. */
const tradeArb = (ids: number, span: number) =>
  fc.record({
    id: fc.integer({ min: 0, max: ids }).map((i) => `t${String(i).padStart(4, "0")}`),
    ts: fc.integer({ min: 0, max: span }).map((s) => T0 + s),
    price: fc.oneof(fc.integer({ min: 0, max: 10000 }), fc.constantFrom(1, 5000, 9999)),
    count: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constant(1)),
    takerSide: fc.constantFrom<"yes" | "no">("yes", "no"),
  });

/** A stream where a re-sent id carries the same trade (as Kalshi's ids do). */
const streamArb = (maxLen: number, span: number) =>
  fc.array(tradeArb(60, span), { maxLength: maxLen }).map((ts) => {
    const first = new Map<string, BuilderTrade>();
    return ts.map((t) => {
      const f = first.get(t.id);
      if (f) return f;
      first.set(t.id, t);
      return t;
    });
  });

/** Equal up to float rounding: |a − b| ≤ 1e-12 · max(1, |b|). */
function expectClose(a: number | null, b: number | null) {
  if (b === null) return expect(a).toBeNull();
  expect(a).not.toBeNull();
  expect(Math.abs(a! - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
}

function expectPriceHistory(got: PriceHistory, want: ReturnType<typeof refPriceHistory>) {
  expect(got.count).toBe(want.count);
  for (const k of ["last", "high", "low", "vwap"] as const) {
    expect(got[k], k).toBe(want[k]);
    expect(got[`${k}_dollars`], `${k}_dollars`).toBe(want[`${k}_dollars`]);
  }
  expectClose(got.returns, want.returns);
  expectClose(got.volatility, want.volatility);
  expectClose(got.volatility_dollars, want.volatility_dollars);
}

describe("PriceHistoryBuilder", () => {
  it("empty window: every figure null", () => {
    const s = new PriceHistoryBuilder().snapshot();
    expect(s).toEqual({
      window: 100,
      count: 0,
      last: null,
      last_dollars: null,
      vwap: null,
      vwap_dollars: null,
      high: null,
      high_dollars: null,
      low: null,
      low_dollars: null,
      volatility: null,
      volatility_dollars: null,
      returns: null,
      first_ts: null,
      last_ts: null,
    });
  });

  it("one trade: last = vwap = high = low, returns 0, no volatility", () => {
    const s = PriceHistoryBuilder.of([trade("a", 0, 5500, 300)]).snapshot();
    expect(s).toMatchObject({
      count: 1,
      last: 55,
      vwap: 55,
      high: 55,
      low: 55,
      last_dollars: 0.55,
      vwap_dollars: 0.55,
      high_dollars: 0.55,
      low_dollars: 0.55,
      returns: 0,
      volatility: null,
      volatility_dollars: null,
    });
  });

  it("worked example from docs/builders.md", () => {
    const b = PriceHistoryBuilder.of(
      [trade("a", 0, 5000, 1000), trade("b", 1, 5200, 300), trade("c", 2, 4900, 100), trade("d", 3, 5100, 600)],
      3,
    );
    const s = b.snapshot();
    // window = b, c, d: vwap = (52¢·3 + 49¢·1 + 51¢·6)/10 = 51.1¢ = $0.511
    expect(s.count).toBe(3);
    expect(s.vwap).toBeCloseTo(51.1, 10);
    expect(s.vwap_dollars).toBeCloseTo(0.511, 12);
    expect([s.high, s.high_dollars, s.low, s.low_dollars]).toEqual([52, 0.52, 49, 0.49]);
    expect(s.returns).toBeCloseTo(0.51 / 0.52 - 1, 12);
    // changes −3¢, +2¢: mean −0.5¢, population sd 2.5¢ = $0.025
    expect(s.volatility).toBeCloseTo(2.5, 10);
    expect(s.volatility_dollars).toBeCloseTo(0.025, 12);
  });

  it("equal prices: zero volatility and returns", () => {
    const s = PriceHistoryBuilder.of([1, 2, 3, 4].map((i) => trade(`t${i}`, i, 4200))).snapshot();
    expect(s).toMatchObject({
      count: 4,
      returns: 0,
      volatility: 0,
      volatility_dollars: 0,
      high: 42,
      low: 42,
      high_dollars: 0.42,
      low_dollars: 0.42,
    });
  });

  it("reports duplicates and trades older than a full window", () => {
    const b = new PriceHistoryBuilder(2);
    expect(b.add(trade("b", 2, 10))).toBe("added");
    expect(b.add(trade("b", 2, 10))).toBe("duplicate");
    expect(b.add(trade("c", 3, 10))).toBe("added");
    expect(b.add(trade("a", 1, 10))).toBe("outside");
    expect(b.add(trade("bb", 2, 10))).toBe("added"); // same second, id sorts after "b": evicts b
    expect(b.trades().map((t) => t.id)).toEqual(["bb", "c"]);
  });

  it("rejects values outside the integer units", () => {
    const b = new PriceHistoryBuilder();
    expect(() => b.add(trade("x", 0, 10001))).toThrow(InvalidTradeError);
    expect(() => b.add(trade("x", 0, 50.5))).toThrow(InvalidTradeError);
    expect(() => b.add(trade("x", 0, 5000, 0))).toThrow(InvalidTradeError);
    expect(() => new PriceHistoryBuilder(0)).toThrow(RangeError);
  });

  it("matches the reference on random streams (any window, order, duplicates)", () => {
    fc.assert(
      fc.property(streamArb(120, 40_000), fc.integer({ min: 1, max: 30 }), (stream, n) => {
        const b = new PriceHistoryBuilder(n);
        for (const t of stream) b.add(t);
        expectPriceHistory(b.snapshot(), refPriceHistory(stream, n));
      }),
      { numRuns: 300 },
    );
  });

  it("the result does not depend on delivery order", () => {
    fc.assert(
      fc.property(
        streamArb(80, 10_000).chain((s) =>
          fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length })),
        ),
        fc.integer({ min: 1, max: 20 }),
        ([a, b], n) => {
          expect(PriceHistoryBuilder.of(b, n).snapshot()).toEqual(PriceHistoryBuilder.of(a, n).snapshot());
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("VolumeProfileBuilder", () => {
  it("empty window: zero volumes, ratio and average null", () => {
    expect(new VolumeProfileBuilder().snapshot()).toEqual({
      window_ms: 300_000,
      window_end_ms: null,
      trades: 0,
      buyVolume: 0,
      sellVolume: 0,
      totalVolume: 0,
      ratio: null,
      average: null,
    });
  });

  it("buy = taker bought YES; window is (end − W, end]", () => {
    const b = VolumeProfileBuilder.of(
      [trade("a", 0, 5000, 1000, "yes"), trade("b", 60, 5000, 250, "no"), trade("c", 300, 5000, 150, "yes")],
      300_000,
    );
    // a is exactly W before c: out.
    expect(b.snapshot()).toMatchObject({
      trades: 2,
      buyVolume: 1.5,
      sellVolume: 2.5,
      totalVolume: 4,
      ratio: 0.375,
      average: 2,
      window_end_ms: T0 + 300_000,
    });
  });

  it("advanceTo empties a stale window and late trades outside it are ignored", () => {
    const b = VolumeProfileBuilder.of([trade("a", 0, 5000)], 1000);
    b.advanceTo(T0 + 5000);
    expect(b.snapshot()).toMatchObject({ trades: 0, ratio: null, average: null });
    expect(b.add(trade("old", 3, 5000))).toBe("outside");
  });

  it("matches the reference on random streams", () => {
    fc.assert(
      fc.property(streamArb(150, 20_000), fc.integer({ min: 1, max: 25_000 }), (stream, w) => {
        const b = new VolumeProfileBuilder(w);
        for (const t of stream) b.add(t);
        const { window_ms: _w, window_end_ms: _e, average, ...got } = b.snapshot();
        const { average: wantAverage, ...want } = refVolumeProfile(stream, w);
        expect(got).toEqual(want);
        expectClose(average, wantAverage);
      }),
      { numRuns: 300 },
    );
  });
});

describe("PriceSet", () => {
  it("tracks min/max through adds and removes at the domain edges", () => {
    const s = new PriceSet();
    expect(s.max()).toBeNull();
    for (const p of [0, 10000, 31, 32, 1023, 1024, 5000, 5000]) s.add(p);
    expect([s.min(), s.max()]).toEqual([0, 10000]);
    s.remove(0);
    s.remove(10000);
    expect([s.min(), s.max()]).toEqual([31, 5000]);
    s.remove(5000);
    expect(s.max()).toBe(5000);
    s.remove(5000);
    expect(s.max()).toBe(1024);
    expect(() => s.remove(5000)).toThrow();
  });

  it("agrees with a sorted list under random operations", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 10000 })), { maxLength: 300 }), (ops) => {
        const s = new PriceSet();
        const ref: number[] = [];
        for (const [add, p] of ops) {
          if (add || ref.length === 0) {
            s.add(p);
            ref.push(p);
          } else {
            const victim = ref.splice(p % ref.length, 1)[0]!;
            s.remove(victim);
          }
          expect(s.max()).toBe(ref.length ? Math.max(...ref) : null);
          expect(s.min()).toBe(ref.length ? Math.min(...ref) : null);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("TradeRing", () => {
  const key = (t: { ts: number; id: string }) => `${String(t.ts).padStart(16, "0")}|${t.id}`;

  it("finds held keys and places new ones anywhere in a long ring (scan and binary search)", () => {
    const ring = new TradeRing(Infinity);
    const held = Array.from({ length: 200 }, (_, i) =>
      trade(`t${String(i).padStart(3, "0")}`, Math.floor(i / 4), 5000),
    );
    for (const t of held) ring.insertAt(ring.positionOf(t.ts, t.id), t);
    held.forEach((t, i) => {
      expect(ring.positionOf(t.ts, t.id)).toBe(-1);
      // Just after the held key (same ts, id + "a") and before the first trade of its second.
      expect(ring.positionOf(t.ts, `${t.id}a`)).toBe(i + 1);
      if (i % 4 === 0) expect(ring.positionOf(t.ts, "t")).toBe(i);
    });
  });

  it("keeps (ts, id) order under random inserts, ties, duplicates and drops (also across the ring's wrap)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            tradeArb(300, 20).map((t) => ({ op: "add" as const, t })),
            fc.constant({ op: "shift" as const }),
          ),
          { maxLength: 400 },
        ),
        (ops) => {
          const ring = new TradeRing(Infinity);
          let ref: BuilderTrade[] = [];
          for (const o of ops) {
            if (o.op === "shift") {
              ring.shift();
              ref = ref.slice(1);
              continue;
            }
            const pos = ring.positionOf(o.t.ts, o.t.id);
            const held = ref.some((r) => key(r) === key(o.t));
            expect(pos === -1).toBe(held);
            if (held) continue;
            ring.insertAt(pos, o.t);
            ref.push(o.t);
            ref.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
          }
          expect(ring.toArray().map(key)).toEqual(ref.map(key));
          expect(ring.toArray()).toEqual(ref);
        },
      ),
      { numRuns: 300 },
    );
  });
});

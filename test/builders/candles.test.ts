import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CANDLE_INTERVALS,
  MINUTE_MS,
  MinuteCandles,
  presentPeriod,
  rollUp,
  type CandleAgg,
  type CandleInterval,
} from "../../src/builders/candles";
import type { BuilderTrade } from "../../src/builders/trade";
import { refCandles } from "./reference";

/** A UTC midnight, so day edges fall inside the generated spans. */
const DAY0 = Date.UTC(2026, 2, 12);
const INTERVALS = Object.keys(CANDLE_INTERVALS) as CandleInterval[];

/** Trades on few ids (re-sent ids carry the same trade), ts clustered around period edges. */
const tradesArb = (span: number) =>
  fc
    .array(
      fc.record({
        id: fc.integer({ min: 0, max: 80 }).map((i) => `t${String(i).padStart(3, "0")}`),
        ts: fc.oneof(
          fc.integer({ min: -span, max: span }),
          // Just before / at / after a minute, hour or day edge.
          fc
            .tuple(
              fc.integer({ min: -3, max: 3 }),
              fc.constantFrom(MINUTE_MS, 3_600_000, 86_400_000),
              fc.integer({ min: -1, max: 1 }),
            )
            .map(([k, p, d]) => k * p + d),
        ),
        price: fc.oneof(fc.integer({ min: 0, max: 10000 }), fc.constantFrom(0, 1, 5000, 9999, 10000)),
        count: fc.integer({ min: 1, max: 100_000 }),
        takerSide: fc.constantFrom<"yes" | "no">("yes", "no"),
      }),
      { maxLength: 120 },
    )
    .map((ts) => {
      const first = new Map<string, BuilderTrade>();
      return ts.map((t) => {
        const f = first.get(t.id);
        if (f) return f;
        const u = { ...t, ts: DAY0 + t.ts };
        first.set(t.id, u);
        return u;
      });
    });

/** What the ticker state does: offer each trade_id once, in arrival order. */
function feed(trades: BuilderTrade[], book: MinuteCandles): void {
  const seen = new Set<string>();
  for (const t of trades) {
    if (seen.has(t.id)) continue;
    seen.add(t.id);
    book.add(t);
  }
}

/** Minutes as a store would hold them: every takeDirty result written over the previous row. */
class Store {
  rows = new Map<number, CandleAgg>();
  write(cs: CandleAgg[]) {
    for (const c of cs) this.rows.set(c.start, structuredClone(c));
  }
  sorted(): CandleAgg[] {
    return [...this.rows.values()].sort((a, b) => a.start - b.start);
  }
}

const KEYS = [
  "start_ts",
  "end_ts",
  "open",
  "high",
  "low",
  "close",
  "open_dollars",
  "close_dollars",
  "volume",
  "buy_volume",
  "sell_volume",
  "trade_count",
] as const;

/** The compared fields, vwap to 1e-9 ¢ (it is a quotient); one deep comparison per answer (fast). */
function comparable(p: Record<string, unknown>) {
  const o: Record<string, unknown> = {};
  for (const k of KEYS) o[k] = p[k];
  o.vwap = p.vwap === null ? null : Math.round((p.vwap as number) * 1e9);
  return o;
}

function expectPeriods(got: ReturnType<typeof presentPeriod>[], want: ReturnType<typeof refCandles>) {
  expect(got.map(comparable)).toEqual(want.map(comparable));
}

describe("candles", () => {
  it("every interval equals the reference, for trades in any order with duplicates and edge timestamps", () => {
    fc.assert(
      fc.property(tradesArb(2 * 86_400_000), fc.integer({ min: 1, max: 60 }), (trades, flushEvery) => {
        const store = new Store();
        // A small cache forces minutes to be re-read from the store, as after an eviction.
        const book = new MinuteCandles((s) => structuredClone(store.rows.get(s) ?? null), 2);
        const seen = new Set<string>();
        let n = 0;
        for (const t of trades) {
          if (seen.has(t.id)) continue;
          seen.add(t.id);
          book.add(t);
          if (++n % flushEvery === 0) store.write(book.takeDirty());
        }
        store.write(book.takeDirty());
        if (trades.length === 0) return;
        const lo = Math.min(...trades.map((t) => t.ts));
        const hi = Math.max(...trades.map((t) => t.ts)) + 1;
        for (const iv of INTERVALS) {
          const p = CANDLE_INTERVALS[iv];
          // The reference is O(periods × trades): 1m is checked on short spans (and by the next test).
          if ((hi - lo) / p > 2_000) continue;
          const got = rollUp(store.sorted(), p, lo, hi).map(presentPeriod);
          expectPeriods(got, refCandles(trades, p, lo, hi));
        }
      }),
      { numRuns: 300, endOnFailure: true },
    );
  });

  it("a window cut anywhere lists exactly its periods, empty ones with null prices", () => {
    fc.assert(
      fc.property(
        tradesArb(2 * 3_600_000),
        fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }),
        fc.integer({ min: 1, max: 4 * 3_600_000 }),
        fc.constantFrom<CandleInterval>("1m", "5m", "15m", "1h"),
        (trades, from, len, iv) => {
          const book = new MinuteCandles();
          feed(trades, book);
          const minutes = book.takeDirty().sort((a, b) => a.start - b.start);
          const p = CANDLE_INTERVALS[iv];
          const got = rollUp(minutes, p, DAY0 + from, DAY0 + from + len).map(presentPeriod);
          expectPeriods(got, refCandles(trades, p, DAY0 + from, DAY0 + from + len));
        },
      ),
      { numRuns: 300, endOnFailure: true },
    );
  });

  it("open and close follow (ts, trade_id), not arrival: a late trade that sorts first becomes the open", () => {
    const book = new MinuteCandles();
    book.add({ id: "b", ts: DAY0 + 1000, price: 5000, count: 100, takerSide: "yes" });
    book.add({ id: "c", ts: DAY0 + 2000, price: 6000, count: 100, takerSide: "no" });
    book.add({ id: "a", ts: DAY0 + 1000, price: 4000, count: 300, takerSide: "yes" });
    const [m] = rollUp(book.takeDirty(), MINUTE_MS, DAY0, DAY0 + MINUTE_MS).map(presentPeriod);
    expect(m).toMatchObject({
      open: 40,
      close: 60,
      high: 60,
      low: 40,
      volume: 5,
      buy_volume: 4,
      sell_volume: 1,
      trade_count: 3,
    });
    expect(m!.vwap).toBeCloseTo((4000 * 3 + 5000 + 6000) / 5 / 100, 12);
    expect(m!.vwap_dollars).toBeCloseTo(0.46, 12);
  });

  it("a REST minute rolls up with unknown buy/sell volume and trade count", () => {
    const rest: CandleAgg = {
      start: DAY0,
      open: 5000,
      high: 5100,
      low: 4900,
      close: 5050,
      openTs: DAY0,
      openId: "",
      closeTs: DAY0 + MINUTE_MS - 1,
      closeId: "",
      pv: 5000 * 1000,
      volume: 1000,
      buy: null,
      sell: null,
      trades: null,
      source: "rest",
    };
    const book = new MinuteCandles();
    book.put(rest);
    book.add({ id: "x", ts: DAY0 + MINUTE_MS + 5, price: 5200, count: 100, takerSide: "yes" });
    const [h] = rollUp(
      book.takeDirty().sort((a, b) => a.start - b.start),
      3_600_000,
      DAY0,
      DAY0 + 3_600_000,
    ).map(presentPeriod);
    expect(h).toMatchObject({
      open: 50,
      close: 52,
      high: 52,
      low: 49,
      volume: 11,
      buy_volume: null,
      trade_count: null,
      source: "rest",
    });
  });
});

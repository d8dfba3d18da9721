/** The ticker object's history: minute candles in its storage, the trades page, reload and retention. */
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CANDLE_INTERVALS, type CandleInterval } from "../../src/builders/candles";
import type { HistoryAnswer } from "../../src/stream/history-store";
import { toBuilderTrade } from "../../src/stream/normalize";
import { TickerState } from "../../src/stream/ticker";
import { refCandles } from "../builders/reference";
import { makeTrades, shuffled, T0 } from "./helpers";

const stub = (ticker: string) => env.TICKER.get(env.TICKER.idFromName(ticker));

function ok<T>(a: HistoryAnswer<T>): T {
  if (a.status !== "ok") throw new Error(`expected ok, got ${JSON.stringify(a)}`);
  return a.value;
}

function comparable(p: Record<string, unknown>) {
  const { vwap, vwap_dollars, high_dollars, low_dollars, source, ...rest } = p;
  void vwap_dollars;
  void high_dollars;
  void low_dollars;
  void source;
  const o: Record<string, unknown> = {};
  for (const k of [
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
  ])
    o[k] = (rest as Record<string, unknown>)[k];
  o.vwap = vwap === null ? null : Math.round((vwap as number) * 1e9);
  return o;
}

describe("ticker object candles", () => {
  it("equal the reference at every interval, with trades late, re-sent and split across calls, and after a reload", async () => {
    const ticker = "KXHIST-1";
    // 3 hours at ~1.7 s per trade, crossing minute, hour and (with T0 at 17:00 UTC) no day edge.
    const trades = makeTrades(ticker, 6000, { spacingMs: 1800 });
    // Late within a batch of 400 (out of order), re-sent trades from a few batches back; everything
    // arrives above the prune frontier (older trades are outside every window and ignored, next test).
    const s = stub(ticker);
    for (let i = 0; i < trades.length; i += 400) {
      const resent = trades.slice(Math.max(0, i - 1200), Math.max(0, i - 1000));
      await s.applyTrades(ticker, shuffled([...trades.slice(i, i + 400), ...resent], i + 1));
    }
    const bt = trades.map(toBuilderTrade);
    const from = T0 - 3_600_000;
    const to = T0 + 4 * 3_600_000;
    const check = async () => {
      for (const iv of Object.keys(CANDLE_INTERVALS) as CandleInterval[]) {
        const got = ok(await s.candles({ interval: iv, from, to }));
        const want = refCandles(bt, CANDLE_INTERVALS[iv], from, to);
        expect(got.periods.map(comparable), iv).toEqual(want.map(comparable));
      }
    };
    await check();
    await evictDurableObject(s);
    await check();
    // At most a row per minute that had a trade.
    const rows = await runInDurableObject(
      s,
      (_o, st) => st.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM candles_1m").one().n,
    );
    expect(rows).toBe(new Set(bt.map((t) => Math.floor(t.ts / 60_000))).size);
  });

  it("late trades below the prune frontier stay out of candles too (counted as outside)", async () => {
    const ticker = "KXHIST-2";
    const s = stub(ticker);
    await s.applyTrades(ticker, makeTrades(ticker, 3000, { spacingMs: 3000 }));
    const before = ok(await s.candles({ interval: "1d", from: T0, to: T0 + 86_400_000 })).periods[0]!;
    const late = makeTrades(ticker, 1, { start: T0 - 1000, seed: 99 }).map((t) => ({ ...t, trade_id: "late-1" }));
    const r = await s.applyTrades(ticker, late);
    expect(r.outside).toBe(1);
    expect(ok(await s.candles({ interval: "1d", from: T0, to: T0 + 86_400_000 })).periods[0]).toEqual(before);
  });

  it("finest candles are kept the configured number of days before the newest minute", () => {
    // TickerState over a plain in-object SQLite (the object's own class is configured the same way).
    return runInDurableObject(stub("KXHIST-RET-HOST"), (_o, st) => {
      const state = new TickerState(st.storage.sql, 2);
      const day = 86_400_000;
      const mk = (id: string, ts: number) => ({
        type: "trade" as const,
        ticker: "KXHIST-RET",
        trade_id: id,
        ts,
        price_dollars: "0.5000",
        count_fp: "1.00",
        taker_side: "yes" as const,
      });
      state.applyTrades("KXHIST-RET", [mk("a", T0), mk("b", T0 + day)]);
      state.applyTrades("KXHIST-RET", [mk("c", T0 + 3 * day)]);
      const starts = st.storage.sql
        .exec<{ start: number }>("SELECT start FROM candles_1m ORDER BY start")
        .toArray()
        .map((r) => r.start);
      expect(starts).toEqual([T0 + day, T0 + 3 * day]);
    });
  });
});

describe("ticker object trades page", () => {
  it("lists the retained trades newest first, filtered by since/until, paged by cursor without loss or repeat", async () => {
    const ticker = "KXHIST-3";
    const trades = makeTrades(ticker, 700, { spacingMs: 400 });
    const s = stub(ticker);
    await s.applyTrades(ticker, shuffled(trades, 5));
    const since = trades[100]!.ts;
    const until = trades[600]!.ts;
    const want = [...trades]
      .filter((t) => t.ts >= since && t.ts < until)
      .sort((a, b) => b.ts - a.ts || (a.trade_id < b.trade_id ? 1 : -1));
    const got = [];
    let before: [number, string] | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const p = ok(await s.trades({ since, until, limit: 37, before }));
      got.push(...p.trades);
      expect(p.retained).toEqual({ count: 700, oldest_ts: trades[0]!.ts, newest_ts: trades[699]!.ts });
      if (p.next === null) break;
      before = p.next as [number, string];
    }
    expect(got).toEqual(want);
    expect(await stub("KXHIST-NONE").trades({})).toEqual({ status: "unknown_ticker" });
  });
});

/**
 * The live panel's candles: GET /tickers/{ticker}/candles's periods, with the trades pushed since
 * folded into them (the current candle, or new periods as they begin). Pure: no DOM, no fetch.
 *
 * Units as the API's: prices in cents (and dollars), volumes in contracts, computed from the
 * stream's integers (1/10000 $, 1/100 contract) as the server does, so a folded candle's prices and
 * volumes equal the server's (its vwap to rounding).
 */
import type { InferResponseType } from "hono/client";
import type { LiveMessage } from "../../src/stream/live";
import type { api } from "./api";

export type CandlesAnswer = InferResponseType<(typeof api.tickers)[":ticker"]["candles"]["$get"], 200>;
export type Candle = CandlesAnswer["candles"][number];
type Trade = Extract<LiveMessage, { type: "update" }>["trades"][number];

/** The intervals GET /tickers/{ticker}/candles serves, with their period lengths. */
export const INTERVALS = { "1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "1d": 86_400_000 } as const;
export type Interval = keyof typeof INTERVALS;

/** Periods kept on the chart (the newest); leading empty periods are trimmed down to MIN_PERIODS. */
const MAX_PERIODS = 300;
const MIN_PERIODS = 20;

export interface CandleSeries {
  interval: Interval;
  periodMs: number;
  candles: Candle[];
}

/** Whether any period has a price (otherwise the panel draws the trade line). */
export const hasPrices = (s: CandleSeries | null): s is CandleSeries =>
  s?.candles.some((c) => c.open !== null) ?? false;

/** The answer's periods, leading empty ones trimmed (at least MIN_PERIODS kept). */
export function fromAnswer(a: CandlesAnswer, interval: Interval): CandleSeries {
  const first = a.candles.findIndex((c) => c.open !== null);
  const start = first < 0 ? 0 : Math.max(0, Math.min(first, a.candles.length - MIN_PERIODS));
  return { interval, periodMs: INTERVALS[interval], candles: a.candles.slice(start) };
}

/** A pushed trade's price in 1/10000 $ (the stream's unit): cents = units / 100, dollars = units / 10000. */
const units = (dollars: string) => Math.round(Number(dollars) * 10_000);
const hundredths = (n: number) => Math.round(n * 100);

function emptyCandle(start: number, periodMs: number): Candle {
  return {
    start_ts: start,
    end_ts: start + periodMs,
    open: null,
    open_dollars: null,
    high: null,
    high_dollars: null,
    low: null,
    low_dollars: null,
    close: null,
    close_dollars: null,
    vwap: null,
    vwap_dollars: null,
    volume: 0,
    buy_volume: 0,
    sell_volume: 0,
    trade_count: 0,
    source: null,
  };
}

/**
 * The series with `trades` folded in, and whether a trade began a period the answer did not have
 * (the caller then re-reads the candles: that bounds any drift to one period). A trade older than
 * the first period is left out. Trades are the live push's: each is newer than the ones before it,
 * so it is the close of its period (a late trade shows on the next re-read).
 */
export function foldTrades(s: CandleSeries, trades: readonly Trade[]): { series: CandleSeries; newPeriod: boolean } {
  if (trades.length === 0) return { series: s, newPeriod: false };
  const candles = [...s.candles];
  let newPeriod = false;
  for (const t of trades) {
    const start = Math.floor(t.ts / s.periodMs) * s.periodMs;
    const first = candles[0]?.start_ts ?? start;
    if (start < first) continue;
    while ((candles.at(-1)?.start_ts ?? start - s.periodMs) < start) {
      const last = candles.at(-1);
      candles.push(emptyCandle(last ? last.end_ts : start, s.periodMs));
      newPeriod = true;
    }
    const i = (start - first) / s.periodMs;
    const c = { ...candles[i]! };
    const u = units(t.price_dollars);
    const price = u / 100;
    const count = hundredths(Number(t.count_fp));
    const volume = hundredths(c.volume) + count;
    // The period's Σ price·count from its vwap (1/10000 $ × 1/100 contract), plus this trade.
    const pv = (c.vwap ?? 0) * 100 * hundredths(c.volume) + u * count;
    c.vwap = pv / volume / 100;
    c.vwap_dollars = pv / volume / 10_000;
    c.open ??= price;
    c.open_dollars ??= u / 10_000;
    if (c.high === null || price > c.high) [c.high, c.high_dollars] = [price, u / 10_000];
    if (c.low === null || price < c.low) [c.low, c.low_dollars] = [price, u / 10_000];
    [c.close, c.close_dollars] = [price, u / 10_000];
    c.volume = volume / 100;
    if (c.buy_volume !== null && c.sell_volume !== null) {
      if (t.taker_side === "yes") c.buy_volume = (hundredths(c.buy_volume) + count) / 100;
      else c.sell_volume = (hundredths(c.sell_volume) + count) / 100;
    }
    if (c.trade_count !== null) c.trade_count++;
    c.source ??= "trades";
    candles[i] = c;
  }
  return { series: { ...s, candles: candles.slice(-MAX_PERIODS) }, newPeriod };
}

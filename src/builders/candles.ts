/**
 * Candles (OHLC, vwap, volumes, trade count) per period. Pure module: no Workers APIs, no storage.
 *
 * - The finest period is the UTC minute. `MinuteCandles` keeps one aggregate per minute and folds
 *   each trade into its minute in O(1) (a map lookup, a few compares and sums): no rescans. A late
 *   trade goes to its own minute like any other; open and close are the trades with the lowest and
 *   highest (ts, id) key — the builders' total order — so the result does not depend on arrival
 *   order. Deduplication is the caller's: the ticker state offers each trade_id once.
 * - Coarser intervals (5m, 15m, 1h, 1d) are folded from the minutes at query time (`rollUp`), so
 *   there is one stored truth and one rule for every interval. Periods are aligned to the Unix
 *   epoch (UTC; a day is 00:00–24:00 UTC).
 * - Units are the builders' integers: price 1/10000 $, count 1/100 contract (./trade.ts).
 */
import { COUNT_SCALE, compareTradeKeys, type BuilderTrade } from "./trade";
import { pricedValues } from "./schemas";

export const MINUTE_MS = 60_000;

/** Period length of each interval the API serves. */
export const CANDLE_INTERVALS = {
  "1m": MINUTE_MS,
  "5m": 5 * MINUTE_MS,
  "15m": 15 * MINUTE_MS,
  "1h": 60 * MINUTE_MS,
  "1d": 1440 * MINUTE_MS,
} as const;
export type CandleInterval = keyof typeof CANDLE_INTERVALS;

/** Where a minute's figures come from: trades the object holds, or a Kalshi candlestick (backfill). */
export type CandleSource = "trades" | "rest";

/** One period's aggregate, in the builders' integer units. */
export interface CandleAgg {
  /** Period start, Unix ms (a multiple of the period length). */
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** (ts, id) of the opening and closing trade; a REST candle has its period's bounds and "". */
  openTs: number;
  openId: string;
  closeTs: number;
  closeId: string;
  /** Σ price·count (1/10000 $ × 1/100 contract); a REST candle: its mean × volume. */
  pv: number;
  /** Σ count, 1/100 contract. */
  volume: number;
  /** Taker-bought-YES / -NO volume and number of trades; null when unknown (a REST candle). */
  buy: number | null;
  sell: number | null;
  trades: number | null;
  source: CandleSource;
}

/** Floor of `ts` to the start of its period of `periodMs`. */
export function periodStart(ts: number, periodMs: number): number {
  return Math.floor(ts / periodMs) * periodMs;
}

function fromTrade(start: number, t: BuilderTrade): CandleAgg {
  const yes = t.takerSide === "yes";
  return {
    start,
    open: t.price,
    high: t.price,
    low: t.price,
    close: t.price,
    openTs: t.ts,
    openId: t.id,
    closeTs: t.ts,
    closeId: t.id,
    pv: t.price * t.count,
    volume: t.count,
    buy: yes ? t.count : 0,
    sell: yes ? 0 : t.count,
    trades: 1,
    source: "trades",
  };
}

/** Folds one trade into `c` (a trade-sourced aggregate of the trade's minute). */
function addTrade(c: CandleAgg, t: BuilderTrade): void {
  if (compareTradeKeys(t.ts, t.id, c.openTs, c.openId) < 0) {
    c.open = t.price;
    c.openTs = t.ts;
    c.openId = t.id;
  }
  if (compareTradeKeys(t.ts, t.id, c.closeTs, c.closeId) > 0) {
    c.close = t.price;
    c.closeTs = t.ts;
    c.closeId = t.id;
  }
  if (t.price > c.high) c.high = t.price;
  if (t.price < c.low) c.low = t.price;
  c.pv += t.price * t.count;
  c.volume += t.count;
  if (t.takerSide === "yes") c.buy = (c.buy ?? 0) + t.count;
  else c.sell = (c.sell ?? 0) + t.count;
  c.trades = (c.trades ?? 0) + 1;
}

/** Adds nullable counts: unknown if either is. */
function addN(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

/** `b` (a later period, or a later part of the same period) folded into a copy of `a`. */
export function merge(a: CandleAgg, b: CandleAgg, start: number): CandleAgg {
  const bFirst = compareTradeKeys(b.openTs, b.openId, a.openTs, a.openId) < 0;
  const bLast = compareTradeKeys(b.closeTs, b.closeId, a.closeTs, a.closeId) > 0;
  return {
    start,
    open: bFirst ? b.open : a.open,
    openTs: bFirst ? b.openTs : a.openTs,
    openId: bFirst ? b.openId : a.openId,
    close: bLast ? b.close : a.close,
    closeTs: bLast ? b.closeTs : a.closeTs,
    closeId: bLast ? b.closeId : a.closeId,
    high: Math.max(a.high, b.high),
    low: Math.min(a.low, b.low),
    pv: a.pv + b.pv,
    volume: a.volume + b.volume,
    buy: addN(a.buy, b.buy),
    sell: addN(a.sell, b.sell),
    trades: addN(a.trades, b.trades),
    source: a.source === "rest" || b.source === "rest" ? "rest" : "trades",
  };
}

/**
 * The minute aggregates of one ticker, maintained per trade. `load` reads a minute not in memory
 * (from storage); changed minutes are handed out by `takeDirty` so the owner writes each once per
 * batch. The in-memory map holds the minutes touched since the last `takeDirty` plus a bounded
 * number of recent ones (trades arrive nearly in order, so the current minute is nearly always here).
 */
export class MinuteCandles {
  private readonly cache = new Map<number, CandleAgg>();
  private readonly dirty = new Set<number>();

  constructor(
    private readonly load: (start: number) => CandleAgg | null = () => null,
    private readonly keep = 64,
    /** Period length: a minute, or (the hour rows kept beside the minutes) a whole number of minutes. */
    private readonly periodMs: number = MINUTE_MS,
  ) {}

  /** Folds a trade (offered once per trade_id) into its period. */
  add(t: BuilderTrade): void {
    const start = periodStart(t.ts, this.periodMs);
    let c = this.cache.get(start);
    if (c === undefined) {
      const stored = this.load(start);
      if (stored !== null) this.cache.set(start, (c = stored));
    }
    if (c === undefined) this.cache.set(start, fromTrade(start, t));
    else addTrade(c, t);
    this.dirty.add(start);
  }

  /** Puts a whole minute (a REST candlestick) in place; the owner decides it may replace nothing. */
  put(c: CandleAgg): void {
    this.cache.set(c.start, c);
    this.dirty.add(c.start);
  }

  /** Folds a whole aggregate (a REST minute) into its period (an hour row). */
  fold(c: CandleAgg): void {
    const start = periodStart(c.start, this.periodMs);
    const have = this.cache.get(start) ?? this.load(start);
    this.cache.set(start, have === null ? { ...c, start } : merge(have, c, start));
    this.dirty.add(start);
  }

  /** The minutes changed since the last call (to be written), then trims the cache. */
  takeDirty(): CandleAgg[] {
    const out: CandleAgg[] = [];
    for (const s of this.dirty) out.push(this.cache.get(s)!);
    this.dirty.clear();
    if (this.cache.size > this.keep) {
      const starts = [...this.cache.keys()].sort((a, b) => b - a);
      for (const s of starts.slice(this.keep)) this.cache.delete(s);
    }
    return out;
  }

  /** A minute as currently known (memory first, then storage). */
  get(start: number): CandleAgg | null {
    return this.cache.get(start) ?? this.load(start);
  }
}

/** One period of an answer: its aggregate, or null when no trade happened in it. */
export interface CandlePeriod {
  start: number;
  end: number;
  agg: CandleAgg | null;
}

/**
 * Every period of `periodMs` that overlaps [fromMs, toMs) — the first one starts at fromMs floored
 * to the period — folded from `minutes` (ascending by start, any within the range). Empty periods
 * are present with agg null. `periodMs` is a whole number of minutes.
 */
export function rollUp(minutes: Iterable<CandleAgg>, periodMs: number, fromMs: number, toMs: number): CandlePeriod[] {
  const first = periodStart(fromMs, periodMs);
  const out: CandlePeriod[] = [];
  for (let s = first; s < toMs; s += periodMs) out.push({ start: s, end: s + periodMs, agg: null });
  for (const m of minutes) {
    const i = Math.floor((m.start - first) / periodMs);
    const p = out[i];
    if (p === undefined) continue;
    p.agg = p.agg === null ? { ...m, start: p.start } : merge(p.agg, m, p.start);
  }
  return out;
}

/** A period as the API shows it (cents with *_dollars twins, contracts), without coverage. */
export function presentPeriod(p: CandlePeriod) {
  const a = p.agg;
  return {
    start_ts: p.start,
    end_ts: p.end,
    ...pricedValues({
      open: a?.open ?? null,
      high: a?.high ?? null,
      low: a?.low ?? null,
      close: a?.close ?? null,
      vwap: a === null || a.volume === 0 ? null : a.pv / a.volume,
    }),
    volume: a === null ? 0 : a.volume / COUNT_SCALE,
    buy_volume: a === null ? 0 : a.buy === null ? null : a.buy / COUNT_SCALE,
    sell_volume: a === null ? 0 : a.sell === null ? null : a.sell / COUNT_SCALE,
    trade_count: a === null ? 0 : a.trades,
    source: a === null ? null : a.source,
  };
}

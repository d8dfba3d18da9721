/**
 * Straightforward reference for the builders: sort, slice, loop. Shares no code with
 * src/builders beyond the trade type, so the property tests compare two independent designs.
 */
import type { BuilderTrade } from "../../src/builders/trade";

export function uniqueSorted(trades: BuilderTrade[]): BuilderTrade[] {
  const byId = new Map<string, BuilderTrade>();
  for (const t of trades) if (!byId.has(t.id)) byId.set(t.id, t);
  return [...byId.values()].sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Population standard deviation of consecutive differences (null for fewer than 2 values). */
function changeSd(xs: number[]): number | null {
  const changes: number[] = [];
  for (let i = 1; i < xs.length; i++) changes.push(xs[i]! - xs[i - 1]!);
  if (changes.length === 0) return null;
  const mean = changes.reduce((a, b) => a + b, 0) / changes.length;
  return Math.sqrt(changes.reduce((a, d) => a + (d - mean) ** 2, 0) / changes.length);
}

/** Prices under the seed's names in cents, their `_dollars` twins in dollars, each computed on its own. */
export function refPriceHistory(trades: BuilderTrade[], n: number) {
  const w = uniqueSorted(trades).slice(-n);
  if (w.length === 0) {
    return {
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
    };
  }
  const cents = w.map((t) => t.price / 100);
  const dollars = w.map((t) => t.price / 10000);
  let pc = 0;
  let c = 0;
  for (const t of w) {
    pc += t.price * t.count;
    c += t.count;
  }
  const first = dollars[0]!;
  const last = dollars[dollars.length - 1]!;
  return {
    count: w.length,
    last: cents[cents.length - 1]!,
    last_dollars: last,
    vwap: pc / c / 100,
    vwap_dollars: pc / c / 10000,
    high: Math.max(...cents),
    high_dollars: Math.max(...dollars),
    low: Math.min(...cents),
    low_dollars: Math.min(...dollars),
    volatility: changeSd(cents),
    volatility_dollars: changeSd(dollars),
    returns: first === 0 ? null : last / first - 1,
  };
}

export function refVolumeProfile(trades: BuilderTrade[], windowMs: number) {
  const all = uniqueSorted(trades);
  if (all.length === 0) return { trades: 0, buyVolume: 0, sellVolume: 0, totalVolume: 0, ratio: null, average: null };
  const end = Math.max(...all.map((t) => t.ts));
  const w = all.filter((t) => t.ts > end - windowMs);
  let buy = 0;
  let sell = 0;
  for (const t of w) {
    if (t.takerSide === "yes") buy += t.count;
    else sell += t.count;
  }
  const total = buy + sell;
  return {
    trades: w.length,
    buyVolume: buy / 100,
    sellVolume: sell / 100,
    totalVolume: total / 100,
    ratio: w.length === 0 ? null : buy / total,
    average: w.length === 0 ? null : total / 100 / w.length,
  };
}

/**
 * Candles the plain way: unique trades sorted by (ts, id), cut into periods of `periodMs` by
 * integer division, every period of [from, to) listed; prices in cents and dollars, volumes in contracts.
 */
export function refCandles(trades: BuilderTrade[], periodMs: number, fromMs: number, toMs: number) {
  const all = uniqueSorted(trades);
  const out = [];
  for (let s = Math.floor(fromMs / periodMs) * periodMs; s < toMs; s += periodMs) {
    const w = all.filter((t) => t.ts >= s && t.ts < s + periodMs);
    if (w.length === 0) {
      const none = {
        open: null,
        high: null,
        low: null,
        close: null,
        open_dollars: null,
        close_dollars: null,
        vwap: null,
      };
      out.push({
        start_ts: s,
        end_ts: s + periodMs,
        ...none,
        volume: 0,
        buy_volume: 0,
        sell_volume: 0,
        trade_count: 0,
      });
      continue;
    }
    const prices = w.map((t) => t.price);
    let pv = 0;
    let vol = 0;
    let buy = 0;
    for (const t of w) {
      pv += t.price * t.count;
      vol += t.count;
      if (t.takerSide === "yes") buy += t.count;
    }
    out.push({
      start_ts: s,
      end_ts: s + periodMs,
      open: prices[0]! / 100,
      high: Math.max(...prices) / 100,
      low: Math.min(...prices) / 100,
      close: prices[prices.length - 1]! / 100,
      open_dollars: prices[0]! / 10000,
      close_dollars: prices[prices.length - 1]! / 10000,
      vwap: pv / vol / 100,
      volume: vol / 100,
      buy_volume: buy / 100,
      sell_volume: (vol - buy) / 100,
      trade_count: w.length,
    });
  }
  return out;
}

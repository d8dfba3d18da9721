/**
 * `GET /series/{series_ticker}/markets/{ticker}/candlesticks` and, for markets settled before the
 * historical cutoff, `GET /historical/markets/{ticker}/candlesticks` (docs/kalshi-wire.md §2.13):
 * `start_ts`/`end_ts` Unix seconds, `period_interval` 1, 60 or 1440 minutes; answer
 * `{ticker, candlesticks: MarketCandlestick[]}` oldest first, every period listed, prices null in a
 * period without trades.
 *
 * Built from the trade tape's minutes (./trades.ts), i.e. from the very trades the WebSocket feed
 * emitted, so a client that fills history from here and from the stream gets one history.
 * A period ending at `end_period_ts` E holds the trades with ts in [E − period, E) (whole seconds;
 * Kalshi's exact edge rule is not confirmed, docs/kalshi-wire.md §2.13).
 * Bid/ask distributions: the simulator keeps no quote history, so every period carries the
 * market's current quote (ssmd reads only `price` and `volume`).
 */
import { dollars, fp } from "./format";
import type { Json } from "./render";
import { tradeTape, type TapeMinute } from "./trades";
import type { World } from "./world";

const PERIODS = new Set([1, 60, 1440]);
/** Most candles one request may cover (a relay of Kalshi's data refuses more; docs/kalshi-wire.md §2.13). */
const MAX_CANDLES = 5000;

export interface CandlestickRoute {
  series: string;
  ticker: string;
  /** The historical route (no series in the path). */
  historical: boolean;
  /** Whether market m is on the historical side of the cutoff. */
  isHistorical: (m: number) => boolean;
  /** Throws the simulator's API error (rest.ts). */
  fail: (status: number, code: string, details: string) => never;
}

function intParam(q: URLSearchParams, name: string, r: CandlestickRoute): number {
  const v = q.get(name);
  if (v === null || !/^-?\d+$/.test(v)) return r.fail(400, "bad_request", `${name} is required (integer)`);
  return Number(v);
}

const centsOf = (u: number) => Math.round(u / 100);

function priced(names: Record<string, number | null>, legacyCents = true): Json {
  const o: Json = {};
  for (const [k, u] of Object.entries(names)) {
    if (legacyCents) o[k] = u === null ? null : centsOf(u);
    o[`${k}_dollars`] = u === null ? null : dollars(u);
  }
  return o;
}

export function getCandlesticks(w: World, q: URLSearchParams, r: CandlestickRoute): { status: number; body: Json } {
  const m = w.findMarket(r.ticker);
  if (m === null || !w.visible(m) || r.isHistorical(m) !== r.historical)
    return r.fail(404, "not_found", `market not found: ${r.ticker}`);
  const ev = w.events[w.cols.ev[m] as number]!;
  if (!r.historical && w.series[ev.series]!.ticker !== r.series)
    return r.fail(404, "not_found", `market ${r.ticker} is not in series ${r.series}`);
  const period = intParam(q, "period_interval", r);
  if (!PERIODS.has(period)) return r.fail(400, "bad_request", "period_interval must be 1, 60 or 1440");
  const startS = intParam(q, "start_ts", r);
  const endS = intParam(q, "end_ts", r);
  if (endS < startS) return r.fail(400, "bad_request", "end_ts must not be before start_ts");
  const p = period * 60;
  // Period ends E (multiples of the period) with start_ts ≤ E ≤ end_ts.
  const firstEnd = Math.ceil(startS / p) * p;
  const count = endS < firstEnd ? 0 : Math.floor((endS - firstEnd) / p) + 1;
  if (count > MAX_CANDLES) return r.fail(400, "bad_request", `at most ${MAX_CANDLES} candlesticks per request`);

  const minutes = tradeTape(w).minutes.get(r.ticker) ?? new Map<number, TapeMinute>();
  const sorted = [...minutes.values()].sort((a, b) => a.startS - b.startS);
  // Last trade price before the first period (the `previous` of the first candle).
  let previous: number | null = null;
  let i = 0;
  const firstStart = firstEnd - p;
  while (i < sorted.length && sorted[i]!.startS < firstStart) previous = sorted[i++]!.close;
  const c = w.cols;
  const bid = c.bid[m] as number;
  const ask = c.ask[m] as number;
  const oi = c.oi[m] as number;
  const candlesticks: Json[] = [];
  for (let k = 0; k < count; k++) {
    const end = firstEnd + k * p;
    let agg: { open: number; high: number; low: number; close: number; volumeH: number; pv: number } | null = null;
    while (i < sorted.length && sorted[i]!.startS < end) {
      const mm = sorted[i++]!;
      if (agg === null)
        agg = { open: mm.open, high: mm.high, low: mm.low, close: mm.close, volumeH: mm.volumeH, pv: mm.pv };
      else {
        agg.high = Math.max(agg.high, mm.high);
        agg.low = Math.min(agg.low, mm.low);
        agg.close = mm.close;
        agg.volumeH += mm.volumeH;
        agg.pv += mm.pv;
      }
    }
    const mean = agg === null ? null : Math.round(agg.pv / agg.volumeH);
    candlesticks.push({
      end_period_ts: end,
      yes_bid: priced({ open: bid, low: bid, high: bid, close: bid }),
      yes_ask: priced({ open: ask, low: ask, high: ask, close: ask }),
      price: priced({
        open: agg?.open ?? null,
        low: agg?.low ?? null,
        high: agg?.high ?? null,
        close: agg?.close ?? null,
        mean,
        previous,
      }),
      volume: Math.floor((agg?.volumeH ?? 0) / 100),
      volume_fp: fp(agg?.volumeH ?? 0),
      open_interest: Math.floor(oi / 100),
      open_interest_fp: fp(oi),
    });
    if (agg !== null) previous = agg.close;
  }
  return { status: 200, body: { ticker: r.ticker, candlesticks } };
}

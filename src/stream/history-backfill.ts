/**
 * History before the stream (issue #14): what a ticker object fetches from Kalshi when asked to
 * fill its past. Two parts, split at a minute boundary B (the first minute the object holds trades
 * for, or now):
 * - minutes [from, B) from Kalshi's 1-minute candlesticks (docs/kalshi-wire.md §2.13), in requests
 *   of at most 5000 candles — these minutes keep Kalshi's figures and never take trades again;
 * - trades from B on from `GET /markets/trades`, applied like any other trades: the object's
 *   trade_id dedup drops what the stream already delivered, so nothing is counted twice.
 * Every request goes through the KalshiClient's token bucket (src/kalshi/ratelimit.ts).
 */
import { z } from "zod";
import { MINUTE_MS, type CandleAgg } from "../builders/candles";
import type { KalshiClient } from "../kalshi/client";
import { marketSeries } from "../db/stream";
import type { KalshiCandlestick } from "../kalshi/wire/history";
import { countToHundredths, parseDollars } from "../lib/decimal";
import { normalizeRestTrade } from "./backfill";
import type { StreamTrade } from "./messages";

/** Candles per request: the most a request may cover (docs/kalshi-wire.md §2.13). */
export const CANDLES_PER_REQUEST = 5000;
/** Trade pages read at most per backfill (1000 trades each): beyond the retained window they are pruned anyway. */
const MAX_TRADE_PAGES = 100;

export interface HistoryPlan {
  ticker: string;
  series: string;
  /** The market settled before Kalshi's historical cutoff: the historical route. */
  historical: boolean;
  /** Minutes [fromMs, beforeMs) from candlesticks; trades from beforeMs to toMs. All minute-aligned but toMs. */
  fromMs: number;
  beforeMs: number;
  toMs: number;
}

export interface FetchedHistory {
  candles: CandleAgg[];
  trades: StreamTrade[];
  requests: number;
  /** Candles or trades that failed validation (skipped, reported). */
  invalid: number;
  /** The trade listing stopped at MAX_TRADE_PAGES. */
  truncated: boolean;
}

/** A Kalshi 1-minute candlestick → the minute it covers, or null when no trade happened in it. */
export function restMinute(c: KalshiCandlestick): CandleAgg | null {
  const p = c.price;
  const units = (d: string | null | undefined, cents: number | null | undefined) =>
    parseDollars(d ?? null) ?? (cents === null || cents === undefined ? null : cents * 100);
  const open = units(p.open_dollars, p.open);
  const high = units(p.high_dollars, p.high);
  const low = units(p.low_dollars, p.low);
  const close = units(p.close_dollars, p.close);
  const mean = units(p.mean_dollars, p.mean);
  const volume =
    c.volume_fp !== null && c.volume_fp !== undefined
      ? Number(countToHundredths(c.volume_fp))
      : Math.round((c.volume ?? 0) * 100);
  if (open === null || high === null || low === null || close === null || volume <= 0) return null;
  const start = c.end_period_ts * 1000 - MINUTE_MS;
  return {
    start,
    open,
    high,
    low,
    close,
    openTs: start,
    openId: "",
    closeTs: start + MINUTE_MS - 1,
    closeId: "",
    pv: (mean ?? close) * volume,
    volume,
    buy: null,
    sell: null,
    trades: null,
    source: "rest",
  };
}

export async function fetchHistory(client: KalshiClient, plan: HistoryPlan): Promise<FetchedHistory> {
  const out: FetchedHistory = { candles: [], trades: [], requests: 0, invalid: 0, truncated: false };
  const step = CANDLES_PER_REQUEST * MINUTE_MS;
  for (let s = plan.fromMs; s < plan.beforeMs; s += step) {
    const e = Math.min(plan.beforeMs, s + step);
    // Candles are named by their end: the minutes [s, e) end at s + 1 min … e.
    const page = await client.getCandlesticks(
      { series: plan.series, ticker: plan.ticker, historical: plan.historical },
      { start_ts: s / 1000 + 60, end_ts: e / 1000, period_interval: 1 },
    );
    out.requests++;
    out.invalid += page.skipped.length;
    for (const c of page.items) {
      const m = restMinute(c);
      if (m !== null && m.start >= s && m.start < e) out.candles.push(m);
    }
  }
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    if (pages === MAX_TRADE_PAGES) {
      out.truncated = true;
      break;
    }
    const page = await client.getTradesPage({
      ticker: plan.ticker,
      min_ts: Math.floor(plan.beforeMs / 1000),
      max_ts: Math.ceil(plan.toMs / 1000),
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    out.requests++;
    out.invalid += page.skipped.length;
    for (const t of page.items) {
      const n = normalizeRestTrade(t, false);
      // min_ts is whole seconds: keep only trades of the trade-built minutes.
      if (n.ok && n.value.ticker === plan.ticker && n.value.ts >= plan.beforeMs) out.trades.push(n.value);
      else if (!n.ok) out.invalid++;
    }
    if (!page.cursor) break;
    cursor = page.cursor;
  }
  return out;
}

/**
 * The series (the candlesticks path) and route of a market: from D1 when the sync has it, else
 * from Kalshi (GET /markets/{ticker} for its event, GET /events/{event} for the series). A market
 * Kalshi no longer serves there (404) has settled before the historical cutoff: the historical route.
 */
export async function resolveMarket(
  client: KalshiClient,
  db: D1Database,
  ticker: string,
): Promise<{ series: string; historical: boolean }> {
  const fromDb = await marketSeries(db, ticker).catch(() => null);
  if (fromDb !== null) return { series: fromDb, historical: false };
  const market = await client.getMarket(ticker);
  if (market === null) return { series: "", historical: true };
  const ev = await client.getEvent(market.event_ticker);
  if (ev === null) throw new Error(`event ${market.event_ticker} of ${ticker} not found`);
  return { series: ev.event.series_ticker, historical: false };
}

/** POST /admin/tickers/{ticker}/history/backfill's body (also the TickerObject RPC's argument). */
export const HistoryBackfillRequestSchema = z.strictObject({
  series: z.string().min(1).max(200).meta({ description: "The market's series ticker (the candlesticks path)" }),
  historical: z
    .boolean()
    .optional()
    .meta({ description: "The market settled before Kalshi's historical cutoff: use the historical route" }),
  base_url: z.url().optional().meta({ description: "REST base (…/trade-api/v2); default KALSHI_BASE_URL" }),
  now_ms: z
    .number()
    .int()
    .min(0)
    .optional()
    .meta({ description: "'Now' of the plan, Unix ms (a simulator's clock); default the wall clock" }),
});
export type HistoryBackfillRequest = z.infer<typeof HistoryBackfillRequestSchema>;

export const HistoryBackfillResultSchema = z
  .object({
    from_ts: z.number().int().meta({ description: "Start of the candle fill (Unix ms)" }),
    rest_before_ts: z
      .number()
      .int()
      .meta({ description: "Minutes before this (Unix ms) hold Kalshi's candlesticks; trades fill it on" }),
    to_ts: z.number().int().meta({ description: "End of the trade fill (Unix ms)" }),
    requests: z.number().int().meta({ description: "Kalshi requests made (retries included)" }),
    invalid: z.number().int().meta({ description: "Candles or trades that failed validation (skipped)" }),
    truncated: z.boolean().meta({ description: "The trade listing stopped at its page bound" }),
    rest_minutes: z.number().int().meta({ description: "Minutes filled from candlesticks" }),
    added: z.number().int().meta({ description: "Backfilled trades the object did not have" }),
    duplicates: z.number().int().meta({ description: "Backfilled trades it already had (from the stream)" }),
    outside: z.number().int().meta({ description: "Backfilled trades below its prune frontier (ignored)" }),
    rejected: z.number().int(),
  })
  .meta({ id: "HistoryBackfillResult" });
export type HistoryBackfillResult = z.infer<typeof HistoryBackfillResultSchema>;

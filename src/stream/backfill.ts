/**
 * REST backfill of trades the WebSocket lost. Kalshi's WebSocket has no replay: a `trade`-channel
 * sequence gap (or a dropped connection) means trade frames are gone. Kalshi's public
 * `GET /markets/trades` has them, so the ingest fetches the window in which frames can have been
 * lost and forwards those trades through the normal per-ticker batch path; the ticker objects
 * deduplicate by `trade_id`, so re-fetching trades the stream did deliver costs nothing but bytes.
 *
 * Bounds (docs/decisions.md ("Streaming") §4): only the affected tickers, only from the last trade seen
 * before the loss (minus a small margin) to now, at most `maxPages` pages of 1000 per job, every
 * request paced by the client's token bucket.
 */
import type { KalshiClient } from "../kalshi/client";
import type { Trade, TradesQuery } from "../kalshi/schemas";
import type { StreamTrade } from "./messages";
import { normalizeTrade, type Normalized } from "./normalize";

/** Up to this many tickers are fetched one by one (`ticker=`); more → one all-markets listing, filtered. */
export const BACKFILL_PER_TICKER_MAX = 16;
/** Pages (of 1000 trades) one job may read before it stops and reports itself truncated. */
export const BACKFILL_MAX_PAGES = 50;
/** Seconds subtracted from the window start: trade `ts` has one-second resolution, and min_ts's inclusivity is not documented. */
export const BACKFILL_MARGIN_S = 2;

/** What to fetch: these tickers' trades from `fromS` (Unix seconds) on. */
export interface BackfillJob {
  tickers: Set<string>;
  fromS: number;
}

/** Pending backfill work: jobs queued while one runs are merged (union of tickers, earliest start). */
export class BackfillQueue {
  private job: BackfillJob | null = null;

  get pending(): boolean {
    return this.job !== null;
  }

  get pendingTickers(): number {
    return this.job?.tickers.size ?? 0;
  }

  add(tickers: Iterable<string>, fromS: number): void {
    if (!this.job) this.job = { tickers: new Set(), fromS };
    for (const t of tickers) this.job.tickers.add(t);
    this.job.fromS = Math.min(this.job.fromS, fromS);
    if (this.job.tickers.size === 0) this.job = null;
  }

  take(): BackfillJob | null {
    const j = this.job;
    this.job = null;
    return j;
  }
}

/**
 * REST trade → stream trade. `created_time` is RFC 3339 (often sub-second); the WebSocket `ts` is
 * whole seconds unless the feed sends `ts_ms`. Builders order trades by (ts, trade_id), so a
 * backfilled trade must get the ts the stream would have given it: `msResolution` = the live
 * trade stream carries `ts_ms`; otherwise the time is floored to the second.
 */
export function normalizeRestTrade(t: Trade, msResolution: boolean): Normalized<StreamTrade> {
  const ms = Date.parse(t.created_time);
  if (!Number.isFinite(ms)) return { ok: false, reason: `trade ${t.trade_id}: unparseable created_time` };
  return normalizeTrade({
    trade_id: t.trade_id,
    market_ticker: t.ticker,
    yes_price_dollars: t.yes_price_dollars,
    no_price_dollars: t.no_price_dollars,
    count_fp: t.count_fp,
    yes_price: t.yes_price,
    no_price: t.no_price,
    count: t.count,
    taker_side: t.taker_side,
    taker_outcome_side: t.taker_outcome_side,
    taker_book_side: t.taker_book_side,
    ...(msResolution ? { ts_ms: ms } : { ts: Math.floor(ms / 1000) }),
  });
}

export interface BackfillResult {
  trades: StreamTrade[];
  requests: number;
  /** REST items that failed the Trade schema or normalization. */
  invalid: number;
  /** A listing hit `maxPages` before its last page: older trades of the window were not read. */
  truncated: boolean;
}

export interface BackfillOptions {
  /** Window end (Unix seconds). */
  toS: number;
  msResolution: boolean;
  maxPages?: number;
  perTickerMax?: number;
  /** Trades per request; default the maximum, 1000. */
  pageSize?: number;
}

/** Fetches a job's window. Throws the client's errors (KalshiHttpError, …) — the caller counts and retries. */
export async function fetchBackfill(client: KalshiClient, job: BackfillJob, opts: BackfillOptions): Promise<BackfillResult> {
  const res: BackfillResult = { trades: [], requests: 0, invalid: 0, truncated: false };
  const maxPages = opts.maxPages ?? BACKFILL_MAX_PAGES;
  const base: TradesQuery = { min_ts: Math.max(0, job.fromS - BACKFILL_MARGIN_S), max_ts: Math.max(opts.toS, job.fromS), limit: opts.pageSize ?? 1000 };
  const read = async (q: TradesQuery) => {
    let pages = 0;
    for await (const page of client.listTrades(q)) {
      res.requests++;
      res.invalid += page.skipped.length;
      for (const t of page.items) {
        if (!job.tickers.has(t.ticker)) continue;
        const n = normalizeRestTrade(t, opts.msResolution);
        if (n.ok) res.trades.push(n.value);
        else res.invalid++;
      }
      if (++pages >= maxPages && page.cursor !== null) {
        res.truncated = true;
        return;
      }
    }
  };
  if (job.tickers.size <= (opts.perTickerMax ?? BACKFILL_PER_TICKER_MAX)) {
    for (const ticker of [...job.tickers].sort()) await read({ ...base, ticker });
  } else {
    await read(base);
  }
  return res;
}

/**
 * REST backfill of trades the WebSocket lost. Kalshi's WebSocket has no replay: a `trade`-channel
 * sequence gap (or a dropped connection) means trade frames are gone. Kalshi's public
 * `GET /markets/trades` has them, so the ingest fetches the window in which frames can have been
 * lost and forwards those trades through the normal per-ticker batch path; the ticker objects
 * deduplicate by `trade_id`, so re-fetching trades the stream did deliver costs nothing but bytes.
 *
 * Bounds (docs/decisions/0042-gap-resubscribe-rest-backfill.md, 0057-backfill-continuation.md): only the affected tickers, only from the last trade seen
 * before the loss (minus a small margin) to now, at most `maxPages` pages of 1000 per listing per
 * job — a longer loss is read by continuation jobs, from the cursor where the last one stopped —
 * every request paced by the client's token bucket.
 */
import type { KalshiClient } from "../kalshi/client";
import type { KalshiTrade } from "../kalshi/wire/rest";
import type { KalshiTradesQuery } from "../kalshi/wire/queries";
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
  /** The window's end (Unix seconds), fixed once a job is continued (its cursor belongs to that query); else "now". */
  toS?: number;
  /** Where a listing cut at the page bound stopped: its ticker (null: the all-markets listing) and cursor. */
  resume?: { ticker: string | null; cursor: string };
  /** The highest loss number (./coverage.ts LossRef.n) merged into this job: its end recovers those. */
  upTo?: number;
}

/**
 * Pending backfill work: jobs queued while one runs are merged (union of tickers, earliest start).
 * The continuation of a job cut at the page bound is kept apart (its cursor cannot merge) and
 * runs first, so a long loss is read to its end in bounded steps rather than dropped.
 */
export class BackfillQueue {
  private job: BackfillJob | null = null;
  private continuation: BackfillJob | null = null;

  get pending(): boolean {
    return this.job !== null || this.continuation !== null;
  }

  get pendingTickers(): number {
    return new Set([...(this.continuation?.tickers ?? []), ...(this.job?.tickers ?? [])]).size;
  }

  /** Queues the rest of a job cut at the page bound (`BackfillResult.next`), or a continuation to retry. */
  continueWith(job: BackfillJob): void {
    this.continuation = job;
  }

  add(tickers: Iterable<string>, fromS: number, upTo?: number): void {
    if (!this.job) this.job = { tickers: new Set(), fromS };
    for (const t of tickers) this.job.tickers.add(t);
    this.job.fromS = Math.min(this.job.fromS, fromS);
    if (upTo !== undefined) this.job.upTo = Math.max(this.job.upTo ?? 0, upTo);
    if (this.job.tickers.size === 0) this.job = null;
  }

  take(): BackfillJob | null {
    if (this.continuation) {
      const c = this.continuation;
      this.continuation = null;
      return c;
    }
    const j = this.job;
    this.job = null;
    return j;
  }

  /** Puts back a job that failed: a continuation as it was (keeping its cursor), others merged. */
  retry(job: BackfillJob): void {
    if (job.resume) this.continuation = job;
    else this.add(job.tickers, job.fromS, job.upTo);
  }
}

/**
 * REST trade → stream trade. `created_time` is RFC 3339 (often sub-second); the WebSocket `ts` is
 * whole seconds unless the feed sends `ts_ms`. Builders order trades by (ts, trade_id), so a
 * backfilled trade must get the ts the stream would have given it: `msResolution` = the live
 * trade stream carries `ts_ms`; otherwise the time is floored to the second.
 */
export function normalizeRestTrade(t: KalshiTrade, msResolution: boolean): Normalized<StreamTrade> {
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
  /** A listing hit `maxPages` before its last page: the rest is in `next`. */
  truncated: boolean;
  /** The job that reads the rest of the window from where this one stopped; null when complete. */
  next: BackfillJob | null;
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
export async function fetchBackfill(
  client: KalshiClient,
  job: BackfillJob,
  opts: BackfillOptions,
): Promise<BackfillResult> {
  const res: BackfillResult = { trades: [], requests: 0, invalid: 0, truncated: false, next: null };
  const maxPages = opts.maxPages ?? BACKFILL_MAX_PAGES;
  const toS = job.toS ?? Math.max(opts.toS, job.fromS);
  const base: KalshiTradesQuery = {
    min_ts: Math.max(0, job.fromS - BACKFILL_MARGIN_S),
    max_ts: toS,
    limit: opts.pageSize ?? 1000,
  };
  /** Reads one listing; on the page bound, returns the cursor it stopped at. */
  const read = async (q: KalshiTradesQuery): Promise<string | null> => {
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
      if (++pages >= maxPages && page.cursor !== null) return page.cursor;
    }
    return null;
  };
  const cut = (tickers: Set<string>, ticker: string | null, cursor: string) => {
    res.truncated = true;
    res.next = { tickers, fromS: job.fromS, toS, resume: { ticker, cursor }, upTo: job.upTo };
  };
  const resume = job.resume;
  const perTicker = resume
    ? resume.ticker !== null
    : job.tickers.size <= (opts.perTickerMax ?? BACKFILL_PER_TICKER_MAX);
  if (perTicker) {
    // Tickers in order; a continuation starts at the ticker it stopped in, from its cursor.
    const from = resume?.ticker ?? null;
    const tickers = [...job.tickers].sort().filter((t) => from === null || t >= from);
    for (const [i, ticker] of tickers.entries()) {
      const at = await read({ ...base, ticker, ...(ticker === from ? { cursor: resume!.cursor } : {}) });
      if (at !== null) {
        cut(new Set(tickers.slice(i)), ticker, at);
        break;
      }
    }
  } else {
    const at = await read({ ...base, ...(resume ? { cursor: resume.cursor } : {}) });
    if (at !== null) cut(job.tickers, null, at);
  }
  return res;
}

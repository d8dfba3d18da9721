/**
 * Forwarding from the ingest object to the ticker objects: one RPC per ticker per batch
 * (never one per trade), its trades in columns (./trade-pack.ts), with bounded concurrency.
 */
import { mapLimit } from "../lib/async";
import { errorMessage } from "../lib/errors";
import type { CoverageNote } from "./coverage";
import type { StreamBook, StreamTicker, StreamTrade } from "./messages";
import { FEED } from "./registry";
import type { ApplyTradesResult } from "./snapshot";
import type { TickerBatch, TickerObject } from "./ticker";
import { packTrades } from "./trade-pack";

export const FORWARD_CONCURRENCY = 32;

/** The stream's trades wait at least this long before a flush (so one call carries several). */
export const FORWARD_DELAY_MS = 25;
export const FORWARD_MAX_DELAY_MS = 2_000;

/**
 * Delay before the stream's next flush, from how long the last one took: twice that, within
 * [FORWARD_DELAY_MS, FORWARD_MAX_DELAY_MS], cut short when the stream goes quiet (`flushNow`).
 * A ticker-object call costs mostly its storage commit, not its trades, so under load fewer and
 * larger calls win; spacing flushes by their own duration keeps about a third of the ingest
 * isolate's time for calls, the rest for frames, and lets batches grow with the load instead of
 * the call count (docs/decisions/0047-flushes-up-to-2s-at-once-when-quiet.md). At Kalshi's usual rates a flush takes a few
 * ms and the delay stays 25 ms.
 */
export function nextFlushDelay(lastFlushMs: number): number {
  if (!Number.isFinite(lastFlushMs) || lastFlushMs <= 0) return FORWARD_DELAY_MS;
  return Math.min(FORWARD_MAX_DELAY_MS, Math.max(FORWARD_DELAY_MS, 2 * lastFlushMs));
}

/**
 * Whether a scheduled flush goes now: it is due, or no frame has arrived for FORWARD_DELAY_MS —
 * the long delay is there to batch a busy stream, not to hold the last trades of a burst.
 */
export function flushNow(nowMs: number, dueAtMs: number, lastFrameAtMs: number | null): boolean {
  return nowMs >= dueAtMs || nowMs - (lastFrameAtMs ?? Number.NEGATIVE_INFINITY) >= FORWARD_DELAY_MS;
}

/** What one ticker-object call carries: the ticker's trades (packed on the way) and its latest messages. */
export interface TickerBatchIn {
  trades: StreamTrade[];
  /** Trades the ingest's REST backfill read back (counted apart in the ticker's coverage). */
  backfill_trades?: StreamTrade[];
  /** The ingest's observations about this ticker's stream (./coverage.ts). */
  coverage?: CoverageNote[];
  /** The REST base the ticker object may fill its history from by itself (TickerBatch.history). */
  history?: { base_url: string };
  ticker_message?: StreamTicker;
  orderbook?: StreamBook;
}

/** A ticker whose call failed, with the batch it carried (the caller retries or reports it). */
export interface ForwardFailure {
  ticker: string;
  batch: TickerBatchIn;
  error: string;
}

export interface ForwardResult extends ApplyTradesResult {
  rpc_calls: number;
  failed: ForwardFailure[];
}

/** Groups trades by ticker, keeping each ticker's arrival order. */
export function groupByTicker(trades: readonly StreamTrade[]): Map<string, StreamTrade[]> {
  const out = new Map<string, StreamTrade[]>();
  for (const t of trades) {
    const list = out.get(t.ticker);
    if (list) list.push(t);
    else out.set(t.ticker, [t]);
  }
  return out;
}

/**
 * Ticker objects are named by ticker for the production feed ("kalshi") and `<feed>:<ticker>`
 * for any other feed (e.g. a simulator world in tests), so two feeds never share state.
 */
export function tickerObjectName(ticker: string, feed: string = FEED): string {
  return feed === FEED ? ticker : `${feed}:${ticker}`;
}

export function tickerStub(
  ns: DurableObjectNamespace<TickerObject>,
  ticker: string,
  feed: string = FEED,
): DurableObjectStub<TickerObject> {
  return ns.get(ns.idFromName(tickerObjectName(ticker, feed)));
}

/**
 * Forwards one batch per ticker, at most `concurrency` calls at a time: the one path of the stream's
 * flushes and of HTTP-pushed trades (./forwarder.ts). `rejected` counts trades not in the stream
 * format (refused by `packTrades` before the call) and those the ticker object refused.
 */
export async function forwardBatches(
  ns: DurableObjectNamespace<TickerObject>,
  batches: Iterable<[string, TickerBatchIn]>,
  feed: string = FEED,
  concurrency = FORWARD_CONCURRENCY,
): Promise<ForwardResult> {
  const res: ForwardResult = { rpc_calls: 0, added: 0, duplicates: 0, outside: 0, rejected: 0, failed: [] };
  await mapLimit([...batches], concurrency, async ([ticker, batch]) => {
    res.rpc_calls++;
    try {
      const { packed, rejected } = packTrades(batch.trades);
      res.rejected += rejected;
      const { backfill_trades, ...rest } = batch;
      const out: TickerBatch = { ...rest, trades: packed };
      if (backfill_trades?.length) {
        const b = packTrades(backfill_trades);
        res.rejected += b.rejected;
        out.backfill_trades = b.packed;
      }
      const r = await tickerStub(ns, ticker, feed).applyBatch(ticker, out);
      res.added += r.added;
      res.duplicates += r.duplicates;
      res.outside += r.outside;
      res.rejected += r.rejected;
    } catch (e) {
      res.failed.push({ ticker, batch, error: errorMessage(e) });
    }
  });
  return res;
}

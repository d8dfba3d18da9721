/**
 * Forwarding from the ingest object to the ticker objects: one RPC per ticker per batch
 * (never one per trade), with bounded concurrency.
 */
import type { StreamTrade } from "./messages";
import type { ApplyTradesResult, TickerObject } from "./ticker";

export const FORWARD_CONCURRENCY = 32;

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

export interface ForwardResult extends ApplyTradesResult {
  tickers: number;
  rpc_calls: number;
  failed: { ticker: string; trades: number; error: string }[];
}

export function tickerStub(ns: DurableObjectNamespace<TickerObject>, ticker: string): DurableObjectStub<TickerObject> {
  return ns.get(ns.idFromName(ticker));
}

/** Runs `fn` over items with at most `limit` in flight. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

export async function forwardTrades(ns: DurableObjectNamespace<TickerObject>, trades: readonly StreamTrade[], concurrency = FORWARD_CONCURRENCY): Promise<ForwardResult> {
  const groups = [...groupByTicker(trades)];
  const res: ForwardResult = { tickers: groups.length, rpc_calls: 0, added: 0, duplicates: 0, outside: 0, failed: [] };
  await mapLimit(groups, concurrency, async ([ticker, batch]) => {
    res.rpc_calls++;
    try {
      const r = await tickerStub(ns, ticker).applyTrades(ticker, batch);
      res.added += r.added;
      res.duplicates += r.duplicates;
      res.outside += r.outside;
    } catch (e) {
      res.failed.push({ ticker, trades: batch.length, error: (e as Error).message });
    }
  });
  return res;
}

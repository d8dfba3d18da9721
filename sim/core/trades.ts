/**
 * The simulator's public trade tape: every trade the WebSocket feed generates is recorded here
 * (before any WebSocket fault decides whether a connection gets the frame), so
 * `GET /trade-api/v2/markets/trades` serves exactly the trades the feed emitted — including those a
 * fault dropped or skipped. That is what lets an ingest recover lost trade frames by REST backfill.
 *
 * Wire (Kalshi `GET /markets/trades`): params `ticker`, `min_ts`, `max_ts` (Unix seconds,
 * inclusive here — UNCONFIRMED), `limit` 1–1000 (default 100), `cursor`; response
 * `{trades: Trade[], cursor}` newest first; each trade `trade_id`, `ticker`, `count_fp`,
 * `yes_price_dollars`, `no_price_dollars`, `taker_side` (deprecated) + `taker_outcome_side` /
 * `taker_book_side`, `is_block_trade`, `created_time` (RFC 3339).
 *
 * Retention is bounded: the newest `perTicker` trades of each market (older ones are pruned in
 * amortized batches). One tape per World (a WeakMap), so worlds never share trades.
 */
import { dollars, fp, isoMillis } from "./format";
import type { Json } from "./render";
import type { World } from "./world";

export const TRADES_DEFAULT_LIMIT = 100;
export const TRADES_MAX_LIMIT = 1000;
export const TRADES_PER_TICKER_DEFAULT = 10_000;

export interface TapeTrade {
  /** Global arrival order (1, 2, …): the cursor key. */
  seq: number;
  tradeId: string;
  ticker: string;
  /** Trade time, Unix ms (the WebSocket `ts` is this in whole seconds). */
  timeMs: number;
  /** YES price in 1/10000 dollar. */
  yesPrice: number;
  /** Contracts in hundredths. */
  countH: number;
  takerYes: boolean;
}

export interface TradeQuery {
  ticker: string | null;
  minTs: number | null;
  maxTs: number | null;
  limit: number;
  /** Only trades with seq below this (from the cursor); null = from the newest. */
  beforeSeq: number | null;
}

export class TradeTape {
  private seq = 0;
  private readonly byTicker = new Map<string, TapeTrade[]>();
  recorded = 0;

  constructor(readonly perTicker: number = TRADES_PER_TICKER_DEFAULT) {}

  record(t: Omit<TapeTrade, "seq">): TapeTrade {
    const rec: TapeTrade = { ...t, seq: ++this.seq };
    let list = this.byTicker.get(t.ticker);
    if (!list) this.byTicker.set(t.ticker, (list = []));
    list.push(rec);
    // Amortized pruning: let the list grow 25 % past the bound, then cut back to it.
    if (list.length > this.perTicker + Math.max(16, this.perTicker >> 2)) list.splice(0, list.length - this.perTicker);
    this.recorded++;
    return rec;
  }

  /** Newest first (descending seq); `more` when further matching trades exist. */
  query(q: TradeQuery): { trades: TapeTrade[]; more: boolean } {
    const lists = q.ticker !== null ? [this.byTicker.get(q.ticker) ?? []] : [...this.byTicker.values()];
    const match = (t: TapeTrade) =>
      (q.beforeSeq === null || t.seq < q.beforeSeq) &&
      (q.minTs === null || Math.floor(t.timeMs / 1000) >= q.minTs) &&
      (q.maxTs === null || Math.floor(t.timeMs / 1000) <= q.maxTs);
    // Each list is ascending by seq: walk every list from its end, merging by seq (k-way, small k in practice).
    const idx = lists.map((l) => l.length - 1);
    const out: TapeTrade[] = [];
    for (;;) {
      let best = -1;
      for (let i = 0; i < lists.length; i++) {
        const list = lists[i]!;
        while (idx[i]! >= 0 && !match(list[idx[i]!]!)) idx[i]!--;
        if (idx[i]! >= 0 && (best < 0 || list[idx[i]!]!.seq > lists[best]![idx[best]!]!.seq)) best = i;
      }
      if (best < 0) return { trades: out, more: false };
      if (out.length === q.limit) return { trades: out, more: true };
      out.push(lists[best]![idx[best]!]!);
      idx[best]!--;
    }
  }
}

const tapes = new WeakMap<World, TradeTape>();

/** The trade tape of a world (created on first use). */
export function tradeTape(world: World): TradeTape {
  let t = tapes.get(world);
  if (!t) tapes.set(world, (t = new TradeTape()));
  return t;
}

/** A recorded trade as Kalshi's REST `Trade` object. */
export function renderTrade(t: TapeTrade, legacy: boolean): Json {
  const o: Json = {
    trade_id: t.tradeId,
    ticker: t.ticker,
    count_fp: fp(t.countH),
    yes_price_dollars: dollars(t.yesPrice),
    no_price_dollars: dollars(10000 - t.yesPrice),
    taker_side: t.takerYes ? "yes" : "no",
    taker_outcome_side: t.takerYes ? "yes" : "no",
    taker_book_side: t.takerYes ? "bid" : "ask",
    is_block_trade: false,
    created_time: isoMillis(t.timeMs),
  };
  if (legacy)
    Object.assign(o, {
      yes_price: Math.round(t.yesPrice / 100),
      no_price: 100 - Math.round(t.yesPrice / 100),
      count: Math.floor(t.countH / 100),
    });
  return o;
}

/** Cursor of a trades page: base64url("t:<seq of the last trade returned>"). */
export function encodeTradeCursor(seq: number): string {
  return btoa(`t:${seq}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** null for an absent cursor; throws RangeError for one that is not ours. */
export function decodeTradeCursor(cursor: string | null): number | null {
  if (!cursor) return null;
  let raw: string;
  try {
    raw = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw new RangeError("invalid cursor");
  }
  const m = /^t:(\d+)$/.exec(raw);
  if (!m) throw new RangeError("invalid cursor");
  return Number(m[1]);
}

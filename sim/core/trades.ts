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

/**
 * One minute of a market's trades, kept for every trade ever recorded (the tape itself is pruned):
 * what `GET …/candlesticks` (./candlesticks.ts) serves. The minute and the order of open/close
 * are those of the WebSocket frames — `ts` in whole seconds, ties by trade_id — so a candle equals
 * the one a client builds from the same trades.
 */
export interface TapeMinute {
  /** Minute start, Unix s. */
  startS: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** (ts s, trade_id) of the opening and closing trade. */
  openKey: [number, string];
  closeKey: [number, string];
  /** Σ count (hundredths) and Σ yesPrice·count. */
  volumeH: number;
  pv: number;
  trades: number;
}

const keyLess = (a: [number, string], b: [number, string]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

export class TradeTape {
  private seq = 0;
  private readonly byTicker = new Map<string, TapeTrade[]>();
  /** Per ticker: its minutes by start (s). */
  readonly minutes = new Map<string, Map<number, TapeMinute>>();
  recorded = 0;

  constructor(readonly perTicker: number = TRADES_PER_TICKER_DEFAULT) {}

  record(t: Omit<TapeTrade, "seq">): TapeTrade {
    const rec: TapeTrade = { ...t, seq: ++this.seq };
    let list = this.byTicker.get(t.ticker);
    if (!list) this.byTicker.set(t.ticker, (list = []));
    list.push(rec);
    this.addToMinute(rec);
    // Amortized pruning: let the list grow 25 % past the bound, then cut back to it.
    if (list.length > this.perTicker + Math.max(16, this.perTicker >> 2)) list.splice(0, list.length - this.perTicker);
    this.recorded++;
    return rec;
  }

  private addToMinute(t: TapeTrade): void {
    const tsS = Math.floor(t.timeMs / 1000);
    const startS = tsS - (tsS % 60);
    const key: [number, string] = [tsS, t.tradeId];
    let byStart = this.minutes.get(t.ticker);
    if (!byStart) this.minutes.set(t.ticker, (byStart = new Map()));
    const m = byStart.get(startS);
    const p = t.yesPrice;
    if (!m) {
      byStart.set(startS, {
        startS,
        open: p,
        high: p,
        low: p,
        close: p,
        openKey: key,
        closeKey: key,
        volumeH: t.countH,
        pv: p * t.countH,
        trades: 1,
      });
      return;
    }
    if (keyLess(key, m.openKey)) [m.open, m.openKey] = [p, key];
    if (keyLess(m.closeKey, key)) [m.close, m.closeKey] = [p, key];
    m.high = Math.max(m.high, p);
    m.low = Math.min(m.low, p);
    m.volumeH += t.countH;
    m.pv += p * t.countH;
    m.trades++;
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

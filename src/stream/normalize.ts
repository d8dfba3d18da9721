/**
 * Kalshi WebSocket wire (src/kalshi/wire/ws.ts) → ssmd stream messages (./messages.ts).
 * Pure. Handles the generations of docs/kalshi-wire.md §6.4–6.6: dollar strings or legacy integer
 * cents, `count_fp` or integer counts, `ts` seconds or `ts_ms`, `taker_side` or its 2026-05
 * successors, and the NO side dropped from `ticker` (derived, flagged).
 */
import type { z } from "zod";
import {
  centsToDollars,
  complementDollars,
  countToHundredths,
  decimalToUnits,
  formatDollars,
  hundredthsToCount,
  intCountToFp,
  parseDollars,
} from "../lib/decimal";
import type { KalshiTickerMsgSchema, KalshiTradeMsgSchema } from "../kalshi/wire/ws";
import type { BuilderTrade } from "../builders";
import { errorMessage } from "../lib/errors";
import type { StreamTicker, StreamTrade } from "./messages";

export type TradeMsg = z.infer<typeof KalshiTradeMsgSchema>;
export type TickerMsg = z.infer<typeof KalshiTickerMsgSchema>;

export type Normalized<T> = { ok: true; value: T } | { ok: false; reason: string };

const PRICE_MAX = 10_000;

/** Dollar text (any ≤ 4-decimal form) → canonical 4-decimal text, clamped to [0, 1] (docs/kalshi-wire.md Q16). null for ""/absent. */
export function canonicalDollars(s: string | null | undefined): string | null {
  const units = parseDollars(s);
  if (units === null) return null;
  return formatDollars(Math.min(PRICE_MAX, Math.max(0, units)));
}

/** Count text → canonical 2-decimal text. null for ""/absent. */
export function canonicalCount(s: string | null | undefined): string | null {
  if (s == null || s === "") return null;
  return hundredthsToCount(countToHundredths(s));
}

function legacyCents(c: number | null | undefined): string | null {
  return c == null ? null : centsToDollars(c);
}

/** ts in ms: `ts_ms` when present (2026-07+), else `ts` seconds × 1000. */
function wireTsMs(ts: number | null | undefined, tsMs: number | null | undefined): number | null {
  if (tsMs != null && Number.isSafeInteger(tsMs)) return tsMs;
  if (ts != null && Number.isFinite(ts)) return Math.round(ts * 1000);
  return null;
}

function takerSide(m: TradeMsg): "yes" | "no" | null {
  const outcome = m.taker_outcome_side ?? m.taker_side;
  if (outcome === "yes" || outcome === "no") return outcome;
  // taker_book_side: bid ≡ yes, ask ≡ no (docs/kalshi-wire.md §2.12).
  if (m.taker_book_side === "bid") return "yes";
  if (m.taker_book_side === "ask") return "no";
  return null;
}

export function normalizeTrade(m: TradeMsg): Normalized<StreamTrade> {
  try {
    if (!m.trade_id) return { ok: false, reason: "trade without trade_id (cannot be deduplicated)" };
    const ts = wireTsMs(m.ts, m.ts_ms);
    if (ts === null) return { ok: false, reason: "trade without ts" };
    let price: string | null = null;
    if (m.yes_price_dollars != null) price = m.yes_price_dollars;
    else if (m.no_price_dollars != null) price = complementDollars(m.no_price_dollars);
    else if (m.yes_price != null) price = legacyCents(m.yes_price);
    else if (m.no_price != null) price = legacyCents(100 - m.no_price);
    const units = parseDollars(price);
    if (units === null) return { ok: false, reason: "trade without a YES price" };
    if (units < 0 || units > PRICE_MAX) return { ok: false, reason: `trade price ${price} outside 0..1` };
    const count = m.count_fp != null ? canonicalCount(m.count_fp) : m.count != null ? intCountToFp(m.count) : null;
    if (count === null || countToHundredths(count) <= 0n)
      return { ok: false, reason: "trade without a positive count" };
    const side = takerSide(m);
    if (side === null) return { ok: false, reason: "trade without taker side" };
    return {
      ok: true,
      value: {
        type: "trade",
        ticker: m.market_ticker,
        trade_id: m.trade_id,
        ts,
        price_dollars: formatDollars(units),
        count_fp: count,
        taker_side: side,
      },
    };
  } catch (e) {
    return { ok: false, reason: `malformed trade: ${errorMessage(e)}` };
  }
}

export function normalizeTicker(m: TickerMsg, receivedAtMs: number): Normalized<StreamTicker> {
  try {
    let ts = wireTsMs(m.ts, m.ts_ms);
    if (ts === null && m.time) ts = Date.parse(m.time);
    if (ts === null || !Number.isFinite(ts)) ts = receivedAtMs;
    const yesBid = canonicalDollars(m.yes_bid_dollars ?? legacyCents(m.yes_bid));
    const yesAsk = canonicalDollars(m.yes_ask_dollars ?? legacyCents(m.yes_ask));
    let noBid = canonicalDollars(m.no_bid_dollars);
    let noAsk = canonicalDollars(m.no_ask_dollars);
    const derive = noBid === null && noAsk === null && (yesBid !== null || yesAsk !== null);
    if (derive) {
      noBid = yesAsk === null ? null : complementDollars(yesAsk);
      noAsk = yesBid === null ? null : complementDollars(yesBid);
    }
    // Legacy `price: 0` with `price_dollars: ""` means no trade yet (docs/kalshi-wire.md Q18).
    const price = canonicalDollars(m.price_dollars ?? (m.price ? legacyCents(m.price) : null));
    return {
      ok: true,
      value: {
        type: "ticker",
        ticker: m.market_ticker,
        ts,
        price_dollars: price,
        yes_bid_dollars: yesBid,
        yes_ask_dollars: yesAsk,
        no_bid_dollars: noBid,
        no_ask_dollars: noAsk,
        no_side_derived: derive,
        yes_bid_size_fp: canonicalCount(m.yes_bid_size_fp),
        yes_ask_size_fp: canonicalCount(m.yes_ask_size_fp),
        volume_fp: m.volume_fp != null ? canonicalCount(m.volume_fp) : m.volume != null ? intCountToFp(m.volume) : null,
        open_interest_fp:
          m.open_interest_fp != null
            ? canonicalCount(m.open_interest_fp)
            : m.open_interest != null
              ? intCountToFp(m.open_interest)
              : null,
        last_trade_size_fp: canonicalCount(m.last_trade_size_fp),
        dollar_volume: m.dollar_volume ?? null,
        dollar_open_interest: m.dollar_open_interest ?? null,
      },
    };
  } catch (e) {
    return { ok: false, reason: `malformed ticker: ${errorMessage(e)}` };
  }
}

/** Stream trade → the builders' integer units (1/10000 $, 1/100 contract). */
export function toBuilderTrade(t: StreamTrade): BuilderTrade {
  return {
    id: t.trade_id,
    ts: t.ts,
    price: decimalToUnits(t.price_dollars, 4),
    count: decimalToUnits(t.count_fp, 2),
    takerSide: t.taker_side,
  };
}

/** Builder trade → stream trade (for persistence round trips and reads). */
export function fromBuilderTrade(ticker: string, t: BuilderTrade): StreamTrade {
  return {
    type: "trade",
    ticker,
    trade_id: t.id,
    ts: t.ts,
    price_dollars: formatDollars(t.price),
    count_fp: hundredthsToCount(t.count),
    taker_side: t.takerSide,
  };
}

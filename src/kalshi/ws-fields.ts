/**
 * Resolving Kalshi's WebSocket field drift (docs/kalshi-wire.md §6.4–6.6, §2.12) into one value per concept, exactly.
 * The streaming normalizer builds on these; each returns null rather than guessing.
 */
import { centsToDollars, complementDollars, intCountToFp } from "./decimal";
import type { OrderbookDeltaMessage, TickerMessage, TradeMessage } from "./schemas";

type TradeMsg = TradeMessage["msg"];
type TickerMsg = TickerMessage["msg"];
type DeltaMsg = OrderbookDeltaMessage["msg"];

function tryCents(c: number | null | undefined): string | null {
  if (c == null) return null;
  try {
    return centsToDollars(c);
  } catch {
    return null;
  }
}

function tryCount(n: number | null | undefined): string | null {
  if (n == null) return null;
  try {
    return intCountToFp(n);
  } catch {
    return null;
  }
}

/** YES price of a trade: `yes_price_dollars`, else legacy cents, else 1 − the NO price. */
export function tradeYesPriceDollars(m: TradeMsg): string | null {
  if (m.yes_price_dollars != null) return m.yes_price_dollars;
  const legacy = tryCents(m.yes_price ?? m.price);
  if (legacy != null) return legacy;
  const no = m.no_price_dollars ?? tryCents(m.no_price);
  return no != null ? complementDollars(no) : null;
}

/** NO price of a trade: `no_price_dollars`, else legacy cents, else 1 − the YES price. */
export function tradeNoPriceDollars(m: TradeMsg): string | null {
  if (m.no_price_dollars != null) return m.no_price_dollars;
  const legacy = tryCents(m.no_price);
  if (legacy != null) return legacy;
  const yes = m.yes_price_dollars ?? tryCents(m.yes_price ?? m.price);
  return yes != null ? complementDollars(yes) : null;
}

/** Contracts traded: `count_fp`, else the legacy integer `count` as fixed-point. */
export function tradeCountFp(m: TradeMsg): string | null {
  return m.count_fp ?? tryCount(m.count);
}

/**
 * The outcome side the taker bought: `taker_outcome_side` (2026-05+), else deprecated
 * `taker_side`, else `taker_book_side` (bid ≡ yes, ask ≡ no), else very old `side`.
 */
export function tradeTakerSide(m: TradeMsg): "yes" | "no" | null {
  const direct = m.taker_outcome_side ?? m.taker_side ?? null;
  if (direct === "yes" || direct === "no") return direct;
  if (m.taker_book_side === "bid") return "yes";
  if (m.taker_book_side === "ask") return "no";
  return m.side === "yes" || m.side === "no" ? m.side : null;
}

/** Message time in Unix ms: `ts_ms` when sent, else `ts` (seconds) × 1000, else `time` (RFC 3339). */
export function messageTsMs(m: { ts?: number | null; ts_ms?: number | null; time?: string | null }): number | null {
  if (m.ts_ms != null) return m.ts_ms;
  if (m.ts != null) return m.ts * 1000;
  if (m.time) {
    const t = Date.parse(m.time);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** Ticker top of book with the NO side derived when absent (2026-07 wire): see docs/data-model.md. */
export function tickerBook(m: TickerMsg): {
  yes_bid_dollars: string | null;
  yes_ask_dollars: string | null;
  no_bid_dollars: string | null;
  no_ask_dollars: string | null;
  no_side_derived: boolean;
} {
  const yesBid = m.yes_bid_dollars ?? tryCents(m.yes_bid);
  const yesAsk = m.yes_ask_dollars ?? tryCents(m.yes_ask);
  if (m.no_bid_dollars != null || m.no_ask_dollars != null) {
    return { yes_bid_dollars: yesBid, yes_ask_dollars: yesAsk, no_bid_dollars: m.no_bid_dollars ?? null, no_ask_dollars: m.no_ask_dollars ?? null, no_side_derived: false };
  }
  return {
    yes_bid_dollars: yesBid,
    yes_ask_dollars: yesAsk,
    no_bid_dollars: yesAsk != null ? complementDollars(yesAsk) : null,
    no_ask_dollars: yesBid != null ? complementDollars(yesBid) : null,
    no_side_derived: yesBid != null || yesAsk != null,
  };
}

/** Ticker last price: `price_dollars` (null when `""`), else legacy cents — except legacy 0 with `""` (no trade yet, docs/kalshi-wire.md Q18). */
export function tickerPriceDollars(m: TickerMsg): string | null {
  if (m.price_dollars != null) return m.price_dollars;
  if (m.price_dollars === null && m.price === 0) return null;
  return tryCents(m.price);
}

/** Orderbook delta price and signed quantity. */
export function deltaLevel(m: DeltaMsg): { price_dollars: string | null; delta_fp: string | null } {
  return {
    price_dollars: m.price_dollars ?? tryCents(m.price),
    delta_fp: m.delta_fp ?? tryCount(m.delta),
  };
}

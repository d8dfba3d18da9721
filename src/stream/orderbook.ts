/**
 * Per-market order book from Kalshi's `orderbook_snapshot` / `orderbook_delta` (docs/kalshi-wire.md §6.6),
 * reduced to the top of book. Kalshi books hold bids only: best YES ask = 1 − best NO bid and
 * best NO ask = 1 − best YES bid. Prices in 1/10000 $, sizes in 1/100 contracts (exact).
 */
import type { z } from "zod";
import { centsToDollars, countToHundredths, formatDollars, hundredthsToCount, parseDollars } from "../lib/decimal";
import type { KalshiOrderbookDeltaMsgSchema, KalshiOrderbookSnapshotMsgSchema } from "../kalshi/wire/ws";
import type { StreamBook } from "./messages";

export type SnapshotMsg = z.infer<typeof KalshiOrderbookSnapshotMsgSchema>;
export type DeltaMsg = z.infer<typeof KalshiOrderbookDeltaMsgSchema>;

type Side = Map<number, bigint>;

function bestBid(side: Side): [number, bigint] | null {
  let best: [number, bigint] | null = null;
  for (const [p, q] of side) if (q > 0n && (best === null || p > best[0])) best = [p, q];
  return best;
}

function levelsOf(
  fp: [string, string][] | null | undefined,
  dollars: [string, number][] | null | undefined,
  cents: [number, number][] | null | undefined,
): Side {
  const side: Side = new Map();
  if (fp) for (const [p, q] of fp) side.set(parseDollars(p)!, countToHundredths(q));
  else if (dollars) for (const [p, q] of dollars) side.set(parseDollars(p)!, BigInt(q) * 100n);
  else if (cents) for (const [p, q] of cents) side.set(parseDollars(centsToDollars(p))!, BigInt(q) * 100n);
  for (const [p, q] of side) if (q <= 0n) side.delete(p);
  return side;
}

export class OrderBook {
  private yes: Side = new Map();
  private no: Side = new Map();
  private ready = false;

  constructor(readonly ticker: string) {}

  applySnapshot(m: SnapshotMsg): void {
    this.yes = levelsOf(m.yes_dollars_fp, m.yes_dollars, m.yes);
    this.no = levelsOf(m.no_dollars_fp, m.no_dollars, m.no);
    this.ready = true;
  }

  /** Returns false when no snapshot was seen yet (the delta cannot be applied). */
  applyDelta(m: DeltaMsg): boolean {
    if (!this.ready) return false;
    const price = m.price_dollars != null ? parseDollars(m.price_dollars)! : parseDollars(centsToDollars(m.price!))!;
    const delta = m.delta_fp != null ? signedHundredths(m.delta_fp) : BigInt(m.delta!) * 100n;
    const side = m.side === "yes" ? this.yes : this.no;
    const q = (side.get(price) ?? 0n) + delta;
    if (q > 0n) side.set(price, q);
    else side.delete(price);
    return true;
  }

  /** Drops the book (e.g. after a sequence gap, until the next snapshot). */
  reset(): void {
    this.yes.clear();
    this.no.clear();
    this.ready = false;
  }

  get hasSnapshot(): boolean {
    return this.ready;
  }

  top(ts: number): StreamBook {
    const yb = bestBid(this.yes);
    const nb = bestBid(this.no);
    const d = (p: number) => formatDollars(p);
    const c = (q: bigint) => hundredthsToCount(q);
    return {
      type: "orderbook",
      ticker: this.ticker,
      ts,
      yes_bid_dollars: yb ? d(yb[0]) : null,
      yes_bid_size_fp: yb ? c(yb[1]) : null,
      yes_ask_dollars: nb ? d(10_000 - nb[0]) : null,
      yes_ask_size_fp: nb ? c(nb[1]) : null,
      no_bid_dollars: nb ? d(nb[0]) : null,
      no_bid_size_fp: nb ? c(nb[1]) : null,
      no_ask_dollars: yb ? d(10_000 - yb[0]) : null,
      no_ask_size_fp: yb ? c(yb[1]) : null,
    };
  }
}

function signedHundredths(s: string): bigint {
  const neg = s.startsWith("-");
  const v = countToHundredths(neg || s.startsWith("+") ? s.slice(1) : s);
  return neg ? -v : v;
}

/** Same top of book (ignoring ts)? Used to forward only changes. */
export function sameTop(a: StreamBook | null, b: StreamBook): boolean {
  if (!a) return false;
  return (
    a.yes_bid_dollars === b.yes_bid_dollars &&
    a.yes_bid_size_fp === b.yes_bid_size_fp &&
    a.no_bid_dollars === b.no_bid_dollars &&
    a.no_bid_size_fp === b.no_bid_size_fp
  );
}

/** Delta `ts` is RFC 3339 (§6.6); integers (seconds) tolerated. */
export function deltaTsMs(ts: string | number | null | undefined, fallback: number): number {
  if (typeof ts === "number") return Math.round(ts * 1000);
  if (typeof ts === "string") {
    const ms = Date.parse(ts);
    if (Number.isFinite(ms)) return ms;
  }
  return fallback;
}

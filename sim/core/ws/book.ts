/**
 * Order books of the feed: a market's book is built from its quotes on first use (seeded per
 * market, so it does not depend on when it is first asked for) and rendered as an
 * `orderbook_snapshot` message. The feed (../ws.ts) keeps the books and moves them with trades.
 */
import { dollars, fp } from "../format";
import { hash32, Rng } from "../prng";
import { S_ACTIVE } from "../status";
import { snap, tickAt, type World } from "../world";
import type { Json } from "./protocol";

export interface Book {
  /** price units → size in hundredths. YES bids and NO bids. */
  yes: Map<number, number>;
  no: Map<number, number>;
}

/** The best (highest) price of one side, or null when the side is empty. */
export function maxKey(m: Map<number, number>): number | null {
  let best: number | null = null;
  for (const k of m.keys()) if (best === null || k > best) best = k;
  return best;
}

/** A market's opening book: up to four levels a side below its bid and below 1 − ask. */
export function bookFromQuotes(w: World, m: number): Book {
  const c = w.cols;
  const st = w.structure(m);
  const r = new Rng(hash32(w.seed, 0x626f6f6b, m));
  const b: Book = { yes: new Map(), no: new Map() };
  const bid = c.bid[m] as number,
    ask = c.ask[m] as number;
  const live = c.status[m] === S_ACTIVE;
  if (live && bid > 0) {
    let p = bid;
    for (let i = 0; i < 4 && p > 0; i++) {
      b.yes.set(p, i === 0 && (c.bidSz[m] as number) > 0 ? (c.bidSz[m] as number) : (1 + r.int(800)) * 100);
      p = snap(st, p - tickAt(st, p) * (1 + r.int(2)));
    }
  }
  if (live && ask > 0 && ask < 10000) {
    let p = 10000 - ask;
    for (let i = 0; i < 4 && p > 0; i++) {
      b.no.set(p, i === 0 && (c.askSz[m] as number) > 0 ? (c.askSz[m] as number) : (1 + r.int(800)) * 100);
      p = snap(st, p - tickAt(st, p) * (1 + r.int(2)));
    }
  }
  return b;
}

/** The `orderbook_snapshot` message of a book (`legacy`: with the cents and integer-count fields too). */
export function snapshotMsg(w: World, b: Book, m: number, legacy: boolean): Json {
  const msg: Json = { market_ticker: w.marketTicker(m), market_id: w.marketId(m) };
  for (const side of ["yes", "no"] as const) {
    const levels = [...b[side].entries()].sort((x, y) => x[0] - y[0]);
    if (levels.length === 0) continue; // a side with no orders is omitted
    if (legacy) {
      msg[side] = levels.map(([p, q]) => [Math.round(p / 100), Math.floor(q / 100)]);
      msg[`${side}_dollars`] = levels.map(([p, q]) => [dollars(p), Math.floor(q / 100)]);
    }
    msg[`${side}_dollars_fp`] = levels.map(([p, q]) => [dollars(p), fp(q)]);
  }
  return msg;
}

/**
 * One ticker's trades in columns, as the ingest object sends them to the ticker object.
 *
 * An RPC argument is structured-cloned: every trade object has all seven of its keys written and
 * read again (~170 bytes a trade), and in workerd the call site of a 500-ticker flush took ~7 % of
 * the ingest isolate in a profile, ~3 µs per trade. As columns a batch is five arrays (~57 bytes a
 * trade; typed arrays are copied as bytes). The values are the builders' units (price in 1/10,000
 * dollar, count in 1/100 contract), which the ticker object used to parse from the decimal strings
 * itself: the parse moves to the sender, it is not done twice. Pure.
 */
import { assertValidTrade, type BuilderTrade } from "../builders";
import type { StreamTrade } from "./messages";
import { toBuilderTrade } from "./normalize";

export interface PackedTrades {
  ids: string[];
  /** Unix ms. */
  ts: Float64Array;
  /** 1/10,000 dollar, 0..10,000. */
  price: Uint16Array;
  /** 1/100 contract (exact up to 2^53). */
  count: Float64Array;
  /** 1 = the taker bought YES. */
  takerYes: Uint8Array;
}

export interface PackResult {
  packed: PackedTrades;
  /** Trades that are not valid stream trades, left out (callers validate: a bug if ever > 0). */
  rejected: number;
}

/** Packs trades in their order; an invalid one is left out and counted, never fails the batch. */
export function packTrades(trades: readonly StreamTrade[]): PackResult {
  const n = trades.length;
  const ids: string[] = [];
  const ts = new Float64Array(n);
  const price = new Uint16Array(n);
  const count = new Float64Array(n);
  const takerYes = new Uint8Array(n);
  let k = 0;
  for (const st of trades) {
    let t: BuilderTrade;
    try {
      t = toBuilderTrade(st);
      assertValidTrade(t);
    } catch {
      continue;
    }
    ids.push(t.id);
    ts[k] = t.ts;
    price[k] = t.price;
    count[k] = t.count;
    takerYes[k] = t.takerSide === "yes" ? 1 : 0;
    k++;
  }
  return {
    packed: {
      ids,
      ts: ts.subarray(0, k),
      price: price.subarray(0, k),
      count: count.subarray(0, k),
      takerYes: takerYes.subarray(0, k),
    },
    rejected: n - k,
  };
}

/** The i-th trade of a pack, as the builders take it. */
export function unpackTrade(p: PackedTrades, i: number): BuilderTrade {
  return {
    id: p.ids[i]!,
    ts: p.ts[i]!,
    price: p.price[i]!,
    count: p.count[i]!,
    takerSide: p.takerYes[i] ? "yes" : "no",
  };
}

/**
 * The trade shapes `POST /admin/ingest/trades` accepts, one zod schema each, their union, and the
 * one conversion of any of them into ssmd's internal trade (`StreamTrade`, ./messages.ts):
 *
 * - `seed`:   the seed's trade message `{"type":"trade","ticker","price":45,"count":10,"side":"yes",
 *             "taker_side":"buy","ts":1703635200000}` — cents, contracts, Unix milliseconds;
 * - `ssmd`:   `StreamTrade` itself (`price_dollars`, `count_fp`, `taker_side` yes|no, `trade_id`);
 * - `kalshi`: Kalshi's WebSocket `trade` frame as captured (`{"type":"trade","sid","seq","msg":{…}}`,
 *             docs/kalshi-wire.md §6.4), every generation the stream reads: the frame is parsed by the
 *             stream's own schema (`TradeMessageSchema`) and normalized by the stream's own
 *             `normalizeTrade`, so a recorded day replays exactly as the live feed would have built it.
 *
 * Field mappings (documented in docs/builders.md, "Trade input formats"). Pure module.
 */
import { z } from "zod";
import { centsToDollars, complementDollars, intCountToFp } from "../lib/decimal";
import { KalshiTradeMessageSchema } from "../kalshi/wire/ws";
import { StreamTradeSchema, type StreamTrade } from "./messages";
import { normalizeTrade, type Normalized } from "./normalize";

/** A JSON number with at most 2 decimals in its shortest form (45, 45.5, 45.55 — not 45.555, not 1e-7). */
const TWO_DP = /^\d{1,12}(\.\d{1,2})?$/;
const twoDecimals = (n: number) => TWO_DP.test(String(n));

/** Below this a ts is taken for Unix seconds (1973-03-03 in ms): refused rather than guessed. */
export const MIN_SEED_TS_MS = 100_000_000_000;

export const SeedTradeSchema = z
  .strictObject({
    type: z.literal("trade"),
    ticker: StreamTradeSchema.shape.ticker,
    price: z
      .number()
      .min(0, "must be a price in cents, 0..100")
      .max(100, "must be a price in cents, 0..100")
      .refine(twoDecimals, "must have at most 2 decimals (1/100 cent = $0.0001, Kalshi's tick)")
      .meta({
        description:
          "Price of the `side` contract in cents (0..100), as the seed names it: a `no` trade at 45 is a YES trade at 55",
        example: 45,
      }),
    count: z
      .number()
      .positive("must be a positive number of contracts")
      .refine(twoDecimals, "must have at most 2 decimals (Kalshi's count_fp)")
      .meta({
        description: "Contracts (whole in the seed; up to 2 decimals accepted, as Kalshi's count_fp)",
        example: 10,
      }),
    side: z.enum(["yes", "no"]).meta({ description: "The contract traded: yes or no" }),
    taker_side: z.enum(["buy", "sell"]).meta({ description: "What the taker did with that contract: buy or sell" }),
    ts: z
      .number()
      .int("must be whole Unix milliseconds")
      .min(MIN_SEED_TS_MS, "must be Unix milliseconds (this looks like Unix seconds: multiply by 1000)")
      .max(8.64e15)
      .meta({ description: "Unix milliseconds", example: 1703635200000 }),
    trade_id: StreamTradeSchema.shape.trade_id.optional().meta({
      description:
        "Not in the seed. Without it ssmd derives a deterministic id from the trade's fields (seedTradeId), so a replayed batch deduplicates",
    }),
  })
  .meta({
    id: "SeedTrade",
    description: "The seed's trade message: cents, contracts, side yes|no + taker_side buy|sell, ts in ms",
  });
export type SeedTrade = z.infer<typeof SeedTradeSchema>;

export const KalshiTradeFrameSchema = KalshiTradeMessageSchema.meta({
  id: "KalshiTradeFrame",
  description:
    "A Kalshi WebSocket trade frame as captured: {type:'trade', sid, seq, msg:{trade_id, market_ticker, yes_price_dollars | no_price_dollars | yes_price | no_price, count_fp | count, taker_side | taker_outcome_side | taker_book_side, ts (s) | ts_ms}} (docs/kalshi-wire.md §6.4)",
});

/** Any accepted trade. Shapes are disjoint: `msg` ⇒ Kalshi frame; `price_dollars` ⇒ ssmd; `price` ⇒ seed. */
export const IngestTradeSchema = z.union([StreamTradeSchema, SeedTradeSchema, KalshiTradeFrameSchema]).meta({
  id: "IngestTrade",
  description:
    "A trade in one of three formats, mixed freely in one batch: ssmd's StreamTrade, the seed's trade message, or a Kalshi WebSocket trade frame",
});
export type IngestTrade = z.infer<typeof IngestTradeSchema>;

export type TradeFormat = "ssmd" | "seed" | "kalshi";

export const TRADE_FORMAT_SCHEMAS: Readonly<Record<TradeFormat, z.ZodType>> = {
  ssmd: StreamTradeSchema,
  seed: SeedTradeSchema,
  kalshi: KalshiTradeFrameSchema,
};

/** Which format a (possibly invalid) JSON value is meant to be, from its keys; null if none. */
export function tradeFormatOf(v: unknown): TradeFormat | null {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
  if ("msg" in v || "sid" in v) return "kalshi";
  if ("price_dollars" in v || "count_fp" in v) return "ssmd";
  if ("price" in v || "count" in v || "side" in v) return "seed";
  if ("trade_id" in v) return "ssmd";
  return null;
}

export function formatOfValid(t: IngestTrade): TradeFormat {
  return "msg" in t ? "kalshi" : "price_dollars" in t ? "ssmd" : "seed";
}

/**
 * The seed's (side, taker_side) → Kalshi's taker side (the contract the taker ended up buying):
 * buying YES or selling NO both take YES; buying NO or selling YES both take NO. (On Kalshi a YES
 * bid at p is a NO ask at 1 − p, so "sell NO at 45" is "buy YES at 55".)
 */
export function seedTakerSide(side: SeedTrade["side"], takerSide: SeedTrade["taker_side"]): "yes" | "no" {
  return (side === "yes") === (takerSide === "buy") ? "yes" : "no";
}

/** The seed's price (cents of the `side` contract) → the YES price as a 4-decimal dollar string. */
export function seedYesPriceDollars(side: SeedTrade["side"], priceCents: number): string {
  const dollars = centsToDollars(priceCents);
  return side === "yes" ? dollars : complementDollars(dollars);
}

/**
 * A seed trade's id when it has none: its fields in a fixed order, plus `#k` for the k-th identical
 * trade of the same ticker in one batch (k from 0). Deterministic, so replaying a batch yields the
 * same ids and every trade is reported a duplicate. Identical trades split across two batches get
 * the same id and count once: give `trade_id` when that matters.
 */
export function seedTradeId(
  t: Pick<SeedTrade, "ts" | "side" | "taker_side" | "price" | "count">,
  occurrence = 0,
): string {
  return `seed:${t.ts}:${t.side}:${t.taker_side}:${t.price}:${t.count}#${occurrence}`;
}

/** The one conversion into the internal trade. `seedOccurrence`: see seedTradeId. */
export function toStreamTrade(t: IngestTrade, seedOccurrence = 0): Normalized<StreamTrade> {
  let out: StreamTrade;
  if ("msg" in t) {
    const n = normalizeTrade(t.msg);
    if (!n.ok) return n;
    out = n.value;
  } else if ("price_dollars" in t) {
    return { ok: true, value: t };
  } else {
    out = {
      type: "trade",
      ticker: t.ticker,
      trade_id: t.trade_id ?? seedTradeId(t, seedOccurrence),
      ts: t.ts,
      price_dollars: seedYesPriceDollars(t.side, t.price),
      count_fp: intCountToFp(t.count),
      taker_side: seedTakerSide(t.side, t.taker_side),
    };
  }
  // The result must be a valid internal trade (e.g. a Kalshi ticker with a '/' or an id over 200 characters is not).
  const check = StreamTradeSchema.safeParse(out);
  if (!check.success) {
    const issue = check.error.issues[0]!;
    return { ok: false, reason: `converted trade is not valid: ${issue.path.join(".") || "(root)"}: ${issue.message}` };
  }
  return { ok: true, value: check.data };
}

export interface TradeInputError {
  index: number;
  format: TradeFormat;
  reason: string;
}

/** Converts a validated batch, in order; every trade that cannot be converted is reported by index. */
export function convertTrades(trades: readonly IngestTrade[]): { trades: StreamTrade[]; errors: TradeInputError[] } {
  const out: StreamTrade[] = [];
  const errors: TradeInputError[] = [];
  const seen = new Map<string, number>();
  trades.forEach((t, index) => {
    let occurrence = 0;
    if (!("msg" in t) && !("price_dollars" in t) && t.trade_id === undefined) {
      const key = `${t.ticker}\u0000${seedTradeId(t)}`;
      occurrence = seen.get(key) ?? 0;
      seen.set(key, occurrence + 1);
    }
    const r = toStreamTrade(t, occurrence);
    if (r.ok) out.push(r.value);
    else errors.push({ index, format: formatOfValid(t), reason: r.reason });
  });
  return { trades: out, errors };
}

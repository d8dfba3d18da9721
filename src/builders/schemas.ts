/**
 * The builders' snapshot shapes, declared once: these zod schemas *are* the API's
 * `PriceHistory` / `VolumeProfile` (src/api/tickers.ts uses them for validation and OpenAPI),
 * and the TypeScript types the builders return are inferred from them.
 *
 * Unit convention (docs/api.md, "Units"): a price under the seed's name (`last`, `vwap`, `high`,
 * `low`, `volatility`) is in **cents**; its `<name>_dollars` twin beside it is the same value in
 * **dollars**. Both are generated from one list (PRICE_HISTORY_PRICES), so no price field exists
 * without its twin. `returns` and `ratio` are unitless; volumes are contracts. Pure module.
 */
import { z } from "zod";
import { PRICE_SCALE } from "./trade";

/** 1/10000-dollar units per cent. */
const UNITS_PER_CENT = PRICE_SCALE / 100;

/** price_history's price figures (seed names) and what each is. */
export const PRICE_HISTORY_PRICES = {
  last: "Last trade's YES price",
  vwap: "Volume-weighted average YES price, Σ price·count / Σ count",
  high: "Highest YES price in the window",
  low: "Lowest YES price in the window",
  volatility:
    "Population standard deviation of the trade-to-trade YES price changes (a price change per trade; null below 2 trades)",
} as const;

type Num = z.ZodNullable<z.ZodNumber>;
type PricedShape<K extends string> = { [P in K]: Num } & { [P in `${K}_dollars`]: Num };

/** `{k: cents, k_dollars: dollars}` schema entries for each price, twins adjacent. */
function pricedShape<K extends string>(fields: Readonly<Record<K, string>>): PricedShape<K> {
  const shape: Record<string, Num> = {};
  for (const [k, what] of Object.entries(fields) as [string, string][]) {
    shape[k] = z
      .number()
      .nullable()
      .meta({ description: `${what}, in cents (0–100; fractional below a cent)` });
    shape[`${k}_dollars`] = z
      .number()
      .nullable()
      .meta({ description: `${what}, in dollars (0–1): \`${k}\` / 100` });
  }
  return shape as PricedShape<K>;
}

export type PricedValues<K extends string> = { [P in K]: number | null } & { [P in `${K}_dollars`]: number | null };

/** Values in 1/10000-dollar units (may be fractional, e.g. a vwap) → the cents and dollars twins. */
export function pricedValues<K extends string>(units: Readonly<Record<K, number | null>>): PricedValues<K> {
  const out: Record<string, number | null> = {};
  for (const [k, u] of Object.entries(units) as [string, number | null][]) {
    out[k] = u === null ? null : u / UNITS_PER_CENT;
    out[`${k}_dollars`] = u === null ? null : u / PRICE_SCALE;
  }
  return out as PricedValues<K>;
}

const nNum = z.number().nullable();

export const PriceHistorySchema = z
  .object({
    window: z.number().int().meta({ description: "N: window size in trades" }),
    count: z.number().int().meta({ description: "Trades in the window (≤ N)" }),
    ...pricedShape(PRICE_HISTORY_PRICES),
    returns: nNum.meta({
      description: "last / first − 1: unitless (a fraction, 0.1 = +10 %); null when empty or the first price is 0",
    }),
    first_ts: nNum.meta({ description: "Oldest trade's ts in the window (Unix ms)" }),
    last_ts: nNum.meta({ description: "Newest trade's ts in the window (Unix ms)" }),
  })
  .meta({
    id: "PriceHistory",
    description:
      "The last N trades' YES prices: cents under the seed's names, dollars in the *_dollars twins (docs/builders.md)",
  });
export type PriceHistory = z.infer<typeof PriceHistorySchema>;

export const VolumeProfileSchema = z
  .object({
    window_ms: z.number().int().meta({ description: "W: window length (ms)" }),
    window_end_ms: nNum.meta({
      description: "End of the window: the latest trade's ts (Unix ms); null before any trade",
    }),
    trades: z.number().int().meta({ description: "Trades in the window" }),
    buyVolume: z.number().meta({ description: "Contracts whose taker bought YES (seed name)" }),
    sellVolume: z.number().meta({ description: "Contracts whose taker bought NO (seed name)" }),
    totalVolume: z.number().meta({ description: "buyVolume + sellVolume, contracts (seed name)" }),
    ratio: nNum.meta({ description: "buyVolume / totalVolume: unitless, 0..1; null for an empty window" }),
    average: nNum.meta({ description: "totalVolume / trades: contracts per trade; null for an empty window" }),
  })
  .meta({
    id: "VolumeProfile",
    description: "Taker buy/sell volume over a time window ending at the latest trade, in contracts (docs/builders.md)",
  });
export type VolumeProfile = z.infer<typeof VolumeProfileSchema>;

/** A candle's prices (traded YES prices of the period) and what each is. */
const CANDLE_PRICES = {
  open: "First trade's YES price in the period (by ts, then trade_id)",
  high: "Highest YES price in the period",
  low: "Lowest YES price in the period",
  close: "Last trade's YES price in the period",
  vwap: "Volume-weighted average YES price of the period, Σ price·count / Σ count",
} as const;

const nVolume = (what: string) =>
  z
    .number()
    .nullable()
    .meta({ description: `${what}, contracts (null when unknown: a period filled from Kalshi's candlesticks)` });

export const CandleSchema = z
  .object({
    start_ts: z.number().int().meta({ description: "Period start (Unix ms, inclusive)" }),
    end_ts: z.number().int().meta({ description: "Period end (Unix ms, exclusive)" }),
    ...pricedShape(CANDLE_PRICES),
    volume: z.number().meta({ description: "Contracts traded in the period (0 when no trade)" }),
    buy_volume: nVolume("Contracts whose taker bought YES"),
    sell_volume: nVolume("Contracts whose taker bought NO"),
    trade_count: z.number().int().nullable().meta({ description: "Trades in the period (null when unknown)" }),
    source: z.enum(["trades", "rest"]).nullable().meta({
      description:
        "trades: built from the trades the ticker object received; rest: filled from Kalshi's candlesticks (backfill); null: no trade in the period",
    }),
  })
  .meta({
    id: "Candle",
    description:
      "One period: prices in cents with *_dollars twins (null when no trade happened in the period), volumes in contracts",
  });

/**
 * Kalshi's candlesticks (`GET /series/{series_ticker}/markets/{ticker}/candlesticks`, and
 * `GET /historical/markets/{ticker}/candlesticks` for markets settled before the historical
 * cutoff): docs/kalshi-wire.md §2.13. Prices are read from the `*_dollars` twins (sub-penny
 * safe); the integer cents are optional. `volume_fp` is preferred over the integer `volume`.
 */
import { z } from "zod";
import { KalshiCountFpSchema, KalshiDollarsSchema } from "./scalars";

const nDollars = KalshiDollarsSchema.nullish();
const nCents = z.number().nullish();

/** Traded YES price of a period: every field null when no trade happened in it. */
const KalshiPriceDistributionSchema = z.looseObject({
  open: nCents,
  low: nCents,
  high: nCents,
  close: nCents,
  mean: nCents,
  previous: nCents,
  open_dollars: nDollars,
  low_dollars: nDollars,
  high_dollars: nDollars,
  close_dollars: nDollars,
  mean_dollars: nDollars,
  previous_dollars: nDollars,
});

export const KalshiCandlestickSchema = z.looseObject({
  /** Unix seconds: the end of the period. */
  end_period_ts: z.number().int(),
  price: KalshiPriceDistributionSchema,
  volume: z.number().nullish(),
  volume_fp: KalshiCountFpSchema.nullish(),
  open_interest: z.number().nullish(),
  open_interest_fp: KalshiCountFpSchema.nullish(),
});
export type KalshiCandlestick = z.infer<typeof KalshiCandlestickSchema>;

export const KalshiCandlesticksEnvelopeSchema = z.looseObject({
  ticker: z.string().optional(),
  candlesticks: z.array(z.unknown()),
});

/** `period_interval` values Kalshi accepts (minutes). */
export const KalshiCandlesticksQuery = z.strictObject({
  start_ts: z.number().int().min(0),
  end_ts: z.number().int().min(0),
  period_interval: z.union([z.literal(1), z.literal(60), z.literal(1440)]),
});
export type KalshiCandlesticksQuery = z.infer<typeof KalshiCandlesticksQuery>;

/**
 * What a ticker object answers, declared once as zod schemas: the types ticker.ts returns are
 * inferred from them, and the API (src/api/tickers.ts) serves and documents them as they are.
 */
import { z } from "zod";
import { PriceHistorySchema, VolumeProfileSchema } from "../builders";
import { HistoryCoverageSchema } from "./history-store";
import { StreamBookSchema, StreamTickerSchema, StreamTradeSchema } from "./messages";

const Count = z.number().int();

/** What one batch of trades did to a ticker's state. */
export const ApplyTradesResultSchema = z.object({
  added: Count,
  duplicates: Count,
  outside: Count.meta({ description: "Too old to matter: below the prune frontier (outside every queryable window)" }),
  rejected: Count.meta({
    description: "Trades for another ticker or not in the stream format (a caller bug): not applied",
  }),
});
export type ApplyTradesResult = z.infer<typeof ApplyTradesResultSchema>;

export const TickerStatsSchema = z.object({
  trades_retained: Count,
  trades_added: Count.meta({ description: "Counters from here on: since the ticker object last loaded" }),
  duplicates: Count,
  outside: Count,
  tickers_applied: Count,
  books_applied: Count,
  last_trade: StreamTradeSchema.nullable(),
});
export type TickerStats = z.infer<typeof TickerStatsSchema>;

/** A ticker's stream state: latest ticker message, top of book, both builders at their default windows. */
export const TickerSnapshotSchema = z.object({
  ticker: z.string(),
  ticker_message: StreamTickerSchema.nullable(),
  orderbook: StreamBookSchema.nullable(),
  price_history: PriceHistorySchema,
  volume_profile: VolumeProfileSchema,
  stats: TickerStatsSchema,
  coverage: HistoryCoverageSchema.meta({
    description: "Coverage of both builders' windows (from the older window's start on): gaps, reconnects, backfills",
  }),
});
export type TickerSnapshot = z.infer<typeof TickerSnapshotSchema>;

/** Both builders of a ticker over a screen's windows. */
export const ScreenSummarySchema = z.object({ price_history: PriceHistorySchema, volume_profile: VolumeProfileSchema });
export type ScreenSummary = z.infer<typeof ScreenSummarySchema>;

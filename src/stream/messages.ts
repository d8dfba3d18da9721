/**
 * ssmd's three stream message types (the seed's `trade`, `ticker`, `orderbook`), normalized from
 * Kalshi's WebSocket wire: `ts` is Unix milliseconds, prices are exact 4-decimal dollar strings,
 * counts exact 2-decimal fixed-point strings — nothing passes through a binary float.
 * These schemas validate the HTTP ingest body and document the messages in OpenAPI.
 */
import { z } from "zod";
import { streamCount, streamDollars } from "../lib/validators";

export const StreamDollars = streamDollars().meta({
  description: "Dollar price as an exact decimal string, 0..1",
  example: "0.5500",
});
export const StreamCount = streamCount().meta({
  description: "Contracts as an exact fixed-point string",
  example: "3.00",
});
const TsMs = z.number().int().min(0).max(8.64e15).meta({ description: "Unix milliseconds" });
const Ticker = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s/]+$/, "must be a market ticker without spaces or '/'");

export const StreamTradeSchema = z
  .strictObject({
    type: z.literal("trade"),
    ticker: Ticker,
    trade_id: z.string().min(1).max(200),
    ts: TsMs,
    price_dollars: StreamDollars.meta({ description: "YES price of the trade" }),
    count_fp: StreamCount.refine((s) => /[1-9]/.test(s), "must be positive"),
    taker_side: z
      .enum(["yes", "no"])
      .meta({ description: "Side the taker bought: yes = buy volume, no = sell volume" }),
  })
  .meta({ id: "StreamTrade" });
export type StreamTrade = z.infer<typeof StreamTradeSchema>;

const nDollars = StreamDollars.nullable();
const nCount = StreamCount.nullable();

export const StreamTickerSchema = z
  .strictObject({
    type: z.literal("ticker"),
    ticker: Ticker,
    ts: TsMs,
    price_dollars: nDollars.meta({ description: "Last trade price (null before the first trade)" }),
    yes_bid_dollars: nDollars,
    yes_ask_dollars: nDollars,
    no_bid_dollars: nDollars,
    no_ask_dollars: nDollars,
    /** Kalshi stopped sending the NO side (2026-07): then no_bid = 1 − yes_ask, no_ask = 1 − yes_bid. */
    no_side_derived: z.boolean(),
    yes_bid_size_fp: nCount,
    yes_ask_size_fp: nCount,
    volume_fp: nCount,
    open_interest_fp: nCount,
    last_trade_size_fp: nCount,
    dollar_volume: z.number().nullable(),
    dollar_open_interest: z.number().nullable(),
  })
  .meta({ id: "StreamTicker" });
export type StreamTicker = z.infer<typeof StreamTickerSchema>;

export const StreamBookSchema = z
  .strictObject({
    type: z.literal("orderbook"),
    ticker: Ticker,
    ts: TsMs,
    yes_bid_dollars: nDollars,
    yes_bid_size_fp: nCount,
    yes_ask_dollars: nDollars,
    yes_ask_size_fp: nCount,
    no_bid_dollars: nDollars,
    no_bid_size_fp: nCount,
    no_ask_dollars: nDollars,
    no_ask_size_fp: nCount,
  })
  .meta({
    id: "StreamOrderbookTop",
    description: "Top of book; asks are derived from the other side's bids (Kalshi books hold bids only)",
  });
export type StreamBook = z.infer<typeof StreamBookSchema>;

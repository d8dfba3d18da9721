/**
 * Response shapes of the data API, one zod schema each: the same objects type the handlers,
 * generate /openapi.json, type the `hc` client and describe tool outputs.
 */
import { z } from "@hono/zod-openapi";
import { eventMetaColumns } from "../db/queries";
import { events, markets, series } from "../db/schema";
import { NORMALIZED_STATUSES } from "../domain/status";
import { dollarsToCents, fpToNumber } from "../lib/decimal";
import { Iso, Time, tableOutput } from "./output";

const Cents = z
  .number()
  .nullable()
  .openapi({ description: "Cents (may be fractional for sub-penny prices); null when absent" });
const Count = z.number().nullable().openapi({ description: "Contracts (may be fractional); null when absent" });

const NormalizedStatus = z.enum(NORMALIZED_STATUSES);
type Status = z.infer<typeof NormalizedStatus>;
const STATUSES = new Set<string>(NORMALIZED_STATUSES);
const asStatus = (s: string): Status => (STATUSES.has(s) ? (s as Status) : "unknown");
const status = { schema: NormalizedStatus, present: asStatus };

/** A malformed stored decimal yields null in the numeric view (the lossless string still shows it). */
function safe<T>(f: (s: string | null) => T, s: string | null): T | null {
  try {
    return f(s);
  } catch {
    return null;
  }
}

type MarketRowLike = {
  [K in
    | "yes_bid_dollars"
    | "yes_ask_dollars"
    | "no_bid_dollars"
    | "no_ask_dollars"
    | "last_price_dollars"
    | "volume_fp"
    | "volume_24h_fp"
    | "open_interest_fp"]: string | null;
};
/** The seed's cents/contracts view of the exact strings, placed before them. */
const cents = (column: keyof MarketRowLike) => ({
  schema: Cents,
  before: "yes_bid_dollars" as const,
  present: (m: MarketRowLike) => safe(dollarsToCents, m[column]),
});
const count = (column: keyof MarketRowLike) => ({
  schema: Count,
  before: "yes_bid_dollars" as const,
  present: (m: MarketRowLike) => safe(fpToNumber, m[column]),
});

/**
 * A market: every column of the markets table (src/db/schema.ts) but the sort keys `open_ts` /
 * `close_ts` (the same instants as `open_time` / `close_time`), plus the cents view.
 */
export const MARKET_OUTPUT = tableOutput(markets, {
  hidden: ["open_ts", "close_ts"],
  override: { status },
  describe: {
    status_raw:
      "Kalshi's status word exactly as sent (initialized, active, inactive, closed, determined, finalized, …, or a word ssmd does not know: then `status` is unknown)",
    no_side_derived: "true when Kalshi omitted the NO side and ssmd derived it as 1 − YES",
    extra: "Fields Kalshi sent that ssmd has no column for (object), or null",
    deleted_at: "When ssmd saw the market vanish from a complete listing; null if live",
  },
  views: {
    yes_bid: cents("yes_bid_dollars"),
    yes_ask: cents("yes_ask_dollars"),
    no_bid: cents("no_bid_dollars"),
    no_ask: cents("no_ask_dollars"),
    last_price: cents("last_price_dollars"),
    volume: count("volume_fp"),
    volume_24h: count("volume_24h_fp"),
    open_interest: count("open_interest_fp"),
  },
});

/** An event: every column of the events table, its derived `status` described. */
export const EVENT_OUTPUT = tableOutput(events, {
  override: { status },
  describe: { status: "Derived from the event's markets (Kalshi's events carry no status)" },
});

/** A series: every column of the series table. */
export const SERIES_OUTPUT = tableOutput(series, {
  describe: { fee_type: "quadratic | quadratic_with_maker_fees | flat" },
});

/** The event columns joined onto a market (src/db/queries.ts `eventMetaColumns`), in that order. */
export const EVENT_META_OUTPUT = EVENT_OUTPUT.pick(
  Object.keys(eventMetaColumns) as Array<keyof typeof eventMetaColumns>,
);
export const EventMetaOut = z.object(EVENT_META_OUTPUT.shape).openapi("EventMeta");

export const MarketOut = z.object(MARKET_OUTPUT.shape).openapi("Market");

export const MarketWithEventOut = MarketOut.extend({ event: EventMetaOut.nullable() }).openapi("MarketWithEvent");
export type MarketWithEventOut = z.infer<typeof MarketWithEventOut>;

export const MarketListOut = z
  .object({
    markets: z.array(MarketWithEventOut),
    cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last page" }),
  })
  .openapi("MarketList");

export const MarketDetailOut = z.object({ market: MarketWithEventOut }).openapi("MarketDetail");

export const EventOut = z
  .object({
    ...EVENT_OUTPUT.shape,
    market_count: z.number().int().openapi({ description: "Markets of this event that are not soft-deleted" }),
  })
  .openapi("Event");
export type EventOut = z.infer<typeof EventOut>;

export const EventListOut = z.object({ events: z.array(EventOut), cursor: z.string().nullable() }).openapi("EventList");

export const EventDetailOut = z.object({ event: EventOut, markets: z.array(MarketOut) }).openapi("EventDetail");

export const FeeScheduleEntryOut = z
  .object({
    effective_ts: z
      .number()
      .int()
      .openapi({ description: "Unix ms the fee took effect (0 = as first seen on the series)" }),
    effective_at: z
      .string()
      .nullable()
      .openapi({ format: "date-time", description: "effective_ts as ISO-8601; null for 0" }),
    scheduled_ts: Time,
    fee_type: z.string(),
    fee_multiplier: z.number(),
    source: z.string().openapi({ description: "series | fee_change" }),
    change_ids: z
      .array(z.string())
      .openapi({ description: "Kalshi fee-change ids seen for this change (the feed repeats changes under new ids)" }),
  })
  .openapi("FeeScheduleEntry");
export type FeeScheduleEntryOut = z.infer<typeof FeeScheduleEntryOut>;

export const SeriesOut = z.object(SERIES_OUTPUT.shape).openapi("Series");

export const SeriesListOut = z
  .object({ series: z.array(SeriesOut), cursor: z.string().nullable() })
  .openapi("SeriesList");

export const SeriesDetailOut = z
  .object({
    series: SeriesOut,
    fee_in_force: FeeScheduleEntryOut.openapi({ description: "The schedule entry in force now" }),
    fee_schedule: z
      .array(FeeScheduleEntryOut)
      .openapi({ description: "Every known fee change, oldest first (future ones included)" }),
  })
  .openapi("SeriesDetail");

const FEE_TIER_FORMULA =
  "fee = round_up(coefficient × fee_multiplier × C × P × (1 − P)), C = contracts, P = price in dollars (rounding: docs/fees.md)";

export const FeeTierOut = z
  .object({
    tier: z.string().openapi({ description: "Tier name (the seed's `tier`)" }),
    description: z.string(),
    taker_fee: z.number().openapi({
      description: `The seed's name for the taker coefficient, as a number (unitless, 0.07): ${FEE_TIER_FORMULA}. Exact value: taker_coefficient`,
    }),
    maker_fee: z.number().openapi({
      description: `The seed's name for the maker coefficient, as a number (unitless, 0.0175; charged only on series whose fee_type is quadratic_with_maker_fees): ${FEE_TIER_FORMULA}. Exact value: maker_coefficient`,
    }),
    taker_coefficient: z.string().openapi({ description: "Exact decimal taker coefficient (0.07 = 7 % of C·P·(1−P))" }),
    maker_coefficient: z.string().openapi({ description: "Exact decimal maker coefficient (0.0175)" }),
    updated_at: Iso.openapi({
      description:
        "When the tier's coefficients last changed (took effect): for `default`, 2025-07-01T00:00:00Z, when Kalshi's current general schedule (taker 0.07, maker 0.0175) took effect (docs/fees.md)",
    }),
  })
  .openapi("FeeTier", { description: `Coefficients of Kalshi's quadratic fee: ${FEE_TIER_FORMULA}` });
export type FeeTierOut = z.infer<typeof FeeTierOut>;

export const SeriesFeeOut = z
  .object({
    series_ticker: z.string(),
    at: z.string().openapi({ format: "date-time", description: "The instant the schedule was evaluated at" }),
    in_force: FeeScheduleEntryOut,
  })
  .openapi("SeriesFee");

/**
 * Response shapes of the data API, one zod schema each: the same objects type the handlers,
 * generate /openapi.json, type the `hc` client and describe tool outputs.
 */
import { z } from "@hono/zod-openapi";
import { NORMALIZED_STATUSES } from "../domain/status";

const Dollars = z
  .string()
  .nullable()
  .openapi({ description: 'Exact decimal dollars as Kalshi sent them, e.g. "0.5600"' });
const Fp = z
  .string()
  .nullable()
  .openapi({ description: 'Exact fixed-point count as Kalshi sent it, e.g. "2233487.48"' });
const Cents = z
  .number()
  .nullable()
  .openapi({ description: "Cents (may be fractional for sub-penny prices); null when absent" });
const Count = z.number().nullable().openapi({ description: "Contracts (may be fractional); null when absent" });
const Time = z.string().nullable().openapi({ description: "RFC 3339 timestamp as Kalshi sent it" });
const Json = z.unknown().openapi({ description: "JSON value as Kalshi sent it" });
const Iso = z.string().nullable().openapi({ format: "date-time", description: "ssmd bookkeeping time (UTC)" });

export const NormalizedStatus = z.enum(NORMALIZED_STATUSES);

export const EventMetaSchema = z
  .object({
    event_ticker: z.string(),
    title: z.string(),
    category: z.string().nullable(),
    series_ticker: z.string(),
    strike_date: Time,
    mutually_exclusive: z.boolean(),
    status: NormalizedStatus,
  })
  .openapi("EventMeta");

export const MarketSchema = z
  .object({
    ticker: z.string(),
    event_ticker: z.string(),
    series_ticker: z.string().nullable(),
    category: z.string().nullable(),
    market_type: z.string(),
    title: z.string().nullable(),
    subtitle: z.string().nullable(),
    yes_sub_title: z.string().nullable(),
    no_sub_title: z.string().nullable(),
    status: NormalizedStatus,
    status_raw: z.string().openapi({
      description:
        "Kalshi's status word exactly as sent (initialized, active, inactive, closed, determined, finalized, …, or a word ssmd does not know: then `status` is unknown)",
    }),
    created_time: Time,
    updated_time: Time,
    open_time: Time,
    close_time: Time,
    expected_expiration_time: Time,
    expiration_time: Time,
    latest_expiration_time: Time,
    settlement_timer_seconds: z.number().int().nullable(),
    settlement_ts: Time,
    fee_waiver_expiration_time: Time,
    yes_bid: Cents,
    yes_ask: Cents,
    no_bid: Cents,
    no_ask: Cents,
    last_price: Cents,
    volume: Count,
    volume_24h: Count,
    open_interest: Count,
    yes_bid_dollars: Dollars,
    yes_ask_dollars: Dollars,
    no_bid_dollars: Dollars,
    no_ask_dollars: Dollars,
    no_side_derived: z
      .boolean()
      .openapi({ description: "true when Kalshi omitted the NO side and ssmd derived it as 1 − YES" }),
    last_price_dollars: Dollars,
    previous_yes_bid_dollars: Dollars,
    previous_yes_ask_dollars: Dollars,
    previous_price_dollars: Dollars,
    yes_bid_size_fp: Fp,
    yes_ask_size_fp: Fp,
    volume_fp: Fp,
    volume_24h_fp: Fp,
    open_interest_fp: Fp,
    notional_value_dollars: Dollars,
    result: z.string().nullable(),
    expiration_value: z.string().nullable(),
    settlement_value_dollars: Dollars,
    can_close_early: z.boolean().nullable(),
    fractional_trading_enabled: z.boolean().nullable(),
    early_close_condition: z.string().nullable(),
    price_level_structure: z.string().nullable(),
    price_ranges: Json,
    strike_type: z.string().nullable(),
    floor_strike: z.number().nullable(),
    cap_strike: z.number().nullable(),
    functional_strike: z.string().nullable(),
    custom_strike: Json,
    rules_primary: z.string().nullable(),
    rules_secondary: z.string().nullable(),
    mve_collection_ticker: z.string().nullable(),
    mve_selected_legs: Json,
    primary_participant_key: z.string().nullable(),
    is_provisional: z.boolean().nullable(),
    extra: Json.openapi({ description: "Fields Kalshi sent that ssmd has no column for (object), or null" }),
    first_seen_at: Iso,
    updated_at: Iso,
    deleted_at: Iso.openapi({ description: "When ssmd saw the market vanish from a complete listing; null if live" }),
  })
  .openapi("Market");
export type MarketOut = z.infer<typeof MarketSchema>;

export const MarketWithEventSchema = MarketSchema.extend({ event: EventMetaSchema.nullable() }).openapi(
  "MarketWithEvent",
);
export type MarketWithEventOut = z.infer<typeof MarketWithEventSchema>;

export const MarketListSchema = z
  .object({
    markets: z.array(MarketWithEventSchema),
    cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last page" }),
  })
  .openapi("MarketList");

export const MarketDetailSchema = z.object({ market: MarketWithEventSchema }).openapi("MarketDetail");

export const EventSchema = z
  .object({
    event_ticker: z.string(),
    series_ticker: z.string(),
    title: z.string(),
    sub_title: z.string().nullable(),
    category: z.string().nullable(),
    collateral_return_type: z.string().nullable(),
    mutually_exclusive: z.boolean(),
    available_on_brokers: z.boolean().nullable(),
    product_metadata: Json,
    strike_date: Time,
    strike_period: z.string().nullable(),
    status: NormalizedStatus.openapi({
      description: "Derived from the event's markets (Kalshi's events carry no status)",
    }),
    extra: Json,
    first_seen_at: Iso,
    updated_at: Iso,
    deleted_at: Iso,
    market_count: z.number().int().openapi({ description: "Markets of this event that are not soft-deleted" }),
  })
  .openapi("Event");
export type EventOut = z.infer<typeof EventSchema>;

export const EventListSchema = z
  .object({ events: z.array(EventSchema), cursor: z.string().nullable() })
  .openapi("EventList");

export const EventDetailSchema = z
  .object({ event: EventSchema, markets: z.array(MarketSchema) })
  .openapi("EventDetail");

export const FeeScheduleEntrySchema = z
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
export type FeeScheduleEntryOut = z.infer<typeof FeeScheduleEntrySchema>;

export const SeriesSchema = z
  .object({
    ticker: z.string(),
    title: z.string(),
    category: z.string(),
    frequency: z.string(),
    tags: Json,
    settlement_sources: Json,
    contract_url: z.string().nullable(),
    contract_terms_url: z.string().nullable(),
    fee_type: z.string().openapi({ description: "quadratic | quadratic_with_maker_fees | flat" }),
    fee_multiplier: z.number(),
    additional_prohibitions: Json,
    product_metadata: Json,
    volume_fp: Fp,
    extra: Json,
    first_seen_at: Iso,
    updated_at: Iso,
    deleted_at: Iso,
  })
  .openapi("Series");
export type SeriesOut = z.infer<typeof SeriesSchema>;

export const SeriesListSchema = z
  .object({ series: z.array(SeriesSchema), cursor: z.string().nullable() })
  .openapi("SeriesList");

export const SeriesDetailSchema = z
  .object({
    series: SeriesSchema,
    fee_in_force: FeeScheduleEntrySchema.openapi({ description: "The schedule entry in force now" }),
    fee_schedule: z
      .array(FeeScheduleEntrySchema)
      .openapi({ description: "Every known fee change, oldest first (future ones included)" }),
  })
  .openapi("SeriesDetail");

const FEE_TIER_FORMULA =
  "fee = round_up(coefficient × fee_multiplier × C × P × (1 − P)), C = contracts, P = price in dollars (rounding: docs/fees.md)";

export const FeeTierSchema = z
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
export type FeeTierOut = z.infer<typeof FeeTierSchema>;

export const SeriesFeeSchema = z
  .object({
    series_ticker: z.string(),
    at: z.string().openapi({ format: "date-time", description: "The instant the schedule was evaluated at" }),
    in_force: FeeScheduleEntrySchema,
  })
  .openapi("SeriesFee");

/**
 * Kalshi REST wire shapes (trade API v2): markets, events, series, fee changes, trades, their page
 * envelopes, errors and the exchange status — one zod schema per shape. The names say the layer
 * (`Kalshi*`); scalars are in scalars.ts, query parameters in queries.ts, WebSocket in ws.ts.
 * Reference: docs/kalshi-wire.md (the § and Q ids cited below are its sections and quirks).
 *
 * Tolerance rules, applied everywhere:
 * - Objects are loose: unknown fields are kept in the parsed value (normalizers move them to `extra`).
 * - Deprecated / legacy fields (integer cents, integer counts, `title`, `tick_size`, ...) are optional:
 *   Kalshi announced their removal and has already stopped sending most of them (docs/kalshi-wire.md Q8–Q11, §2.12).
 * - Money (`*_dollars`) and counts (`*_fp`) are decimal strings kept verbatim. `""` means "no value"
 *   and parses to `null` (docs/kalshi-wire.md Q18). A bare JSON number is accepted and kept as its decimal text.
 *   Anything else (e.g. `"abc"`) fails the item: a value is never silently zeroed.
 * - Identity fields (ticker, event_ticker, status, ...) and the fields the D1 schema declares
 *   NOT NULL are required; an item without them is malformed (the client skips and reports it).
 */
import { z } from "zod";
import { KalshiDateTimeSchema, optBool, optCount, optDateTime, optDollars, optNumber, optString } from "./scalars";

// ---------------------------------------------------------------------------------------------
// REST: Market (docs/kalshi-wire.md §2.9)

export const KalshiPriceRangeSchema = z.looseObject({
  start: z.string(),
  end: z.string(),
  step: z.string(),
});

export const KalshiMveSelectedLegSchema = z.looseObject({
  event_ticker: z.string().optional(),
  market_ticker: z.string().optional(),
  side: z.string().optional(),
  yes_settlement_value_dollars: optDollars,
});

export const KalshiMarketSchema = z.looseObject({
  ticker: z.string().min(1),
  event_ticker: z.string().min(1),
  market_type: z.string().min(1), // "binary" | "scalar"; kept open for new types
  status: z.string(), // raw, required but any value (even "") is kept: see status.ts
  title: optString, // deprecated
  subtitle: optString, // deprecated
  yes_sub_title: optString,
  no_sub_title: optString,
  created_time: optDateTime,
  updated_time: optDateTime,
  open_time: optDateTime,
  close_time: optDateTime,
  expected_expiration_time: optDateTime,
  expiration_time: optDateTime, // deprecated
  latest_expiration_time: optDateTime,
  settlement_timer_seconds: optNumber,
  settlement_ts: optDateTime,
  fee_waiver_expiration_time: optDateTime,
  // Current money/count fields.
  yes_bid_dollars: optDollars,
  yes_ask_dollars: optDollars,
  no_bid_dollars: optDollars,
  no_ask_dollars: optDollars,
  last_price_dollars: optDollars,
  previous_yes_bid_dollars: optDollars,
  previous_yes_ask_dollars: optDollars,
  previous_price_dollars: optDollars,
  yes_bid_size_fp: optCount,
  yes_ask_size_fp: optCount,
  volume_fp: optCount,
  volume_24h_fp: optCount,
  open_interest_fp: optCount,
  notional_value_dollars: optDollars,
  settlement_value_dollars: optDollars,
  liquidity_dollars: optDollars, // deprecated, removed 2026-09
  // Legacy integer cents / counts (deprecated; never required).
  response_price_units: optString,
  yes_bid: optNumber,
  yes_ask: optNumber,
  no_bid: optNumber,
  no_ask: optNumber,
  last_price: optNumber,
  previous_yes_bid: optNumber,
  previous_yes_ask: optNumber,
  previous_price: optNumber,
  volume: optNumber,
  volume_24h: optNumber,
  open_interest: optNumber,
  notional_value: optNumber,
  liquidity: optNumber,
  settlement_value: optNumber,
  tick_size: optNumber,
  // Outcome and structure.
  result: optString,
  can_close_early: optBool,
  fractional_trading_enabled: optBool,
  expiration_value: optString,
  early_close_condition: optString,
  price_level_structure: optString,
  settlement_bounds_type: optString, // "default" | "floor" (reported, docs/kalshi-wire.md §2.12); kept open
  price_ranges: z.array(KalshiPriceRangeSchema).nullish(),
  strike_type: optString,
  floor_strike: optNumber,
  cap_strike: optNumber,
  functional_strike: optString,
  custom_strike: z.record(z.string(), z.unknown()).nullish(),
  rules_primary: optString,
  rules_secondary: optString,
  mve_collection_ticker: optString,
  mve_selected_legs: z.array(KalshiMveSelectedLegSchema).nullish(),
  primary_participant_key: optString,
  is_provisional: optBool,
});
export type KalshiMarket = z.infer<typeof KalshiMarketSchema>;

// ---------------------------------------------------------------------------------------------
// REST: EventData (docs/kalshi-wire.md §2.10) — no status field; derive it from the markets (status.ts).

const eventFields = {
  event_ticker: z.string().min(1),
  series_ticker: z.string().min(1),
  title: z.string(),
  sub_title: optString,
  collateral_return_type: optString,
  mutually_exclusive: z.boolean(),
  category: optString, // deprecated: use the series' category
  available_on_brokers: optBool,
  product_metadata: z.record(z.string(), z.unknown()).nullish(),
  strike_date: optDateTime,
  strike_period: optString,
};

export const KalshiEventSchema = z.looseObject({
  ...eventFields,
  /** Only with `with_nested_markets=true`. */
  markets: z.array(KalshiMarketSchema).optional(),
});
export type KalshiEvent = z.infer<typeof KalshiEventSchema>;

/**
 * An event as first validated by the client: nested markets are checked one by one afterwards, so
 * one malformed market is skipped (and reported) instead of failing its whole event.
 */
export const KalshiEventShellSchema = z.looseObject({
  ...eventFields,
  markets: z.array(z.unknown()).optional(),
});

// ---------------------------------------------------------------------------------------------
// REST: Series and fee changes (docs/kalshi-wire.md §2.11, §4)

export const KalshiSettlementSourceSchema = z.looseObject({ name: optString, url: optString });

export const KalshiSeriesSchema = z.looseObject({
  ticker: z.string().min(1),
  title: z.string(),
  category: z.string(),
  frequency: z.string(),
  tags: z.array(z.string()).nullish(),
  settlement_sources: z.array(KalshiSettlementSourceSchema).nullish(),
  contract_url: optString,
  contract_terms_url: optString,
  product_metadata: z.record(z.string(), z.unknown()).nullish(),
  fee_type: z.string().min(1), // quadratic | quadratic_with_maker_fees | flat (kept open)
  fee_multiplier: z.number(),
  additional_prohibitions: z.array(z.string()).nullish(),
  volume: optNumber, // legacy (docs/kalshi-wire.md Q13)
  volume_fp: optCount,
});
export type KalshiSeries = z.infer<typeof KalshiSeriesSchema>;

export const KalshiSeriesFeeChangeSchema = z.looseObject({
  id: z.string().min(1),
  series_ticker: z.string().min(1),
  fee_type: z.string().min(1),
  fee_multiplier: z.number(),
  scheduled_ts: KalshiDateTimeSchema,
});
export type KalshiSeriesFeeChange = z.infer<typeof KalshiSeriesFeeChangeSchema>;

// ---------------------------------------------------------------------------------------------
// REST: public trades (`GET /markets/trades`, public: docs/kalshi-wire.md §1, §2.12, §2.13).

/**
 * One public trade. Current wire: `count_fp`, `yes_price_dollars`/`no_price_dollars`,
 * `taker_outcome_side` (yes|no) and `taker_book_side` (bid|ask) next to the deprecated
 * `taker_side`; legacy integer `count`/`yes_price`/`no_price` optional. A trade must carry an id,
 * a ticker, a time, some price and some count — it is never zeroed.
 */
export const KalshiTradeSchema = z
  .looseObject({
    trade_id: z.string().min(1),
    ticker: z.string().min(1),
    created_time: KalshiDateTimeSchema,
    count_fp: optCount,
    yes_price_dollars: optDollars,
    no_price_dollars: optDollars,
    taker_side: optString, // deprecated 2026-05
    taker_outcome_side: optString,
    taker_book_side: optString,
    is_block_trade: optBool,
    count: optNumber,
    yes_price: optNumber,
    no_price: optNumber,
    price: optNumber,
  })
  .refine(
    (t) => t.yes_price_dollars != null || t.no_price_dollars != null || t.yes_price != null || t.no_price != null,
    {
      message: "trade has no price",
    },
  )
  .refine((t) => t.count_fp != null || t.count != null, { message: "trade has no count" });
export type KalshiTrade = z.infer<typeof KalshiTradeSchema>;

// ---------------------------------------------------------------------------------------------
// REST envelopes (docs/kalshi-wire.md §2). Items are `unknown` here: the client validates each item on its own so that
// one malformed item is skipped and reported rather than failing the page.

const cursorField = z.string().nullish();

export const KalshiMarketsPageEnvelopeSchema = z.looseObject({
  markets: z.array(z.unknown()),
  cursor: cursorField,
});
export const KalshiMarketEnvelopeSchema = z.looseObject({ market: z.unknown() });
export const KalshiEventsPageEnvelopeSchema = z.looseObject({
  events: z.array(z.unknown()),
  cursor: cursorField,
  milestones: z.array(z.unknown()).nullish(),
});
export const KalshiEventEnvelopeSchema = z.looseObject({
  event: z.unknown(),
  markets: z.array(z.unknown()).nullish(), // deprecated top-level copy
});
export const KalshiSeriesListEnvelopeSchema = z.looseObject({
  series: z.array(z.unknown()).nullable(), // `null` observed for empty listings in some clients
  cursor: cursorField,
});
export const KalshiSeriesEnvelopeSchema = z.looseObject({ series: z.unknown() });
export const KalshiSeriesFeeChangesEnvelopeSchema = z.looseObject({
  series_fee_change_arr: z.array(z.unknown()).nullable(),
});

export const KalshiTradesPageEnvelopeSchema = z.looseObject({
  trades: z.array(z.unknown()).nullable(),
  cursor: cursorField,
});

/** Typed (fully validated) page shapes, for documentation / OpenAPI of the Kalshi wire. */
export const KalshiMarketsPageSchema = z.looseObject({ markets: z.array(KalshiMarketSchema), cursor: cursorField });
export const KalshiEventsPageSchema = z.looseObject({ events: z.array(KalshiEventSchema), cursor: cursorField });
export const KalshiTradesPageSchema = z.looseObject({ trades: z.array(KalshiTradeSchema), cursor: cursorField });

// ---------------------------------------------------------------------------------------------
// REST errors (docs/kalshi-wire.md §2): Kalshi documents a bare ErrorResponse; real captures wrap it in `{error: ...}`.

export const KalshiErrorBodySchema = z.looseObject({
  code: optString,
  message: optString,
  details: optString,
  service: optString,
});
export const KalshiErrorResponseSchema = z.union([
  z.looseObject({ error: KalshiErrorBodySchema }),
  KalshiErrorBodySchema,
]);
export type KalshiErrorResponse = z.infer<typeof KalshiErrorResponseSchema>;

/** The error body whichever form it came in. */
export function kalshiErrorBody(e: KalshiErrorResponse): z.infer<typeof KalshiErrorBodySchema> {
  return "error" in e && e.error && typeof e.error === "object"
    ? (e.error as z.infer<typeof KalshiErrorBodySchema>)
    : (e as z.infer<typeof KalshiErrorBodySchema>);
}

// ---------------------------------------------------------------------------------------------
// REST: exchange (docs/kalshi-wire.md §2.8)

export const KalshiExchangeStatusSchema = z.looseObject({
  exchange_active: z.boolean(),
  trading_active: z.boolean(),
  exchange_estimated_resume_time: optDateTime,
});
export type KalshiExchangeStatus = z.infer<typeof KalshiExchangeStatusSchema>;

const DailyHoursSchema = z.array(z.looseObject({ open_time: z.string(), close_time: z.string() }));
export const KalshiWeeklyScheduleSchema = z.looseObject({
  start_time: z.string(),
  end_time: z.string(),
  monday: DailyHoursSchema.optional(),
  tuesday: DailyHoursSchema.optional(),
  wednesday: DailyHoursSchema.optional(),
  thursday: DailyHoursSchema.optional(),
  friday: DailyHoursSchema.optional(),
  saturday: DailyHoursSchema.optional(),
  sunday: DailyHoursSchema.optional(),
});
export const KalshiExchangeScheduleSchema = z.looseObject({
  schedule: z.looseObject({
    standard_hours: z.array(KalshiWeeklyScheduleSchema),
    maintenance_windows: z.array(z.looseObject({ start_datetime: z.string(), end_datetime: z.string() })).nullish(),
  }),
});
export type KalshiExchangeSchedule = z.infer<typeof KalshiExchangeScheduleSchema>;

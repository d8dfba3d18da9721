/**
 * Kalshi wire shapes (trade API v2, REST + WebSocket), one zod schema per shape.
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
import { SIGNED_DECIMAL_RE, UNSIGNED_DECIMAL_RE, wireDecimal } from "../lib/validators";

// ---------------------------------------------------------------------------------------------
// Scalars

// Decimals follow the wire rule of src/lib/validators.ts: plain text, ".5" and exponents refused.
/** FixedPointDollars: `"0.5600"` (up to 4 dp in REST, 3 dp in some WS docs, sub-penny since 2026). */
export const DollarsSchema = wireDecimal(UNSIGNED_DECIMAL_RE);
/** FixedPointCount: `"10.00"`, fractional since 2026 (`"0.11"`). */
export const CountFpSchema = wireDecimal(UNSIGNED_DECIMAL_RE);
/** Signed fixed-point count (`delta_fp`, `volume_delta_fp`). */
export const SignedFpSchema = wireDecimal(SIGNED_DECIMAL_RE);

/** RFC 3339 timestamp as sent (kept verbatim); must be parseable. */
export const DateTimeSchema = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "expected an RFC 3339 date-time");

const optDollars = DollarsSchema.optional();
const optCount = CountFpSchema.optional();
const optDateTime = DateTimeSchema.nullish();
const optNumber = z.number().nullish();
const optString = z.string().nullish();
const optBool = z.boolean().nullish();

// ---------------------------------------------------------------------------------------------
// REST: Market (docs/kalshi-wire.md §2.9)

export const PriceRangeSchema = z.looseObject({
  start: z.string(),
  end: z.string(),
  step: z.string(),
});

export const MveSelectedLegSchema = z.looseObject({
  event_ticker: z.string().optional(),
  market_ticker: z.string().optional(),
  side: z.string().optional(),
  yes_settlement_value_dollars: optDollars,
});

export const MarketSchema = z.looseObject({
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
  price_ranges: z.array(PriceRangeSchema).nullish(),
  strike_type: optString,
  floor_strike: optNumber,
  cap_strike: optNumber,
  functional_strike: optString,
  custom_strike: z.record(z.string(), z.unknown()).nullish(),
  rules_primary: optString,
  rules_secondary: optString,
  mve_collection_ticker: optString,
  mve_selected_legs: z.array(MveSelectedLegSchema).nullish(),
  primary_participant_key: optString,
  is_provisional: optBool,
});
export type Market = z.infer<typeof MarketSchema>;

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

export const EventSchema = z.looseObject({
  ...eventFields,
  /** Only with `with_nested_markets=true`. */
  markets: z.array(MarketSchema).optional(),
});
export type Event = z.infer<typeof EventSchema>;

/**
 * An event as first validated by the client: nested markets are checked one by one afterwards, so
 * one malformed market is skipped (and reported) instead of failing its whole event.
 */
export const EventShellSchema = z.looseObject({
  ...eventFields,
  markets: z.array(z.unknown()).optional(),
});

// ---------------------------------------------------------------------------------------------
// REST: Series and fee changes (docs/kalshi-wire.md §2.11, §4)

export const SettlementSourceSchema = z.looseObject({ name: optString, url: optString });

export const SeriesSchema = z.looseObject({
  ticker: z.string().min(1),
  title: z.string(),
  category: z.string(),
  frequency: z.string(),
  tags: z.array(z.string()).nullish(),
  settlement_sources: z.array(SettlementSourceSchema).nullish(),
  contract_url: optString,
  contract_terms_url: optString,
  product_metadata: z.record(z.string(), z.unknown()).nullish(),
  fee_type: z.string().min(1), // quadratic | quadratic_with_maker_fees | flat (kept open)
  fee_multiplier: z.number(),
  additional_prohibitions: z.array(z.string()).nullish(),
  volume: optNumber, // legacy (docs/kalshi-wire.md Q13)
  volume_fp: optCount,
});
export type Series = z.infer<typeof SeriesSchema>;

export const SeriesFeeChangeSchema = z.looseObject({
  id: z.string().min(1),
  series_ticker: z.string().min(1),
  fee_type: z.string().min(1),
  fee_multiplier: z.number(),
  scheduled_ts: DateTimeSchema,
});
export type SeriesFeeChange = z.infer<typeof SeriesFeeChangeSchema>;

// ---------------------------------------------------------------------------------------------
// REST: public trades (`GET /markets/trades`, public: docs/kalshi-wire.md §1, §2.12, §2.13).

/**
 * One public trade. Current wire: `count_fp`, `yes_price_dollars`/`no_price_dollars`,
 * `taker_outcome_side` (yes|no) and `taker_book_side` (bid|ask) next to the deprecated
 * `taker_side`; legacy integer `count`/`yes_price`/`no_price` optional. A trade must carry an id,
 * a ticker, a time, some price and some count — it is never zeroed.
 */
export const TradeSchema = z
  .looseObject({
    trade_id: z.string().min(1),
    ticker: z.string().min(1),
    created_time: DateTimeSchema,
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
export type Trade = z.infer<typeof TradeSchema>;

// ---------------------------------------------------------------------------------------------
// REST envelopes (docs/kalshi-wire.md §2). Items are `unknown` here: the client validates each item on its own so that
// one malformed item is skipped and reported rather than failing the page.

const cursorField = z.string().nullish();

export const MarketsPageEnvelopeSchema = z.looseObject({
  markets: z.array(z.unknown()),
  cursor: cursorField,
});
export const MarketEnvelopeSchema = z.looseObject({ market: z.unknown() });
export const EventsPageEnvelopeSchema = z.looseObject({
  events: z.array(z.unknown()),
  cursor: cursorField,
  milestones: z.array(z.unknown()).nullish(),
});
export const EventEnvelopeSchema = z.looseObject({
  event: z.unknown(),
  markets: z.array(z.unknown()).nullish(), // deprecated top-level copy
});
export const SeriesListEnvelopeSchema = z.looseObject({
  series: z.array(z.unknown()).nullable(), // `null` observed for empty listings in some clients
  cursor: cursorField,
});
export const SeriesEnvelopeSchema = z.looseObject({ series: z.unknown() });
export const SeriesFeeChangesEnvelopeSchema = z.looseObject({
  series_fee_change_arr: z.array(z.unknown()).nullable(),
});

export const TradesPageEnvelopeSchema = z.looseObject({
  trades: z.array(z.unknown()).nullable(),
  cursor: cursorField,
});

/** Typed (fully validated) page shapes, for documentation / OpenAPI of the Kalshi wire. */
export const MarketsPageSchema = z.looseObject({ markets: z.array(MarketSchema), cursor: cursorField });
export const EventsPageSchema = z.looseObject({ events: z.array(EventSchema), cursor: cursorField });
export const TradesPageSchema = z.looseObject({ trades: z.array(TradeSchema), cursor: cursorField });

// ---------------------------------------------------------------------------------------------
// REST errors (docs/kalshi-wire.md §2): Kalshi documents a bare ErrorResponse; real captures wrap it in `{error: ...}`.

export const ErrorBodySchema = z.looseObject({
  code: optString,
  message: optString,
  details: optString,
  service: optString,
});
export const ErrorResponseSchema = z.union([z.looseObject({ error: ErrorBodySchema }), ErrorBodySchema]);
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;

/** The error body whichever form it came in. */
export function errorBody(e: ErrorResponse): z.infer<typeof ErrorBodySchema> {
  return "error" in e && e.error && typeof e.error === "object"
    ? (e.error as z.infer<typeof ErrorBodySchema>)
    : (e as z.infer<typeof ErrorBodySchema>);
}

// ---------------------------------------------------------------------------------------------
// REST: exchange (docs/kalshi-wire.md §2.8)

export const ExchangeStatusSchema = z.looseObject({
  exchange_active: z.boolean(),
  trading_active: z.boolean(),
  exchange_estimated_resume_time: optDateTime,
});
export type ExchangeStatus = z.infer<typeof ExchangeStatusSchema>;

const DailyHoursSchema = z.array(z.looseObject({ open_time: z.string(), close_time: z.string() }));
export const WeeklyScheduleSchema = z.looseObject({
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
export const ExchangeScheduleSchema = z.looseObject({
  schedule: z.looseObject({
    standard_hours: z.array(WeeklyScheduleSchema),
    maintenance_windows: z.array(z.looseObject({ start_datetime: z.string(), end_datetime: z.string() })).nullish(),
  }),
});
export type ExchangeSchedule = z.infer<typeof ExchangeScheduleSchema>;

// ---------------------------------------------------------------------------------------------
// REST query parameters (docs/kalshi-wire.md §2.1, §2.3). Timestamps are Unix seconds.

const epochSeconds = z.number().int().nonnegative();
const tickerList = z.union([z.string(), z.array(z.string())]);

export const MARKET_STATUS_FILTERS = ["unopened", "open", "paused", "closed", "settled"] as const;

export const MarketsQuery = z
  .object({
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().optional(),
    event_ticker: tickerList.optional(),
    series_ticker: z.string().optional(),
    tickers: tickerList.optional(),
    status: z.enum(MARKET_STATUS_FILTERS).optional(),
    min_created_ts: epochSeconds.optional(),
    max_created_ts: epochSeconds.optional(),
    min_close_ts: epochSeconds.optional(),
    max_close_ts: epochSeconds.optional(),
    min_settled_ts: epochSeconds.optional(),
    max_settled_ts: epochSeconds.optional(),
    min_updated_ts: epochSeconds.optional(),
    mve_filter: z.enum(["only", "exclude"]).optional(),
  })
  .superRefine((q, ctx) => {
    const problem = marketsQueryProblem(q);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
export type MarketsQuery = z.input<typeof MarketsQuery>;

/**
 * Kalshi's filter-compatibility table (docs/kalshi-wire.md §2.1). Kalshi may answer an incompatible combination with an
 * empty page instead of a 400 (docs/kalshi-wire.md Q7: `min_close_ts` + `status=open` silently lost markets), so such a
 * query is refused before it is sent.
 */
export function marketsQueryProblem(q: {
  status?: string | undefined;
  mve_filter?: string | undefined;
  min_created_ts?: number | undefined;
  max_created_ts?: number | undefined;
  min_close_ts?: number | undefined;
  max_close_ts?: number | undefined;
  min_settled_ts?: number | undefined;
  max_settled_ts?: number | undefined;
  min_updated_ts?: number | undefined;
  [k: string]: unknown;
}): string | null {
  const families: Array<{ name: string; used: boolean; statuses: readonly string[] }> = [
    {
      name: "min/max_created_ts",
      used: q.min_created_ts != null || q.max_created_ts != null,
      statuses: ["unopened", "open"],
    },
    { name: "min/max_close_ts", used: q.min_close_ts != null || q.max_close_ts != null, statuses: ["closed"] },
    { name: "min/max_settled_ts", used: q.min_settled_ts != null || q.max_settled_ts != null, statuses: ["settled"] },
  ];
  const used = families.filter((f) => f.used);
  if (q.min_updated_ts != null) {
    const others = Object.entries(q).filter(
      ([k, v]) => v != null && !["min_updated_ts", "limit", "cursor", "mve_filter"].includes(k),
    );
    if (others.length > 0 || (q.mve_filter != null && q.mve_filter !== "exclude")) {
      return "min_updated_ts cannot be combined with other filters (except mve_filter=exclude)";
    }
    return null;
  }
  if (used.length > 1) return `timestamp filters ${used.map((f) => f.name).join(" and ")} are mutually exclusive`;
  const family = used[0];
  if (family && q.status != null && !family.statuses.includes(q.status)) {
    return `${family.name} is only compatible with status ${family.statuses.join("/")} or none (got status=${q.status})`;
  }
  return null;
}

export const EventsQuery = z.object({
  limit: z.number().int().min(1).max(200).optional(),
  cursor: z.string().optional(),
  with_nested_markets: z.boolean().optional(),
  with_milestones: z.boolean().optional(),
  status: z.enum(["open", "closed", "settled"]).optional(),
  series_ticker: z.string().optional(),
  min_close_ts: epochSeconds.optional(),
});
export type EventsQuery = z.input<typeof EventsQuery>;

/**
 * `GET /events/multivariate` (multivariate events only; `GET /events` leaves them out). Page size
 * 1–200, Kalshi's default 100. `collection_ticker` and `series_ticker` cannot be combined.
 */
export const MultivariateEventsQuery = z
  .object({
    limit: z.number().int().min(1).max(200).optional(),
    cursor: z.string().optional(),
    series_ticker: z.string().optional(),
    collection_ticker: z.string().optional(),
    with_nested_markets: z.boolean().optional(),
  })
  .refine((q) => q.series_ticker == null || q.collection_ticker == null, {
    message: "collection_ticker cannot be combined with series_ticker",
  });
export type MultivariateEventsQuery = z.input<typeof MultivariateEventsQuery>;

/** `GET /markets/trades`: all markets unless `ticker`; `min_ts`/`max_ts` are Unix seconds. */
export const TradesQuery = z
  .object({
    ticker: z.string().min(1).optional(),
    min_ts: epochSeconds.optional(),
    max_ts: epochSeconds.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().optional(),
  })
  .refine((q) => q.min_ts == null || q.max_ts == null || q.min_ts <= q.max_ts, {
    message: "min_ts must not be after max_ts",
  });
export type TradesQuery = z.input<typeof TradesQuery>;

export const SeriesListQuery = z.object({
  category: z.string().optional(),
  tags: z.string().optional(),
  include_product_metadata: z.boolean().optional(),
  include_volume: z.boolean().optional(),
});
export type SeriesListQuery = z.input<typeof SeriesListQuery>;

export const SeriesFeeChangesQuery = z.object({
  series_ticker: z.string().optional(),
  show_historical: z.boolean().optional(),
});
export type SeriesFeeChangesQuery = z.input<typeof SeriesFeeChangesQuery>;

// ---------------------------------------------------------------------------------------------
// WebSocket commands (docs/kalshi-wire.md §6.1)

const wsId = z.number().int();
const sid = z.number().int();

export const WS_CHANNELS = [
  "ticker",
  "ticker_v2",
  "trade",
  "market_lifecycle_v2",
  "multivariate",
  "orderbook_delta",
  "fill",
  "market_positions",
  "communications",
  "order_group_updates",
] as const;

export const SubscribeCommandSchema = z.looseObject({
  id: wsId,
  cmd: z.literal("subscribe"),
  params: z.looseObject({
    channels: z.array(z.string()).min(1),
    market_ticker: z.string().optional(),
    market_tickers: z.array(z.string()).optional(),
    market_id: z.string().optional(),
    market_ids: z.array(z.string()).optional(),
  }),
});
export const UnsubscribeCommandSchema = z.looseObject({
  id: wsId,
  cmd: z.literal("unsubscribe"),
  params: z.looseObject({ sids: z.array(sid).min(1) }),
});
export const UpdateSubscriptionCommandSchema = z.looseObject({
  id: wsId,
  cmd: z.literal("update_subscription"),
  params: z.looseObject({
    sids: z.array(sid).optional(), // exactly one
    sid: sid.optional(),
    action: z.enum(["add_markets", "delete_markets"]),
    market_tickers: z.array(z.string()),
    skip_ticker_ack: z.boolean().optional(),
  }),
});
export const ListSubscriptionsCommandSchema = z.looseObject({
  id: wsId,
  cmd: z.literal("list_subscriptions"),
  params: z.looseObject({}).optional(),
});
export const WsCommandSchema = z.discriminatedUnion("cmd", [
  SubscribeCommandSchema,
  UnsubscribeCommandSchema,
  UpdateSubscriptionCommandSchema,
  ListSubscriptionsCommandSchema,
]);
export type WsCommand = z.infer<typeof WsCommandSchema>;

// ---------------------------------------------------------------------------------------------
// WebSocket replies (docs/kalshi-wire.md §6.2, Q4). Several generations of shapes exist: accept all of them.

export const SubscribedReplySchema = z.looseObject({
  id: wsId.optional(),
  type: z.literal("subscribed"),
  msg: z.looseObject({ channel: z.string().optional(), sid: sid.optional() }).optional(),
});
export const OkReplySchema = z.looseObject({
  id: wsId.optional(),
  type: z.literal("ok"),
  sid: sid.optional(),
  seq: z.number().int().optional(),
  market_tickers: z.array(z.string()).optional(),
  msg: z.unknown().optional(),
});
export const UnsubscribedReplySchema = z.looseObject({
  id: wsId.optional(),
  type: z.literal("unsubscribed"),
  sid: sid.optional(),
  seq: z.number().int().optional(),
  msg: z.looseObject({ sids: z.array(sid).optional() }).optional(),
});
export const ErrorReplySchema = z.looseObject({
  id: wsId.optional(),
  type: z.literal("error"),
  msg: z.looseObject({ code: z.number().int(), msg: z.string() }),
});

/** Kalshi WS error codes (docs/kalshi-wire.md §6.2). */
export const WS_ERROR_CODES = {
  1: "Unable to process message",
  2: "Params required",
  3: "Channels required",
  4: "Subscription IDs required",
  5: "Unknown command",
  6: "Already subscribed",
  7: "Unknown subscription ID",
  8: "Unknown channel name",
  9: "Authentication required",
  10: "Channel error",
  11: "Invalid parameter",
  12: "Exactly one subscription ID required",
  13: "Unsupported action",
  14: "Market ticker required",
  15: "Action required",
  16: "Market not found",
  17: "Internal error",
} as const;

// ---------------------------------------------------------------------------------------------
// WebSocket data messages (docs/kalshi-wire.md §6.3–6.7)

function dataMessage<T extends string, M extends z.ZodType>(type: T, msg: M) {
  return z.looseObject({ type: z.literal(type), sid, seq: z.number().int().optional(), msg });
}

const TAKER_SIDE = z.string(); // "yes" | "no"; kept open

/**
 * `trade` (docs/kalshi-wire.md §6.4). Three generations: 2026-03+ strings (`yes_price_dollars`, `count_fp`), the older
 * integer fields (`yes_price`, `count`), and very old `price`/`side`. Since 2026-05 `taker_side` is
 * deprecated for `taker_outcome_side` (yes|no) / `taker_book_side` (bid|ask). A trade must carry
 * some price and some count — it is never zeroed.
 */
export const TradeMsgSchema = z
  .looseObject({
    trade_id: optString,
    market_ticker: z.string().min(1),
    yes_price_dollars: optDollars,
    no_price_dollars: optDollars,
    count_fp: optCount,
    yes_price: optNumber,
    no_price: optNumber,
    count: optNumber,
    price: optNumber,
    side: optString,
    taker_side: TAKER_SIDE.nullish(),
    taker_outcome_side: TAKER_SIDE.nullish(),
    taker_book_side: z.string().nullish(),
    ts: optNumber,
    ts_ms: optNumber,
  })
  .refine(
    (m) =>
      m.yes_price_dollars != null ||
      m.yes_price != null ||
      m.price != null ||
      m.no_price_dollars != null ||
      m.no_price != null,
    {
      message: "trade has no price",
    },
  )
  .refine((m) => m.count_fp != null || m.count != null, { message: "trade has no count" });
export const TradeMessageSchema = dataMessage("trade", TradeMsgSchema);
export type TradeMessage = z.infer<typeof TradeMessageSchema>;

/** `ticker` (docs/kalshi-wire.md §6.5): every field optional except the ticker; three generations seen. */
export const TickerMsgSchema = z.looseObject({
  market_ticker: z.string().min(1),
  market_id: optString,
  price: optNumber,
  yes_bid: optNumber,
  yes_ask: optNumber,
  price_dollars: optDollars,
  yes_bid_dollars: optDollars,
  yes_ask_dollars: optDollars,
  no_bid_dollars: optDollars,
  no_ask_dollars: optDollars,
  volume: optNumber,
  open_interest: optNumber,
  volume_fp: optCount,
  open_interest_fp: optCount,
  dollar_volume: optNumber,
  dollar_open_interest: optNumber,
  yes_bid_size_fp: optCount,
  yes_ask_size_fp: optCount,
  last_trade_size_fp: optCount,
  ts: optNumber,
  ts_ms: optNumber,
  time: optString,
  Clock: optNumber,
});
export const TickerMessageSchema = dataMessage("ticker", TickerMsgSchema);
export type TickerMessage = z.infer<typeof TickerMessageSchema>;
/**
 * A `ticker` frame's envelope and market only. The ingest conflates ticker messages (it forwards
 * the newest per market per flush), so it validates the whole message (TickerMsgSchema) only for
 * the one it keeps — half of all frames, most of the parsing work.
 */
export const TickerEnvelopeSchema = dataMessage("ticker", TickerMsgSchema.pick({ market_ticker: true }));

/** `ticker_v2` (docs/kalshi-wire.md §6.5): incremental; fields are a subset per message. */
export const TickerV2MsgSchema = z.looseObject({
  market_ticker: z.string().min(1),
  market_id: optString,
  price: optNumber,
  price_dollars: optDollars,
  volume_delta: optNumber,
  volume_delta_fp: SignedFpSchema.optional(),
  open_interest_delta: optNumber,
  open_interest_delta_fp: SignedFpSchema.optional(),
  dollar_volume_delta: optNumber,
  dollar_open_interest_delta: optNumber,
  ts: optNumber,
  ts_ms: optNumber,
});
export const TickerV2MessageSchema = dataMessage("ticker_v2", TickerV2MsgSchema);
export type TickerV2Message = z.infer<typeof TickerV2MessageSchema>;

const levelsInt = z.array(z.tuple([z.number(), z.number()])).nullish();
const levelsDollars = z.array(z.tuple([z.string(), z.number()])).nullish();
const levelsFp = z.array(z.tuple([z.string(), z.string()])).nullish();

/** `orderbook_snapshot` (docs/kalshi-wire.md §6.6): bids only per side; `*_dollars_fp` is the current level format. */
export const OrderbookSnapshotMsgSchema = z.looseObject({
  market_ticker: z.string().min(1),
  market_id: optString,
  yes: levelsInt,
  no: levelsInt,
  yes_dollars: levelsDollars,
  no_dollars: levelsDollars,
  yes_dollars_fp: levelsFp,
  no_dollars_fp: levelsFp,
});
export const OrderbookSnapshotMessageSchema = dataMessage("orderbook_snapshot", OrderbookSnapshotMsgSchema);
export type OrderbookSnapshotMessage = z.infer<typeof OrderbookSnapshotMessageSchema>;

/** `orderbook_delta` (docs/kalshi-wire.md §6.6): `ts` is an RFC 3339 string here (integers tolerated). */
export const OrderbookDeltaMsgSchema = z
  .looseObject({
    market_ticker: z.string().min(1),
    market_id: optString,
    price: optNumber,
    price_dollars: optDollars,
    delta: optNumber,
    delta_fp: SignedFpSchema.optional(),
    side: z.enum(["yes", "no"]),
    ts: z.union([z.string(), z.number()]).nullish(),
    client_order_id: optString,
  })
  .refine((m) => m.price_dollars != null || m.price != null, { message: "delta has no price" })
  .refine((m) => m.delta_fp != null || m.delta != null, { message: "delta has no quantity" });
export const OrderbookDeltaMessageSchema = dataMessage("orderbook_delta", OrderbookDeltaMsgSchema);
export type OrderbookDeltaMessage = z.infer<typeof OrderbookDeltaMessageSchema>;

/** `market_lifecycle_v2` (docs/kalshi-wire.md §6.7). `event_type` kept open (`metadata_updated`, `event_fee_update` seen). */
export const MarketLifecycleMsgSchema = z.looseObject({
  market_ticker: z.string().min(1),
  event_type: z.string().min(1),
  open_ts: optNumber,
  close_ts: optNumber,
  is_deactivated: optBool,
  result: optString,
  determination_ts: optNumber,
  settlement_value: optDollars,
  settled_ts: optNumber,
  additional_metadata: z.record(z.string(), z.unknown()).nullish(),
});
export const MarketLifecycleMessageSchema = dataMessage("market_lifecycle_v2", MarketLifecycleMsgSchema);
export type MarketLifecycleMessage = z.infer<typeof MarketLifecycleMessageSchema>;

/** `event_lifecycle` (docs/kalshi-wire.md §6.7; delivered on the market_lifecycle_v2 sid). */
export const EventLifecycleMsgSchema = z.looseObject({
  event_ticker: z.string().min(1),
  title: optString,
  subtitle: optString, // docs
  sub_title: optString, // captures
  collateral_return_type: optString,
  series_ticker: optString,
  strike_date: optNumber,
  strike_period: optString,
});
export const EventLifecycleMessageSchema = dataMessage("event_lifecycle", EventLifecycleMsgSchema);
export type EventLifecycleMessage = z.infer<typeof EventLifecycleMessageSchema>;

export const WsDataMessageSchema = z.discriminatedUnion("type", [
  TradeMessageSchema,
  TickerMessageSchema,
  TickerV2MessageSchema,
  OrderbookSnapshotMessageSchema,
  OrderbookDeltaMessageSchema,
  MarketLifecycleMessageSchema,
  EventLifecycleMessageSchema,
]);
export type WsDataMessage = z.infer<typeof WsDataMessageSchema>;

export const WsReplySchema = z.discriminatedUnion("type", [
  SubscribedReplySchema,
  OkReplySchema,
  UnsubscribedReplySchema,
  ErrorReplySchema,
]);
export type WsReply = z.infer<typeof WsReplySchema>;

/** Anything the server sends as a JSON text frame that ssmd understands. */
export const WsServerMessageSchema = z.union([WsDataMessageSchema, WsReplySchema]);
export type WsServerMessage = z.infer<typeof WsServerMessageSchema>;

/**
 * Kalshi WebSocket wire shapes (docs/kalshi-wire.md §6): commands, replies and their error codes,
 * and the data messages of each channel. Loose objects and optional legacy fields, as in rest.ts.
 */
import { z } from "zod";
import { KalshiSignedFpSchema, optBool, optCount, optDollars, optNumber, optString } from "./scalars";

// ---------------------------------------------------------------------------------------------
// WebSocket commands (docs/kalshi-wire.md §6.1)

const wsId = z.number().int();
const sid = z.number().int();

export const KALSHI_WS_CHANNELS = [
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

export const KalshiSubscribeCommandSchema = z.looseObject({
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
export const KalshiUnsubscribeCommandSchema = z.looseObject({
  id: wsId,
  cmd: z.literal("unsubscribe"),
  params: z.looseObject({ sids: z.array(sid).min(1) }),
});
export const KalshiUpdateSubscriptionCommandSchema = z.looseObject({
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
export const KalshiListSubscriptionsCommandSchema = z.looseObject({
  id: wsId,
  cmd: z.literal("list_subscriptions"),
  params: z.looseObject({}).optional(),
});
export const KalshiWsCommandSchema = z.discriminatedUnion("cmd", [
  KalshiSubscribeCommandSchema,
  KalshiUnsubscribeCommandSchema,
  KalshiUpdateSubscriptionCommandSchema,
  KalshiListSubscriptionsCommandSchema,
]);
export type KalshiWsCommand = z.infer<typeof KalshiWsCommandSchema>;

// ---------------------------------------------------------------------------------------------
// WebSocket replies (docs/kalshi-wire.md §6.2, Q4). Several generations of shapes exist: accept all of them.

export const KalshiSubscribedReplySchema = z.looseObject({
  id: wsId.optional(),
  type: z.literal("subscribed"),
  msg: z.looseObject({ channel: z.string().optional(), sid: sid.optional() }).optional(),
});
export const KalshiOkReplySchema = z.looseObject({
  id: wsId.optional(),
  type: z.literal("ok"),
  sid: sid.optional(),
  seq: z.number().int().optional(),
  market_tickers: z.array(z.string()).optional(),
  msg: z.unknown().optional(),
});
export const KalshiUnsubscribedReplySchema = z.looseObject({
  id: wsId.optional(),
  type: z.literal("unsubscribed"),
  sid: sid.optional(),
  seq: z.number().int().optional(),
  msg: z.looseObject({ sids: z.array(sid).optional() }).optional(),
});
export const KalshiErrorReplySchema = z.looseObject({
  id: wsId.optional(),
  type: z.literal("error"),
  msg: z.looseObject({ code: z.number().int(), msg: z.string() }),
});

/** Kalshi WS error codes (docs/kalshi-wire.md §6.2). */
export const KALSHI_WS_ERROR_CODES = {
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
export const KalshiTradeMsgSchema = z
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
export const KalshiTradeMessageSchema = dataMessage("trade", KalshiTradeMsgSchema);
export type KalshiTradeMessage = z.infer<typeof KalshiTradeMessageSchema>;

/** `ticker` (docs/kalshi-wire.md §6.5): every field optional except the ticker; three generations seen. */
export const KalshiTickerMsgSchema = z.looseObject({
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
export const KalshiTickerMessageSchema = dataMessage("ticker", KalshiTickerMsgSchema);
export type KalshiTickerMessage = z.infer<typeof KalshiTickerMessageSchema>;
/**
 * A `ticker` frame's envelope and market only. The ingest conflates ticker messages (it forwards
 * the newest per market per flush), so it validates the whole message (TickerMsgSchema) only for
 * the one it keeps — half of all frames, most of the parsing work.
 */
export const KalshiTickerEnvelopeSchema = dataMessage("ticker", KalshiTickerMsgSchema.pick({ market_ticker: true }));

/** `ticker_v2` (docs/kalshi-wire.md §6.5): incremental; fields are a subset per message. */
export const KalshiTickerV2MsgSchema = z.looseObject({
  market_ticker: z.string().min(1),
  market_id: optString,
  price: optNumber,
  price_dollars: optDollars,
  volume_delta: optNumber,
  volume_delta_fp: KalshiSignedFpSchema.optional(),
  open_interest_delta: optNumber,
  open_interest_delta_fp: KalshiSignedFpSchema.optional(),
  dollar_volume_delta: optNumber,
  dollar_open_interest_delta: optNumber,
  ts: optNumber,
  ts_ms: optNumber,
});
export const KalshiTickerV2MessageSchema = dataMessage("ticker_v2", KalshiTickerV2MsgSchema);
export type KalshiTickerV2Message = z.infer<typeof KalshiTickerV2MessageSchema>;

const levelsInt = z.array(z.tuple([z.number(), z.number()])).nullish();
const levelsDollars = z.array(z.tuple([z.string(), z.number()])).nullish();
const levelsFp = z.array(z.tuple([z.string(), z.string()])).nullish();

/** `orderbook_snapshot` (docs/kalshi-wire.md §6.6): bids only per side; `*_dollars_fp` is the current level format. */
export const KalshiOrderbookSnapshotMsgSchema = z.looseObject({
  market_ticker: z.string().min(1),
  market_id: optString,
  yes: levelsInt,
  no: levelsInt,
  yes_dollars: levelsDollars,
  no_dollars: levelsDollars,
  yes_dollars_fp: levelsFp,
  no_dollars_fp: levelsFp,
});
export const KalshiOrderbookSnapshotMessageSchema = dataMessage("orderbook_snapshot", KalshiOrderbookSnapshotMsgSchema);
export type KalshiOrderbookSnapshotMessage = z.infer<typeof KalshiOrderbookSnapshotMessageSchema>;

/** `orderbook_delta` (docs/kalshi-wire.md §6.6): `ts` is an RFC 3339 string here (integers tolerated). */
export const KalshiOrderbookDeltaMsgSchema = z
  .looseObject({
    market_ticker: z.string().min(1),
    market_id: optString,
    price: optNumber,
    price_dollars: optDollars,
    delta: optNumber,
    delta_fp: KalshiSignedFpSchema.optional(),
    side: z.enum(["yes", "no"]),
    ts: z.union([z.string(), z.number()]).nullish(),
    client_order_id: optString,
  })
  .refine((m) => m.price_dollars != null || m.price != null, { message: "delta has no price" })
  .refine((m) => m.delta_fp != null || m.delta != null, { message: "delta has no quantity" });
export const KalshiOrderbookDeltaMessageSchema = dataMessage("orderbook_delta", KalshiOrderbookDeltaMsgSchema);
export type KalshiOrderbookDeltaMessage = z.infer<typeof KalshiOrderbookDeltaMessageSchema>;

/** `market_lifecycle_v2` (docs/kalshi-wire.md §6.7). `event_type` kept open (`metadata_updated`, `event_fee_update` seen). */
export const KalshiMarketLifecycleMsgSchema = z.looseObject({
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
export const KalshiMarketLifecycleMessageSchema = dataMessage("market_lifecycle_v2", KalshiMarketLifecycleMsgSchema);
export type KalshiMarketLifecycleMessage = z.infer<typeof KalshiMarketLifecycleMessageSchema>;

/** `event_lifecycle` (docs/kalshi-wire.md §6.7; delivered on the market_lifecycle_v2 sid). */
export const KalshiEventLifecycleMsgSchema = z.looseObject({
  event_ticker: z.string().min(1),
  title: optString,
  subtitle: optString, // docs
  sub_title: optString, // captures
  collateral_return_type: optString,
  series_ticker: optString,
  strike_date: optNumber,
  strike_period: optString,
});
export const KalshiEventLifecycleMessageSchema = dataMessage("event_lifecycle", KalshiEventLifecycleMsgSchema);
export type KalshiEventLifecycleMessage = z.infer<typeof KalshiEventLifecycleMessageSchema>;

export const KalshiWsDataMessageSchema = z.discriminatedUnion("type", [
  KalshiTradeMessageSchema,
  KalshiTickerMessageSchema,
  KalshiTickerV2MessageSchema,
  KalshiOrderbookSnapshotMessageSchema,
  KalshiOrderbookDeltaMessageSchema,
  KalshiMarketLifecycleMessageSchema,
  KalshiEventLifecycleMessageSchema,
]);
export type KalshiWsDataMessage = z.infer<typeof KalshiWsDataMessageSchema>;

export const KalshiWsReplySchema = z.discriminatedUnion("type", [
  KalshiSubscribedReplySchema,
  KalshiOkReplySchema,
  KalshiUnsubscribedReplySchema,
  KalshiErrorReplySchema,
]);
export type KalshiWsReply = z.infer<typeof KalshiWsReplySchema>;

/** Anything the server sends as a JSON text frame that ssmd understands. */
export const KalshiWsServerMessageSchema = z.union([KalshiWsDataMessageSchema, KalshiWsReplySchema]);
export type KalshiWsServerMessage = z.infer<typeof KalshiWsServerMessageSchema>;

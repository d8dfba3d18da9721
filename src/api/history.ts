/**
 * A ticker's history: GET /tickers/{ticker}/trades (the retained trades, newest first) and
 * GET /tickers/{ticker}/candles (minute candles rolled up to 1m … 1d), and their agent tools
 * `get_recent_trades` and `get_candles`. Live reads from the ticker Durable Object (not cached).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { CANDLE_INTERVALS, type CandleInterval } from "../builders/candles";
import { CandleSchema } from "../builders/schemas";
import { tickerStub } from "../stream/forward";
import {
  DEFAULT_CANDLE_PERIODS,
  HistoryCoverageSchema,
  MAX_CANDLE_PERIODS,
  MAX_TRADES_LIMIT,
  type HistoryAnswer,
} from "../stream/history-store";
import { HistoryBackfillRequestSchema, HistoryBackfillResultSchema } from "../stream/history-backfill";
import { StreamTradeSchema } from "../stream/messages";
import { invalidParameter, notFound } from "./errors";
import { createApiApp } from "./factory";
import { adminErrors, jsonContent, notFoundError, readErrors } from "./openapi-helpers";
import { cursorParam, decodeCursor, encodeCursor, instantParam, limitParam, tickerPath } from "./params";
import { defineTool, pathArg, pathRequest, routeOutput } from "./tools";

const TickerPath = z.strictObject({ ticker: tickerPath("ticker", "Market ticker") });

const TradesQuerySchema = z.strictObject({
  since: instantParam("Only trades at or after this instant"),
  until: instantParam("Only trades strictly before this instant"),
  limit: limitParam(MAX_TRADES_LIMIT, 100),
  cursor: cursorParam(),
});

const RetainedSchema = z
  .object({
    count: z.number().int().meta({ description: "Trades the ticker object holds" }),
    oldest_ts: z
      .number()
      .int()
      .nullable()
      .meta({ description: "Oldest retained trade (Unix ms): older trades are pruned, not missing" }),
    newest_ts: z.number().int().nullable().meta({ description: "Newest trade (Unix ms)" }),
  })
  .meta({
    id: "RetainedTrades",
    description:
      "The trade window a ticker object keeps: the newest 1000 trades and every trade within 1 h of the newest (docs/streaming.md)",
  });

export const TradesPageSchema = z
  .object({
    ticker: z.string(),
    trades: z.array(StreamTradeSchema).meta({ description: "Newest first" }),
    cursor: z
      .string()
      .nullable()
      .meta({ description: "Pass back unchanged (with the same since/until) for older trades; null on the last page" }),
    retained: RetainedSchema,
  })
  .openapi("TickerTrades");

const CandlesQuerySchema = z.strictObject({
  interval: z
    .enum(Object.keys(CANDLE_INTERVALS) as [CandleInterval, ...CandleInterval[]])
    .meta({ description: "Period length: 1m, 5m, 15m, 1h or 1d (UTC-aligned)" }),
  from: instantParam(
    `Start of the window (floored to the period; default: ${DEFAULT_CANDLE_PERIODS} periods before \`to\`)`,
  ),
  to: instantParam("End of the window, exclusive (default: the end of the newest period with a trade)"),
});

export const CandlesAnswerSchema = z
  .object({
    ticker: z.string(),
    interval: z.string(),
    from_ts: z.number().int().meta({ description: "Start of the first period (Unix ms)" }),
    to_ts: z.number().int().meta({ description: "End of the last period, exclusive (Unix ms)" }),
    candles: z.array(CandleSchema).meta({ description: "Every period of the window, oldest first" }),
    coverage: HistoryCoverageSchema,
  })
  .openapi("TickerCandles");

const tradesRoute = createRoute({
  method: "get",
  path: "/tickers/{ticker}/trades",
  operationId: "get_recent_trades",
  tags: ["tickers"],
  summary: "The ticker's retained trades, newest first (since/until/limit/cursor)",
  request: { params: TickerPath, query: TradesQuerySchema },
  responses: { 200: jsonContent(TradesPageSchema, "Trades, newest first"), ...readErrors, ...notFoundError },
});

const candlesRoute = createRoute({
  method: "get",
  path: "/tickers/{ticker}/candles",
  operationId: "get_candles",
  tags: ["tickers"],
  summary:
    "Candles per period (1m, 5m, 15m, 1h, 1d): open/high/low/close/vwap in cents with *_dollars twins, volumes in contracts, trade count; empty periods with null prices",
  request: { params: TickerPath, query: CandlesQuerySchema },
  responses: { 200: jsonContent(CandlesAnswerSchema, "Candles, oldest first"), ...readErrors, ...notFoundError },
});

const backfillRoute = createRoute({
  method: "post",
  path: "/admin/tickers/{ticker}/history/backfill",
  tags: ["admin", "tickers"],
  summary:
    "Fill a ticker's history from Kalshi: 1-minute candlesticks for the retention window before its first trade-built minute, trades from there on (deduplicated)",
  security: [{ bearer: [] }],
  request: {
    params: TickerPath,
    body: { content: { "application/json": { schema: HistoryBackfillRequestSchema } }, required: true },
  },
  responses: {
    200: jsonContent(
      z.object({ ticker: z.string(), backfill: HistoryBackfillResultSchema }).openapi("TickerHistoryBackfill"),
      "What was fetched and applied",
    ),
    ...readErrors,
    ...adminErrors,
    ...notFoundError,
  },
});

function unwrap<T>(ticker: string, a: HistoryAnswer<T>): T {
  if (a.status === "unknown_ticker")
    throw notFound("ticker", ticker, { reason: "no stream data received for this ticker" });
  if (a.status === "bad_window") throw invalidParameter("from", a.message);
  return a.value;
}

const historyAdminApp = createApiApp().openapi(backfillRoute, async (c) => {
  const { ticker } = c.req.valid("param");
  const a = unwrap(ticker, await tickerStub(c.env.TICKER, ticker).backfillHistory(c.req.valid("json")));
  return c.json({ ticker, backfill: a }, 200);
});

export const historyApp = createApiApp()
  .openapi(tradesRoute, async (c) => {
    const { ticker } = c.req.valid("param");
    const q = c.req.valid("query");
    const before =
      q.cursor === undefined ? undefined : (decodeCursor(q.cursor, ["number", "string"]) as [number, string]);
    const page = unwrap(
      ticker,
      await tickerStub(c.env.TICKER, ticker).trades({ since: q.since, until: q.until, limit: q.limit, before }),
    );
    c.header("Cache-Control", "no-store");
    return c.json(
      {
        ticker,
        trades: page.trades,
        cursor: page.next === null ? null : encodeCursor(page.next),
        retained: page.retained,
      },
      200,
    );
  })
  .route("/", historyAdminApp)
  .openapi(candlesRoute, async (c) => {
    const { ticker } = c.req.valid("param");
    const q = c.req.valid("query");
    if (q.from !== undefined && q.to !== undefined && q.to <= q.from)
      throw invalidParameter("to", "must be after `from`");
    const a = unwrap(
      ticker,
      await tickerStub(c.env.TICKER, ticker).candles({ interval: q.interval, from: q.from, to: q.to }),
    );
    c.header("Cache-Control", "no-store");
    return c.json(
      { ticker, interval: a.interval, from_ts: a.from_ts, to_ts: a.to_ts, candles: a.periods, coverage: a.coverage },
      200,
    );
  });

export const historyTools = [
  defineTool({
    name: "get_recent_trades",
    title: "Recent trades of a ticker",
    description: `The trades a ticker object holds (the newest 1000 and everything within 1 h of the newest), newest first: trade_id, ts (Unix ms), price_dollars (YES price, dollars), count_fp (contracts), taker_side (yes = buy volume). Filters: since (inclusive) and until (exclusive), ISO-8601; limit 1..${MAX_TRADES_LIMIT} (default 100). Paging: pass the answer's cursor back unchanged (same filters) for older trades; null = last page. A ticker without stream data → error not_found.`,
    input: z.strictObject({ ticker: pathArg("Market ticker"), ...TradesQuerySchema.shape }),
    output: routeOutput(tradesRoute),
    request: (args) => pathRequest(args, "ticker", (t) => `/tickers/${t}/trades`),
  }),
  defineTool({
    name: "get_candles",
    title: "Candles of a ticker",
    description: `Candles of one market ticker at interval 1m, 5m, 15m, 1h or 1d (UTC-aligned) over [from, to) (ISO-8601; default the ${DEFAULT_CANDLE_PERIODS} periods ending with the newest trade; at most ${MAX_CANDLE_PERIODS} periods). Per period: open, high, low, close, vwap in cents with *_dollars twins (null when no trade happened), volume, buy_volume, sell_volume in contracts, trade_count; source = trades (built from trades) or rest (Kalshi's candlesticks, buy/sell volume and trade count then null). A ticker without stream data → error not_found.`,
    input: z.strictObject({ ticker: pathArg("Market ticker"), ...CandlesQuerySchema.shape }),
    output: routeOutput(candlesRoute),
    request: (args) => pathRequest(args, "ticker", (t) => `/tickers/${t}/candles`),
  }),
];

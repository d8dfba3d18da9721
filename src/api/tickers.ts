/**
 * Stream data per ticker: GET /tickers (per-day registry), GET /tickers/{ticker} (latest ticker
 * message, top of book and both builders), /price_history and /volume_profile with any window up
 * to the retention bounds; and the `list_tickers` tool. Live reads from the ticker Durable
 * Objects — not cached (they change with every trade).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { DEFAULT_PRICE_WINDOW, DEFAULT_VOLUME_WINDOW_MS, PriceHistorySchema, VolumeProfileSchema } from "../builders";
import { pageOf } from "../db/queries";
import { listTickerDays } from "../db/stream";
import { TickerSnapshotSchema, TickerStatsSchema } from "../stream/snapshot";
import { FEED } from "../stream/registry";
import { MAX_PRICE_WINDOW, MAX_VOLUME_WINDOW_MS } from "../stream/retention";
import { tickerStub } from "../stream/forward";
import type { WindowAnswer } from "../stream/ticker";
import { HistoryCoverageSchema, type HistoryCoverage } from "../stream/history-store";
import { isUtcDay } from "../lib/validators";
import { invalidParameter, notFound } from "./errors";
import { createApiApp, type AppEnv } from "./factory";
import { jsonContent, notFoundError, readErrors } from "./openapi-helpers";
import { cursorParam, decodeCursor, encodeCursor, limitParam, tickerPath } from "./params";
import { defineTool, pathArg, pathRequest, routeOutput } from "./tools";
import { historyApp } from "./history";

const LIVE_CACHE_CONTROL = "no-store";
const REGISTRY_CACHE_CONTROL = "public, max-age=10, must-revalidate";

// ---------------------------------------------------------------------------------------------
// Schemas

// The ticker object's answer is declared once, with the object (src/stream/snapshot.ts); its
// price_history and volume_profile with the builders (src/builders/schemas.ts).
const TickerDetailSchema = TickerSnapshotSchema.extend({
  stats: TickerStatsSchema.openapi("TickerStreamStats"),
}).openapi("TickerStream");

const TickerDaySchema = z
  .object({ ticker: z.string(), first_ts: z.number().int(), last_ts: z.number().int(), messages: z.number().int() })
  .openapi("TickerDay");

export const TickerListSchema = z
  .object({ feed: z.string(), date: z.string(), tickers: z.array(TickerDaySchema), cursor: z.string().nullable() })
  .openapi("TickerList");

// ---------------------------------------------------------------------------------------------
// Parameters

export const TickersQuerySchema = z.strictObject({
  feed: z
    .enum([FEED], { error: `must be ${FEED}` })
    .optional()
    .default(FEED)
    .meta({ description: `Stream feed (only '${FEED}')` }),
  date: z
    .string()
    .refine(isUtcDay, "must be a date YYYY-MM-DD")
    .meta({ type: "string", format: "date", description: "UTC day, YYYY-MM-DD" }),
  limit: limitParam(5000, 1000),
  cursor: cursorParam(),
});

const TickerPath = z.strictObject({ ticker: tickerPath("ticker", "Market ticker") });

export const PriceWindowQuery = z.strictObject({
  window: z
    .string()
    .regex(/^[0-9]{1,7}$/, "must be a whole number of trades")
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, `must be between 1 and ${MAX_PRICE_WINDOW}`)
        .max(MAX_PRICE_WINDOW, `must be between 1 and ${MAX_PRICE_WINDOW}`),
    )
    .optional()
    .meta({
      type: "integer",
      minimum: 1,
      maximum: MAX_PRICE_WINDOW,
      default: DEFAULT_PRICE_WINDOW,
      description: `Last N trades (default ${DEFAULT_PRICE_WINDOW})`,
    }),
});

const DURATION_RE = /^([0-9]{1,9})(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "5m" → 300000, "90s", "1h", "250ms"; null when malformed. */
export function parseDuration(s: string): number | null {
  const m = DURATION_RE.exec(s);
  if (!m) return null;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

export const VolumeWindowQuery = z.strictObject({
  window: z
    .string()
    .optional()
    .meta({
      type: "string",
      description: `Window as a duration: 250ms, 90s, 5m, 1h (max ${MAX_VOLUME_WINDOW_MS / 60_000}m; default 5m)`,
      example: "5m",
    }),
  window_ms: z
    .string()
    .regex(/^[0-9]{1,10}$/, "must be a whole number of milliseconds")
    .optional()
    .meta({ type: "integer", description: "Window in milliseconds (alternative to `window`)" }),
});

function volumeWindowMs(q: { window?: string; window_ms?: string }): number {
  if (q.window !== undefined && q.window_ms !== undefined)
    throw invalidParameter("window", "give either window or window_ms, not both");
  let ms: number = DEFAULT_VOLUME_WINDOW_MS;
  let name = "window";
  if (q.window !== undefined) {
    const d = parseDuration(q.window);
    if (d === null) throw invalidParameter("window", "must be a duration like 250ms, 90s, 5m or 1h");
    ms = d;
  } else if (q.window_ms !== undefined) {
    ms = Number(q.window_ms);
    name = "window_ms";
  }
  if (ms < 1 || ms > MAX_VOLUME_WINDOW_MS)
    throw invalidParameter(name, `must be between 1 ms and ${MAX_VOLUME_WINDOW_MS / 60_000} minutes`);
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Routes

const listRoute = createRoute({
  method: "get",
  path: "/tickers",
  operationId: "list_tickers",
  tags: ["tickers"],
  summary: "Tickers that had stream data on a UTC day (per-day registry)",
  request: { query: TickersQuerySchema },
  responses: { 200: jsonContent(TickerListSchema, "Tickers, in ticker order"), ...readErrors },
});

const detailRoute = createRoute({
  method: "get",
  path: "/tickers/{ticker}",
  operationId: "get_ticker",
  tags: ["tickers"],
  summary: "Latest ticker message, top of book, price_history (last 100 trades) and volume_profile (5 min)",
  request: { params: TickerPath, query: z.strictObject({}) },
  responses: { 200: jsonContent(TickerDetailSchema, "Stream state of the ticker"), ...readErrors, ...notFoundError },
});

const priceRoute = createRoute({
  method: "get",
  path: "/tickers/{ticker}/price_history",
  operationId: "get_price_history",
  tags: ["tickers"],
  summary:
    "last, vwap, high, low, volatility (cents, with *_dollars twins) and returns (unitless) over the last N trades",
  request: { params: TickerPath, query: PriceWindowQuery },
  responses: {
    200: jsonContent(
      z.object({ ticker: z.string(), price_history: PriceHistorySchema, coverage: HistoryCoverageSchema }),
      "price_history, and the coverage of its window (from its oldest trade on)",
    ),
    ...readErrors,
    ...notFoundError,
  },
});

const volumeRoute = createRoute({
  method: "get",
  path: "/tickers/{ticker}/volume_profile",
  operationId: "get_volume_profile",
  tags: ["tickers"],
  summary:
    "buyVolume, sellVolume, totalVolume (contracts), ratio (unitless), average over a time window ending at the latest trade",
  request: { params: TickerPath, query: VolumeWindowQuery },
  responses: {
    200: jsonContent(
      z.object({ ticker: z.string(), volume_profile: VolumeProfileSchema, coverage: HistoryCoverageSchema }),
      "volume_profile, and the coverage of its window (from its start on)",
    ),
    ...readErrors,
    ...notFoundError,
  },
});

function noStreamData(ticker: string) {
  return notFound("ticker", ticker, { reason: "no stream data received for this ticker" });
}

function unwrap<T>(ticker: string, param: string, a: WindowAnswer<T>): { value: T; coverage: HistoryCoverage } {
  if (a.status === "unknown_ticker") throw noStreamData(ticker);
  if (a.status === "bad_window") throw invalidParameter(param, a.message);
  if (!a.coverage) throw new Error("ticker object answered without coverage");
  return { value: a.value, coverage: a.coverage };
}

function live(c: Context<AppEnv>) {
  c.header("Cache-Control", LIVE_CACHE_CONTROL);
}

export const tickersApp = createApiApp()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    // decodeCursor checked the key: one string.
    const after = q.cursor === undefined ? null : (decodeCursor(q.cursor, ["string"])[0] as string);
    const results = await listTickerDays(c.env.DB, q.feed, q.date, after, q.limit + 1);
    const page = pageOf(results, q.limit, (r) => r.ticker);
    c.header("Cache-Control", REGISTRY_CACHE_CONTROL);
    return c.json(
      { feed: q.feed, date: q.date, tickers: page.rows, cursor: page.next === null ? null : encodeCursor([page.next]) },
      200,
    );
  })
  .openapi(detailRoute, async (c) => {
    const { ticker } = c.req.valid("param");
    const snap = await tickerStub(c.env.TICKER, ticker).snapshot();
    if (!snap) throw noStreamData(ticker);
    live(c);
    return c.json(snap, 200);
  })
  .openapi(priceRoute, async (c) => {
    const { ticker } = c.req.valid("param");
    const { window } = c.req.valid("query");
    const ph = unwrap(
      ticker,
      "window",
      await tickerStub(c.env.TICKER, ticker).priceHistory(window ?? DEFAULT_PRICE_WINDOW),
    );
    live(c);
    return c.json({ ticker, price_history: ph.value, coverage: ph.coverage }, 200);
  })
  .openapi(volumeRoute, async (c) => {
    const { ticker } = c.req.valid("param");
    const windowMs = volumeWindowMs(c.req.valid("query"));
    const vp = unwrap(ticker, "window", await tickerStub(c.env.TICKER, ticker).volumeProfile(windowMs));
    live(c);
    return c.json({ ticker, volume_profile: vp.value, coverage: vp.coverage }, 200);
  })
  // GET /tickers/{ticker}/trades and /candles (./history.ts).
  .route("/", historyApp);

const BUILDER_UNITS =
  "price_history: last, vwap, high, low, volatility in cents (fractional) with *_dollars twins in dollars, returns unitless (fractional change); volume_profile: buyVolume, sellVolume, totalVolume, average in contracts, ratio = buy/total (0..1).";

export const tickerTools = [
  defineTool({
    name: "list_tickers",
    title: "Tickers with stream data on a day",
    description:
      "List the Kalshi market tickers that had stream data (trades, ticker or order book updates) on a UTC day (`date`, YYYY-MM-DD, required; `feed` 'kalshi'), with the first/last message time (Unix ms) and message count; ordered by ticker. Paging: the answer's `cursor` is null on the last page; otherwise pass it back unchanged, with the same date, for the next page. Then read a ticker's stream state and builders with get_ticker (or get_price_history / get_volume_profile for another window). To intersect with market filters in one call use list_markets' `has_stream_on`.",
    input: TickersQuerySchema,
    output: routeOutput(listRoute),
    request: (args) => ({ path: "/tickers", query: args }),
  }),
  defineTool({
    name: "get_ticker",
    title: "Stream state and builders of a ticker",
    description: `Live stream state of one market ticker: the latest ticker message, top of book (orderbook), price_history over the last 100 trades, volume_profile over the 5 minutes ending at the latest trade, and ingest stats. Units — ${BUILDER_UNITS} Times are Unix ms. A ticker without stream data → error not_found.`,
    input: z.strictObject({ ticker: pathArg("Market ticker, e.g. KXBTCD-26MAR1317-T65499.99") }),
    output: routeOutput(detailRoute),
    request: (args) => pathRequest(args, "ticker", (t) => `/tickers/${t}`),
  }),
  defineTool({
    name: "get_price_history",
    title: "Price history builder over the last N trades",
    description: `price_history of one market ticker over its last \`window\` trades (default ${DEFAULT_PRICE_WINDOW}, max ${MAX_PRICE_WINDOW}): last, vwap, high, low and volatility in cents (fractional) with *_dollars twins in dollars, returns unitless; coverage of the window (complete = false when a gap or reconnect in it is not backfilled). A ticker without stream data → error not_found.`,
    input: z.strictObject({ ticker: pathArg("Market ticker"), ...PriceWindowQuery.shape }),
    output: routeOutput(priceRoute),
    request: (args) => pathRequest(args, "ticker", (t) => `/tickers/${t}/price_history`),
  }),
  defineTool({
    name: "get_volume_profile",
    title: "Volume profile builder over a time window",
    description: `volume_profile of one market ticker over a time window ending at its latest trade: \`window\` as a duration (250ms, 90s, 5m, 1h; default 5m, max ${MAX_VOLUME_WINDOW_MS / 60_000}m) or \`window_ms\` (not both). buyVolume, sellVolume, totalVolume, average in contracts; ratio = buy/total (0..1); coverage of the window (complete = false when a gap or reconnect in it is not backfilled). A ticker without stream data → error not_found.`,
    input: z.strictObject({ ticker: pathArg("Market ticker"), ...VolumeWindowQuery.shape }),
    output: routeOutput(volumeRoute),
    request: (args) => pathRequest(args, "ticker", (t) => `/tickers/${t}/volume_profile`),
  }),
];

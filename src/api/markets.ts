/** GET /markets, GET /markets/{ticker}, and the list_markets / get_market tools. */
import { createRoute, z } from "@hono/zod-openapi";
import { FEED } from "../stream/registry";
import { getMarket, listMarkets, openDb, type MarketFilter, type MarketKey } from "../db/queries";
import { notFound } from "./errors";
import { createApiApp } from "./factory";
import { jsonContent, notFoundError, readErrors } from "./openapi-helpers";
import {
  boolParam,
  cursorParam,
  dayParam,
  decodeCursor,
  encodeCursor,
  instantParam,
  limitParam,
  MarketStatusFilter,
  statusRawParam,
  tickerPath,
  tokenParam,
} from "./params";
import { presentMarketWithEvent } from "./present";
import { cachedJson } from "./respond";
import { MarketDetailSchema, MarketListSchema } from "./schemas";
import { defineTool } from "./tools";

export const MarketsQuerySchema = z.strictObject({
  category: tokenParam("Series category, exact (e.g. Economics)"),
  status: MarketStatusFilter.optional(),
  status_raw: statusRawParam(),
  series: tokenParam("Series ticker, exact (e.g. KXBTCD)"),
  closing_before: instantParam("Only markets closing strictly before this instant"),
  closing_after: instantParam("Only markets closing at or after this instant"),
  include_deleted: boolParam("Include markets soft-deleted after vanishing from Kalshi's listings"),
  has_stream_on: dayParam("Only markets with stream data (feed kalshi) on this UTC day, YYYY-MM-DD"),
  limit: limitParam(),
  cursor: cursorParam(),
});

export const MarketPathSchema = z.strictObject({ ticker: tickerPath("ticker", "Market ticker") });
const NoQuery = z.strictObject({});

const listRoute = createRoute({
  method: "get",
  path: "/markets",
  tags: ["markets"],
  summary: "List markets (with their event), filtered, in close-time order",
  description:
    "Ordered by (close_time, ticker). `cursor` pages through every match exactly once; filters must stay the same between pages.",
  request: { query: MarketsQuerySchema },
  responses: { 200: jsonContent(MarketListSchema, "A page of markets"), ...readErrors },
});

const getRoute = createRoute({
  method: "get",
  path: "/markets/{ticker}",
  tags: ["markets"],
  summary: "One market with its event metadata",
  request: { params: MarketPathSchema, query: NoQuery },
  responses: { 200: jsonContent(MarketDetailSchema, "The market"), ...readErrors, ...notFoundError },
});

export const marketsApp = createApiApp()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const after = q.cursor === undefined ? null : (decodeCursor(q.cursor, ["number|null", "string"]) as MarketKey);
    const filter: MarketFilter = {
      category: q.category,
      status: q.status,
      statusRaw: q.status_raw,
      series: q.series,
      closingBefore: q.closing_before,
      closingAfter: q.closing_after,
      includeDeleted: q.include_deleted,
      hasStreamOn: q.has_stream_on ? { feed: FEED, day: q.has_stream_on } : undefined,
    };
    return cachedJson(c, {
      scopes: q.has_stream_on ? ["markets", "events", "tickers"] : ["markets", "events"],
      query: q,
      load: async () => {
        const page = await listMarkets(openDb(c.env.DB), filter, q.limit, after);
        return { markets: page.rows.map(presentMarketWithEvent), cursor: page.next ? encodeCursor(page.next) : null };
      },
    });
  })
  .openapi(getRoute, async (c) => {
    const { ticker } = c.req.valid("param");
    return cachedJson(c, {
      scopes: ["markets", "events"],
      query: {},
      load: async () => {
        const row = await getMarket(openDb(c.env.DB), ticker);
        if (!row) throw notFound("market", ticker);
        return { market: presentMarketWithEvent(row) };
      },
    });
  });

export const marketTools = [
  defineTool({
    name: "list_markets",
    description:
      "List Kalshi markets from ssmd's security master, filtered by category, status (see the `status` parameter: `active` = tradeable now; `open` also includes not-yet-open and paused markets), exact raw status, series, close time window; paginated with `cursor`. Each market includes prices (cents and exact dollar strings), volume, open interest, its normalized status and Kalshi's raw status, and its event.",
    input: MarketsQuerySchema,
    request: (args) => ({ path: "/markets", query: args }),
  }),
  defineTool({
    name: "get_market",
    description: "Get one Kalshi market by ticker, with its event metadata, prices, volume and status.",
    input: z.strictObject({
      ticker: z.string().min(1).max(200).meta({ description: "Market ticker, e.g. KXBTCD-26MAR1317-T65499.99" }),
    }),
    request: (args) => ({ path: `/markets/${encodeURIComponent(args.ticker ?? "")}` }),
  }),
];

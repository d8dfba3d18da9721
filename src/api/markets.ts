/** GET /markets, GET /markets/{ticker}, and the list_markets / get_market tools. */
import { createRoute, z } from "@hono/zod-openapi";
import { FEED } from "../stream/registry";
import {
  getMarket,
  listMarkets,
  openDb,
  readSession,
  searchMarkets,
  type MarketFilter,
  type MarketKey,
  type MarketSearchKey,
} from "../db/queries";
import { searchWords } from "../domain/search";
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
  searchParam,
  statusRawParam,
  tickerPath,
  tokenParam,
} from "./params";
import { presentMarketWithEvent } from "./present";
import { cachedJson } from "./respond";
import { MarketDetailOut, MarketListOut } from "./schemas";
import { defineTool, pathArg, pathRequest } from "./tools";
import { detailArg, MARKET_VIEW, MarketDetailView, MarketListView, viewQuery } from "./views";

const SEARCH_ORDER =
  "With `q`, ordered by relevance, then (close_time, ticker): first markets whose ticker holds the words as a phrase (e.g. a ticker or series ticker), then those whose title holds them as a phrase, then those with every word in the title, then the rest (every word somewhere in ticker, title, subtitle, yes/no subtitles).";

export const MarketsQuerySchema = z.strictObject({
  q: searchParam(
    "Full-text search: markets whose ticker, title or subtitles contain every word (case and diacritics ignored: Societe finds Société; whole words, no prefixes; quotes and operators are plain text). Combines with every other filter.",
  ),
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
  fields: MARKET_VIEW.param("market", "ticker,title,yes_bid,close_time"),
});

export const MarketPathSchema = z.strictObject({ ticker: tickerPath("ticker", "Market ticker") });
const MarketQuerySchema = z.strictObject({ fields: MARKET_VIEW.param("market", "ticker,title,yes_bid,close_time") });

const listRoute = createRoute({
  method: "get",
  path: "/markets",
  operationId: "list_markets",
  tags: ["markets"],
  summary: "List markets (with their event), filtered, in close-time order",
  description: `Ordered by (close_time, ticker). ${SEARCH_ORDER} \`cursor\` pages through every match exactly once; filters (and \`q\`) must stay the same between pages.`,
  request: { query: MarketsQuerySchema },
  responses: { 200: jsonContent(MarketListOut, "A page of markets"), ...readErrors },
});

const getRoute = createRoute({
  method: "get",
  path: "/markets/{ticker}",
  operationId: "get_market",
  tags: ["markets"],
  summary: "One market with its event metadata",
  request: { params: MarketPathSchema, query: MarketQuerySchema },
  responses: { 200: jsonContent(MarketDetailOut, "The market"), ...readErrors, ...notFoundError },
});

export const marketsApp = createApiApp()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
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
        const d1 = readSession(c.env.DB);
        // With q the cursor carries the relevance bucket too: the two kinds never decode as each other.
        const page =
          q.q === undefined
            ? await listMarkets(
                d1,
                filter,
                q.limit,
                q.cursor === undefined ? null : (decodeCursor(q.cursor, ["number|null", "string"]) as MarketKey),
              )
            : await searchMarkets(
                openDb(d1),
                filter,
                searchWords(q.q),
                q.limit,
                q.cursor === undefined
                  ? null
                  : (decodeCursor(q.cursor, ["number", "number|null", "string"]) as MarketSearchKey),
              );
        return {
          markets: page.rows.map((r) => MARKET_VIEW.apply(presentMarketWithEvent(r), q.fields)),
          cursor: page.next ? encodeCursor(page.next) : null,
        };
      },
    });
  })
  .openapi(getRoute, async (c) => {
    const { ticker } = c.req.valid("param");
    const { fields } = c.req.valid("query");
    return cachedJson(c, {
      scopes: ["markets", "events"],
      query: { fields },
      load: async () => {
        const row = await getMarket(readSession(c.env.DB), ticker);
        if (!row) throw notFound("market", ticker);
        return { market: MARKET_VIEW.apply(presentMarketWithEvent(row), fields) };
      },
    });
  });

export const marketTools = [
  defineTool({
    name: "list_markets",
    title: "List markets",
    description:
      "List Kalshi markets from ssmd's security master (each with its event), filtered by category, status (see the `status` parameter: `active` = tradeable now; `open` also includes not-yet-open and paused markets), exact raw status (`status_raw`), series, close-time window [`closing_after`, `closing_before`) (ISO-8601 date or timestamp with zone) and `has_stream_on` (YYYY-MM-DD: only markets with stream data that UTC day). Ordered by (close_time, ticker). Paging: the answer's `cursor` is null on the last page; otherwise pass it back unchanged, with the same filters, for the next page. Units: a price named as Kalshi/the seed names it (`yes_bid`, `last_price`, …) is in cents (fractional below a cent); its `*_dollars` twin is the exact dollar string; volume and open interest are contracts (`*_fp`: exact strings). Answers a compact view of each market by default (ticker, event_ticker, series_ticker, category, title, yes_sub_title, status, close_time, yes_bid/yes_ask/no_bid/no_ask/last_price in cents, volume/volume_24h/open_interest in contracts); `detail: \"full\"` answers every field (exact `*_dollars`/`*_fp` strings, rules, strikes, the event), `fields` exactly the fields named.",
    input: MarketsQuerySchema.extend({ detail: detailArg }),
    output: MarketListView,
    request: (args) => ({ path: "/markets", query: viewQuery(args) }),
  }),
  defineTool({
    name: "search_markets",
    title: "Search markets",
    description: `Find Kalshi markets by words of their ticker, title or subtitles (\`q\`, required: every word must occur; case and diacritics ignored; whole words), with every list_markets filter (category, status, status_raw, series, closing window, has_stream_on). ${SEARCH_ORDER} Paging: the answer's \`cursor\` is null on the last page; otherwise pass it back unchanged, with the same q and filters. Units as in list_markets: prices in cents with exact \`*_dollars\` twins, volumes in contracts. Answers a compact view of each market by default (ticker, event_ticker, series_ticker, category, title, yes_sub_title, status, close_time, yes_bid/yes_ask/no_bid/no_ask/last_price in cents, volume/volume_24h/open_interest in contracts); \`detail: "full"\` answers every field (exact \`*_dollars\`/\`*_fp\` strings, rules, strikes, the event), \`fields\` exactly the fields named.`,
    input: MarketsQuerySchema.required({ q: true }).extend({ detail: detailArg }),
    output: MarketListView,
    request: (args) => ({ path: "/markets", query: viewQuery(args) }),
  }),
  defineTool({
    name: "get_market",
    title: "Get a market",
    description:
      'Get one Kalshi market by ticker, with its event metadata, prices (cents; `*_dollars` twins in dollars), volume and open interest (contracts), normalized and raw status, times (RFC 3339). Also answers for a soft-deleted market (`deleted_at` set). Unknown ticker → error not_found. Answers a compact view of the market by default (ticker, event_ticker, series_ticker, category, title, yes_sub_title, status, close_time, yes_bid/yes_ask/no_bid/no_ask/last_price in cents, volume/volume_24h/open_interest in contracts); `detail: "full"` answers every field (exact `*_dollars`/`*_fp` strings, rules, strikes, the event), `fields` exactly the fields named.',
    input: z.strictObject({
      ticker: pathArg("Market ticker, e.g. KXBTCD-26MAR1317-T65499.99"),
      ...MarketQuerySchema.shape,
      detail: detailArg,
    }),
    output: MarketDetailView,
    request: (args) => pathRequest(viewQuery(args), "ticker", (t) => `/markets/${t}`),
  }),
];

/** GET /events, GET /events/{event_ticker}, and the list_events tool. */
import { createRoute, z } from "@hono/zod-openapi";
import { getEvent, listEvents, openDb, readSession, searchEvents, type EventSearchKey } from "../db/queries";
import { searchWords } from "../domain/search";
import { notFound } from "./errors";
import { createApiApp } from "./factory";
import { jsonContent, notFoundError, readErrors } from "./openapi-helpers";
import {
  boolParam,
  cursorParam,
  decodeCursor,
  encodeCursor,
  EventStatusFilter,
  limitParam,
  searchParam,
  tickerPath,
  tokenParam,
} from "./params";
import { presentEvent, presentMarket } from "./present";
import { cachedJson } from "./respond";
import { EventDetailOut, EventListOut } from "./schemas";
import { defineTool, pathArg, pathRequest } from "./tools";
import { detailArg, EVENT_MARKET_VIEW, EVENT_VIEW, EventDetailView, EventListView, viewQuery } from "./views";

export const EventsQuerySchema = z.strictObject({
  q: searchParam(
    "Full-text search: events whose ticker, title or sub_title contain every word, or whose series' ticker or title does (case and diacritics ignored; whole words). Ordered by relevance (ticker phrase, title phrase, all words in the title, the rest, then matches through the series only), then event_ticker.",
  ),
  category: tokenParam("Category, exact (e.g. Economics)"),
  status: EventStatusFilter.optional(),
  series: tokenParam("Series ticker, exact"),
  include_deleted: boolParam("Include soft-deleted events"),
  limit: limitParam(),
  cursor: cursorParam(),
  fields: EVENT_VIEW.param("event", "event_ticker,title,status,market_count"),
});

const EventPathSchema = z.strictObject({ event_ticker: tickerPath("event_ticker", "Event ticker") });
const EventDetailQuery = z.strictObject({
  include_deleted: boolParam("Include the event's soft-deleted markets"),
  market_fields: EVENT_MARKET_VIEW.param("of the event's markets", "ticker,title,yes_bid,close_time"),
});

const listRoute = createRoute({
  method: "get",
  path: "/events",
  operationId: "list_events",
  tags: ["events"],
  summary: "List events with their market counts, in event_ticker order (with `q`: by relevance, then event_ticker)",
  request: { query: EventsQuerySchema },
  responses: { 200: jsonContent(EventListOut, "A page of events"), ...readErrors },
});

const getRoute = createRoute({
  method: "get",
  path: "/events/{event_ticker}",
  operationId: "get_event",
  tags: ["events"],
  summary: "One event with its markets",
  request: { params: EventPathSchema, query: EventDetailQuery },
  responses: { 200: jsonContent(EventDetailOut, "The event and its markets"), ...readErrors, ...notFoundError },
});

export const eventsApp = createApiApp()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const filter = { category: q.category, status: q.status, series: q.series, includeDeleted: q.include_deleted };
    return cachedJson(c, {
      scopes: q.q === undefined ? ["events", "markets"] : ["events", "markets", "series"],
      query: q,
      load: async () => {
        const d1 = readSession(c.env.DB);
        if (q.q !== undefined) {
          const after =
            q.cursor === undefined ? null : (decodeCursor(q.cursor, ["number", "string"]) as EventSearchKey);
          const page = await searchEvents(openDb(d1), filter, searchWords(q.q), q.limit, after);
          return {
            events: page.rows.map((r) => EVENT_VIEW.apply(presentEvent(r), q.fields)),
            cursor: page.next === null ? null : encodeCursor(page.next),
          };
        }
        const after = q.cursor === undefined ? null : (decodeCursor(q.cursor, ["string"])[0] as string);
        const page = await listEvents(d1, filter, q.limit, after);
        return {
          events: page.rows.map((r) => EVENT_VIEW.apply(presentEvent(r), q.fields)),
          cursor: page.next === null ? null : encodeCursor([page.next]),
        };
      },
    });
  })
  .openapi(getRoute, async (c) => {
    const { event_ticker } = c.req.valid("param");
    const q = c.req.valid("query");
    return cachedJson(c, {
      scopes: ["events", "markets"],
      query: q,
      load: async () => {
        const found = await getEvent(readSession(c.env.DB), event_ticker, q.include_deleted);
        if (!found) throw notFound("event", event_ticker);
        return {
          event: presentEvent(found.event),
          markets: found.markets.map((m) => EVENT_MARKET_VIEW.apply(presentMarket(m), q.market_fields)),
        };
      },
    });
  });

export const eventTools = [
  defineTool({
    name: "list_events",
    title: "List events",
    description:
      "List Kalshi events (groups of related markets) filtered by category, status (derived from the event's markets; see the `status` parameter) or series, each with its market count; ordered by event_ticker. Paging: the answer's `cursor` is null on the last page; otherwise pass it back unchanged, with the same filters, for the next page. Use get_event for an event's markets. `fields` answers only the fields named (e.g. event_ticker,title,status,market_count).",
    input: EventsQuerySchema,
    output: EventListView,
    request: (args) => ({ path: "/events", query: args }),
  }),
  defineTool({
    name: "get_event",
    title: "Get an event with its markets",
    description:
      'Get one Kalshi event by event ticker, with all its markets (not paged; soft-deleted ones only with `include_deleted`). Market prices are in cents with exact `*_dollars` twins in dollars; volumes in contracts. Unknown event → error not_found. Answers a compact view of each market by default (ticker, event_ticker, series_ticker, category, title, yes_sub_title, status, close_time, prices in cents, volumes in contracts); `detail: "full"` answers every market field, `market_fields` exactly the fields named.',
    input: z.strictObject({
      event_ticker: pathArg("Event ticker, e.g. KXCPI-26MAR"),
      ...EventDetailQuery.shape,
      detail: detailArg,
    }),
    output: EventDetailView,
    request: (args) => pathRequest(viewQuery(args, "market_fields"), "event_ticker", (t) => `/events/${t}`),
  }),
];

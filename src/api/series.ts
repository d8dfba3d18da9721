/** GET /series, GET /series/{series_ticker} (with the fee type/multiplier and fee schedule). */
import { createRoute, z } from "@hono/zod-openapi";
import { getSeries, getSeriesFeeSchedule, listSeries, openDb } from "../db/queries";
import { notFound } from "./errors";
import { createApiApp } from "./factory";
import { jsonContent, notFoundError, readErrors } from "./openapi-helpers";
import { boolParam, cursorParam, decodeCursor, encodeCursor, limitParam, tickerPath, tokenParam } from "./params";
import { feeInForce, presentFeeEntry, presentSeries } from "./present";
import { cachedJson } from "./respond";
import { SeriesDetailOut, SeriesListOut } from "./schemas";
import { defineTool, pathArg, pathRequest, routeOutput } from "./tools";

export const SeriesQuerySchema = z.strictObject({
  category: tokenParam("Category, exact (e.g. Economics)"),
  include_deleted: boolParam("Include soft-deleted series"),
  limit: limitParam(),
  cursor: cursorParam(),
});

const SeriesPathSchema = z.strictObject({ series_ticker: tickerPath("series_ticker", "Series ticker") });

const listRoute = createRoute({
  method: "get",
  path: "/series",
  operationId: "list_series",
  tags: ["series"],
  summary: "List series (with fee type and multiplier), in ticker order",
  request: { query: SeriesQuerySchema },
  responses: { 200: jsonContent(SeriesListOut, "A page of series"), ...readErrors },
});

const getRoute = createRoute({
  method: "get",
  path: "/series/{series_ticker}",
  operationId: "get_series",
  tags: ["series"],
  summary: "One series with its fee in force and its fee schedule",
  request: { params: SeriesPathSchema, query: z.strictObject({}) },
  responses: { 200: jsonContent(SeriesDetailOut, "The series"), ...readErrors, ...notFoundError },
});

export const seriesApp = createApiApp()
  .openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    const after = q.cursor === undefined ? null : (decodeCursor(q.cursor, ["string"])[0] as string);
    return cachedJson(c, {
      scopes: ["series"],
      query: q,
      load: async () => {
        const page = await listSeries(
          openDb(c.env.DB),
          { category: q.category, includeDeleted: q.include_deleted },
          q.limit,
          after,
        );
        return { series: page.rows.map(presentSeries), cursor: page.next === null ? null : encodeCursor([page.next]) };
      },
    });
  })
  .openapi(getRoute, async (c) => {
    const { series_ticker } = c.req.valid("param");
    // "Now" moves: the fee in force is evaluated per minute so a cached answer is never more
    // than a minute behind a scheduled change taking effect.
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    return cachedJson(c, {
      scopes: ["series", "fees"],
      query: { minute },
      load: async () => {
        const db = openDb(c.env.DB);
        const [row, schedule] = await Promise.all([
          getSeries(db, series_ticker),
          getSeriesFeeSchedule(db, series_ticker),
        ]);
        if (!row) throw notFound("series", series_ticker);
        return {
          series: presentSeries(row),
          fee_in_force: feeInForce(row, schedule, minute),
          fee_schedule: schedule.map(presentFeeEntry),
        };
      },
    });
  });

export const seriesTools = [
  defineTool({
    name: "list_series",
    title: "List series",
    description:
      "List Kalshi series (templates of recurring events, e.g. KXCPI) filtered by category, each with its fee type (quadratic | quadratic_with_maker_fees | flat) and fee multiplier; ordered by ticker. Paging: the answer's `cursor` is null on the last page; otherwise pass it back unchanged, with the same filters, for the next page.",
    input: SeriesQuerySchema,
    output: routeOutput(listRoute),
    request: (args) => ({ path: "/series", query: args }),
  }),
  defineTool({
    name: "get_series",
    title: "Get a series with its fee schedule",
    description:
      "Get one Kalshi series by ticker, with the fee entry in force now (`fee_in_force`) and its whole fee schedule (`fee_schedule`, oldest first, future changes included; `effective_ts` in Unix ms). Unknown series → error not_found. For a fee amount use get_fees.",
    input: z.strictObject({ series_ticker: pathArg("Series ticker, e.g. KXCPI") }),
    output: routeOutput(getRoute),
    request: (args) => pathRequest(args, "series_ticker", (t) => `/series/${t}`),
  }),
];

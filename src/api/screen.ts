/**
 * GET /screen and the `screen_markets` tool: the seed's workflow in one call — secmaster filters
 * (as GET /markets), "had stream data on day D" (the per-day ticker registry), then conditions on
 * the builder values of each candidate, sorted by a builder field and paged.
 *
 * Bounded work: the candidates are the first MAX_SCREEN_CANDIDATES markets the filters select (in
 * GET /markets order); the answer says when that cap cut the list. Each candidate costs one RPC to
 * its ticker object (`screenSummary`: both builders, nothing else), at most SCREEN_CONCURRENCY in
 * flight. Live values, not cached: a page is computed afresh, so between pages a row whose values
 * moved may shift (the cursor is a sort key, never an offset).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { DEFAULT_PRICE_WINDOW, DEFAULT_VOLUME_WINDOW_MS, PriceHistorySchema, VolumeProfileSchema } from "../builders";
import { listMarkets, type MarketFilter, type MarketWithEventRow } from "../db/queries";
import { mapLimit } from "../lib/async";
import { tickerStub } from "../stream/forward";
import { FEED } from "../stream/registry";
import { MAX_VOLUME_WINDOW_MS } from "../stream/retention";
import type { ScreenSummary } from "../stream/snapshot";
import { invalidParameter } from "./errors";
import { createApiApp } from "./factory";
import { MarketsQuerySchema } from "./markets";
import { jsonContent, readErrors } from "./openapi-helpers";
import { cursorParam, decodeCursor, encodeCursor, limitParam } from "./params";
import { presentMarketWithEvent } from "./present";
import { MarketWithEventOut } from "./schemas";
import { parseDuration, PriceWindowQuery, VolumeWindowQuery } from "./tickers";
import { defineTool, routeOutput } from "./tools";

/** Candidate markets per call (one ticker-object RPC each): bounds a screen's latency and subrequests. */
export const MAX_SCREEN_CANDIDATES = 500;
/** Ticker-object RPCs in flight per screen. */
const SCREEN_CONCURRENCY = 32;

type Summary = ScreenSummary;
type Builder = keyof Summary;

/**
 * The builder fields a condition or the sort may name: every number of the two builders'
 * schemas (src/builders/schemas.ts) but their window sizes, which the call itself sets.
 */
const FIELD_BUILDER: Record<string, Builder> = Object.fromEntries([
  ...Object.keys(PriceHistorySchema.shape)
    .filter((k) => k !== "window")
    .map((k) => [k, "price_history" as const]),
  ...Object.keys(VolumeProfileSchema.shape)
    .filter((k) => k !== "window_ms")
    .map((k) => [k, "volume_profile" as const]),
]);
const SCREEN_FIELDS = Object.keys(FIELD_BUILDER) as [string, ...string[]];
const CLOSE_TIME = "close_time";

const OPS = [">=", "<=", ">", "<", "="] as const;
type Op = (typeof OPS)[number];
interface Condition {
  field: string;
  op: Op | "between";
  a: number;
  b: number;
}

const NUM = "-?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)";
const COND_RE = new RegExp(`^([A-Za-z_]+)\\s*(>=|<=|>|<|=)\\s*(${NUM})$`);
const BETWEEN_RE = new RegExp(`^([A-Za-z_]+)\\s*:\\s*(${NUM})\\s*\\.\\.\\s*(${NUM})$`);

/** `"volatility>2, ratio>=0.6, vwap:40..60"` → conditions; a 400 on `where` naming the bad one. */
function parseWhere(where: string | undefined): Condition[] {
  if (where === undefined) return [];
  const out: Condition[] = [];
  for (const part of where.split(",")) {
    const text = part.trim();
    const m = COND_RE.exec(text);
    const r = m ? null : BETWEEN_RE.exec(text);
    const field = (m ?? r)?.[1];
    if (!field)
      throw invalidParameter(
        "where",
        `cannot read condition '${text}': expected FIELD>N, FIELD>=N, FIELD<N, FIELD<=N, FIELD=N or FIELD:LO..HI`,
      );
    if (!(field in FIELD_BUILDER))
      throw invalidParameter("where", `unknown field '${field}' in '${text}'; fields: ${SCREEN_FIELDS.join(", ")}`);
    if (m) out.push({ field, op: m[2] as Op, a: Number(m[3]), b: Number.NaN });
    else {
      const a = Number(r![2]);
      const b = Number(r![3]);
      if (a > b) throw invalidParameter("where", `empty range in '${text}': ${a} > ${b}`);
      out.push({ field, op: "between", a, b });
    }
  }
  return out;
}

function fieldValue(s: Summary, field: string): number | null {
  const builder = FIELD_BUILDER[field]!;
  return (s[builder] as unknown as Record<string, number | null>)[field] ?? null;
}

/** A null value (e.g. volatility below 2 trades) meets no condition. */
function holds(s: Summary, c: Condition): boolean {
  const v = fieldValue(s, c.field);
  if (v === null) return false;
  switch (c.op) {
    case ">":
      return v > c.a;
    case ">=":
      return v >= c.a;
    case "<":
      return v < c.a;
    case "<=":
      return v <= c.a;
    case "=":
      return v === c.a;
    case "between":
      return v >= c.a && v <= c.b;
  }
}

const ScreenQuerySchema = z.strictObject({
  category: MarketsQuerySchema.shape.category,
  status: MarketsQuerySchema.shape.status,
  series: MarketsQuerySchema.shape.series,
  closing_before: MarketsQuerySchema.shape.closing_before,
  closing_after: MarketsQuerySchema.shape.closing_after,
  has_stream_on: MarketsQuerySchema.shape.has_stream_on,
  price_window: PriceWindowQuery.shape.window,
  volume_window: VolumeWindowQuery.shape.window,
  where: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .meta({
      description: `Conditions on builder values, comma-separated, all must hold: FIELD>N, FIELD>=N, FIELD<N, FIELD<=N, FIELD=N, FIELD:LO..HI (inclusive). Fields: ${SCREEN_FIELDS.join(", ")} (units as in get_price_history / get_volume_profile: prices in cents, *_dollars in dollars, volumes in contracts). A null value meets no condition.`,
      example: "volatility>0.5,ratio>=0.6,vwap:40..60,totalVolume>=100",
    }),
  sort: z
    .enum([CLOSE_TIME, ...SCREEN_FIELDS], { error: `must be ${CLOSE_TIME} or a builder field` })
    .optional()
    .meta({ description: `Sort key: a builder field, or ${CLOSE_TIME} (default); ties by ticker; nulls last` }),
  order: z
    .enum(["asc", "desc"], { error: "must be asc or desc" })
    .optional()
    .meta({ description: `asc or desc (default: desc for a builder field, asc for ${CLOSE_TIME})` }),
  limit: limitParam(200, 25),
  cursor: cursorParam(),
});

const ScreenRowSchema = z
  .object({
    market: MarketWithEventOut,
    price_history: PriceHistorySchema.nullable().openapi({
      description: "Over the last `price_window` trades; null when the ticker has no stream data",
    }),
    volume_profile: VolumeProfileSchema.nullable().openapi({
      description: "Over `volume_window` ending at the latest trade; null when the ticker has no stream data",
    }),
  })
  .openapi("ScreenRow");

const ScreenResultSchema = z
  .object({
    results: z.array(ScreenRowSchema),
    cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last page" }),
    price_window: z.number().int().openapi({ description: "Trades in each price_history window" }),
    volume_window_ms: z.number().int().openapi({ description: "Length of each volume_profile window (ms)" }),
    screened: z
      .object({
        candidates: z
          .number()
          .int()
          .openapi({ description: "Markets the filters selected and whose builders were read (≤ candidate_cap)" }),
        with_stream_data: z.number().int().openapi({ description: "Candidates whose ticker object holds stream data" }),
        matched: z.number().int().openapi({ description: "Candidates meeting every `where` condition (all pages)" }),
        candidate_cap: z.number().int(),
        capped: z.boolean().openapi({
          description:
            "True when more markets matched the filters than candidate_cap: only the first ones were screened",
        }),
        ticker_calls: z.number().int().openapi({ description: "Ticker-object RPCs this call made" }),
      })
      .openapi({ description: "What this call examined" }),
    note: z
      .string()
      .nullable()
      .openapi({ description: "Set when the candidate cap cut the screen: what was left out and how to narrow" }),
  })
  .openapi("ScreenResult");

const screenRoute = createRoute({
  method: "get",
  path: "/screen",
  operationId: "screen_markets",
  tags: ["tickers"],
  summary: "Screen markets: secmaster filters, stream day, conditions on builder values, sorted by a builder field",
  description: `Candidates: the markets GET /markets would list for the filters (at most ${MAX_SCREEN_CANDIDATES}, in close-time order; \`screened.capped\` and \`note\` say when more matched). Each candidate's builders are read from its ticker object (one call each, ${SCREEN_CONCURRENCY} at a time), the \`where\` conditions applied, the rest sorted and paged. Live: not cached.`,
  request: { query: ScreenQuerySchema },
  responses: { 200: jsonContent(ScreenResultSchema, "One page of screened markets"), ...readErrors },
});

function volumeWindowMs(w: string | undefined): number {
  if (w === undefined) return DEFAULT_VOLUME_WINDOW_MS;
  const ms = parseDuration(w);
  if (ms === null) throw invalidParameter("volume_window", "must be a duration like 250ms, 90s, 5m or 1h");
  if (ms < 1 || ms > MAX_VOLUME_WINDOW_MS)
    throw invalidParameter("volume_window", `must be between 1 ms and ${MAX_VOLUME_WINDOW_MS / 60_000} minutes`);
  return ms;
}

interface Row {
  key: number | null;
  ticker: string;
  row: MarketWithEventRow;
  summary: Summary | null;
}

/** Sort order: key (asc or desc), nulls last, then ticker ascending. */
function compareRows(a: { key: number | null; ticker: string }, b: typeof a, desc: boolean): number {
  if (a.key !== b.key) {
    if (a.key === null) return 1;
    if (b.key === null) return -1;
    return desc ? b.key - a.key : a.key - b.key;
  }
  return a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : 0;
}

export const screenApp = createApiApp().openapi(screenRoute, async (c) => {
  const q = c.req.valid("query");
  const conditions = parseWhere(q.where);
  const priceWindow = q.price_window ?? DEFAULT_PRICE_WINDOW;
  const volumeMs = volumeWindowMs(q.volume_window);
  const sort = q.sort ?? CLOSE_TIME;
  const desc = (q.order ?? (sort === CLOSE_TIME ? "asc" : "desc")) === "desc";
  // The cursor is the last row's sort key, tagged with the sort it belongs to.
  let after: { key: number | null; ticker: string } | null = null;
  if (q.cursor !== undefined) {
    const [s, o, k, t] = decodeCursor(q.cursor, ["string", "string", "string", "string"]) as string[];
    if (s !== sort || o !== (desc ? "desc" : "asc"))
      throw invalidParameter("cursor", "this cursor belongs to another sort or order");
    after = { key: k === "" ? null : Number(k), ticker: t! };
  }

  const filter: MarketFilter = {
    category: q.category,
    status: q.status,
    series: q.series,
    closingBefore: q.closing_before,
    closingAfter: q.closing_after,
    hasStreamOn: q.has_stream_on ? { feed: FEED, day: q.has_stream_on } : undefined,
  };
  const t0 = performance.now();
  const page = await listMarkets(c.env.DB, filter, MAX_SCREEN_CANDIDATES, null);
  const t1 = performance.now();
  const candidates = page.rows;
  const summaries = new Map<string, Summary | null>();
  let badWindow: string | null = null;
  await mapLimit(candidates, SCREEN_CONCURRENCY, async ({ market }) => {
    const a = await tickerStub(c.env.TICKER, market.ticker).screenSummary(priceWindow, volumeMs);
    if (a.status === "bad_window") badWindow = a.message;
    summaries.set(market.ticker, a.status === "ok" ? a.value : null);
  });
  const t2 = performance.now();
  // The schema bounds the windows as the ticker object does; this is a disagreement between them.
  if (badWindow !== null) throw invalidParameter("price_window", badWindow);

  const rows: Row[] = [];
  let withData = 0;
  for (const r of candidates) {
    const s = summaries.get(r.market.ticker) ?? null;
    if (s) withData++;
    if (conditions.length > 0 && (!s || !conditions.every((cond) => holds(s, cond)))) continue;
    const key = sort === CLOSE_TIME ? r.market.close_ts : s ? fieldValue(s, sort) : null;
    rows.push({ key, ticker: r.market.ticker, row: r, summary: s });
  }
  rows.sort((a, b) => compareRows(a, b, desc));
  const start = after === null ? 0 : rows.findIndex((r) => compareRows(r, after!, desc) > 0);
  const from = start < 0 ? rows.length : start;
  const pageRows = rows.slice(from, from + q.limit);
  const last = pageRows[pageRows.length - 1];
  const more = from + q.limit < rows.length && last !== undefined;
  const capped = page.next !== null;
  c.header("Cache-Control", "no-store");
  // Where a screen's time goes (the candidates' D1 query, the ticker-object fan-out): bench/screen.ts.
  c.header("Server-Timing", `candidates;dur=${(t1 - t0).toFixed(1)}, builders;dur=${(t2 - t1).toFixed(1)}`);
  return c.json(
    {
      // Only the page's rows are presented.
      results: pageRows.map((r) => ({
        market: presentMarketWithEvent(r.row),
        price_history: r.summary?.price_history ?? null,
        volume_profile: r.summary?.volume_profile ?? null,
      })),
      cursor: more
        ? encodeCursor([sort, desc ? "desc" : "asc", last.key === null ? "" : String(last.key), last.ticker])
        : null,
      price_window: priceWindow,
      volume_window_ms: volumeMs,
      screened: {
        candidates: candidates.length,
        with_stream_data: withData,
        matched: rows.length,
        candidate_cap: MAX_SCREEN_CANDIDATES,
        capped,
        ticker_calls: candidates.length,
      },
      note: capped
        ? `candidate cap hit: more than ${MAX_SCREEN_CANDIDATES} markets matched the filters and only the first ${MAX_SCREEN_CANDIDATES} in close-time order were screened; narrow the filters (has_stream_on, category, series, closing_before/closing_after)`
        : null,
    },
    200,
  );
});

export const screenTools = [
  defineTool({
    name: "screen_markets",
    title: "Screen markets by their builder values",
    description: `The seed's workflow in one call: markets selected like list_markets (category, status, series, close-time window [closing_after, closing_before), has_stream_on = UTC day YYYY-MM-DD with stream data), then filtered by conditions on their builder values (\`where\`, e.g. "volatility>0.5,ratio>=0.6,vwap:40..60,totalVolume>=100") over \`price_window\` trades (default ${DEFAULT_PRICE_WINDOW}) and \`volume_window\` (duration, default 5m), sorted by \`sort\` (a builder field or close_time) and \`order\`. Each result carries the market with its event and both builders (prices in cents, *_dollars in dollars, volumes in contracts, ratio 0..1). At most ${MAX_SCREEN_CANDIDATES} candidate markets per call: when more match, \`screened.capped\` is true and \`note\` says so — narrow the filters. Paging: the answer's \`cursor\` is null on the last page; otherwise pass it back unchanged, with the same arguments, for the next page.`,
    input: ScreenQuerySchema,
    output: routeOutput(screenRoute),
    request: (args) => ({ path: "/screen", query: args }),
  }),
];

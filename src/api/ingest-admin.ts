/**
 * /admin/ingest/*: push trade batches over HTTP (replays, benchmarks), read the ingest object's
 * health, start/stop its WebSocket. Behind the admin bearer token (app.ts mounts `adminAuth` on
 * /admin/*).
 */
import { IngestHealthSchema } from "../stream/health";
import { createRoute, z } from "@hono/zod-openapi";
import { IngestTradesResultSchema, MAX_TRADES_PER_BATCH } from "../stream/forwarder";
import { INGEST_NAME, type IngestObject } from "../stream/ingest";
import { convertTrades, IngestTradeSchema, TRADE_FORMAT_SCHEMAS, tradeFormatOf } from "../stream/trade-input";
import { detailsError, zodIssuesToDetails, type ErrorDetail } from "./errors";
import { createApiApp } from "./factory";
import { ingestBodyLimit, tooManyTrades } from "./limits";
import { adminErrors, jsonContent, readErrors } from "./openapi-helpers";

/** The ingest object of a feed (one per feed; "kalshi" in production). */
export function ingestObject(env: Env, feed: string = INGEST_NAME): DurableObjectStub<IngestObject> {
  return env.INGEST.get(env.INGEST.idFromName(feed));
}

const TradesBody = z.strictObject({
  trades: z
    .array(IngestTradeSchema)
    .min(1)
    .max(MAX_TRADES_PER_BATCH, `at most ${MAX_TRADES_PER_BATCH} trades per request`)
    .openapi({
      description:
        "Trades in any of three formats, mixed freely: ssmd's StreamTrade, the seed's trade message, a Kalshi WebSocket trade frame (field mappings: docs/builders.md, \"Trade input formats\"). An invalid trade fails the request with a 400 naming it (`trades.<index>`) and why; nothing is applied then.",
    }),
});

/**
 * The body's 400, per trade: a union failure says only "matches none of the formats", so a trade that
 * failed is validated again against the format its keys say it is meant to be, and that format's
 * issues are reported (`trades.3.price: trade 3 (seed format): must be a price in cents, 0..100`).
 * Thrown, so app.onError renders it in the API's error shape.
 */
function tradesBodyHook(result: { success: boolean; error?: z.ZodError }): undefined {
  if (result.success || !result.error) return undefined;
  // The validator passes the raw body along with a failure too (@hono/zod-validator: `data`).
  const raw = ((result as { data?: unknown }).data as { trades?: unknown } | null | undefined)?.trades;
  // Over the batch maximum is a 413, as an oversize body is (./limits.ts), whatever else is wrong.
  if (Array.isArray(raw) && raw.length > MAX_TRADES_PER_BATCH) throw tooManyTrades(raw.length);
  const details: ErrorDetail[] = [];
  for (const issue of result.error.issues) {
    const [head, index] = issue.path;
    if (head !== "trades" || typeof index !== "number" || !Array.isArray(raw)) {
      details.push(...zodIssuesToDetails(new z.ZodError([issue])));
      continue;
    }
    const value: unknown = raw[index];
    const format = tradeFormatOf(value);
    const label = `trade ${index}${format ? ` (${format} format)` : ""}`;
    let issues = [issue];
    if (issue.code === "invalid_union" && issue.path.length === 2) {
      if (format === null) {
        details.push({
          parameter: `trades.${index}`,
          issue: "invalid_union",
          message: `${label}: not a trade in any accepted format (ssmd: trade_id, price_dollars, count_fp, taker_side yes|no, ts ms; seed: price in cents, count, side yes|no, taker_side buy|sell, ts ms; Kalshi: a WebSocket trade frame {type, sid, seq, msg})`,
        });
        continue;
      }
      const again = TRADE_FORMAT_SCHEMAS[format].safeParse(value);
      if (!again.success) issues = again.error.issues.map((i) => ({ ...i, path: ["trades", index, ...i.path] }));
    }
    for (const d of zodIssuesToDetails(new z.ZodError(issues)))
      details.push({ ...d, message: `${label}: ${d.message}` });
  }
  throw detailsError(details, "json");
}

const FeedName = z
  .string()
  .regex(/^[a-z0-9_-]{1,40}$/, "must be 1–40 characters of a-z, 0-9, _ or -")
  .optional()
  .openapi({
    description: `Feed (one ingest object per feed; default ${INGEST_NAME}). Another name keeps e.g. a simulator world's data apart`,
  });
const FeedQuery = z.strictObject({ feed: FeedName });

const StartBody = z.strictObject({
  feed: FeedName,
  ws_url: z
    .url({ protocol: /^wss?$/ })
    .optional()
    .openapi({ description: "Override KALSHI_WS_URL (e.g. a simulator world's ws_url)" }),
  base_url: z
    .url({ protocol: /^https?$/ })
    .optional()
    .openapi({
      description: "Kalshi REST base for the trade backfill (default: derived from ws_url, else KALSHI_BASE_URL)",
    }),
  markets: z
    .array(z.string().min(1).max(200))
    .max(200_000)
    .optional()
    .openapi({ description: "Explicit market set (default: open markets in D1)" }),
  history_backfill: z.boolean().optional().openapi({
    description:
      "Ticker objects fill their history before the stream from Kalshi by themselves when first streamed (default: on for the kalshi feed, off for others)",
  }),
});

const tradesRoute = createRoute({
  method: "post",
  path: "/admin/ingest/trades",
  tags: ["admin", "tickers"],
  summary: "Ingest a batch of trades (ssmd, seed or Kalshi-frame format) into the ticker objects",
  security: [{ bearer: [] }],
  middleware: [ingestBodyLimit] as const,
  request: { body: { content: { "application/json": { schema: TradesBody } }, required: true } },
  responses: { 200: jsonContent(IngestTradesResultSchema, "Forwarded"), ...readErrors, ...adminErrors },
});

const healthRoute = createRoute({
  method: "get",
  path: "/admin/ingest/health",
  tags: ["admin", "tickers"],
  summary: "WebSocket ingest health: connection, subscriptions, last message age, gaps, reconnects, rates",
  security: [{ bearer: [] }],
  request: { query: FeedQuery },
  responses: { 200: jsonContent(IngestHealthSchema, "Health"), ...readErrors, ...adminErrors },
});

const startRoute = createRoute({
  method: "post",
  path: "/admin/ingest/start",
  tags: ["admin", "tickers"],
  summary: "Start (or restart with new settings) the WebSocket ingest",
  security: [{ bearer: [] }],
  middleware: [ingestBodyLimit] as const,
  request: { body: { content: { "application/json": { schema: StartBody } }, required: false } },
  responses: { 200: jsonContent(IngestHealthSchema, "Health after starting"), ...readErrors, ...adminErrors },
});

const stopRoute = createRoute({
  method: "post",
  path: "/admin/ingest/stop",
  tags: ["admin", "tickers"],
  summary: "Stop the WebSocket ingest (the cron tick will not restart it until /admin/ingest/start)",
  security: [{ bearer: [] }],
  request: { query: FeedQuery },
  responses: { 200: jsonContent(IngestHealthSchema, "Health after stopping"), ...readErrors, ...adminErrors },
});

export const ingestAdminApp = createApiApp()
  .openapi(
    tradesRoute,
    async (c) => {
      const converted = convertTrades(c.req.valid("json").trades);
      if (converted.errors.length > 0) {
        throw detailsError(
          converted.errors.map((e) => ({
            parameter: `trades.${e.index}`,
            issue: "invalid_trade",
            message: `trade ${e.index} (${e.format} format): ${e.reason}`,
          })),
          "json",
        );
      }
      return c.json(await ingestObject(c.env).ingestTrades(converted.trades), 200);
    },
    tradesBodyHook,
  )
  .openapi(healthRoute, async (c) => c.json(await ingestObject(c.env, c.req.valid("query").feed).health(), 200))
  .openapi(startRoute, async (c) => {
    const body =
      c.req.header("content-length") === "0"
        ? {}
        : ((c.req.valid("json") as z.infer<typeof StartBody> | undefined) ?? {});
    const feed = body.feed ?? INGEST_NAME;
    return c.json(
      await ingestObject(c.env, feed).start({
        feed,
        ws_url: body.ws_url,
        base_url: body.base_url,
        markets: body.markets,
        history_backfill: body.history_backfill,
      }),
      200,
    );
  })
  .openapi(stopRoute, async (c) => c.json(await ingestObject(c.env, c.req.valid("query").feed).stop(), 200));

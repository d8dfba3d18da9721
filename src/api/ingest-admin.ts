/**
 * /admin/ingest/*: push trade batches over HTTP (replays, benchmarks), read the ingest object's
 * health, start/stop its WebSocket. Behind the admin bearer token (app.ts mounts `adminAuth` on
 * /admin/*).
 */
import { IngestHealthSchema } from "../stream/health";
import { createRoute, z } from "@hono/zod-openapi";
import { INGEST_NAME, MAX_TRADES_PER_BATCH, type IngestObject } from "../stream/ingest";
import { StreamTradeSchema } from "../stream/messages";
import { createApiApp } from "./factory";
import { adminErrors, jsonContent, readErrors } from "./openapi-helpers";

/** The ingest object of a feed (one per feed; "kalshi" in production). */
export function ingestObject(env: Env, feed: string = INGEST_NAME): DurableObjectStub<IngestObject> {
  return env.INGEST.get(env.INGEST.idFromName(feed));
}

const TradesBody = z.strictObject({
  trades: z.array(StreamTradeSchema).min(1).max(MAX_TRADES_PER_BATCH, `at most ${MAX_TRADES_PER_BATCH} trades per request`),
});

const IngestTradesResultSchema = z
  .object({
    received: z.number().int(),
    tickers: z.number().int(),
    rpc_calls: z.number().int().openapi({ description: "Ticker-object RPCs made (one per ticker in the batch)" }),
    added: z.number().int(),
    duplicates: z.number().int(),
    outside: z.number().int().openapi({ description: "Older than every queryable window (below the prune frontier)" }),
    rejected: z.number().int(),
    failed: z.array(z.object({ ticker: z.string(), trades: z.number().int(), error: z.string() })),
    registry_rows: z.number().int(),
  })
  .openapi("IngestTradesResult");

const FeedName = z
  .string()
  .regex(/^[a-z0-9_-]{1,40}$/, "must be 1–40 characters of a-z, 0-9, _ or -")
  .optional()
  .openapi({ description: `Feed (one ingest object per feed; default ${INGEST_NAME}). Another name keeps e.g. a simulator world's data apart` });
const FeedQuery = z.strictObject({ feed: FeedName });

const StartBody = z.strictObject({
  feed: FeedName,
  ws_url: z.url({ protocol: /^wss?$/ }).optional().openapi({ description: "Override KALSHI_WS_URL (e.g. a simulator world's ws_url)" }),
  base_url: z.url({ protocol: /^https?$/ }).optional().openapi({ description: "Kalshi REST base for the trade backfill (default: derived from ws_url, else KALSHI_BASE_URL)" }),
  markets: z.array(z.string().min(1).max(200)).max(200_000).optional().openapi({ description: "Explicit market set (default: open markets in D1)" }),
});

const tradesRoute = createRoute({
  method: "post",
  path: "/admin/ingest/trades",
  tags: ["admin", "tickers"],
  summary: "Ingest a batch of trades (normalized stream format) into the ticker objects",
  security: [{ bearer: [] }],
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
  .openapi(tradesRoute, async (c) => {
    const { trades } = c.req.valid("json");
    return c.json(await ingestObject(c.env).ingestTrades(trades), 200);
  })
  .openapi(healthRoute, async (c) => c.json(await ingestObject(c.env, c.req.valid("query").feed).health(), 200))
  .openapi(startRoute, async (c) => {
    const body = c.req.header("content-length") === "0" ? {} : ((c.req.valid("json") as z.infer<typeof StartBody> | undefined) ?? {});
    const feed = body.feed ?? INGEST_NAME;
    return c.json(await ingestObject(c.env, feed).start({ feed, ws_url: body.ws_url, base_url: body.base_url, markets: body.markets }), 200);
  })
  .openapi(stopRoute, async (c) => c.json(await ingestObject(c.env, c.req.valid("query").feed).stop(), 200));

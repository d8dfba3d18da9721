/**
 * `GET /tickers/{ticker}/live`: a WebSocket (Upgrade: websocket) or, where WebSockets are not
 * available, a Server-Sent Events stream (Accept: text/event-stream) of the ticker's new trades and
 * builder values, pushed by its ticker object after each applied batch (src/stream/live.ts).
 * The ticker must be a market in the security master or have stream data, so a request cannot
 * create ticker objects for made-up names.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { getMarket } from "../db/queries";
import { tickerStub } from "../stream/forward";
import { LIVE_LIMITS, LiveMessageSchema } from "../stream/live";
import { ApiError, ErrorResponseSchema, notFound } from "./errors";
import { createApiApp } from "./factory";
import { notFoundError, readErrors } from "./openapi-helpers";
import { tickerPath } from "./params";

const errorContent = { "application/json": { schema: ErrorResponseSchema } };

const liveRoute = createRoute({
  method: "get",
  path: "/tickers/{ticker}/live",
  tags: ["tickers"],
  summary: "Live push of the ticker's new trades and builder values (WebSocket, or Server-Sent Events)",
  description:
    `Send \`Upgrade: websocket\` for a WebSocket, or \`Accept: text/event-stream\` for SSE. The first message is a \`snapshot\` ` +
    `(the newest ${LIVE_LIMITS.snapshotTrades} trades, top of book, builders); then one \`update\` per applied batch with its new trades. ` +
    `A WebSocket client acknowledges each message with \`{"type":"ack","seq":n}\`; with ${LIVE_LIMITS.maxInFlight} unacknowledged it lags: ` +
    `updates are dropped and one snapshot follows once it catches up. \`{"type":"windows","price_window":N,"volume_window_ms":M}\` ` +
    `changes the builders' windows (answered by a snapshot). Messages are at most ${LIVE_LIMITS.maxMessageBytes} bytes; ` +
    `at most ${LIVE_LIMITS.maxSockets} subscribers per ticker.`,
  request: { params: z.strictObject({ ticker: tickerPath("ticker", "Market ticker") }), query: z.strictObject({}) },
  responses: {
    101: { description: "Switching protocols: a WebSocket of LiveMessage JSON texts" },
    200: {
      description: "text/event-stream: events `snapshot` / `update`, each data line a LiveMessage",
      content: { "text/event-stream": { schema: LiveMessageSchema } },
    },
    426: { content: errorContent, description: "Neither a WebSocket upgrade nor an SSE request" },
    429: { content: errorContent, description: "The ticker has its maximum of live subscribers" },
    ...readErrors,
    ...notFoundError,
  },
});

export const liveApp = createApiApp().openapi(liveRoute, async (c) => {
  const { ticker } = c.req.valid("param");
  const ws = c.req.header("Upgrade")?.toLowerCase() === "websocket";
  const sse = (c.req.header("Accept") ?? "").includes("text/event-stream");
  if (!ws && !sse) {
    throw new ApiError(426, "upgrade_required", "send Upgrade: websocket, or Accept: text/event-stream", null, {
      Upgrade: "websocket",
    });
  }
  const stub = tickerStub(c.env.TICKER, ticker);
  const known = (await getMarket(c.env.DB, ticker)) !== null || (await stub.snapshot()) !== null;
  if (!known) throw notFound("ticker", ticker, { reason: "no such market and no stream data for this ticker" });
  const res = await stub.fetch(c.req.raw);
  if (res.status === 429) {
    throw new ApiError(
      429,
      "too_many_subscribers",
      `ticker '${ticker}' already has ${LIVE_LIMITS.maxSockets} live subscribers; try again later`,
      null,
      { "Retry-After": "10" },
    );
  }
  return res;
});

/**
 * The request limits of the API (issue #17, docs/decisions/0108-request-limits.md), stated once
 * here and nowhere else: the routes, the OpenAPI document (`limitResponses`), docs/api.md and
 * docs/reliability.md all take their figures from these constants.
 *
 * `requestLimits` runs on every request right after the rate limit: a query string over
 * MAX_QUERY_LENGTH is a 414, a body over MAX_BODY_BYTES a 413, both before anything is parsed.
 * The body check is hono's bodyLimit: a declared Content-Length is compared (a header read); a
 * body without one (chunked) is counted as it streams and refused as soon as it passes the bound,
 * so at most MAX_BODY_BYTES are ever buffered. A GET (no body) costs a string length check.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { MAX_TRADES_PER_BATCH } from "../stream/forwarder";
import { ApiError } from "./errors";
import type { AppEnv } from "./factory";
import { countedByRateLimit, READ_LIMIT_PERIOD_S } from "./rate-limit";

/** Bytes of a request body on every route but the ingest's (a tool call, an MCP message or batch, a sync start). */
export const MAX_BODY_BYTES = 64 * 1024;
/**
 * Bytes a trade in a batch may take on average: the longest valid trade (a Kalshi frame with a
 * 200-character ticker and trade id) is under 600 bytes.
 */
const MAX_TRADE_BYTES = 640;
/**
 * Bytes of a body of POST /admin/ingest/trades and /admin/ingest/start (behind the admin token): a full trade batch — MAX_TRADES_PER_BATCH
 * (50,000) trades of MAX_TRADE_BYTES — or an ingest start's market list (200,000 tickers of up to
 * ~150 characters).
 */
export const MAX_INGEST_BODY_BYTES = MAX_TRADES_PER_BATCH * MAX_TRADE_BYTES;
/** Characters of the raw (percent-encoded) query string of any request. */
export const MAX_QUERY_LENGTH = 8192;
/** Characters of a `cursor` parameter (a cursor this API returns is under 200). */
export const MAX_CURSOR_LENGTH = 512;
/**
 * JSON-RPC messages in one POST /mcp batch. A batch counts once against the read rate limit, so
 * this bounds the tool calls one counted request can make.
 */
export const MAX_MCP_BATCH = 20;

/** The routes that apply MAX_INGEST_BODY_BYTES themselves (`ingestBodyLimit`), after the admin token is checked. */
const INGEST_BODY_PATHS = new Set(["/admin/ingest/trades", "/admin/ingest/start"]);

function bodyTooLarge(max: number): never {
  throw new ApiError(413, "payload_too_large", `request body over ${max} bytes`, { max_bytes: max });
}

const publicBodyLimit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => bodyTooLarge(MAX_BODY_BYTES) });

/** The ingest routes' body limit (route middleware: it runs after `adminAuth`, so no stranger's body is read). */
export const ingestBodyLimit: MiddlewareHandler<AppEnv> = bodyLimit({
  maxSize: MAX_INGEST_BODY_BYTES,
  onError: () => bodyTooLarge(MAX_INGEST_BODY_BYTES),
});

export const requestLimits: MiddlewareHandler<AppEnv> = (c, next) => {
  const url = c.req.url;
  const q = url.indexOf("?");
  if (q !== -1 && url.length - q - 1 > MAX_QUERY_LENGTH) {
    throw new ApiError(414, "uri_too_long", `query string over ${MAX_QUERY_LENGTH} characters`, {
      max_query_length: MAX_QUERY_LENGTH,
    });
  }
  if (c.req.raw.body === null || INGEST_BODY_PATHS.has(c.req.path)) return next();
  return publicBodyLimit(c, next);
};

/** A trade batch over MAX_TRADES_PER_BATCH (POST /admin/ingest/trades): 413 like an oversize body. */
export function tooManyTrades(count: number): ApiError {
  return new ApiError(413, "payload_too_large", `at most ${MAX_TRADES_PER_BATCH} trades per request, got ${count}`, {
    max_trades: MAX_TRADES_PER_BATCH,
    trades: count,
  });
}

/** An MCP batch over MAX_MCP_BATCH messages. */
export function mcpBatchTooLarge(count: number): ApiError {
  return new ApiError(
    413,
    "payload_too_large",
    `an MCP batch carries at most ${MAX_MCP_BATCH} messages, got ${count}`,
    { max_messages: MAX_MCP_BATCH, messages: count },
  );
}

// ---------------------------------------------------------------------------------------------
// The limits in GET /openapi.json.

const EXAMPLE_REQUEST_ID = "5f0c6f0e-8a5e-4c1e-9d63-3b0c2f0f7a11";

function limitError(description: string, code: string, message: string, details: unknown, headers?: object) {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: {
      "application/json": {
        schema: { $ref: "#/components/schemas/Error" },
        example: { error: { code, message, details, request_id: EXAMPLE_REQUEST_ID } },
      },
    },
  };
}

const QUERY_TOO_LONG = limitError(
  `Query string over ${MAX_QUERY_LENGTH} characters (refused before it is parsed)`,
  "uri_too_long",
  `query string over ${MAX_QUERY_LENGTH} characters`,
  { max_query_length: MAX_QUERY_LENGTH },
);

const bodyTooLargeResponse = (max: number, extra = "") =>
  limitError(
    `Request body over ${max} bytes (refused before it is parsed; a body without Content-Length is counted as it arrives)${extra}`,
    "payload_too_large",
    `request body over ${max} bytes`,
    { max_bytes: max },
  );

const RATE_LIMITED = limitError(
  "Too many requests from this client address (the read rate limit); retry after Retry-After seconds",
  "rate_limited",
  `too many requests from this address; retry after ${READ_LIMIT_PERIOD_S} s`,
  { retry_after_s: READ_LIMIT_PERIOD_S },
  {
    "Retry-After": {
      description: "Seconds until the client's counter resets",
      schema: { type: "integer", example: READ_LIMIT_PERIOD_S },
    },
  },
);

/** What a route's own limit adds to its 413's description. */
const OWN_413: Record<string, string> = {
  "post /admin/ingest/trades": `, or more than ${MAX_TRADES_PER_BATCH} trades`,
  "post /mcp": `, or a batch of more than ${MAX_MCP_BATCH} messages`,
};

type DocResponse = {
  description: string;
  headers?: object;
  content?: Record<string, { schema?: unknown; example?: unknown; examples?: Record<string, { value: unknown }> }>;
};

/** A route's own answer under the same status and a limit's: both descriptions and examples. */
function merged(own: DocResponse, limit: DocResponse, name: string): DocResponse {
  const json = own.content?.["application/json"];
  if (!json) return own;
  const theirs = limit.content!["application/json"]!.example;
  const examples = json.examples ?? (json.example === undefined ? {} : { route: { value: json.example } });
  return {
    ...own,
    description: `${own.description}; or ${limit.description[0]!.toLowerCase()}${limit.description.slice(1)}`,
    headers: { ...limit.headers, ...own.headers },
    content: {
      ...own.content,
      "application/json": { schema: json.schema, examples: { ...examples, [name]: { value: theirs } } },
    },
  };
}

/**
 * Adds the limit responses to one operation's: 414 on every one, 413 on those with a body (the
 * ingest's own bound on its trades and start routes), 429 on those the read rate limit counts. A status the
 * route declares itself (GET /tickers/{ticker}/live's 429 for a full ticker) keeps its answer
 * beside the limit's.
 */
export function addLimitResponses(
  responses: Record<string, DocResponse>,
  method: string,
  path: string,
  hasBody: boolean,
): Record<string, DocResponse> {
  const limits: Record<string, [DocResponse, string]> = { 414: [QUERY_TOO_LONG, "uri_too_long"] };
  if (hasBody) {
    const max = INGEST_BODY_PATHS.has(path) ? MAX_INGEST_BODY_BYTES : MAX_BODY_BYTES;
    limits[413] = [bodyTooLargeResponse(max, OWN_413[`${method} ${path}`]), "payload_too_large"];
  }
  if (countedByRateLimit(path)) limits[429] = [RATE_LIMITED, "rate_limited"];
  const out = { ...responses };
  for (const [status, [limit, name]] of Object.entries(limits))
    out[status] = out[status] ? merged(out[status], limit, name) : limit;
  return out;
}

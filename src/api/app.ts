/**
 * The ssmd HTTP API: read routes over the security master (KV read-through, D1 fallback),
 * admin routes behind a bearer token, agent tools (/tools, /mcp) and the OpenAPI document — all
 * typed from the same zod schemas. Mounted by src/index.ts.
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { adminApp, adminAuth } from "./admin";
import { z } from "@hono/zod-openapi";
import { ApiError, ErrorResponseSchema, errorResponse, handleError } from "./errors";
import { eventsApp } from "./events";
import { docsApp } from "./docs";
import { createApiApp, type AppEnv } from "./factory";
import { feesApp } from "./fees";
import { healthApp } from "./health";
import { ingestAdminApp } from "./ingest-admin";
import { liveApp } from "./live";
import { marketsApp } from "./markets";
import { handleMcp } from "./mcp";
import { finishDocument, toolOperations } from "./openapi-doc";
import { screenApp } from "./screen";
import { internalRequest, rateLimitReads } from "./rate-limit";
import { requestLimits } from "./limits";
import { seriesApp } from "./series";
import { tickersApp } from "./tickers";
import { TOOLS } from "./tool-registry";
import { createToolRoutes } from "./tool-routes";
import type { Dispatch } from "./tools";
import { SSMD_VERSION } from "../version";

/** `CORS_ORIGINS`: "*" or a comma-separated list of allowed origins. */
export function parseCorsOrigins(value: string | undefined): string | string[] {
  const v = (value ?? "").trim();
  if (v === "" || v === "*") return v === "*" ? "*" : [];
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The CORS middleware for one CORS_ORIGINS value: built once per value, not per request. */
const corsByOrigins = new Map<string | undefined, MiddlewareHandler<AppEnv>>();
const corsFromEnv: MiddlewareHandler<AppEnv> = (c, next) => {
  let mw = corsByOrigins.get(c.env.CORS_ORIGINS);
  if (!mw) {
    mw = cors({
      origin: parseCorsOrigins(c.env.CORS_ORIGINS),
      allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type", "If-None-Match", "Mcp-Session-Id", "Mcp-Protocol-Version"],
      exposeHeaders: ["ETag", "X-Request-Id", "X-Cache", "X-Cache-Tier", "WWW-Authenticate"],
      maxAge: 600,
    });
    corsByOrigins.set(c.env.CORS_ORIGINS, mw);
  }
  return mw(c, next);
};

/** A parameter given twice (`?status=open&status=closed`) is ambiguous: refuse it rather than pick one. */
const rejectRepeatedQuery: MiddlewareHandler<AppEnv> = async (c, next) => {
  const all = c.req.queries();
  for (const [key, values] of Object.entries(all)) {
    if (values.length > 1) {
      throw new ApiError(400, "invalid_parameter", `parameter '${key}' given more than once`, [
        { parameter: key, issue: "repeated", message: "give each parameter at most once" },
      ]);
    }
  }
  await next();
};

const base = createApiApp();
base.use("*", requestId());
base.use("*", secureHeaders({ crossOriginResourcePolicy: "cross-origin" }));
base.use("*", corsFromEnv);
// Before the ETag, cache and D1 work: a refused request costs none of them (decision 0089).
base.use("*", rateLimitReads);
// Before anything reads the query or the body: oversize ones are refused unparsed (decision 0108).
base.use("*", requestLimits);
// An SSE stream never ends: the ETag middleware would wait to hash it (GET /tickers/{ticker}/live).
const etagMw = etag();
base.use("*", (c, next) => (c.req.header("Accept")?.includes("text/event-stream") ? next() : etagMw(c, next)));
base.use("*", rejectRepeatedQuery);
base.use("/admin/*", adminAuth);
base.onError(handleError);
base.notFound((c) => errorResponse(c, new ApiError(404, "not_found", `no route ${c.req.method} ${c.req.path}`)));

/** Forwards tool calls into this same router (the REST route answers). */
const dispatch: Dispatch = (req, env, ctx) => app.fetch(internalRequest(req), env, ctx);

export const app = base
  .route("/", healthApp)
  .route("/", docsApp)
  .route("/", marketsApp)
  .route("/", eventsApp)
  .route("/", seriesApp)
  .route("/", feesApp)
  .route("/", tickersApp)
  .route("/", liveApp)
  .route("/", screenApp)
  .route("/", adminApp)
  .route("/", ingestAdminApp)
  .route("/", createToolRoutes(TOOLS, dispatch));

app.post("/mcp", (c) => {
  // MCP's transport guidance: refuse browser origins that are not allowed (DNS-rebinding defence).
  const origin = c.req.header("Origin");
  const allowed = parseCorsOrigins(c.env.CORS_ORIGINS);
  if (origin && allowed !== "*" && !allowed.includes(origin)) {
    throw new ApiError(403, "forbidden_origin", `origin '${origin}' is not allowed (CORS_ORIGINS)`);
  }
  return handleMcp(c, TOOLS, dispatch);
});
app.on(["GET", "DELETE"], "/mcp", (c) =>
  errorResponse(
    c,
    new ApiError(405, "method_not_allowed", "this MCP endpoint is stateless: POST JSON-RPC messages to /mcp", null, {
      Allow: "POST",
    }),
  ),
);

app.openAPIRegistry.registerPath({
  method: "post",
  path: "/mcp",
  tags: ["tools"],
  summary:
    "Model Context Protocol (Streamable HTTP, stateless, JSON responses): tools/list and tools/call over the same tools as /tools",
  request: {
    body: {
      content: {
        "application/json": { schema: z.unknown().openapi({ description: "A JSON-RPC 2.0 message or batch" }) },
      },
    },
  },
  responses: {
    200: { description: "JSON-RPC response(s)", content: { "application/json": { schema: z.unknown() } } },
    202: { description: "Notification accepted" },
    403: {
      description: "Origin not allowed by CORS_ORIGINS",
      content: {
        "application/json": {
          schema: ErrorResponseSchema,
          example: {
            error: {
              code: "forbidden_origin",
              message: "origin 'https://evil.example' is not allowed (CORS_ORIGINS)",
              details: null,
            },
          },
        },
      },
    },
  },
});

app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "SSMD_ADMIN_TOKEN (admin routes only)",
});

const docConfig = {
  openapi: "3.1.0",
  info: {
    title: "ssmd",
    version: SSMD_VERSION,
    description:
      'Kalshi security master: markets, events, series and fees, with agent tools (/tools, /mcp) and an interactive reference at /docs. Errors are `{"error":{"code","message","details"}}`.',
  },
};
// servers and the operationIds routes leave out are added per request (src/api/openapi-doc.ts).
const toolOps = toolOperations(TOOLS);
app.get("/openapi.json", (c) =>
  c.json(finishDocument(app.getOpenAPI31Document(docConfig), new URL(c.req.url).origin, toolOps)),
);

/**
 * Every router in src/api is built here so they all share the same bindings type and the same
 * validation hook (a failed zod check answers the API's 400 error shape, naming the parameter).
 * The streaming engineer's sub-apps (tickers.ts, ingest-admin.ts) use this too.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { RequestIdVariables } from "hono/request-id";
import { validationHook } from "./errors";

export type AppEnv = { Bindings: Env; Variables: RequestIdVariables };

export function createApiApp(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

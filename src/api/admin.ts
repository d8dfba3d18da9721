/**
 * /admin/*: sync triggers and run status (bearer token, constant-time compare). Without a
 * configured SSMD_ADMIN_TOKEN every admin request is refused with 503 — never served open.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { CACHE_SCOPES, currentGenerations, generationStats } from "../cache/generation";
import { cacheStats } from "../cache/read-through";
import {
  type StartSyncResult,
  type SyncMode,
  SyncRunSchema,
  type SyncRunStatus,
  type SyncTrigger,
} from "../sync/types";
import { ApiError, errorBody, notFound } from "./errors";
import { createApiApp, type AppEnv } from "./factory";
import { adminErrors, conflictError, jsonContent, notFoundError, readErrors } from "./openapi-helpers";
import { limitParam } from "./params";

/** The SyncCoordinator's RPC surface (src/sync/coordinator.ts, contract in the team contracts). */
export interface SyncRpc {
  start(mode: SyncMode, trigger: SyncTrigger, opts?: { baseUrl?: string }): Promise<StartSyncResult>;
  getRun(runId: string): Promise<SyncRunStatus | null>;
  latestRuns(limit?: number): Promise<SyncRunStatus[]>;
}

export function syncCoordinator(env: Env): SyncRpc {
  return env.SYNC.get(env.SYNC.idFromName("global"));
}

/** bearer-auth's refusal bodies, in the API's error shape (with the request id). */
const adminJson = (message: string) => (c: Context) =>
  errorBody("unauthorized", message, null, (c.var as { requestId?: string }).requestId);

export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = c.env.SSMD_ADMIN_TOKEN;
  if (!token) {
    throw new ApiError(
      503,
      "admin_disabled",
      "admin routes are disabled: SSMD_ADMIN_TOKEN is not configured on the server",
    );
  }
  c.header("Cache-Control", "no-store");
  // hono/bearer-auth compares SHA-256 digests of the two tokens with a constant-time compare.
  const check = bearerAuth({
    token,
    realm: "ssmd-admin",
    noAuthenticationHeader: {
      message: adminJson("missing bearer token: send 'Authorization: Bearer <SSMD_ADMIN_TOKEN>'"),
    },
    invalidAuthenticationHeader: { message: adminJson("malformed Authorization header: expected 'Bearer <token>'") },
    invalidToken: { message: adminJson("invalid bearer token") },
  }) as MiddlewareHandler<AppEnv>;
  return check(c, next);
};

const SyncStartBody = z.strictObject({
  mode: z.enum(["full", "incremental"], { error: "must be full or incremental" }),
});

const SyncStartedSchema = z
  .object({ run_id: z.string(), outcome: z.enum(["started", "joined"]), run: SyncRunSchema })
  .openapi("SyncStarted");

const startRoute = createRoute({
  method: "post",
  path: "/admin/sync",
  tags: ["admin"],
  summary: "Start a sync (or join the running one of the same mode)",
  security: [{ bearer: [] }],
  request: { body: { content: { "application/json": { schema: SyncStartBody } }, required: true } },
  responses: {
    202: jsonContent(SyncStartedSchema, "Accepted: the run started or was joined"),
    ...readErrors,
    ...adminErrors,
    ...conflictError,
  },
});

const runRoute = createRoute({
  method: "get",
  path: "/admin/sync/{run_id}",
  tags: ["admin"],
  summary: "A sync run's progress and outcome",
  security: [{ bearer: [] }],
  request: {
    params: z.strictObject({
      run_id: z
        .string()
        .min(1)
        .max(100)
        .openapi({ param: { name: "run_id", in: "path" } }),
    }),
    query: z.strictObject({}),
  },
  responses: { 200: jsonContent(SyncRunSchema, "The run"), ...readErrors, ...adminErrors, ...notFoundError },
});

const runsRoute = createRoute({
  method: "get",
  path: "/admin/sync",
  tags: ["admin"],
  summary: "Latest sync runs, newest first",
  security: [{ bearer: [] }],
  request: { query: z.strictObject({ limit: limitParam(100, 20) }) },
  responses: { 200: jsonContent(z.object({ runs: z.array(SyncRunSchema) }), "Runs"), ...readErrors, ...adminErrors },
});

const CacheStatsSchema = z
  .object({
    isolate: z.object({
      hits: z.number(),
      memory_hits: z.number(),
      misses: z.number(),
      bypasses: z.number(),
      fills: z.number(),
      fills_deferred: z.number(),
      fills_skipped: z.number(),
      fill_errors: z.number(),
      read_errors: z.number(),
      generation_bumps: z.number(),
      generation_kv_writes: z.number(),
      generation_kv_reads: z.number(),
    }),
    generations: z.record(z.string(), z.string()),
  })
  .openapi("CacheStats");

const cacheRoute = createRoute({
  method: "get",
  path: "/admin/cache",
  tags: ["admin"],
  summary: "KV cache counters of the answering isolate and the current generation tokens",
  security: [{ bearer: [] }],
  request: { query: z.strictObject({}) },
  responses: { 200: jsonContent(CacheStatsSchema, "Counters"), ...readErrors, ...adminErrors },
});

/** Mounted by app.ts, which puts `adminAuth` in front of every /admin/* path. */
export const adminApp = createApiApp()
  .openapi(startRoute, async (c) => {
    const { mode } = c.req.valid("json");
    const result = await syncCoordinator(c.env).start(mode, "admin");
    if (result.outcome === "conflict") {
      throw new ApiError(
        409,
        "conflict",
        `a ${result.run.mode} sync (${result.run.run_id}) is running; retry when it ends`,
        {
          run: result.run,
        },
      );
    }
    return c.json({ run_id: result.run.run_id, outcome: result.outcome, run: result.run }, 202);
  })
  .openapi(runRoute, async (c) => {
    const { run_id } = c.req.valid("param");
    const run = await syncCoordinator(c.env).getRun(run_id);
    if (!run) throw notFound("sync run", run_id);
    return c.json(run, 200);
  })
  .openapi(runsRoute, async (c) => {
    const { limit } = c.req.valid("query");
    return c.json({ runs: await syncCoordinator(c.env).latestRuns(limit) }, 200);
  })
  .openapi(cacheRoute, async (c) => {
    const gens = await currentGenerations(c.env.CACHE, CACHE_SCOPES);
    return c.json(
      {
        isolate: {
          ...cacheStats,
          generation_bumps: generationStats.bumps,
          generation_kv_writes: generationStats.kv_writes,
          generation_kv_reads: generationStats.kv_reads,
        },
        generations: Object.fromEntries(CACHE_SCOPES.map((s, i) => [s, gens[i] ?? "0"])),
      },
      200,
    );
  });

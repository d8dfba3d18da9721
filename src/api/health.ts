/**
 * GET /healthz: version and reachability of D1, KV and the Kalshi source (503 when D1 is down),
 * and the wire drift the sync counted (unknown statuses and fields, malformed items) in its last
 * finished run and over all runs — read from that run's D1 `sync_runs` record (the coordinator
 * keeps the totals in its own storage and mirrors them with each finished run).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { openDb, pingDb } from "../db/queries";
import { lastFinishedRun } from "../db/runs";
import { generationKey } from "../cache/generation";
import { completeDrift } from "../sync/drift";
import type { DriftTotals, SyncProgress } from "../sync/types";
import { errorMessage } from "../lib/errors";
import { createApiApp } from "./factory";
import { jsonContent } from "./openapi-helpers";
import { SSMD_VERSION } from "../version";

/** Each check gets this long; the Kalshi probe is an outbound request and must not hang /healthz. */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

const PerCheck = <T extends z.ZodType>(t: T) => z.object({ d1: t, kv: t, kalshi: t });

const Counts = z.record(z.string(), z.number().int());
const FieldDrift = z.object({
  items: z
    .number()
    .int()
    .openapi({ description: "Items carrying at least one field the wire schema does not declare (kept in `extra`)" }),
  fields: Counts.openapi({ description: 'Items per unknown field name (at most 20 names; the rest under "(other)")' }),
  examples: z.array(z.string()).openapi({ description: "A few tickers of such items" }),
});
const DriftCountsSchema = z.object({
  unknown_status: z.object({
    items: z.number().int().openapi({
      description: "Markets whose raw status ssmd's status table does not know (stored as status `unknown`)",
    }),
    values: Counts.openapi({ description: "Items per raw status" }),
    examples: z.array(z.string()).openapi({ description: "A few tickers" }),
  }),
  unknown_fields: z.object({ market: FieldDrift, event: FieldDrift, series: FieldDrift }),
  malformed: z.object({
    items: z.number().int().openapi({ description: "Items skipped as malformed" }),
    examples: z.array(z.object({ kind: z.string(), ticker: z.string().nullable(), issues: z.string() })),
  }),
});
export const DriftSchema = z
  .object({
    last_run: DriftCountsSchema.extend({ run_id: z.string(), mode: z.string(), finished_at: z.string() })
      .nullable()
      .openapi({ description: "The last finished sync run; null before the first one" }),
    total: DriftCountsSchema.extend({ runs: z.number().int(), since: z.string().nullable() })
      .nullable()
      .openapi({ description: "Every finished sync run since `since`" }),
  })
  .openapi("Drift", {
    description:
      "What Kalshi sent that ssmd does not know. Counts are items as Kalshi returned them (a market listed twice in a run counts twice). Null when D1 is unreachable.",
  });

export const HealthSchema = z
  .object({
    status: z
      .enum(["ok", "degraded", "down"])
      .openapi({ description: "down = D1 unreachable (503); degraded = KV or Kalshi unreachable" }),
    version: z.string(),
    checks: PerCheck(z.boolean()).openapi({
      description: "Reachability of D1, KV and the Kalshi source (GET /exchange/status)",
    }),
    latency_ms: PerCheck(z.number()),
    errors: PerCheck(z.string().nullable()).openapi({
      description: "Why a check failed (kind of failure only, no internals)",
    }),
    drift: DriftSchema.nullable(),
  })
  .openapi("Health");

interface Check {
  ok: boolean;
  latency_ms: number;
  error: string | null;
}

async function timed(run: (signal: AbortSignal) => Promise<void>): Promise<Check> {
  const t0 = Date.now();
  const ctl = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctl.abort();
      reject(new Error(`timed out after ${HEALTH_CHECK_TIMEOUT_MS} ms`));
    }, HEALTH_CHECK_TIMEOUT_MS);
  });
  try {
    const check = run(ctl.signal);
    check.catch(() => undefined); // a check that loses the race must not surface as an unhandled rejection
    await Promise.race([check, timeout]);
    return { ok: true, latency_ms: Date.now() - t0, error: null };
  } catch (err) {
    // Only the kind of failure is reported, never connection strings or stack traces.
    const msg = errorMessage(err);
    return { ok: false, latency_ms: Date.now() - t0, error: msg.slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

/** The drift of the last finished sync run and the totals, from its D1 sync_runs record. */
async function readDrift(db: D1Database): Promise<z.infer<typeof DriftSchema>> {
  const row = await lastFinishedRun(db);
  if (!row) return { last_run: null, total: null };
  let stats: Partial<SyncProgress> = {};
  try {
    stats = row.stats ? (JSON.parse(row.stats) as Partial<SyncProgress>) : {};
  } catch {
    // A record that is not JSON has no drift to report.
  }
  const total = stats.drift_total as DriftTotals | undefined;
  return {
    last_run: stats.drift
      ? {
          run_id: row.id,
          mode: row.mode,
          finished_at: new Date(row.finished_at).toISOString(),
          ...completeDrift(stats.drift),
        }
      : null,
    total: total ? { ...completeDrift(total), runs: total.runs ?? 0, since: total.since ?? null } : null,
  };
}

const route = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["ops"],
  summary: "Liveness and dependency checks",
  request: { query: z.strictObject({}) },
  responses: {
    200: jsonContent(HealthSchema, "Serving (possibly degraded)"),
    503: {
      description: "D1 unreachable",
      content: {
        "application/json": {
          schema: HealthSchema,
          example: {
            status: "down",
            version: SSMD_VERSION,
            checks: { d1: false, kv: true, kalshi: true },
            latency_ms: { d1: HEALTH_CHECK_TIMEOUT_MS, kv: 1, kalshi: 12 },
            errors: { d1: `timed out after ${HEALTH_CHECK_TIMEOUT_MS} ms`, kv: null, kalshi: null },
            drift: null,
          },
        },
      },
    },
  },
});

export const healthApp = createApiApp().openapi(route, async (c) => {
  let drift: z.infer<typeof DriftSchema> | null = null;
  const [d1, kv, kalshi, driftRead] = await Promise.all([
    timed(() => pingDb(openDb(c.env.DB))),
    timed(async () => {
      await c.env.CACHE.get(generationKey("markets"));
    }),
    timed(async (signal) => {
      const res = await fetch(`${c.env.KALSHI_BASE_URL.replace(/\/+$/, "")}/exchange/status`, { signal });
      await res.arrayBuffer(); // small body; reading it releases the connection cleanly
      if (!res.ok) throw new Error(`exchange/status answered HTTP ${res.status}`);
    }),
    // Informational: a failure here leaves `drift` null and changes no check.
    timed(async () => {
      drift = await readDrift(c.env.DB);
    }),
  ]);
  const body = {
    status: !d1.ok ? ("down" as const) : kv.ok && kalshi.ok ? ("ok" as const) : ("degraded" as const),
    version: SSMD_VERSION,
    checks: { d1: d1.ok, kv: kv.ok, kalshi: kalshi.ok },
    latency_ms: { d1: d1.latency_ms, kv: kv.latency_ms, kalshi: kalshi.latency_ms },
    errors: { d1: d1.error, kv: kv.error, kalshi: kalshi.error },
    drift: d1.ok && driftRead.ok ? drift : null,
  };
  c.header("Cache-Control", "no-store");
  return d1.ok ? c.json(body, 200) : c.json(body, 503);
});

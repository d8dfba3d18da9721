/** GET /healthz: version and reachability of D1, KV and the Kalshi source. 503 when D1 is down. */
import { createRoute, z } from "@hono/zod-openapi";
import { openDb, pingDb } from "../db/queries";
import { generationKey } from "../cache/generation";
import { createApiApp } from "./factory";
import { jsonContent } from "./openapi-helpers";

/** Each check gets this long; the Kalshi probe is an outbound request and must not hang /healthz. */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000;

const PerCheck = <T extends z.ZodType>(t: T) => z.object({ d1: t, kv: t, kalshi: t });

export const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded", "down"]).openapi({ description: "down = D1 unreachable (503); degraded = KV or Kalshi unreachable" }),
    version: z.string(),
    checks: PerCheck(z.boolean()).openapi({ description: "Reachability of D1, KV and the Kalshi source (GET /exchange/status)" }),
    latency_ms: PerCheck(z.number()),
    errors: PerCheck(z.string().nullable()).openapi({ description: "Why a check failed (kind of failure only, no internals)" }),
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
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, latency_ms: Date.now() - t0, error: msg.slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
}

const route = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["ops"],
  summary: "Liveness and dependency checks",
  request: { query: z.strictObject({}) },
  responses: {
    200: jsonContent(HealthSchema, "Serving (possibly degraded)"),
    503: jsonContent(HealthSchema, "D1 unreachable"),
  },
});

export const healthApp = createApiApp().openapi(route, async (c) => {
  const [d1, kv, kalshi] = await Promise.all([
    timed(() => pingDb(openDb(c.env.DB))),
    timed(async () => {
      await c.env.CACHE.get(generationKey("markets"));
    }),
    timed(async (signal) => {
      const res = await fetch(`${c.env.KALSHI_BASE_URL.replace(/\/+$/, "")}/exchange/status`, { signal });
      await res.arrayBuffer(); // small body; reading it releases the connection cleanly
      if (!res.ok) throw new Error(`exchange/status answered HTTP ${res.status}`);
    }),
  ]);
  const body = {
    status: !d1.ok ? ("down" as const) : kv.ok && kalshi.ok ? ("ok" as const) : ("degraded" as const),
    version: c.env.SSMD_VERSION,
    checks: { d1: d1.ok, kv: kv.ok, kalshi: kalshi.ok },
    latency_ms: { d1: d1.latency_ms, kv: kv.latency_ms, kalshi: kalshi.latency_ms },
    errors: { d1: d1.error, kv: kv.error, kalshi: kalshi.error },
  };
  c.header("Cache-Control", "no-store");
  return d1.ok ? c.json(body, 200) : c.json(body, 503);
});

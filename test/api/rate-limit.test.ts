/**
 * The public surface's rate limit (src/api/rate-limit.ts, decision 0089) with a real Workers Rate
 * Limiting binding in workerd: READ_LIMITER_TEST (5 requests per 10 s, vitest.config.ts) stands in
 * for READ_LIMITER, which every other test runs without (READ_RATE_LIMIT "off").
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { app } from "../../src/api/app";
import { clientKey, READ_LIMIT_PERIOD_S } from "../../src/api/rate-limit";
import wranglerToml from "../../wrangler.toml?raw";
import { migrate, syntheticCatalog, writeCatalog } from "./helpers";

const LIMIT = 5;
const BASE = "https://ssmd.test";

beforeAll(async () => {
  await migrate();
  await writeCatalog(syntheticCatalog(10, 3));
});

/** Counts every method call on a binding (D1, KV): a refused request must make none. */
function counting<T extends object>(target: T, calls: string[], name: string): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        calls.push(`${name}.${String(prop)}`);
        return v.apply(t, args);
      };
    },
  });
}

let n = 0;
/** A client address of its own per attempt: counters of other tests (or runs) never interfere. */
const freshAddress = () => `2001:db8:${(Date.now() % 0xffff).toString(16)}:${(++n).toString(16)}::1`;

async function call(path: string, address: string, init: RequestInit = {}, extraEnv: Partial<Env> = {}) {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  headers.set("CF-Connecting-IP", address);
  const res = await app.fetch(
    new Request(`${BASE}${path}`, { ...init, headers }),
    { ...env, READ_LIMITER: env.READ_LIMITER_TEST, READ_RATE_LIMIT: undefined, ...extraEnv },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

/**
 * Runs `body` inside one limiter window (the binding's windows are aligned to the clock, every
 * READ_LIMIT_PERIOD_S): if the window rolled over meanwhile, the counts are not comparable, so it
 * runs again with a fresh address.
 */
async function inOneWindow(body: (address: string) => Promise<void>) {
  const windowOf = () => Math.floor(Date.now() / (READ_LIMIT_PERIOD_S * 1000));
  for (let attempt = 0; ; attempt++) {
    const w = windowOf();
    let failure: unknown = null;
    try {
      await body(freshAddress());
    } catch (e) {
      failure = e;
    }
    if (windowOf() === w || attempt === 2) {
      if (failure) throw failure;
      return;
    }
  }
}

describe("READ_LIMITER", () => {
  it("wrangler.toml declares the binding with the period the code states in Retry-After", () => {
    const block = /\[\[ratelimits\]\]\s*name = "READ_LIMITER"[\s\S]*?simple = \{ limit = (\d+), period = (\d+) \}/.exec(
      wranglerToml,
    );
    expect(block, "a [[ratelimits]] READ_LIMITER block").not.toBeNull();
    expect(Number(block![2])).toBe(READ_LIMIT_PERIOD_S);
    // A constraint, not two accepted answers: the binding takes a period of 10 or 60 s only.
    expect([10, 60]).toContain(READ_LIMIT_PERIOD_S);
  });

  it(`serves ${LIMIT} requests per address and window, then 429 with Retry-After and the API's error body`, async () => {
    await inOneWindow(async (address) => {
      const paths = ["/markets?limit=2", "/events", "/series", "/fees", "/markets?limit=1"];
      for (const p of paths) expect((await call(p, address)).status, p).toBe(200);
      const refused = await call("/markets?limit=2", address, { headers: { Origin: "https://app.example" } });
      expect(refused.status).toBe(429);
      expect(refused.headers.get("Retry-After")).toBe(String(READ_LIMIT_PERIOD_S));
      expect(refused.headers.get("Cache-Control")).toBe("no-store");
      // CORS headers on the refusal too, so a browser client can read why.
      expect(refused.headers.get("Access-Control-Allow-Origin")).toBe("*");
      const body = (await refused.json()) as any;
      expect(body.error).toMatchObject({
        code: "rate_limited",
        details: { retry_after_s: READ_LIMIT_PERIOD_S },
        request_id: refused.headers.get("X-Request-Id"),
      });
      expect(body.error.message).toContain("retry after");
      // Every public route is counted, not only the first one tried.
      for (const p of ["/healthz", "/openapi.json", "/tools", "/markets/NOPE", "/nowhere"])
        expect((await call(p, address)).status, p).toBe(429);
      // Another client is not affected.
      expect((await call("/markets?limit=1", freshAddress())).status).toBe(200);
    });
  });

  it("a refused request costs no D1 and no KV work", async () => {
    await inOneWindow(async (address) => {
      const calls: string[] = [];
      const bindings = { DB: counting(env.DB, calls, "DB"), CACHE: counting(env.CACHE, calls, "CACHE") };
      for (let i = 0; i < LIMIT; i++) {
        const res = await call("/markets?limit=3&status=open", address, {}, bindings);
        expect(res.status).toBe(200);
        await res.text();
      }
      expect(calls.length, "the served requests did read (the counter sees them)").toBeGreaterThan(0);
      calls.length = 0;
      const refused = await call(
        "/markets?limit=3&status=closed",
        address,
        { headers: { "Cache-Control": "no-cache" } },
        bindings,
      );
      expect(refused.status).toBe(429);
      expect(calls).toEqual([]);
    });
  });

  it("a tool call counts once (its dispatch to the REST route is not counted again); MCP likewise", async () => {
    await inOneWindow(async (address) => {
      for (let i = 0; i < LIMIT; i++) {
        const res = await call("/tools/list_markets", address, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ limit: 1 }),
        });
        expect(res.status, `tool call ${i + 1}`).toBe(200);
      }
      expect((await call("/tools/list_markets", address, { method: "POST", body: "{}" })).status).toBe(429);
    });
    await inOneWindow(async (address) => {
      const mcp = (id: number) =>
        call("/mcp", address, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id,
            method: "tools/call",
            params: { name: "list_events", arguments: {} },
          }),
        });
      for (let i = 0; i < LIMIT; i++) {
        const res = await mcp(i);
        expect(res.status).toBe(200);
        expect(((await res.json()) as any).result.isError).toBe(false);
      }
      expect((await mcp(99)).status).toBe(429);
    });
  });

  it("admin routes (bearer token) and CORS preflights are not counted", async () => {
    await inOneWindow(async (address) => {
      for (let i = 0; i < LIMIT; i++) expect((await call("/series", address)).status).toBe(200);
      expect((await call("/series", address)).status).toBe(429);
      const preflight = await call("/markets", address, {
        method: "OPTIONS",
        headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" },
      });
      expect(preflight.status).toBe(204);
      const admin = await call("/admin/sync", address, { headers: { Authorization: "Bearer test-admin-token" } });
      expect(admin.status).toBe(200);
    });
  });

  it("READ_RATE_LIMIT off or no binding: nothing is limited; a failing limiter serves and logs a warning", async () => {
    const address = freshAddress();
    for (let i = 0; i < LIMIT + 2; i++)
      expect((await call("/series", address, {}, { READ_RATE_LIMIT: "off" })).status).toBe(200);
    for (let i = 0; i < LIMIT + 2; i++)
      expect((await call("/series", address, {}, { READ_LIMITER: undefined as unknown as RateLimit })).status).toBe(
        200,
      );
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const broken = {
      limit: async () => {
        throw new Error("limiter unreachable");
      },
    } as RateLimit;
    expect((await call("/series", address, {}, { READ_LIMITER: broken })).status).toBe(200);
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toContain("rate limiter failed");
    warn.mockRestore();
  });
});

describe("clientKey", () => {
  it("keys IPv4 by address, IPv6 by its /64, and no address as one 'unknown' client", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:DB8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:0db8:0001:0002:ffff::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey("2001:db8:1:3::1")).not.toBe(clientKey("2001:db8:1:2::1"));
    expect(clientKey(undefined)).toBe("unknown");
    expect(clientKey("")).toBe("unknown");
  });
});

/** /openapi.json, /healthz, the hc client, CORS and the error shape for unknown routes. */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/api/app";
import pkg from "../../package.json";
import { createClient } from "../../src/api/client";
import { migrate, syntheticCatalog, writeCatalog } from "./helpers";

beforeAll(async () => {
  await migrate();
  await writeCatalog(syntheticCatalog(12, 2));
});

describe("GET /openapi.json", () => {
  it("has servers (the origin it was read from), a unique operationId per operation and an example response on each", async () => {
    const doc = (await (await SELF.fetch("https://ssmd.test/openapi.json")).json()) as any;
    expect(doc.servers).toEqual([{ url: "https://ssmd.test", description: expect.any(String) }]);
    const local = (await (await SELF.fetch("http://127.0.0.1:8787/openapi.json")).json()) as any;
    expect(local.servers[0].url).toBe("http://127.0.0.1:8787");
    const ids: string[] = [];
    for (const [path, ops] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(ops)) {
        const where = `${method} ${path}`;
        expect(op.operationId, where).toMatch(/^[a-z][a-z0-9_]*$/);
        ids.push(op.operationId);
        const examples = Object.values<any>(op.responses).flatMap((r) =>
          Object.values<any>(r.content ?? {}).filter((m) => m.example !== undefined || m.examples !== undefined),
        );
        expect(examples.length, where).toBeGreaterThan(0);
      }
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/admin/sync/{run_id}"].get.operationId).toBe("get_admin_sync_by_run_id");
  });

  it("the error examples are what the API answers", async () => {
    const doc = (await (await SELF.fetch("https://ssmd.test/openapi.json")).json()) as any;
    const strip = (b: any) => ({ error: { ...b.error, request_id: undefined } });
    const cases: Array<[string, string, string, RequestInit?]> = [
      ["/markets", "400", "/markets?limit=1001"],
      ["/markets/{ticker}", "404", "/markets/KXNOPE-1"],
      ["/admin/sync", "401", "/admin/sync"],
    ];
    for (const [path, status, url] of cases) {
      const op = doc.paths[path].get;
      const example = op.responses[status].content["application/json"].example;
      const res = await SELF.fetch(`https://ssmd.test${url}`);
      expect(res.status, url).toBe(Number(status));
      expect(strip(await res.json()), url).toEqual(strip(example));
    }
  });

  it("is an OpenAPI 3.1 document with every route, parameters and shared error schema", async () => {
    const res = await SELF.fetch("https://ssmd.test/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.version).toBe(pkg.version);
    for (const p of [
      "/healthz",
      "/markets",
      "/markets/{ticker}",
      "/events",
      "/events/{event_ticker}",
      "/series",
      "/series/{series_ticker}",
      "/fees",
      "/admin/sync",
      "/admin/sync/{run_id}",
      "/tools",
      "/tools/{name}",
      "/mcp",
      "/tickers",
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    const params = doc.paths["/markets"].get.parameters.map((p: any) => p.name).sort();
    expect(params).toEqual([
      "category",
      "closing_after",
      "closing_before",
      "cursor",
      "fields",
      "has_stream_on",
      "include_deleted",
      "limit",
      "q",
      "series",
      "status",
      "status_raw",
    ]);
    const limit = doc.paths["/markets"].get.parameters.find((p: any) => p.name === "limit");
    expect(limit.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 1000, default: 100 });
    expect(doc.paths["/markets/{ticker}"].get.responses["404"]).toBeDefined();
    expect(doc.components.schemas.Error).toBeDefined();
    expect(doc.components.schemas.Market.properties.yes_bid).toBeDefined();
    expect(JSON.stringify(doc.components.schemas.MarketWithEvent)).toContain("#/components/schemas/EventMeta");
    expect(doc.paths["/admin/sync"].post.security).toEqual([{ bearer: [] }]);
    // every $ref resolves
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const r of refs) expect(doc.components.schemas[r.slice(22, -1)], r).toBeDefined();
  });
});

describe("GET /healthz", () => {
  it("reports version and per-dependency booleans", async () => {
    const res = await SELF.fetch("https://ssmd.test/healthz");
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ status: "ok", version: pkg.version, checks: { d1: true, kv: true, kalshi: true } });
    expect(body.errors).toEqual({ d1: null, kv: null, kalshi: null });
    expect(typeof body.latency_ms.d1).toBe("number");
    expect(res.headers.get("Cache-Control")).toBe("no-store");
  });

  it("degraded (200) when the Kalshi source is unreachable; 503 when D1 is down", async () => {
    const unreachable = { ...env, KALSHI_BASE_URL: "http://127.0.0.1:1/trade-api/v2" };
    let ctx = createExecutionContext();
    let res = await app.fetch(new Request("https://ssmd.test/healthz"), unreachable, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
    const degraded = (await res.json()) as any;
    expect(degraded).toMatchObject({ status: "degraded", checks: { d1: true, kv: true, kalshi: false } });
    expect(typeof degraded.errors.kalshi).toBe("string");

    const brokenDb = {
      prepare: () => {
        throw new Error("D1_ERROR: network connection lost");
      },
    } as unknown as D1Database;
    ctx = createExecutionContext();
    res = await app.fetch(new Request("https://ssmd.test/healthz"), { ...env, DB: brokenDb }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    const down = (await res.json()) as any;
    expect(down).toMatchObject({ status: "down", checks: { d1: false } });
    expect(typeof down.errors.d1).toBe("string");
  });

  it("a read route with D1 down answers 500 JSON without internals, with a request id", async () => {
    const brokenDb = {
      prepare: () => {
        throw new Error("D1_ERROR: secret internal detail");
      },
    } as unknown as D1Database;
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request("https://ssmd.test/markets?status=settled&limit=3"),
      { ...env, DB: brokenDb },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret");
    const body = JSON.parse(text);
    expect(body.error.code).toBe("internal");
    expect(body.error.request_id).toBe(res.headers.get("X-Request-Id"));
  });
});

describe("hc client", () => {
  it("calls typed routes", async () => {
    const api = createClient("https://ssmd.test", { fetch: (input, init) => SELF.fetch(input, init) });
    const res = await api.markets.$get({ query: { status: "open", limit: "3" } });
    expect(res.status).toBe(200);
    if (res.status === 200) {
      const body = await res.json();
      expect(body.markets.length).toBeGreaterThan(0);
      expect(body.markets.length).toBeLessThanOrEqual(3);
      for (const m of body.markets) expect(m.status).toBe("open");
    }
    const one = await api.markets[":ticker"].$get({ param: { ticker: "NOPE" }, query: {} });
    expect(one.status).toBe(404);
  });
});

describe("CORS and unknown routes", () => {
  it("answers preflight with the configured origins", async () => {
    const res = await SELF.fetch("https://ssmd.test/markets", {
      method: "OPTIONS",
      headers: { Origin: "https://app.example", "Access-Control-Request-Method": "GET" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");

    const ctx = createExecutionContext();
    const limited = { ...env, CORS_ORIGINS: "https://a.example, https://b.example" };
    const ok = await app.fetch(
      new Request("https://ssmd.test/markets", { headers: { Origin: "https://b.example" } }),
      limited,
      ctx,
    );
    expect(ok.headers.get("Access-Control-Allow-Origin")).toBe("https://b.example");
    const no = await app.fetch(
      new Request("https://ssmd.test/markets", { headers: { Origin: "https://evil.example" } }),
      limited,
      ctx,
    );
    expect(no.headers.get("Access-Control-Allow-Origin")).toBeNull();
    await waitOnExecutionContext(ctx);
  });

  it("unknown route → 404 JSON", async () => {
    const res = await SELF.fetch("https://ssmd.test/nope");
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe("not_found");
  });
});

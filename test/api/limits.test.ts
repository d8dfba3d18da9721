/**
 * The request limits (src/api/limits.ts, decision 0108) through the whole app: each at exactly its
 * bound passes the check, one over is refused with the structured error — bodies with a
 * Content-Length and chunked ones without — and /openapi.json declares the limit responses
 * (413, 414, 429 with Retry-After) on exactly the operations they apply to.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/api/app";
import {
  MAX_BODY_BYTES,
  MAX_CURSOR_LENGTH,
  MAX_INGEST_BODY_BYTES,
  MAX_MCP_BATCH,
  MAX_QUERY_LENGTH,
} from "../../src/api/limits";
import { READ_LIMIT_PERIOD_S } from "../../src/api/rate-limit";
import { MAX_TRADES_PER_BATCH } from "../../src/stream/forwarder";
import { makeTrades } from "../stream/helpers";
import { migrate, syntheticCatalog, writeCatalog } from "./helpers";

const BASE = "https://ssmd.test";
const ADMIN = { authorization: "Bearer test-admin-token", "content-type": "application/json" };
const MCP = { "content-type": "application/json", accept: "application/json, text/event-stream" };

beforeAll(async () => {
  await migrate();
  await writeCatalog(syntheticCatalog(10, 4));
});

/** A JSON text padded with trailing spaces (still the same JSON) to exactly `bytes` bytes. */
function padded(json: string, bytes: number): string {
  const n = new TextEncoder().encode(json).length;
  if (n > bytes) throw new Error(`${n} > ${bytes}`);
  return json + " ".repeat(bytes - n);
}

/** The same bytes as a stream of unknown length: sent chunked, without Content-Length. */
function chunked(text: string, chunk = 16 * 1024): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

async function errorOf(res: Response) {
  const body = (await res.json()) as { error: { code: string; message: string; details: any } };
  expect(res.headers.get("Cache-Control")).toBe("no-store");
  return body.error;
}

describe("query strings", () => {
  it(`exactly ${MAX_QUERY_LENGTH} characters reach the route; one more is 414 uri_too_long, unparsed`, async () => {
    const at = (n: number) => `status_raw=${"x".repeat(n - "status_raw=".length)}`;
    const ok = await SELF.fetch(`${BASE}/markets?${at(MAX_QUERY_LENGTH)}`);
    // The route's own validation answers (status_raw is at most 64 characters): the limit let it through.
    expect(ok.status).toBe(400);
    expect((await errorOf(ok)).details[0].parameter).toBe("status_raw");
    const over = await SELF.fetch(`${BASE}/markets?${at(MAX_QUERY_LENGTH + 1)}`);
    expect(over.status).toBe(414);
    const e = await errorOf(over);
    expect(e).toMatchObject({ code: "uri_too_long", details: { max_query_length: MAX_QUERY_LENGTH } });
    // Refused before the query is parsed: a repeated parameter (which parsing refuses) is not what it says.
    const repeated = await SELF.fetch(`${BASE}/markets?a=1&a=2&${at(MAX_QUERY_LENGTH + 1 - 8)}`);
    expect(repeated.status).toBe(414);
  });

  it("every operation's query parameters, each at its maximum length and percent-encoded, fit the limit", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as any;
    let widest = 0;
    for (const [path, ops] of Object.entries<any>(doc.paths))
      for (const [method, op] of Object.entries<any>(ops)) {
        const qs = (op.parameters ?? []).filter((p: any) => p.in === "query");
        // A value at its maxLength of characters that each take 3 bytes percent-encoded ('%25').
        const len = qs.reduce((n: number, p: any) => n + p.name.length + 2 + 3 * (p.schema?.maxLength ?? 64), 0);
        expect(len, `${method} ${path}`).toBeLessThanOrEqual(MAX_QUERY_LENGTH);
        widest = Math.max(widest, len);
      }
    expect(widest).toBeGreaterThan(0);
  });
});

describe("cursors", () => {
  it(`${MAX_CURSOR_LENGTH} characters are read as a cursor; one more is a 400 on the length`, async () => {
    const at = await SELF.fetch(`${BASE}/markets?cursor=${"A".repeat(MAX_CURSOR_LENGTH)}`);
    expect(at.status).toBe(400);
    expect((await errorOf(at)).details).toEqual([
      expect.objectContaining({ parameter: "cursor", message: "not a cursor returned by this endpoint" }),
    ]);
    const over = await SELF.fetch(`${BASE}/markets?cursor=${"A".repeat(MAX_CURSOR_LENGTH + 1)}`);
    expect(over.status).toBe(400);
    expect((await errorOf(over)).details).toEqual([
      expect.objectContaining({
        parameter: "cursor",
        issue: "too_big",
        message: `must be at most ${MAX_CURSOR_LENGTH} characters`,
      }),
    ]);
  });
});

describe("request bodies", () => {
  const toolBody = (bytes: number) => padded(JSON.stringify({ limit: 1 }), bytes);
  const ping = (bytes: number) => padded(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }), bytes);

  for (const [how, body] of [
    ["with Content-Length", (t: string) => t],
    ["chunked, without Content-Length", (t: string) => chunked(t)],
  ] as const) {
    it(`${how}: POST /tools/{name} and /mcp take ${MAX_BODY_BYTES} bytes, refuse one more with 413`, async () => {
      const tool = (t: string) =>
        SELF.fetch(`${BASE}/tools/list_markets`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: body(t),
        });
      const at = await tool(toolBody(MAX_BODY_BYTES));
      expect(at.status, await at.clone().text()).toBe(200);
      expect(((await at.json()) as { markets: unknown[] }).markets).toHaveLength(1);
      const over = await tool(toolBody(MAX_BODY_BYTES + 1));
      expect(over.status).toBe(413);
      expect(await errorOf(over)).toMatchObject({
        code: "payload_too_large",
        message: `request body over ${MAX_BODY_BYTES} bytes`,
        details: { max_bytes: MAX_BODY_BYTES },
      });

      const mcp = (t: string) => SELF.fetch(`${BASE}/mcp`, { method: "POST", headers: MCP, body: body(t) });
      const mcpAt = await mcp(ping(MAX_BODY_BYTES));
      expect(mcpAt.status).toBe(200);
      expect(await mcpAt.json()).toMatchObject({ jsonrpc: "2.0", id: 1, result: {} });
      const mcpOver = await mcp(ping(MAX_BODY_BYTES + 1));
      expect(mcpOver.status).toBe(413);
      expect((await errorOf(mcpOver)).code).toBe("payload_too_large");
    });
  }

  it("a 413 is answered before the body is parsed: invalid JSON over the limit is a 413, not a 400", async () => {
    const res = await SELF.fetch(`${BASE}/tools/list_markets`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunked(`{${"x".repeat(MAX_BODY_BYTES)}`),
    });
    expect(res.status).toBe(413);
  });

  it(`admin ingest routes take ${MAX_INGEST_BODY_BYTES} bytes, refuse one more with 413 — chunked too`, async () => {
    const one = JSON.stringify({ trades: makeTrades("KXLIMIT-BYTES", 1) });
    for (const body of [(t: string) => t, (t: string) => chunked(t, 1024 * 1024)]) {
      const post = (t: string) =>
        SELF.fetch(`${BASE}/admin/ingest/trades`, { method: "POST", headers: ADMIN, body: body(t) });
      const at = await post(padded(one, MAX_INGEST_BODY_BYTES));
      expect(at.status, await at.clone().text()).toBe(200);
      expect(await at.json()).toMatchObject({ received: 1 });
      const over = await post(padded(one, MAX_INGEST_BODY_BYTES + 1));
      expect(over.status).toBe(413);
      expect(await errorOf(over)).toMatchObject({
        code: "payload_too_large",
        details: { max_bytes: MAX_INGEST_BODY_BYTES },
      });
    }
    // The public bound applies to every other admin body (the ingest's is not reachable elsewhere).
    const sync = await SELF.fetch(`${BASE}/admin/sync`, {
      method: "POST",
      headers: ADMIN,
      body: padded('{"mode":"nope"}', MAX_BODY_BYTES + 1),
    });
    expect(sync.status).toBe(413);
    // Without the token nothing of the body matters: 401, the body unread.
    const anon = await SELF.fetch(`${BASE}/admin/ingest/trades`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunked(padded(one, MAX_INGEST_BODY_BYTES + 1), 1024 * 1024),
    });
    expect(anon.status).toBe(401);
  });
});

describe("batches", () => {
  it(`a trade batch of ${MAX_TRADES_PER_BATCH} trades is ingested; one more is 413 naming the maximum`, async () => {
    const trades = makeTrades("KXLIMIT-BATCH", MAX_TRADES_PER_BATCH + 1, { spacingMs: 10 });
    const post = (t: unknown[]) =>
      SELF.fetch(`${BASE}/admin/ingest/trades`, {
        method: "POST",
        headers: ADMIN,
        body: JSON.stringify({ trades: t }),
      });
    const over = await post(trades);
    expect(over.status).toBe(413);
    expect(await errorOf(over)).toMatchObject({
      code: "payload_too_large",
      message: `at most ${MAX_TRADES_PER_BATCH} trades per request, got ${MAX_TRADES_PER_BATCH + 1}`,
      details: { max_trades: MAX_TRADES_PER_BATCH, trades: MAX_TRADES_PER_BATCH + 1 },
    });
    const at = await post(trades.slice(0, MAX_TRADES_PER_BATCH));
    expect(at.status).toBe(200);
    expect(await at.json()).toMatchObject({ received: MAX_TRADES_PER_BATCH, failed: [] });
  });

  it(`an MCP batch of ${MAX_MCP_BATCH} messages is answered; one more is 413 before any message runs`, async () => {
    const batch = (n: number) =>
      JSON.stringify(
        Array.from({ length: n }, (_, i) => ({
          jsonrpc: "2.0",
          id: i,
          method: "tools/call",
          params: { name: "list_markets", arguments: { limit: 1 } },
        })),
      );
    const at = await SELF.fetch(`${BASE}/mcp`, { method: "POST", headers: MCP, body: batch(MAX_MCP_BATCH) });
    expect(at.status).toBe(200);
    const answers = (await at.json()) as Array<{ id: number; result: { isError: boolean } }>;
    expect(answers.map((a) => a.id).sort((a, b) => a - b)).toEqual([...Array(MAX_MCP_BATCH).keys()]);
    expect(answers.every((a) => a.result.isError === false)).toBe(true);
    const over = await SELF.fetch(`${BASE}/mcp`, { method: "POST", headers: MCP, body: batch(MAX_MCP_BATCH + 1) });
    expect(over.status).toBe(413);
    expect(await errorOf(over)).toMatchObject({
      code: "payload_too_large",
      details: { max_messages: MAX_MCP_BATCH, messages: MAX_MCP_BATCH + 1 },
    });
  });
});

describe("GET /openapi.json declares the limits", () => {
  type Op = { method: string; path: string; op: any };
  async function operations(): Promise<Op[]> {
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as any;
    return Object.entries<any>(doc.paths).flatMap(([path, ops]) =>
      Object.entries<any>(ops).map(([method, op]) => ({ method, path, op })),
    );
  }
  const examplesOf = (r: any): any[] => {
    const json = r.content["application/json"];
    return json.examples ? Object.values<any>(json.examples).map((e) => e.value) : [json.example];
  };

  it("414 on every operation, 413 on every one with a body, each with its bound", async () => {
    for (const { method, path, op } of await operations()) {
      const where = `${method} ${path}`;
      expect(
        examplesOf(op.responses["414"]).map((e) => e.error.code),
        where,
      ).toContain("uri_too_long");
      if (op.requestBody) {
        const ex = examplesOf(op.responses["413"]).find((e) => e.error.code === "payload_too_large");
        const max =
          path === "/admin/ingest/trades" || path === "/admin/ingest/start" ? MAX_INGEST_BODY_BYTES : MAX_BODY_BYTES;
        expect(ex?.error.details, where).toEqual({ max_bytes: max });
      } else expect(op.responses["413"], where).toBeUndefined();
    }
  });

  /** One request to `path` after LIMIT others from the same address, under the real limiter binding. */
  async function refusedAfterLimit(method: string, path: string, address: string): Promise<number> {
    const testEnv = { ...env, READ_LIMITER: env.READ_LIMITER_TEST, READ_RATE_LIMIT: undefined };
    const send = async (m: string, p: string) => {
      const ctx = createExecutionContext();
      const init: RequestInit = { method: m.toUpperCase(), headers: { "CF-Connecting-IP": address } };
      if (m === "post") init.body = "{}";
      const res = await app.fetch(new Request(`${BASE}${p}`, init), testEnv, ctx);
      await res.body?.cancel();
      await waitOnExecutionContext(ctx);
      return res.status;
    };
    for (let i = 0; i < 5; i++) await send("get", "/nowhere");
    return send(method, path.replace(/\{\w+\}/g, "x"));
  }

  it("429 rate_limited with Retry-After on exactly the operations the limiter refuses", async () => {
    let n = 0;
    const windowOf = () => Math.floor(Date.now() / (READ_LIMIT_PERIOD_S * 1000));
    const ops = await operations();
    for (const { method, path, op } of ops) {
      const where = `${method} ${path}`;
      let status = 0;
      // The limiter's windows follow the clock: a request pair that straddles two is tried again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const w = windowOf();
        status = await refusedAfterLimit(method, path, `2001:db8:${Date.now() % 0xffff}:${++n}::1`);
        if (windowOf() === w) break;
      }
      const declared = op.responses["429"];
      if (status === 429) {
        expect(declared, where).toBeDefined();
        const ex = examplesOf(declared).find((e) => e.error.code === "rate_limited");
        expect(ex?.error.details, where).toEqual({ retry_after_s: READ_LIMIT_PERIOD_S });
        expect(declared.headers?.["Retry-After"]?.schema?.type, where).toBe("integer");
      } else {
        expect(path.startsWith("/admin/"), `${where} answered ${status}, not 429`).toBe(true);
        expect(declared, where).toBeUndefined();
      }
    }
    expect(ops.filter((o) => o.op.responses["429"]).length).toBeGreaterThan(15);
  });
});

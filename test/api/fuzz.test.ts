/**
 * Hostile input on every surface (issue #17): every operation of the generated OpenAPI document
 * (so a new route is fuzzed without touching this file), every tool through POST /tools/{name}
 * and MCP tools/call, every MCP method, and the admin routes with a valid token. Random and
 * adversarial query strings, path segments, JSON bodies and headers; the answer is never a 5xx,
 * never carries a stack trace or internal detail, and a 4xx is the API's structured error naming
 * the problem (MCP: a JSON-RPC error or a tool error). Run counts keep the file well under 60 s.
 */
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ErrorCodeSchema } from "../../src/api/errors";
import { TOOLS } from "../../src/api/tool-registry";
import { migrate, syntheticCatalog, writeCatalog } from "./helpers";

const BASE = "https://ssmd.test";
const TOKEN = "test-admin-token";

type Param = { name: string; in: string; required?: boolean };
type Operation = { method: string; path: string; params: Param[]; hasBody: boolean; admin: boolean };
let operations: Operation[] = [];

beforeAll(async () => {
  await migrate();
  await writeCatalog(syntheticCatalog(25, 9));
  const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { parameters?: Param[]; requestBody?: unknown; security?: unknown[] }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      params: op.parameters ?? [],
      hasBody: op.requestBody !== undefined,
      admin: Array.isArray(op.security) && op.security.length > 0,
    })),
  );
});

// ---------------------------------------------------------------------------------------------
// What every answer must satisfy.

/** Signs of an internal detail leaking: a stack frame, a source location, SQL or binding errors. */
const LEAKS = [
  /\n\s+at\s/,
  /\bat [\w$.<>]+ \(/,
  /\.(?:ts|js|mjs):\d+/,
  /node_modules/,
  /SQLITE_|D1_ERROR|D1_TYPE_ERROR/,
  /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|InternalError)\b/,
  /\bworkerd\b|\bminiflare\b/i,
  /"stack"\s*:/,
  /SSMD_ADMIN_TOKEN\s*=|test-admin-token/,
];

function expectNoLeak(what: string, text: string) {
  for (const re of LEAKS) expect(re.test(text), `${what}: leaks ${re} in ${text.slice(0, 400)}`).toBe(false);
}

const CODES = new Set<string>(ErrorCodeSchema.options);

/** The API's structured error: a known code, a message, and for a 400 the offending parameter(s). */
function expectStructuredError(what: string, status: number, text: string, jsonRpc = false) {
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${what}: ${status} answer is not JSON: ${text.slice(0, 200)}`);
  }
  // POST /mcp: the MCP transport's refusals are JSON-RPC errors (numeric code), the route's own the API's.
  if (jsonRpc && typeof body?.error?.code === "number" && typeof body.error.message === "string") return;
  expect(CODES.has(body?.error?.code), `${what}: error code in ${text.slice(0, 300)}`).toBe(true);
  expect(typeof body.error.message === "string" && body.error.message.length > 0, `${what}: message`).toBe(true);
  if (status === 400 && body.error.code === "invalid_parameter") {
    expect(Array.isArray(body.error.details) && body.error.details.length > 0, `${what}: details ${text}`).toBe(true);
    for (const d of body.error.details)
      expect(typeof d.parameter, `${what}: detail names the parameter`).toBe("string");
  }
}

async function expectSane(url: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const res = await SELF.fetch(url, init);
  const text = await res.text();
  const what = `${init.method ?? "GET"} ${url.slice(0, 200)} → ${res.status}`;
  expect(res.status, `${what} ${text.slice(0, 300)}`).toBeLessThan(500);
  expectNoLeak(what, text);
  for (const [k, v] of res.headers) expectNoLeak(`${what} header ${k}`, v);
  const jsonRpc = new URL(url).pathname === "/mcp";
  if (res.status >= 400 && init.method !== "HEAD") expectStructuredError(what, res.status, text, jsonRpc);
  return { status: res.status, text };
}

// ---------------------------------------------------------------------------------------------
// Generators.

const ADVERSARIAL_STRINGS = [
  "",
  " ",
  "0",
  "-1",
  "1e3",
  "1e309",
  "NaN",
  "Infinity",
  "-0",
  "0x10",
  "true",
  "null",
  "undefined",
  "[]",
  "{}",
  '{"a":1}',
  "2026-02-30",
  "2026-03-01T17:00:00",
  "2026-03-01T25:00:00Z",
  "+275760-09-13T00:00:01Z",
  "9999-12-31",
  "\u0000",
  "a\u0000b",
  "%00",
  "%2F",
  "..",
  "../../etc/passwd",
  "'; DROP TABLE markets;--",
  '" OR 1=1 --',
  "<script>alert(1)</script>",
  "é",
  "😀",
  "\u202e\u0645",
  "\ud800",
  "KXBTCD",
  "KXBTCD-E000",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "WzEsImEiXQ",
  "W251bGwsIiJd",
  "x".repeat(300),
  "A".repeat(5000),
];

const adversarialString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...ADVERSARIAL_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 16 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
);

/** encodeURIComponent, with lone surrogates (which it refuses) sent as U+FFFD, as a browser would. */
const enc = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udfff]/gu, "\ufffd"));

/** A path segment, percent-encoded as a client would, or raw adversarial encodings. */
const pathSegment = fc.oneof(
  { weight: 3, arbitrary: adversarialString.map((s) => enc(s) || "x") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "%2F",
      "a%2Fb",
      "%2e%2e",
      "%00",
      "%",
      "%E0%A4%A",
      "%FF",
      "%C3%28",
      "%F0%9F%98%80",
      "%uD83D",
      "A".repeat(10_000),
      "a;b",
      "a,b",
      "%20",
      "+",
    ),
  },
);

const PROTO_KEYS = ["__proto__", "constructor", "prototype", "__defineGetter__", "toString", "valueOf"];

function queryFor(op: Operation) {
  const names = op.params.filter((p) => p.in === "query").map((p) => p.name);
  const key = fc.oneof(
    { weight: names.length ? 5 : 0, arbitrary: names.length ? fc.constantFrom(...names) : fc.constant("x") },
    { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
  return fc.oneof(
    fc.array(fc.tuple(key, adversarialString), { maxLength: 6 }).map((pairs) => {
      const qs = new URLSearchParams();
      for (const [k, v] of pairs) qs.append(k, v);
      return qs.toString();
    }),
    // Raw query text: broken escapes, bare keys, separators, an overlong string.
    fc.oneof(
      fc.string({ maxLength: 60 }).map((s) => s.replace(/[#\s]/g, "")),
      fc.constantFrom(
        "%",
        "%%",
        "a=%",
        "=1",
        "&&&",
        "a&a",
        "a=1&a=2",
        "%E0%A4%A=1",
        "limit=%00",
        `a=${"b".repeat(9000)}`,
      ),
    ),
  );
}

function pathFor(op: Operation) {
  const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return fc.array(pathSegment, { minLength: names.length, maxLength: names.length }).map((segs) => {
    let i = 0;
    return op.path.replace(/\{\w+\}/g, () => segs[i++]!);
  });
}

function deep(depth: number, kind: "array" | "object"): string {
  return kind === "array" ? "[".repeat(depth) + "]".repeat(depth) : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

/** Request bodies: malformed, deeply nested, huge, wrong types, prototype keys, plausible objects. */
const body = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  {
    weight: 3,
    arbitrary: fc
      .dictionary(
        fc.oneof(
          fc.constantFrom("mode", "trades", "feed", "markets", "ws_url", "base_url", "ticker", "limit", "status"),
          fc.constantFrom(...PROTO_KEYS),
          fc.string({ maxLength: 8 }),
        ),
        fc.oneof(
          adversarialString,
          fc.integer(),
          fc.double(),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
          fc.dictionary(fc.constantFrom(...PROTO_KEYS, "price", "ts"), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
        ),
        { maxKeys: 5 },
      )
      .map((d) => JSON.stringify(d)),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "{",
      "{nope",
      "[1,2",
      '{"a":}',
      "null",
      "true",
      "0",
      '"str"',
      "[]",
      "\u0000",
      "\ufeff{}",
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"mode":"full","__proto__":{"mode":"incremental"}}',
      '{"trades":{"__proto__":[]}}',
      '{"trades":[{"__proto__":{"ticker":"X"}}]}',
      '{"a":1,"a":2}',
      deep(5000, "array"),
      deep(5000, "object"),
      JSON.stringify({ trades: Array.from({ length: 60_000 }, () => 0) }),
      JSON.stringify(Array.from({ length: 100_000 }, (_, i) => i)),
      JSON.stringify({ markets: Array.from({ length: 20_000 }, () => "A".repeat(20)) }),
      JSON.stringify({ x: "y".repeat(1_000_000) }),
    ),
  },
);

const headers = fc.record(
  {
    "content-type": fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=utf-16",
      "",
    ),
    accept: fc.constantFrom("application/json", "*/*", "text/html", "application/json, text/event-stream", ""),
    "if-none-match": fc.constantFrom('"abc"', "W/", "*", `"${"e".repeat(2000)}"`, ","),
    "accept-encoding": fc.constantFrom("gzip", "br;q=0", "identity;q=0", "*", "gzip;q=abc"),
    "cache-control": fc.constantFrom("no-cache", "max-age=-1", "no-store, no-cache"),
    authorization: fc.constantFrom("Bearer", "Bearer ", "Basic Og==", `Bearer ${"t".repeat(5000)}`),
    origin: fc.constantFrom("null", "https://evil.example", "file://", "http://127.0.0.1:8787"),
    "mcp-protocol-version": fc.constantFrom("2025-06-18", "1999-01-01", "x", ""),
    "x-forwarded-for": fc.constantFrom("1.1.1.1", "::1", "not-an-ip"),
  },
  { requiredKeys: [] },
);

// ---------------------------------------------------------------------------------------------
// The properties.

/** Admin operations whose valid input has an effect outside the request (a sync, a live socket). */
const EFFECTFUL = new Set(["POST /admin/ingest/start", "POST /admin/sync"]);

async function fuzzOperations(ops: () => Operation[], token: string | null, numRuns: number) {
  const op = fc.constant(null).chain(() => fc.constantFrom(...ops()));
  await fc.assert(
    fc.asyncProperty(
      op.chain((o) => fc.tuple(fc.constant(o), pathFor(o), queryFor(o), body, headers)),
      async ([o, path, q, b, h]) => {
        const hdrs: Record<string, string> = { ...h };
        if (token) hdrs.authorization = `Bearer ${token}`;
        const init: RequestInit = { method: o.method, headers: hdrs };
        if (o.method === "POST") init.body = b;
        await expectSane(`${BASE}${path}${q ? `?${q}` : ""}`, init);
      },
    ),
    { numRuns },
  );
}

describe("every operation of /openapi.json", () => {
  it("walks a document that lists the public, tool, MCP and admin operations", () => {
    const keys = operations.map((o) => `${o.method} ${o.path}`);
    for (const k of ["GET /markets", "GET /markets/{ticker}", "POST /tools/{name}", "POST /mcp", "POST /admin/sync"])
      expect(keys).toContain(k);
    expect(operations.filter((o) => o.admin).length).toBeGreaterThanOrEqual(4);
  });

  it("random paths, queries, bodies and headers on every operation: no 5xx, no leak, structured 4xx", async () => {
    await fuzzOperations(() => operations, null, 500);
  });

  it("the admin operations with a valid token (validation reached): no 5xx, no leak, structured 4xx", async () => {
    await fuzzOperations(
      () => operations.filter((o) => o.admin && !EFFECTFUL.has(`${o.method} ${o.path}`)),
      TOKEN,
      150,
    );
    // The effectful ones get only bodies that cannot be valid (a sync start needs {"mode"}; ingest start an object).
    for (const b of ["", "{", "[]", "null", '{"mode":"fast"}', '{"mode":{"__proto__":"full"}}', deep(5000, "object")]) {
      for (const path of ["/admin/sync", "/admin/ingest/start"]) {
        if (path === "/admin/ingest/start" && b.startsWith('{"mode"')) continue;
        const { status } = await expectSane(`${BASE}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
          body: b,
        });
        expect(status, `${path} ${b.slice(0, 40)}`).toBeGreaterThanOrEqual(400);
      }
    }
  });

  it("every method on every path, and methods the document does not list", async () => {
    for (const o of operations) {
      for (const method of ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
        const path = o.path.replace(/\{\w+\}/g, "x");
        const init: RequestInit = { method };
        if (method !== "GET" && method !== "HEAD") init.body = "{}";
        await expectSane(`${BASE}${path}`, init);
      }
    }
  });
});

describe("every tool", () => {
  const name = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...TOOLS.map((t) => t.name)) },
    { weight: 1, arbitrary: fc.constantFrom("nope", "__proto__", "constructor", "list_markets ", "LIST_MARKETS") },
  );
  const argKeys = [...new Set(TOOLS.flatMap((t) => Object.keys(t.input.shape)))];
  const args = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.dictionary(
        fc.oneof(fc.constantFrom(...argKeys), fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 8 })),
        fc.oneof(
          adversarialString,
          fc.integer(),
          fc.double(),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.integer(), { maxLength: 3 }),
          fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
        ),
        { maxKeys: 5 },
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );

  it("POST /tools/{name}: random arguments and raw bodies", async () => {
    await fc.assert(
      fc.asyncProperty(
        name,
        fc.oneof(
          args.map((a) => JSON.stringify(a)),
          body,
        ),
        async (n, b) => {
          await expectSane(`${BASE}/tools/${enc(n)}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: b,
          });
        },
      ),
      { numRuns: 250 },
    );
  });

  it("MCP tools/call: random arguments come back as results or tool errors, never a transport failure", async () => {
    await fc.assert(
      fc.asyncProperty(name, args, async (n, a) => {
        const res = await mcp({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: n, arguments: a } });
        if (res.error) return; // -32602 for arguments that are not an object, etc.
        expect(Array.isArray(res.result?.content), JSON.stringify(res).slice(0, 300)).toBe(true);
        if (res.result.isError) {
          const err = JSON.parse(res.result.content[0].text);
          expect(CODES.has(err.error.code), res.result.content[0].text).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// MCP: every method, random params and ids, batches, malformed JSON-RPC.

const MCP_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

async function mcpRaw(text: string, extra: Record<string, string> = {}) {
  const res = await SELF.fetch(`${BASE}/mcp`, { method: "POST", headers: { ...MCP_HEADERS, ...extra }, body: text });
  const out = await res.text();
  const what = `POST /mcp ${text.slice(0, 120)} → ${res.status}`;
  expect(res.status, `${what} ${out.slice(0, 300)}`).toBeLessThan(500);
  expectNoLeak(what, out);
  if (res.status >= 400 && out) {
    const parsed = JSON.parse(out);
    // The transport answers JSON-RPC errors; the route's own refusals (origin) the API error.
    const structured =
      (typeof parsed?.error?.code === "number" && typeof parsed.error.message === "string") ||
      CODES.has(parsed?.error?.code);
    expect(structured, `${what} ${out.slice(0, 300)}`).toBe(true);
  }
  return { status: res.status, text: out };
}

async function mcp(msg: unknown): Promise<any> {
  const { text } = await mcpRaw(JSON.stringify(msg));
  return text ? JSON.parse(text) : null;
}

const MCP_METHODS = [
  "initialize",
  "ping",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
  "notifications/initialized",
  "notifications/cancelled",
  "sampling/createMessage",
  "nope",
  "__proto__",
  "",
];

describe("every MCP method", () => {
  it("lists the methods it serves", async () => {
    const init = await mcp({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "fuzz", version: "0" } },
    });
    expect(Object.keys(init.result.capabilities)).toEqual(expect.arrayContaining(["tools", "resources", "prompts"]));
  });

  const param = fc.oneof(
    adversarialString,
    fc.integer(),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(
      "ssmd://markets/KXBTCD-E000",
      "ssmd://markets/%2F",
      "ssmd://tickers/",
      "ssmd://x/y",
      "stream_signals",
    ),
  );
  const params = fc.oneof(
    fc.dictionary(
      fc.constantFrom(
        "name",
        "arguments",
        "uri",
        "protocolVersion",
        "capabilities",
        "clientInfo",
        "cursor",
        "level",
        "ref",
        "argument",
        "_meta",
        ...PROTO_KEYS,
      ),
      param,
      { maxKeys: 4 },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );
  const id = fc.oneof(
    fc.integer(),
    fc.string({ maxLength: 8 }),
    fc.constant(null),
    fc.double(),
    fc.constant(undefined),
    fc.constant({}),
  );
  const message = fc
    .record({
      jsonrpc: fc.constantFrom("2.0", "2.0", "2.0", "1.0", undefined),
      id,
      method: fc.constantFrom(...MCP_METHODS),
      params,
    })
    .map((m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)));

  it("random methods, params and ids, single and batched", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 4, arbitrary: message }, { weight: 1, arbitrary: fc.array(message, { maxLength: 5 }) }),
        async (m) => {
          await mcpRaw(JSON.stringify(m));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("malformed JSON-RPC envelopes and hostile headers", async () => {
    for (const text of [
      "",
      "{",
      "null",
      "[]",
      "[[]]",
      "1",
      '"x"',
      '{"jsonrpc":"2.0"}',
      '{"jsonrpc":"2.0","id":1}',
      '{"jsonrpc":"2.0","id":1,"method":1}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_market","arguments":{"ticker":"%2F"}}}',
      '{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"ssmd://markets/%E0%A4%A"}}',
      '{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"ssmd://markets/%2F"}}',
      '{"__proto__":{"method":"tools/list"},"jsonrpc":"2.0","id":1}',
      deep(5000, "array"),
      deep(5000, "object"),
      JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "ping" }))),
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "x".repeat(100_000) } }),
    ]) {
      await mcpRaw(text);
    }
    const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
    for (const h of <Record<string, string>[]>[
      { accept: "text/html" },
      { accept: "" },
      { "content-type": "text/plain" },
      { "mcp-protocol-version": "1999-01-01" },
      { "mcp-session-id": "x".repeat(300) },
      { origin: "null" },
    ]) {
      await mcpRaw(ping, h);
    }
  });
});

describe("paths and cursors", () => {
  it("valid cursors of one route fed to another, and tampered cursors, are 400 not 500", async () => {
    const page = (await (await SELF.fetch(`${BASE}/markets?limit=2`)).json()) as { cursor: string };
    const ev = (await (await SELF.fetch(`${BASE}/events?limit=2`)).json()) as { cursor: string };
    for (const [p, c] of [
      ["/events", page.cursor],
      ["/series", page.cursor],
      ["/markets", ev.cursor],
      ["/markets", page.cursor.slice(1)],
      ["/markets", `${page.cursor}A`],
      ["/markets", "A".repeat(100_000)],
    ] as const) {
      const { status } = await expectSane(`${BASE}${p}?cursor=${encodeURIComponent(c)}`);
      // 414: a query string over MAX_QUERY_LENGTH (src/api/limits.ts), refused before it is parsed.
      expect([200, 400, 414], `${p} ${c.slice(0, 40)}`).toContain(status);
    }
  });

  it("malformed percent-encoding, encoded slashes, NUL and overlong tickers in paths are 4xx", async () => {
    for (const u of [
      "/markets/%E0%A4%A",
      "/markets/%",
      "/markets?status=%E0%A4%A",
      "/markets?%=1",
      "/events/%FF",
      "/fees?tier=%C3%28",
      "/markets/a%2Fb",
      "/markets/%00",
      "/markets/..%2F..%2Fadmin%2Fsync",
      "/markets/%2e%2e/%2e%2e/admin/sync",
      `/markets/${"A".repeat(20_000)}`,
      `/tickers/${"A".repeat(20_000)}/price_history`,
      "/tickers/%00/volume_profile?window=5m",
      "/series/%F0%9F%98%80",
      "//markets",
      "/markets/",
      "/admin/../markets",
    ]) {
      await expectSane(`${BASE}${u}`);
    }
  });
});

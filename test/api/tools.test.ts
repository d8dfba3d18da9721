/** Agent tools: manifest, POST /tools/{name} ≡ REST route, bad args → 400, and MCP with the SDK's real client. */
import { SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../../src/api/tool-registry";
import { migrate, syntheticCatalog, writeCatalog, type Catalog } from "./helpers";

let cat: Catalog;
const BASE = "https://ssmd.test";
const AUTH = { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" };
const EXPECTED_TOOLS = [
  "list_markets",
  "search_markets",
  "get_market",
  "list_events",
  "get_event",
  "list_series",
  "get_series",
  "get_fees",
  "list_tickers",
  "get_ticker",
  "get_price_history",
  "get_volume_profile",
  "screen_markets",
  "get_recent_trades",
  "get_candles",
];
/** The REST route (GET) that answers each tool; its operationId is the tool name. */
const ROUTE_OF: Record<string, string> = {
  list_markets: "/markets",
  search_markets: "/markets",
  get_market: "/markets/{ticker}",
  list_events: "/events",
  get_event: "/events/{event_ticker}",
  list_series: "/series",
  get_series: "/series/{series_ticker}",
  get_fees: "/fees",
  list_tickers: "/tickers",
  get_ticker: "/tickers/{ticker}",
  get_price_history: "/tickers/{ticker}/price_history",
  get_volume_profile: "/tickers/{ticker}/volume_profile",
  screen_markets: "/screen",
  get_recent_trades: "/tickers/{ticker}/trades",
  get_candles: "/tickers/{ticker}/candles",
};
const READ_ANNOTATIONS = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
/** A market with stream data (trades ingested in beforeAll) and the UTC day they fall on. */
let streamed: string;
let day: string;

/** The compact market view the market tools answer by default, as REST `fields`. */
const COMPACT =
  "ticker,event_ticker,series_ticker,category,title,yes_sub_title,status,close_time,yes_bid,yes_ask,no_bid,no_ask,last_price,volume,volume_24h,open_interest";

/** One call of every tool (each view of the market tools), with the REST path that answers it. */
function everyToolCall(): Array<[string, Record<string, unknown>, string]> {
  const m = cat.markets[0]!;
  const enc = encodeURIComponent;
  return [
    ["list_markets", { status: "open", limit: 3 }, `/markets?status=open&limit=3&fields=${COMPACT}`],
    ["list_markets", { status: "open", limit: 3, detail: "full" }, "/markets?status=open&limit=3"],
    ["list_markets", { limit: 3, fields: "yes_bid,title" }, "/markets?limit=3&fields=ticker,title,yes_bid"],
    ["search_markets", { q: m.ticker }, `/markets?q=${enc(m.ticker)}&fields=${COMPACT}`],
    [
      "search_markets",
      { q: m.title ?? m.ticker, status: "open", limit: 2, detail: "full" },
      `/markets?q=${enc(m.title ?? m.ticker)}&status=open&limit=2`,
    ],
    ["get_market", { ticker: m.ticker }, `/markets/${enc(m.ticker)}?fields=${COMPACT}`],
    ["get_market", { ticker: m.ticker, detail: "full" }, `/markets/${enc(m.ticker)}`],
    ["get_market", { ticker: m.ticker, fields: "event,volume" }, `/markets/${enc(m.ticker)}?fields=volume,event`],
    ["list_events", { limit: 3 }, "/events?limit=3"],
    ["list_events", { limit: 3, fields: "title" }, "/events?limit=3&fields=event_ticker,title"],
    ["get_event", { event_ticker: m.event_ticker }, `/events/${enc(m.event_ticker)}?market_fields=${COMPACT}`],
    [
      "get_event",
      { event_ticker: m.event_ticker, include_deleted: true, detail: "full" },
      `/events/${enc(m.event_ticker)}?include_deleted=true`,
    ],
    ["list_series", { category: "Economics" }, "/series?category=Economics"],
    ["get_series", { series_ticker: "KXCPI" }, "/series/KXCPI"],
    ["get_fees", { series: "KXCPI", price: "0.50", contracts: 10 }, "/fees?series=KXCPI&price=0.50&contracts=10"],
    ["list_tickers", { date: day }, `/tickers?date=${day}`],
    ["get_ticker", { ticker: streamed }, `/tickers/${enc(streamed)}`],
    ["get_price_history", { ticker: streamed, window: 5 }, `/tickers/${enc(streamed)}/price_history?window=5`],
    ["get_volume_profile", { ticker: streamed, window: "1h" }, `/tickers/${enc(streamed)}/volume_profile?window=1h`],
    ["get_recent_trades", { ticker: streamed, limit: 3 }, `/tickers/${enc(streamed)}/trades?limit=3`],
    ["get_candles", { ticker: streamed, interval: "5m" }, `/tickers/${enc(streamed)}/candles?interval=5m`],
    [
      "screen_markets",
      { has_stream_on: day, where: "totalVolume>=1", sort: "vwap" },
      `/screen?has_stream_on=${day}&where=totalVolume%3E%3D1&sort=vwap`,
    ],
  ];
}

async function callTool(name: string, args: unknown): Promise<Response> {
  return SELF.fetch(`${BASE}/tools/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(args),
  });
}
async function rest(path: string): Promise<{ status: number; text: string }> {
  const res = await SELF.fetch(`${BASE}${path}`);
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  await migrate();
  cat = syntheticCatalog(40, 5);
  await writeCatalog(cat);
  // Stream data on one market (the seed's trade format), so the ticker tools have something to read.
  streamed = cat.markets[1]!.ticker;
  const ts0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  day = new Date(ts0).toISOString().slice(0, 10);
  const trades = Array.from({ length: 8 }, (_, i) => ({
    type: "trade",
    ticker: streamed,
    price: 40 + i,
    count: 1 + i,
    side: "yes",
    taker_side: i % 2 ? "buy" : "sell",
    ts: ts0 + i * 1000,
  }));
  const res = await SELF.fetch(`${BASE}/admin/ingest/trades`, {
    method: "POST",
    headers: AUTH,
    body: JSON.stringify({ trades }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
});

describe("GET /tools", () => {
  it("lists each tool with a JSON Schema of its arguments", async () => {
    const res = await SELF.fetch(`${BASE}/tools`);
    expect(res.status).toBe(200);
    const { tools } = (await res.json()) as { tools: any[] };
    expect(tools.map((t) => t.name).sort()).toEqual([...EXPECTED_TOOLS].sort());
    for (const t of tools) {
      expect(t.title, t.name).toMatch(/\S/);
      expect(t.annotations, t.name).toEqual(READ_ANNOTATIONS);
      expect(t.output_schema.type, t.name).toBe("object");
      expect(t.input_schema.type, t.name).toBe("object");
      // Units and paging are spelled out where they apply.
      if (t.name.startsWith("list_")) expect(t.description, t.name).toMatch(/cursor/);
      // A tool description never points at a route the model cannot call.
      expect(t.description, t.name).not.toMatch(/GET \//);
    }
    const lm = tools.find((t) => t.name === "list_markets");
    expect(lm.path).toBe("/tools/list_markets");
    expect(lm.input_schema.type).toBe("object");
    expect(lm.input_schema.additionalProperties).toBe(false);
    expect(lm.input_schema.properties.status.enum).toEqual([
      "open",
      "closed",
      "settled",
      "unknown",
      "unopened",
      "active",
      "paused",
    ]);
    expect(lm.input_schema.properties.limit).toMatchObject({ type: "integer", minimum: 1, maximum: 1000 });
    expect(lm.input_schema.properties.limit.pattern).toBeUndefined();
    expect(lm.input_schema.properties.include_deleted.type).toBe("boolean");
    expect(Object.keys(lm.input_schema.properties).sort()).toEqual([
      "category",
      "closing_after",
      "closing_before",
      "cursor",
      "detail",
      "fields",
      "has_stream_on",
      "include_deleted",
      "limit",
      "q",
      "series",
      "status",
      "status_raw",
    ]);
    const gm = tools.find((t) => t.name === "get_market");
    expect(gm.input_schema.required).toEqual(["ticker"]);
    expect(tools.find((t) => t.name === "get_event").input_schema.required).toEqual(["event_ticker"]);
    expect(Object.keys(tools.find((t) => t.name === "get_volume_profile").input_schema.properties).sort()).toEqual([
      "ticker",
      "window",
      "window_ms",
    ]);
    // The output schema is the route's response schema: list_markets answers markets + cursor.
    expect(lm.output_schema.required).toEqual(["markets", "cursor"]);
    expect(lm.output_schema.properties.markets.items.properties.last_price_dollars).toBeDefined();
    const fees = tools.find((t) => t.name === "get_fees");
    expect(Object.keys(fees.input_schema.properties)).toEqual(
      expect.arrayContaining(["price", "contracts", "role", "action", "precision"]),
    );
  });

  it("each tool's output schema is the one the route declares in /openapi.json", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as any;
    const { tools } = (await (await SELF.fetch(`${BASE}/tools`)).json()) as { tools: any[] };
    expect(Object.keys(ROUTE_OF).sort()).toEqual([...EXPECTED_TOOLS].sort());
    const resolve = (s: any): any => (s?.$ref ? doc.components.schemas[s.$ref.split("/").pop()] : s);
    for (const t of tools) {
      const op = doc.paths[ROUTE_OF[t.name]!].get;
      const declared = resolve(op.responses["200"].content["application/json"].schema);
      expect(Object.keys(t.output_schema.properties).sort(), t.name).toEqual(Object.keys(declared.properties).sort());
    }
  });
});

describe("descriptions reach the tools' JSON Schemas", () => {
  it("every property described in /openapi.json (.openapi or .meta) is described the same in the tool's schemas", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as any;
    const { tools } = (await (await SELF.fetch(`${BASE}/tools`)).json()) as { tools: any[] };
    const resolve = (s: any): any => (s?.$ref ? resolve(doc.components.schemas[s.$ref.split("/").pop()]) : s);
    /** The object or array branch of a nullable (anyOf / type: [.., "null"]). */
    const branch = (s: any): any => {
      s = resolve(s);
      const alt = (s?.anyOf ?? s?.oneOf)?.find((x: any) => resolve(x)?.type !== "null");
      return alt ? resolve(alt) : s;
    };
    let compared = 0;
    const walk = (declared: any, tool: any, at: string, seen: Set<any>) => {
      const d = branch(declared);
      const t = branch(tool);
      if (!d || !t || seen.has(d)) return;
      seen.add(d);
      if (d.items && t.items) walk(d.items, t.items, `${at}[]`, seen);
      for (const [k, dp] of Object.entries<any>(d.properties ?? {})) {
        const tp = t.properties?.[k];
        expect(tp, `${at}.${k}`).toBeDefined();
        const desc = dp.description ?? resolve(dp)?.description;
        if (desc && !dp.$ref) {
          expect(tp.description ?? branch(tp)?.description, `${at}.${k}`).toBe(desc);
          compared++;
        }
        walk(dp, tp, `${at}.${k}`, seen);
      }
    };
    for (const t of tools) {
      // (A tool missing from ROUTE_OF fails the output-schema test above.)
      const path = ROUTE_OF[t.name];
      if (!path) continue;
      const op = doc.paths[path].get;
      // A route answering one tool is named after it (one answering several keeps the first's name).
      if (Object.values(ROUTE_OF).filter((p) => p === path).length === 1) expect(op.operationId, t.name).toBe(t.name);
      walk(op.responses["200"].content["application/json"].schema, t.output_schema, t.name, new Set());
      for (const p of op.parameters ?? []) {
        if (!p.description && !p.schema?.description) continue;
        const want = p.description ?? p.schema.description;
        const got = t.input_schema.properties[p.name]?.description;
        // A path parameter's tool argument (pathArg) may say more, e.g. an example ticker.
        if (p.in === "path") expect(got, `${t.name}(${p.name})`).toContain(want);
        else expect(got, `${t.name}(${p.name})`).toBe(want);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
    // Two that were lost before: `.openapi({description})` fields of get_ticker and screen_markets.
    const gt = tools.find((t) => t.name === "get_ticker");
    expect(gt.output_schema.properties.stats.properties.trades_added.description).toMatch(/since the ticker object/);
    const sm = tools.find((t) => t.name === "screen_markets");
    expect(sm.output_schema.properties.screened.properties.capped.description).toMatch(/candidate_cap/);
  });
});

describe("POST /tools/{name}", () => {
  it("answers exactly what the REST route answers", async () => {
    const pairs: Array<[string, Record<string, unknown>, string]> = [
      ["list_markets", { status: "open", limit: 5, detail: "full" }, "/markets?status=open&limit=5"],
      [
        "list_markets",
        { category: "Economics", include_deleted: false, closing_after: "2026-03-02" },
        `/markets?category=Economics&include_deleted=false&closing_after=2026-03-02&fields=${COMPACT}`,
      ],
      [
        "get_market",
        { ticker: cat.markets[3]!.ticker, detail: "full" },
        `/markets/${encodeURIComponent(cat.markets[3]!.ticker)}`,
      ],
      ["list_events", { series: "KXCPI" }, "/events?series=KXCPI"],
      [
        "get_fees",
        { series: "KXCPI", price: "0.50", contracts: 10, role: "maker" },
        "/fees?series=KXCPI&price=0.50&contracts=10&role=maker",
      ],
      ["get_fees", {}, "/fees"],
    ];
    for (const [name, args, path] of pairs) {
      const tool = await callTool(name, args);
      const expected = await rest(path);
      expect(expected.status, path).toBe(200);
      expect(tool.status, name).toBe(200);
      expect(JSON.parse(await tool.text())).toEqual(JSON.parse(expected.text));
    }
    const fees = (await (
      await callTool("get_fees", { series: "KXCPI", price: "0.50", contracts: 10, role: "maker" })
    ).json()) as any;
    expect(fees.quote.fee_dollars).toBe("0.05");
  });

  it("every tool answers what its REST route answers, and the answer parses with the route's schema", async () => {
    const called = new Set<string>();
    for (const [name, args, path] of everyToolCall()) {
      const tool = await callTool(name, args);
      const expected = await rest(path);
      expect(expected.status, `${path} ${expected.text.slice(0, 300)}`).toBe(200);
      expect(tool.status, name).toBe(200);
      const body = await tool.json();
      expect(body, name).toEqual(JSON.parse(expected.text));
      const def = TOOLS.find((t) => t.name === name)!;
      const parsed = def.output.strict().safeParse(body);
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues.slice(0, 3))}`).toBe(true);
      called.add(name);
    }
    expect([...called].sort()).toEqual([...EXPECTED_TOOLS].sort());
  });

  it("pages with the cursor the tool returned", async () => {
    const first = (await (await callTool("list_markets", { limit: 7 })).json()) as any;
    const second = (await (await callTool("list_markets", { limit: 7, cursor: first.cursor })).json()) as any;
    const rest7 = JSON.parse((await rest(`/markets?limit=14`)).text);
    expect([...first.markets, ...second.markets].map((m: any) => m.ticker)).toEqual(
      rest7.markets.map((m: any) => m.ticker),
    );
  });

  it("bad arguments → 400 naming the field; unknown tool → 404", async () => {
    const cases: Array<[string, unknown, string]> = [
      ["list_markets", { status: "tradeable" }, "status"],
      ["list_markets", { limit: 0 }, "limit"],
      ["list_markets", { limit: 2.5 }, "limit"],
      ["list_markets", { stauts: "open" }, "stauts"],
      ["list_markets", { category: ["a"] }, "category"],
      ["list_markets", { closing_before: "soon" }, "closing_before"],
      ["list_markets", { fields: "ticker,yes_bid_cents" }, "fields"],
      ["list_markets", { detail: "everything" }, "detail"],
      ["get_event", { event_ticker: "X", market_fields: "event" }, "market_fields"],
      ["get_market", {}, "ticker"],
      ["get_fees", { price: "2", contracts: 1 }, "price"],
      ["list_tickers", {}, "date"],
    ];
    for (const [name, args, field] of cases) {
      const res = await callTool(name, args);
      const body = (await res.json()) as any;
      expect(res.status, `${name} ${JSON.stringify(args)}`).toBe(400);
      expect(
        body.error.details.map((d: any) => d.parameter),
        JSON.stringify(body),
      ).toContain(field);
    }
    const notObject = await callTool("list_markets", [1, 2]);
    expect(notObject.status).toBe(400);
    const badJson = await SELF.fetch(`${BASE}/tools/list_markets`, { method: "POST", body: "{oops" });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as any).error.code).toBe("invalid_body");
    const unknown = await callTool("drop_tables", {});
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.details.known_tools).toContain("list_markets");
    const missing = await callTool("get_market", { ticker: "NOPE" });
    expect(missing.status).toBe(404);
  });
});

describe("POST /mcp (Streamable HTTP, SDK client)", () => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ name: "ssmd-test", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
      fetch: (input, init) => SELF.fetch(input instanceof URL ? input.toString() : input, init),
    });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client?.close();
  });

  it("initialize: the server sends instructions (units, cursors, times, the workflow)", () => {
    const instructions = client.getInstructions() ?? "";
    for (const word of [
      "cents",
      "_dollars",
      "cursor",
      "YYYY-MM-DD",
      "Unix milliseconds",
      "has_stream_on",
      "list_tickers",
      "get_ticker",
      "screen_markets",
    ])
      expect(instructions, word).toContain(word);
    expect(client.getServerVersion()?.name).toBe("ssmd");
  });

  it("lists the same tools with the same JSON Schemas as /tools, each with title, annotations, outputSchema", async () => {
    const { tools } = await client.listTools();
    const manifest = ((await (await SELF.fetch(`${BASE}/tools`)).json()) as { tools: any[] }).tools;
    expect(tools.map((t) => t.name).sort()).toEqual([...EXPECTED_TOOLS].sort());
    for (const t of tools) {
      const m = manifest.find((x) => x.name === t.name);
      expect(t.inputSchema).toEqual(m.input_schema);
      expect(t.outputSchema).toEqual(m.output_schema);
      expect(t.outputSchema?.type).toBe("object");
      expect(t.title).toBe(m.title);
      expect(t.description).toBe(m.description);
      expect(t.annotations).toEqual({ title: m.title, ...READ_ANNOTATIONS });
    }
  });

  it("tools/call of every tool: structuredContent is the route's JSON and validates against the output schema", async () => {
    // The SDK client validates structuredContent against the listed outputSchema (JSON Schema)
    // itself and throws on a mismatch; the route's zod schema is checked here as well, strictly.
    const { tools } = await client.listTools();
    const ajv = new AjvJsonSchemaValidator();
    for (const [name, args, path] of everyToolCall()) {
      const result = await client.callTool({ name, arguments: args });
      expect(result.isError, `${name} ${JSON.stringify(result.content)}`).toBe(false);
      const expected = JSON.parse((await rest(path)).text);
      expect(result.structuredContent, name).toEqual(expected);
      const text = (result.content as Array<{ type: string; text: string }>)[0]!.text;
      expect(JSON.parse(text)).toEqual(expected);
      const def = TOOLS.find((t) => t.name === name)!;
      const parsed = def.output.strict().safeParse(result.structuredContent);
      expect(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues.slice(0, 3))}`).toBe(true);
      // And explicitly against the JSON Schema the client was given (a mangled answer fails it).
      const validate = ajv.getValidator(tools.find((t) => t.name === name)!.outputSchema!);
      const structured = result.structuredContent as Record<string, unknown>;
      expect(validate(structured).valid, name).toBe(true);
      const [firstKey] = Object.keys(structured);
      expect(validate({ ...structured, [firstKey!]: 12345 }).valid, name).toBe(false);
      expect(validate({ ...structured, unexpected: 1 }).valid, name).toBe(false);
    }
  });

  it("an API error is a tool error carrying the API's code and message", async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ["get_market", { ticker: "NOPE-1" }, "not_found"],
      ["get_event", { event_ticker: "NOPE-E" }, "not_found"],
      ["get_series", { series_ticker: "NOPE" }, "not_found"],
      ["get_ticker", { ticker: cat.markets[2]!.ticker }, "not_found"],
      ["get_price_history", { ticker: streamed, window: 0 }, "invalid_body"], // the tool schema refuses it,
      ["get_volume_profile", { ticker: streamed, window: "5m", window_ms: 1000 }, "invalid_parameter"],
      ["get_fees", { series: "KXFED", price: "0.50", contracts: 1 }, "unsupported_fee_type"],
    ];
    for (const [name, args, code] of cases) {
      const result = await client.callTool({ name, arguments: args });
      expect(result.isError, name).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      const err = JSON.parse((result.content as Array<{ text: string }>)[0]!.text);
      expect(err.error.code, `${name} ${JSON.stringify(err)}`).toBe(code);
      expect(err.error.message).toMatch(/\S/);
    }
  });

  it("tools/call returns the REST route's JSON", async () => {
    const result = await client.callTool({ name: "list_markets", arguments: { status: "closed", limit: 4 } });
    expect(result.isError).toBe(false);
    const expected = JSON.parse((await rest(`/markets?status=closed&limit=4&fields=${COMPACT}`)).text);
    expect(result.structuredContent).toEqual(expected);
    const text = (result.content as Array<{ type: string; text: string }>)[0]!.text;
    expect(JSON.parse(text)).toEqual(expected);

    const one = await client.callTool({ name: "get_market", arguments: { ticker: cat.markets[0]!.ticker } });
    expect((one.structuredContent as any).market.ticker).toBe(cat.markets[0]!.ticker);
  });

  it("bad arguments and unknown tools come back as tool errors naming the field", async () => {
    const bad = await client.callTool({ name: "list_markets", arguments: { limit: 5000 } });
    expect(bad.isError).toBe(true);
    const err = JSON.parse((bad.content as Array<{ text: string }>)[0]!.text);
    expect(err.error.details[0].parameter).toBe("limit");
    const unknown = await client.callTool({ name: "nope", arguments: {} });
    expect(unknown.isError).toBe(true);
  });

  it("refuses browser origins outside CORS_ORIGINS", async () => {
    const { app } = await import("../../src/api/app");
    const { env, createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
    const ctx = createExecutionContext();
    const init = {
      method: "POST",
      headers: {
        Origin: "https://evil.example",
        "content-type": "application/json",
        Accept: "application/json, text/event-stream",
      },
      body: "{}",
    };
    const res = await app.fetch(new Request(`${BASE}/mcp`, init), { ...env, CORS_ORIGINS: "https://app.example" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error.code).toBe("forbidden_origin");
  });

  it("resource templates read the same JSON as the REST routes; an unknown one is resource-not-found", async () => {
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      "ssmd://markets/{ticker}",
      "ssmd://events/{event_ticker}",
      "ssmd://tickers/{ticker}",
    ]);
    expect((await client.listResources()).resources).toEqual([]);
    const m = cat.markets[0]!;
    const enc = encodeURIComponent;
    for (const [uri, path] of [
      [`ssmd://markets/${enc(m.ticker)}`, `/markets/${enc(m.ticker)}`],
      [`ssmd://events/${enc(m.event_ticker)}`, `/events/${enc(m.event_ticker)}`],
      [`ssmd://tickers/${enc(streamed)}`, `/tickers/${enc(streamed)}`],
    ] as const) {
      const { contents } = await client.readResource({ uri });
      const r = await rest(path);
      expect(r.status, path).toBe(200);
      expect(contents).toHaveLength(1);
      expect(contents[0]!.mimeType).toBe("application/json");
      expect(JSON.parse((contents[0] as { text: string }).text)).toEqual(JSON.parse(r.text));
    }
    await expect(client.readResource({ uri: "ssmd://markets/NO-SUCH-MARKET" })).rejects.toMatchObject({ code: -32002 });
    await expect(client.readResource({ uri: "ssmd://nope/x" })).rejects.toMatchObject({ code: -32602 });
  });

  it("offers the seed's workflow as a prompt that names the tools and the arguments given", async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(["stream_signals"]);
    const got = await client.getPrompt({ name: "stream_signals", arguments: { closing_before: "2027-01-01", day } });
    const text = (got.messages[0]!.content as { text: string }).text;
    for (const word of [
      "list_markets",
      "get_ticker",
      "screen_markets",
      "Economics",
      "2027-01-01",
      day,
      "has_stream_on",
      "cursor",
    ])
      expect(text, word).toContain(word);
    await expect(client.getPrompt({ name: "stream_signals", arguments: { day } })).rejects.toMatchObject({
      code: -32602,
    });
  });

  it("GET /mcp is 405 (stateless server, no SSE stream)", async () => {
    const res = await SELF.fetch(`${BASE}/mcp`, { headers: { Accept: "text/event-stream" } });
    expect(res.status).toBe(405);
  });
});

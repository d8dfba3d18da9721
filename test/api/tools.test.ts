/** Agent tools: manifest, POST /tools/{name} ≡ REST route, bad args → 400, and MCP with the SDK's real client. */
import { SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate, syntheticCatalog, writeCatalog, type Catalog } from "./helpers";

let cat: Catalog;
const BASE = "https://ssmd.test";
const EXPECTED_TOOLS = ["list_markets", "get_market", "list_events", "get_fees", "list_tickers"];

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
});

describe("GET /tools", () => {
  it("lists each tool with a JSON Schema of its arguments", async () => {
    const res = await SELF.fetch(`${BASE}/tools`);
    expect(res.status).toBe(200);
    const { tools } = (await res.json()) as { tools: any[] };
    expect(tools.map((t) => t.name).sort()).toEqual([...EXPECTED_TOOLS].sort());
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
      "has_stream_on",
      "include_deleted",
      "limit",
      "series",
      "status",
      "status_raw",
    ]);
    const gm = tools.find((t) => t.name === "get_market");
    expect(gm.input_schema.required).toEqual(["ticker"]);
  });
});

describe("POST /tools/{name}", () => {
  it("answers exactly what the REST route answers", async () => {
    const pairs: Array<[string, Record<string, unknown>, string]> = [
      ["list_markets", { status: "open", limit: 5 }, "/markets?status=open&limit=5"],
      [
        "list_markets",
        { category: "Economics", include_deleted: false, closing_after: "2026-03-02" },
        "/markets?category=Economics&include_deleted=false&closing_after=2026-03-02",
      ],
      ["get_market", { ticker: cat.markets[3]!.ticker }, `/markets/${encodeURIComponent(cat.markets[3]!.ticker)}`],
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

  it("lists the same tools with the same JSON Schemas as /tools", async () => {
    const { tools } = await client.listTools();
    const manifest = ((await (await SELF.fetch(`${BASE}/tools`)).json()) as { tools: any[] }).tools;
    expect(tools.map((t) => t.name).sort()).toEqual([...EXPECTED_TOOLS].sort());
    for (const t of tools) {
      expect(t.inputSchema).toEqual(manifest.find((m) => m.name === t.name).input_schema);
    }
  });

  it("tools/call returns the REST route's JSON", async () => {
    const result = await client.callTool({ name: "list_markets", arguments: { status: "closed", limit: 4 } });
    expect(result.isError).toBe(false);
    const expected = JSON.parse((await rest("/markets?status=closed&limit=4")).text);
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

  it("GET /mcp is 405 (stateless server, no SSE stream)", async () => {
    const res = await SELF.fetch(`${BASE}/mcp`, { headers: { Accept: "text/event-stream" } });
    expect(res.status).toBe(405);
  });
});

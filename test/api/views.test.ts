/**
 * The `fields` projection (REST and tools) and the compact market view the tools answer by
 * default: exact keys, the same values as the full answer, unknown fields refused by name, and the
 * bytes per market of each view (docs/api.md states them; the compact tool view must stay ≤ 0.8 KB).
 */
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { MarketWithEventOut } from "../../src/api/schemas";
import { migrate, seedFromSimulator, writeCatalog, syntheticCatalog } from "./helpers";

const BASE = "https://ssmd.test";
const COMPACT = [
  "ticker",
  "event_ticker",
  "series_ticker",
  "category",
  "title",
  "yes_sub_title",
  "status",
  "close_time",
  "yes_bid",
  "yes_ask",
  "no_bid",
  "no_ask",
  "last_price",
  "volume",
  "volume_24h",
  "open_interest",
];
let eventTicker: string;

async function get(path: string): Promise<{ status: number; body: any; bytes: number }> {
  const res = await SELF.fetch(`${BASE}${path}`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), bytes: new TextEncoder().encode(text).length };
}

async function tool(name: string, args: unknown): Promise<{ status: number; body: any; bytes: number }> {
  const res = await SELF.fetch(`${BASE}/tools/${name}`, { method: "POST", body: JSON.stringify(args) });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), bytes: new TextEncoder().encode(text).length };
}

/** One MCP tools/call over HTTP, as a client receives it: the whole JSON-RPC response. */
async function mcpCall(name: string, args: unknown): Promise<{ result: any; bytes: number }> {
  const res = await SELF.fetch(`${BASE}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
  });
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBe(200);
  return { result: JSON.parse(text).result, bytes: new TextEncoder().encode(text).length };
}

beforeAll(async () => {
  await migrate();
  // The simulator's catalog: Kalshi-like titles, rules and price ranges (what the byte figures are about).
  const cat = await seedFromSimulator({ markets: 400, seed: 11 });
  await writeCatalog(syntheticCatalog(20, 3));
  eventTicker = cat.markets[0]!.event_ticker;
});

describe("REST fields", () => {
  it("the default page is complete; fields answers exactly those fields (ticker always), same values", async () => {
    const full = await get("/markets?limit=50");
    expect(full.status).toBe(200);
    expect(full.body.markets).toHaveLength(50);
    for (const m of full.body.markets) expect(Object.keys(m)).toEqual(Object.keys(MarketWithEventOut.shape));
    const some = await get("/markets?limit=50&fields=event, yes_bid,title,,title");
    expect(some.status).toBe(200);
    expect(some.body.cursor).toBe(full.body.cursor);
    expect(some.body.markets.map((m: any) => Object.keys(m))).toEqual(
      full.body.markets.map(() => ["ticker", "title", "yes_bid", "event"]),
    );
    some.body.markets.forEach((m: any, i: number) => {
      const f = full.body.markets[i];
      expect(m).toEqual({ ticker: f.ticker, title: f.title, yes_bid: f.yes_bid, event: f.event });
    });
    const one = await get(`/markets/${encodeURIComponent(full.body.markets[3].ticker)}?fields=volume_fp`);
    expect(one.body).toEqual({
      market: { ticker: full.body.markets[3].ticker, volume_fp: full.body.markets[3].volume_fp },
    });
  });

  it("events: fields on the list, market_fields on an event's markets", async () => {
    const full = await get("/events?limit=5");
    const some = await get("/events?limit=5&fields=market_count,title");
    expect(some.body.events).toEqual(
      full.body.events.map((e: any) => ({
        event_ticker: e.event_ticker,
        title: e.title,
        market_count: e.market_count,
      })),
    );
    const ev = await get(`/events/${encodeURIComponent(eventTicker)}`);
    const evSome = await get(`/events/${encodeURIComponent(eventTicker)}?market_fields=last_price`);
    expect(evSome.body.event).toEqual(ev.body.event);
    expect(evSome.body.markets).toEqual(
      ev.body.markets.map((m: any) => ({ ticker: m.ticker, last_price: m.last_price })),
    );
  });

  it("an unknown field is a 400 naming it", async () => {
    for (const [path, param, bad] of [
      ["/markets?fields=ticker,yes_bid_cents", "fields", "yes_bid_cents"],
      ["/markets/X?fields=nope", "fields", "nope"],
      ["/events?fields=markets", "fields", "markets"],
      [`/events/${encodeURIComponent(eventTicker)}?market_fields=event`, "market_fields", "event"],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe("invalid_parameter");
      expect(res.body.error.details.map((d: any) => d.parameter)).toEqual([param]);
      expect(res.body.error.details[0].message).toContain(`'${bad}'`);
    }
  });
});

describe("tool views", () => {
  it("compact by default, full with detail, fields when given", async () => {
    const compact = await tool("list_markets", { limit: 10 });
    for (const m of compact.body.markets) expect(Object.keys(m)).toEqual(COMPACT);
    const full = await tool("list_markets", { limit: 10, detail: "full" });
    expect(full.body).toEqual((await get("/markets?limit=10")).body);
    compact.body.markets.forEach((m: any, i: number) => {
      for (const k of COMPACT) expect(m[k], k).toEqual(full.body.markets[i][k]);
    });
    const picked = await tool("list_markets", { limit: 10, fields: "close_time" });
    expect(picked.body.markets.map((m: any) => Object.keys(m))).toEqual(
      full.body.markets.map(() => ["ticker", "close_time"]),
    );
  });

  it("bytes per market of each view (figures for docs/api.md); the compact tool view ≤ 0.8 KB", async () => {
    const n = 100;
    const rest = await get(`/markets?limit=${n}`);
    const compact = await tool("list_markets", { limit: n });
    const full = await tool("list_markets", { limit: n, detail: "full" });
    const mcp = await mcpCall("list_markets", { limit: n });
    const mcpFull = await mcpCall("list_markets", { limit: n, detail: "full" });
    expect(rest.body.markets).toHaveLength(n);
    expect(mcp.result.structuredContent).toEqual(compact.body);
    const per = (b: number) => Math.round(b / n);
    const figures = {
      rest_full: per(rest.bytes),
      tool_compact: per(compact.bytes),
      tool_full: per(full.bytes),
      mcp_compact: per(mcp.bytes),
      mcp_full: per(mcpFull.bytes),
    };
    console.log(`bytes per market (${n} markets, simulator catalog): ${JSON.stringify(figures)}`);
    expect(figures.tool_compact).toBeLessThanOrEqual(800);
    expect(figures.tool_full).toBe(figures.rest_full);
    // MCP sends the answer twice (the JSON as text content, for clients without structuredContent,
    // escaped inside a JSON string, and structuredContent): a little over twice the tool's answer.
    expect(figures.mcp_compact).toBeGreaterThan(2 * figures.tool_compact);
    expect(figures.mcp_compact).toBeLessThan(2.5 * figures.tool_compact);
  });
});

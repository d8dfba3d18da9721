/**
 * GET /screen and screen_markets: candidates equal GET /markets with the same filters, every
 * row's values equal the individual REST routes (market, price_history, volume_profile), `where`
 * and `sort` agree with a reference computed from those routes, the cursor pages through every
 * match once, the candidate cap is reported; and the seed's whole workflow over MCP alone (SDK
 * client): list → intersect → builders, and the same through screen_markets, equal to REST.
 */
import { SELF } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SCREEN_CANDIDATES } from "../../src/api/screen";
import { TOOLS } from "../../src/api/tool-registry";
import { PINNED_START_MS, utcDayOf } from "../instants";
import { migrate, pageAll, refStatus, syntheticCatalog, writeCatalog, type Catalog } from "./helpers";

const BASE = "https://ssmd.test";
const AUTH = { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" };
const enc = encodeURIComponent;
const DAY = utcDayOf(PINNED_START_MS);
let cat: Catalog;
/** Tickers given trades (a mix of categories and statuses). */
let streamed: string[];

async function get(path: string): Promise<any> {
  const res = await SELF.fetch(`${BASE}${path}`);
  const body = await res.json();
  expect(res.status, `${path} ${JSON.stringify(body).slice(0, 300)}`).toBe(200);
  return body;
}

async function status(path: string): Promise<{ status: number; body: any }> {
  const res = await SELF.fetch(`${BASE}${path}`);
  return { status: res.status, body: await res.json() };
}

/** Every row of a screen, following its cursor. */
async function screenAll(query: string): Promise<{ rows: any[]; pages: number; first: any }> {
  let first: any = null;
  const { items, pages } = await pageAll<any>(async (cursor) => {
    const body = await get(`/screen?${query}${cursor ? `&cursor=${cursor}` : ""}`);
    first ??= body;
    return { items: body.results, cursor: body.cursor };
  });
  return { rows: items, pages, first };
}

/** Reference builders of a ticker from the individual routes. */
async function builders(ticker: string, priceWindow: number, volumeWindow: string) {
  const ph = await get(`/tickers/${enc(ticker)}/price_history?window=${priceWindow}`);
  const vp = await get(`/tickers/${enc(ticker)}/volume_profile?window=${volumeWindow}`);
  return { price_history: ph.price_history, volume_profile: vp.volume_profile };
}

beforeAll(async () => {
  await migrate();
  // More markets than the candidate cap, so an unfiltered screen hits it.
  cat = syntheticCatalog(MAX_SCREEN_CANDIDATES + 40, 11);
  await writeCatalog(cat);
  // Trades on day DAY for every Economics market whose raw status reads open, and a few others.
  const econOpen = cat.markets.filter((m) => {
    const ev = cat.events.find((e) => e.event_ticker === m.event_ticker)!;
    return ev.series_ticker === "KXCPI" || ev.series_ticker === "KXFED" ? refStatus(m.status) === "open" : false;
  });
  streamed = [...econOpen.slice(0, 24), ...cat.markets.filter((m) => !econOpen.includes(m)).slice(0, 6)].map(
    (m) => m.ticker,
  );
  const trades = streamed.flatMap((ticker, k) =>
    Array.from({ length: 5 + (k % 7) }, (_, i) => ({
      type: "trade",
      ticker,
      price: 10 + ((k * 7 + i * (k % 5)) % 80),
      count: 1 + ((k + i) % 9),
      side: "yes",
      taker_side: (k + i) % 3 === 0 ? "sell" : "buy",
      ts: PINNED_START_MS + k * 60_000 + i * 7_000,
    })),
  );
  const res = await SELF.fetch(`${BASE}/admin/ingest/trades`, {
    method: "POST",
    headers: AUTH,
    body: JSON.stringify({ trades }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
});

describe("GET /screen", () => {
  it("candidates are GET /markets' markets; each row's values equal the individual routes", async () => {
    const filters = `category=Economics&status=open&has_stream_on=${DAY}`;
    const { items: listed } = await pageAll<any>(async (cursor) => {
      const b = await get(`/markets?${filters}&limit=7${cursor ? `&cursor=${cursor}` : ""}`);
      return { items: b.markets, cursor: b.cursor };
    });
    expect(listed.length).toBeGreaterThan(10);
    const { rows, first } = await screenAll(`${filters}&price_window=4&volume_window=90s&limit=5`);
    // Default order is GET /markets' (close time, ticker), and the market JSON is the same.
    expect(rows.map((r) => r.market)).toEqual(listed);
    expect(first.screened).toMatchObject({
      candidates: listed.length,
      with_stream_data: listed.length,
      matched: listed.length,
      capped: false,
      ticker_calls: listed.length,
    });
    expect(first.note).toBeNull();
    expect(first.price_window).toBe(4);
    expect(first.volume_window_ms).toBe(90_000);
    for (const r of rows) expect(r, r.market.ticker).toMatchObject(await builders(r.market.ticker, 4, "90s"));
    // Default windows: the same as GET /tickers/{ticker}'s builders.
    const one = await get(`/screen?${filters}&limit=1`);
    const t = await get(`/tickers/${enc(one.results[0].market.ticker)}`);
    expect(one.results[0].price_history).toEqual(t.price_history);
    expect(one.results[0].volume_profile).toEqual(t.volume_profile);
  });

  it("where and sort agree with a reference over the REST values; the cursor pages each match once", async () => {
    const filters = `has_stream_on=${DAY}`;
    const ref = await Promise.all(streamed.map(async (ticker) => ({ ticker, ...(await builders(ticker, 6, "5m")) })));
    const cases: Array<[string, (r: (typeof ref)[number]) => boolean]> = [
      ["volatility>1", (r) => r.price_history.volatility !== null && r.price_history.volatility > 1],
      ["ratio>=0.6", (r) => r.volume_profile.ratio !== null && r.volume_profile.ratio >= 0.6],
      ["vwap:30..60", (r) => r.price_history.vwap !== null && r.price_history.vwap >= 30 && r.price_history.vwap <= 60],
      [
        "totalVolume>=20,returns<0",
        (r) => r.volume_profile.totalVolume >= 20 && r.price_history.returns !== null && r.price_history.returns < 0,
      ],
    ];
    for (const [where, pred] of cases) {
      const expected = ref.filter(pred);
      expect(expected.length, where).toBeGreaterThan(0);
      expect(expected.length, where).toBeLessThan(ref.length);
      for (const [sort, order, key] of [
        ["vwap", "desc", (r: any) => r.price_history.vwap],
        ["totalVolume", "asc", (r: any) => r.volume_profile.totalVolume],
      ] as const) {
        const q = `${filters}&price_window=6&where=${enc(where)}&sort=${sort}&order=${order}&limit=2`;
        const { rows, first } = await screenAll(q);
        const want = [...expected]
          .sort((a, b) => {
            const d = order === "desc" ? key(b) - key(a) : key(a) - key(b);
            return d !== 0 ? d : a.ticker < b.ticker ? -1 : 1;
          })
          .map((r) => r.ticker);
        expect(
          rows.map((r) => r.market.ticker),
          `${where} ${sort}`,
        ).toEqual(want);
        expect(first.screened.matched).toBe(want.length);
        for (const r of rows) {
          const x = ref.find((y) => y.ticker === r.market.ticker)!;
          expect(r.price_history).toEqual(x.price_history);
          expect(r.volume_profile).toEqual(x.volume_profile);
        }
      }
    }
  });

  it("says when the candidate cap cut the screen", async () => {
    // No filter: every market is a candidate, more than the cap.
    const body = await get(`/screen?where=${enc("trades>=0")}&limit=1`);
    expect(body.screened).toMatchObject({
      candidates: MAX_SCREEN_CANDIDATES,
      candidate_cap: MAX_SCREEN_CANDIDATES,
      capped: true,
      ticker_calls: MAX_SCREEN_CANDIDATES,
    });
    expect(body.note).toMatch(/cap/);
    // Tickers without stream data have null builders and meet no condition.
    expect(body.screened.with_stream_data).toBeGreaterThan(0);
    expect(body.screened.matched).toBe(body.screened.with_stream_data);
  });

  it("refuses bad conditions, sorts, windows and foreign cursors, naming the parameter", async () => {
    const cases: Array<[string, string]> = [
      ["where=volatilty>1", "where"],
      ["where=vwap>>1", "where"],
      ["where=vwap:60..30", "where"],
      ["sort=yes_bid", "sort"],
      ["order=up", "order"],
      ["price_window=0", "price_window"],
      ["volume_window=2h", "volume_window"],
      ["volume_window=five", "volume_window"],
      ["has_stream_on=2026-13-01", "has_stream_on"],
      ["status=tradeable", "status"],
    ];
    for (const [q, param] of cases) {
      const { status: s, body } = await status(`/screen?${q}`);
      expect(s, q).toBe(400);
      expect(
        body.error.details.map((d: any) => d.parameter),
        `${q} ${JSON.stringify(body)}`,
      ).toContain(param);
    }
    const page = await get(`/screen?has_stream_on=${DAY}&sort=vwap&limit=1`);
    expect(page.cursor).not.toBeNull();
    const other = await status(`/screen?has_stream_on=${DAY}&sort=ratio&limit=1&cursor=${page.cursor}`);
    expect(other.status).toBe(400);
    expect(other.body.error.details[0].parameter).toBe("cursor");
  });
});

describe("the seed's workflow over MCP alone (SDK client)", () => {
  let client: Client;
  beforeAll(async () => {
    client = new Client({ name: "ssmd-workflow-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${BASE}/mcp`), {
        fetch: (input, init) => SELF.fetch(input instanceof URL ? input.toString() : input, init),
      }),
    );
  });
  afterAll(async () => {
    await client?.close();
  });

  async function call(name: string, args: Record<string, unknown>): Promise<any> {
    const r = await client.callTool({ name, arguments: args });
    expect(r.isError, `${name} ${JSON.stringify(r.content).slice(0, 300)}`).toBe(false);
    return r.structuredContent;
  }

  async function callAll(name: string, args: Record<string, unknown>, key: string): Promise<any[]> {
    const { items } = await pageAll<any>(async (cursor) => {
      const b = await call(name, { ...args, ...(cursor ? { cursor } : {}) });
      return { items: b[key], cursor: b.cursor };
    });
    return items;
  }

  it("list → intersect → builders, and the same through screen_markets, equal to REST", async () => {
    const closingBefore = "2026-03-04";
    const filters = { category: "Economics", status: "open", closing_before: closingBefore };
    // Steps 1–3: list the markets, list the day's tickers, intersect client-side.
    // detail: full — screen_markets rows carry the whole market.
    const markets = await callAll("list_markets", { ...filters, limit: 9, detail: "full" }, "markets");
    const tickers = new Set((await callAll("list_tickers", { date: DAY, limit: 5 }, "tickers")).map((t) => t.ticker));
    const wanted = markets.filter((m) => tickers.has(m.ticker));
    expect(wanted.length).toBeGreaterThan(3);
    expect(wanted.length).toBeLessThan(markets.length);
    // Step 4: builders per ticker, with tools only.
    const viaTools = new Map<string, { price_history: unknown; volume_profile: unknown }>();
    for (const m of wanted) {
      const ph = await call("get_price_history", { ticker: m.ticker, window: 5 });
      const vp = await call("get_volume_profile", { ticker: m.ticker, window: "2m" });
      viaTools.set(m.ticker, { price_history: ph.price_history, volume_profile: vp.volume_profile });
    }
    // The same through list_markets' has_stream_on, and through one screen_markets call.
    const server = await callAll(
      "list_markets",
      { ...filters, has_stream_on: DAY, limit: 9, detail: "full" },
      "markets",
    );
    expect(server).toEqual(wanted);
    const screened = await callAll(
      "screen_markets",
      { ...filters, has_stream_on: DAY, price_window: 5, volume_window: "2m", limit: 4 },
      "results",
    );
    expect(screened.map((r) => r.market)).toEqual(wanted);
    for (const r of screened) {
      expect({ price_history: r.price_history, volume_profile: r.volume_profile }).toEqual(
        viaTools.get(r.market.ticker),
      );
      // And the tools' values are the REST routes'.
      expect(viaTools.get(r.market.ticker)).toEqual(await builders(r.market.ticker, 5, "2m"));
    }
    // A builder condition and sort, over MCP: the reference is the tools' own values.
    const sorted = await callAll(
      "screen_markets",
      { ...filters, has_stream_on: DAY, price_window: 5, volume_window: "2m", where: "ratio>0.5", sort: "vwap" },
      "results",
    );
    const want = wanted
      .map((m) => ({ t: m.ticker, v: viaTools.get(m.ticker) as any }))
      .filter((x) => x.v.volume_profile.ratio !== null && x.v.volume_profile.ratio > 0.5)
      .sort((a, b) => b.v.price_history.vwap - a.v.price_history.vwap || (a.t < b.t ? -1 : 1))
      .map((x) => x.t);
    expect(sorted.map((r) => r.market.ticker)).toEqual(want);
    // The answer validates against the tool's zod output schema, strictly.
    const def = TOOLS.find((t) => t.name === "screen_markets")!;
    const one = await call("screen_markets", { ...filters, has_stream_on: DAY, limit: 2 });
    expect(def.output.strict().safeParse(one).success).toBe(true);
  });
});

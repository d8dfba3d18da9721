/**
 * `GET /events/multivariate` through the client, against the simulator (Node server from
 * test/global-setup.ts): only multivariate events, disjoint from `GET /events`, covering every
 * event that multivariate markets reference; paging, filters and nested markets.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { KalshiClient, KalshiQueryError } from "../../src/kalshi/client";
import type { KalshiEvent, KalshiMarket } from "../../src/kalshi/wire/rest";

/** 2,000 markets: the smallest simulated world with several multivariate events (6 at seed 1). */
const WORLD = { seed: 1, markets: 2000, reads_per_second: null, start_time_ms: Date.UTC(2026, 10, 20, 12) };

let client: KalshiClient;
let requests: string[];

beforeAll(async () => {
  const res = await fetch(`${env.SIM_ORIGIN}/_sim/worlds`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(WORLD),
  });
  if (!res.ok) throw new Error(`create world: HTTP ${res.status} ${await res.text()}`);
  const w = (await res.json()) as { base_url: string };
  const base = new URL(w.base_url, env.SIM_ORIGIN).toString().replace(/\/+$/, "");
  requests = [];
  client = new KalshiClient({
    baseUrl: base.endsWith("/trade-api/v2") ? base : `${base}/trade-api/v2`,
    readsPerSecond: 1000,
    onEvent: (e) => {
      if (e.type === "request") requests.push(e.url);
    },
  });
});

async function all<T>(
  pages: AsyncGenerator<{ items: T[]; skipped: unknown[] }>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let n = 0;
  for await (const p of pages) {
    expect(p.skipped).toEqual([]);
    items.push(...p.items);
    n++;
  }
  return { items, pages: n };
}

describe("listMultivariateEvents", () => {
  let mve: KalshiEvent[];
  let markets: KalshiMarket[];

  beforeAll(async () => {
    mve = (await all(client.listMultivariateEvents({ limit: 200 }))).items;
    markets = (await all(client.listMarkets())).items;
  });

  it("lists exactly the events multivariate markets belong to, none of GET /events", async () => {
    const plain = new Set((await all(client.listEvents())).items.map((e) => e.event_ticker));
    const mveTickers = mve.map((e) => e.event_ticker);
    expect(mveTickers.length).toBeGreaterThan(2);
    expect(new Set(mveTickers).size).toBe(mveTickers.length);
    for (const t of mveTickers) expect(plain.has(t), t).toBe(false);
    // Every event a multivariate market references is listed, and every market's event is in one
    // of the two listings.
    const referenced = new Set(markets.filter((m) => m.mve_collection_ticker).map((m) => m.event_ticker));
    expect(referenced.size).toBeGreaterThan(0);
    for (const t of referenced) expect(mveTickers, t).toContain(t);
    for (const m of markets)
      expect(plain.has(m.event_ticker) || mveTickers.includes(m.event_ticker), m.ticker).toBe(true);
  });

  it("pages with the cursor at the requested size; Kalshi's default page size is 100", async () => {
    requests.length = 0;
    const paged = await all(client.listMultivariateEvents({ limit: 2 }));
    expect(paged.items.map((e) => e.event_ticker)).toEqual(mve.map((e) => e.event_ticker));
    expect(paged.pages).toBe(Math.ceil(mve.length / 2));
    expect(requests.every((u) => new URL(u).pathname.endsWith("/events/multivariate"))).toBe(true);
    expect(new URL(requests[0]!).searchParams.get("limit")).toBe("2");
    expect(new URL(requests[1]!).searchParams.get("cursor")).toBeTruthy();

    requests.length = 0;
    const first = await client.getMultivariateEventsPage();
    expect(new URL(requests[0]!).searchParams.get("limit")).toBe("100");
    expect(first.items.map((e) => e.event_ticker)).toEqual(mve.slice(0, 100).map((e) => e.event_ticker));
  });

  it("nested markets are the event's markets, validated", async () => {
    const page = await client.getMultivariateEventsPage({ limit: 200, with_nested_markets: true });
    const byEvent = new Map<string, string[]>();
    for (const m of markets) byEvent.set(m.event_ticker, [...(byEvent.get(m.event_ticker) ?? []), m.ticker]);
    expect(page.items.length).toBeGreaterThan(0);
    expect(byEvent.size).toBeGreaterThan(0);
    for (const e of page.items) {
      expect(e.markets, e.event_ticker).toBeDefined();
      // The markets listing is this world's window of visible markets; nested lists may hold more.
      for (const t of byEvent.get(e.event_ticker) ?? []) expect(e.markets!.map((m) => m.ticker)).toContain(t);
      for (const m of e.markets!) expect(m.event_ticker).toBe(e.event_ticker);
    }
    const plainPage = await client.getMultivariateEventsPage({ limit: 200 });
    expect(plainPage.items.every((e) => e.markets === undefined)).toBe(true);
  });

  it("filters by series_ticker and collection_ticker", async () => {
    const series = mve[0]!.series_ticker;
    const bySeries = (await all(client.listMultivariateEvents({ series_ticker: series }))).items;
    expect(bySeries.length).toBeGreaterThan(0);
    expect(bySeries.every((e) => e.series_ticker === series)).toBe(true);
    expect(bySeries.map((e) => e.event_ticker)).toEqual(
      mve.filter((e) => e.series_ticker === series).map((e) => e.event_ticker),
    );

    const collection = markets.find(
      (m) => m.mve_collection_ticker && m.event_ticker === mve[0]!.event_ticker,
    )?.mve_collection_ticker;
    expect(collection).toBeTruthy();
    const byCollection = (await all(client.listMultivariateEvents({ collection_ticker: collection! }))).items;
    expect(byCollection.map((e) => e.event_ticker)).toContain(mve[0]!.event_ticker);
  });

  it("refuses invalid queries without sending them", async () => {
    requests.length = 0;
    await expect(client.getMultivariateEventsPage({ series_ticker: "A", collection_ticker: "B" })).rejects.toThrow(
      KalshiQueryError,
    );
    await expect(client.getMultivariateEventsPage({ limit: 201 })).rejects.toThrow(/limit/);
    await expect(client.getMultivariateEventsPage({ limit: 0 })).rejects.toThrow(KalshiQueryError);
    expect(requests).toEqual([]);
  });
});

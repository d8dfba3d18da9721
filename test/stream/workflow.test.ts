/**
 * The seed's agent workflow end to end, through the mounted Worker (SELF): markets synced from the
 * simulator by the real SyncCoordinator; trades ingested over POST /admin/ingest/trades; then
 * "open Economics markets closing before a date" ∩ "tickers with stream data that day", client-side
 * (GET /tickers, list_tickers tool) and server-side (has_stream_on), and both builders per ticker.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { PriceHistoryBuilder, VolumeProfileBuilder } from "../../src/builders";
import type { StreamTrade } from "../../src/stream/messages";
import { toBuilderTrade } from "../../src/stream/normalize";
import { migrate, pageAll } from "../api/helpers";
import { coordinator, createWorld, drive, simNow, type SimWorld } from "../sync/harness";
import { makeTrades } from "./helpers";

const QUIET = { price_change_per_hour: 0, metadata_change_per_hour: 0, new_markets_per_hour: 0, vanish_per_hour: 0, pause_per_hour: 0 };
const ADMIN = { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" };

let w: SimWorld;
let now: number;

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await SELF.fetch(`https://ssmd.test${path}`);
  return { status: res.status, body: await res.json() };
}

async function marketTickers(query: string): Promise<string[]> {
  const { items } = await pageAll<{ ticker: string }>(async (cursor) => {
    const { status, body } = await get(`/markets?${query}&limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return { items: body.markets, cursor: body.cursor };
  });
  return items.map((m) => m.ticker).sort();
}

beforeAll(async () => {
  await migrate();
  w = await createWorld({ seed: 77, markets: 1500, reads_per_second: null, mutation_rates: QUIET, trade_rate_per_s: 0 });
  now = await simNow(w);
  const stub = coordinator("stream-workflow");
  const started = await stub.start("full", "admin", { baseUrl: w.base, nowMs: now, pageSize: 200, readsPerSecond: 1000 });
  const run = await drive(stub, started.run.run_id, { deadlineMs: 40_000 });
  expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
}, 60_000);

describe("agent workflow: Economics markets closing before a date × tickers streamed that day", () => {
  it("finds the same tickers client-side and server-side, and reads both builders for each", async () => {
    const day = new Date(now).toISOString().slice(0, 10);
    const before = new Date(now + 30 * 86_400_000).toISOString().slice(0, 10);
    const economics = await marketTickers(`category=Economics&status=open&closing_before=${before}`);
    expect(economics.length).toBeGreaterThan(3);
    const others = (await marketTickers("status=open")).filter((t) => !economics.includes(t));
    expect(others.length).toBeGreaterThan(0);

    // Stream data today for half of the Economics markets and a few others.
    const streamed = [...economics.filter((_, i) => i % 2 === 0), ...others.slice(0, 3)];
    const trades = new Map<string, StreamTrade[]>();
    const all: StreamTrade[] = [];
    streamed.forEach((t, i) => {
      const list = makeTrades(t, 30 + i, { seed: i + 1, start: Date.parse(`${day}T00:00:00Z`) + 3_600_000 + i * 1000 });
      trades.set(t, list);
      all.push(...list);
    });
    const res = await SELF.fetch("https://ssmd.test/admin/ingest/trades", { method: "POST", headers: ADMIN, body: JSON.stringify({ trades: all }) });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ received: all.length, added: all.length, tickers: streamed.length, rpc_calls: streamed.length });

    // Client-side intersection: GET /tickers and the list_tickers tool give the day's tickers.
    const listed = await get(`/tickers?feed=kalshi&date=${day}`);
    expect(listed.status).toBe(200);
    const dayTickers = new Set<string>(listed.body.tickers.map((t: { ticker: string }) => t.ticker));
    expect([...dayTickers].sort()).toEqual([...streamed].sort());
    const tool = await SELF.fetch("https://ssmd.test/tools/list_tickers", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ feed: "kalshi", date: day }) });
    expect(tool.status).toBe(200);
    expect(await tool.json()).toEqual(listed.body);
    const wanted = economics.filter((t) => dayTickers.has(t));
    expect(wanted).toEqual(economics.filter((_, i) => i % 2 === 0));

    // Server-side intersection.
    expect(await marketTickers(`category=Economics&status=open&closing_before=${before}&has_stream_on=${day}`)).toEqual(wanted);

    // Both builders for each.
    for (const t of wanted) {
      const { status, body } = await get(`/tickers/${encodeURIComponent(t)}`);
      expect(status).toBe(200);
      const bt = trades.get(t)!.map(toBuilderTrade);
      expect(body.price_history).toEqual(PriceHistoryBuilder.of(bt).snapshot());
      expect(body.volume_profile).toEqual(VolumeProfileBuilder.of(bt).snapshot());
    }
  });

  it("the WebSocket ingest subscribes to the open markets in D1 (in batches of 256) and streams them", async () => {
    const ws = w.base.replace(/^http/, "ws").replace("/trade-api/v2", "/trade-api/ws/v2");
    const open = (await env.DB.prepare("SELECT ticker FROM markets WHERE status = 'open' AND deleted_at IS NULL AND (open_ts IS NULL OR open_ts <= ?)").bind(Date.now()).all<{ ticker: string }>()).results;
    expect(open.length).toBeGreaterThan(256);
    const ingest = env.INGEST.get(env.INGEST.idFromName("sim-d1"));
    try {
      await ingest.start({ feed: "sim-d1", ws_url: ws });
      const deadline = Date.now() + 15_000;
      let h = await ingest.health();
      while (!(h.connected && h.subscriptions.every((s) => s.sid !== null && s.markets === open.length))) {
        if (Date.now() > deadline) throw new Error(`not subscribed: ${JSON.stringify(h.subscriptions)}`);
        await new Promise((r) => setTimeout(r, 50));
        h = await ingest.health();
      }
      expect(h.markets).toBe(open.length);
      const pump = (await (await fetch(`${w.control}/feed/pump`, { method: "POST", body: JSON.stringify({ trades: 60 }) })).json()) as { generated: number };
      expect(pump.generated).toBe(60);
      for (let i = 0; i < 200 && (await ingest.drain()).forward.added < 60; i++) await new Promise((r) => setTimeout(r, 25));
      const after = await ingest.health();
      expect(after.forward).toMatchObject({ added: 60, failures: 0 });
      const day = (await env.DB.prepare("SELECT count(*) AS n, sum(messages) AS m FROM ticker_days WHERE feed = 'sim-d1'").first<{ n: number; m: number }>())!;
      expect(day.n).toBeGreaterThan(0);
      expect(day.m).toBeGreaterThanOrEqual(60);
    } finally {
      await ingest.stop();
    }
  });
});

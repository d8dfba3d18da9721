/**
 * The seed's agent workflow end to end, through the mounted Worker (SELF): markets synced from the
 * simulator by the real SyncCoordinator; trades ingested over POST /admin/ingest/trades; then
 * "open Economics markets closing before a date" ∩ "tickers with stream data that day", client-side
 * (GET /tickers, list_tickers tool) and server-side (has_stream_on), and both builders per ticker.
 * Run once per fixed instant of test/instants.ts; the date is chosen from the markets' true close times.
 */
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { PriceHistoryBuilder, VolumeProfileBuilder } from "../../src/builders";
import type { IngestObject } from "../../src/stream/ingest";
import type { StreamTrade } from "../../src/stream/messages";
import { toBuilderTrade } from "../../src/stream/normalize";
import { migrate, pageAll } from "../api/helpers";
import { DAY_MS, INSTANTS, utcDayOf, utcMidnight } from "../instants";
import { clearD1, coordinator, createWorld, drive, simNow, type SimWorld } from "../sync/harness";
import { makeTrades } from "./helpers";

const QUIET = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};
const ADMIN = { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" };

interface ApiMarket {
  ticker: string;
  close_time: string | null;
}

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await SELF.fetch(`https://ssmd.test${path}`);
  return { status: res.status, body: await res.json() };
}

async function listMarkets(query: string): Promise<ApiMarket[]> {
  const { items } = await pageAll<ApiMarket>(async (cursor) => {
    const { status, body } = await get(`/markets?${query}&limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return { items: body.markets, cursor: body.cursor };
  });
  return items;
}

async function marketTickers(query: string): Promise<string[]> {
  return (await listMarkets(query)).map((m) => m.ticker).sort();
}

/**
 * A UTC date (YYYY-MM-DD) that splits the close times: `closing_before` it selects at least `min`
 * of them and not all — as near half as the data allows. Null when no date does.
 */
function splittingDate(closes: number[], min: number): string | null {
  let best: { day: number; n: number } | null = null;
  for (const c of new Set(closes.map((x) => utcMidnight(x) + DAY_MS))) {
    const n = closes.filter((x) => x < c).length;
    if (n < min || n >= closes.length) continue;
    if (!best || Math.abs(n - closes.length / 2) < Math.abs(best.n - closes.length / 2)) best = { day: c, n };
  }
  return best ? utcDayOf(best.day) : null;
}

// Tickers given trades by an earlier instant: their ticker objects hold those trades, so each
// instant streams fresh tickers only.
const streamedEarlier = new Set<string>();

beforeAll(async () => {
  await migrate();
});

describe.each(INSTANTS.map((instant, k) => ({ ...instant, k })))("agent workflow at $name ($iso)", ({ ms, k }) => {
  let w: SimWorld;
  let now: number;

  beforeAll(async () => {
    await clearD1();
    w = await createWorld({
      seed: 77,
      markets: 1500,
      start_time_ms: ms,
      reads_per_second: null,
      mutation_rates: QUIET,
      trade_rate_per_s: 0,
    });
    now = await simNow(w);
    expect(now).toBe(ms);
    const stub = coordinator(`stream-workflow-${k}`);
    const started = await stub.start("full", "admin", {
      baseUrl: w.base,
      nowMs: now,
      pageSize: 200,
      readsPerSecond: 1000,
    });
    const run = await drive(stub, started.run.run_id, { deadlineMs: 40_000 });
    expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
  }, 60_000);

  it("finds the same tickers client-side and server-side, and reads both builders for each", async () => {
    const day = utcDayOf(now);
    // The date: chosen from the close times of the open Economics markets, so that closing_before
    // selects some of them and leaves some out at every instant.
    const openEconomics = await listMarkets("category=Economics&status=open");
    const closes = openEconomics.map((m) => Date.parse(m.close_time!));
    const before = splittingDate(closes, 4);
    expect(before, `no date splits the ${closes.length} open Economics markets' close times`).not.toBeNull();
    const economics = await marketTickers(`category=Economics&status=open&closing_before=${before}`);
    expect(economics.length).toBeGreaterThanOrEqual(4);
    expect(economics.length).toBeLessThan(openEconomics.length);
    expect(economics).toEqual(
      openEconomics
        .filter((m) => Date.parse(m.close_time!) < Date.parse(`${before}T00:00:00Z`))
        .map((m) => m.ticker)
        .sort(),
    );
    const others = (await marketTickers("status=open")).filter(
      (t) => !economics.includes(t) && !streamedEarlier.has(t),
    );
    expect(others.length).toBeGreaterThan(0);

    // Stream data that day for half of the Economics markets and a few others.
    const chosen = economics.filter((t, i) => i % 2 === 0 && !streamedEarlier.has(t));
    expect(chosen.length).toBeGreaterThan(0);
    const streamed = [...chosen, ...others.slice(0, 3)];
    const trades = new Map<string, StreamTrade[]>();
    const all: StreamTrade[] = [];
    streamed.forEach((t, i) => {
      const list = makeTrades(t, 30 + i, { seed: i + 1, start: utcMidnight(now) + 3_600_000 + i * 1000 });
      trades.set(t, list);
      all.push(...list);
      streamedEarlier.add(t);
    });
    expect(new Set(all.map((t) => utcDayOf(t.ts)))).toEqual(new Set([day]));
    const res = await SELF.fetch("https://ssmd.test/admin/ingest/trades", {
      method: "POST",
      headers: ADMIN,
      body: JSON.stringify({ trades: all }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({
      received: all.length,
      added: all.length,
      tickers: streamed.length,
      rpc_calls: streamed.length,
    });

    // Client-side intersection: GET /tickers and the list_tickers tool give the day's tickers.
    const listed = await get(`/tickers?feed=kalshi&date=${day}`);
    expect(listed.status).toBe(200);
    const dayTickers = new Set<string>(listed.body.tickers.map((t: { ticker: string }) => t.ticker));
    expect([...dayTickers].sort()).toEqual([...streamed].sort());
    const tool = await SELF.fetch("https://ssmd.test/tools/list_tickers", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ feed: "kalshi", date: day }),
    });
    expect(tool.status).toBe(200);
    expect(await tool.json()).toEqual(listed.body);
    const wanted = economics.filter((t) => dayTickers.has(t));
    expect(wanted).toEqual(chosen);
    // Nothing was streamed the day before or after.
    for (const other of [utcDayOf(now - DAY_MS), utcDayOf(now + DAY_MS)]) {
      const { body } = await get(`/tickers?feed=kalshi&date=${other}`);
      expect(
        body.tickers.filter((t: { ticker: string }) => dayTickers.has(t.ticker)),
        other,
      ).toEqual([]);
    }

    // Server-side intersection.
    expect(await marketTickers(`category=Economics&status=open&closing_before=${before}&has_stream_on=${day}`)).toEqual(
      wanted,
    );
    expect(
      await marketTickers(
        `category=Economics&status=open&closing_before=${before}&has_stream_on=${utcDayOf(now + DAY_MS)}`,
      ),
    ).toEqual([]);

    // Both builders for each.
    for (const t of wanted) {
      const { status, body } = await get(`/tickers/${encodeURIComponent(t)}`);
      expect(status).toBe(200);
      const bt = trades.get(t)!.map(toBuilderTrade);
      expect(body.price_history).toEqual(PriceHistoryBuilder.of(bt).snapshot());
      expect(body.volume_profile).toEqual(VolumeProfileBuilder.of(bt).snapshot());
      // The get_ticker tool (what the MCP instructions send an agent to) answers the same.
      const tool = await SELF.fetch("https://ssmd.test/tools/get_ticker", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ticker: t }),
      });
      expect(tool.status).toBe(200);
      const viaTool = (await tool.json()) as typeof body;
      expect(viaTool.price_history).toEqual(body.price_history);
      expect(viaTool.volume_profile).toEqual(body.volume_profile);
    }
  });

  it("the WebSocket ingest subscribes to the open markets in D1 (in batches of 256) and streams them", async () => {
    const ws = w.base.replace(/^http/, "ws").replace("/trade-api/v2", "/trade-api/ws/v2");
    // Opened by the world's now (the ingest's market clock is set to it below).
    const open = (
      await env.DB.prepare(
        "SELECT ticker FROM markets WHERE status = 'open' AND deleted_at IS NULL AND (open_ts IS NULL OR open_ts <= ?)",
      )
        .bind(now)
        .all<{ ticker: string }>()
    ).results;
    expect(open.length).toBeGreaterThan(256);
    const feed = `sim-d1-${k}`;
    const ingest = env.INGEST.get(env.INGEST.idFromName(feed));
    await runInDurableObject(ingest, (obj: IngestObject) => {
      obj.marketClock = () => now;
    });
    try {
      await ingest.start({ feed, ws_url: ws });
      const deadline = Date.now() + 15_000;
      let h = await ingest.health();
      while (!(h.connected && h.subscriptions.every((s) => s.sid !== null && s.markets === open.length))) {
        if (Date.now() > deadline) throw new Error(`not subscribed: ${JSON.stringify(h.subscriptions)}`);
        await new Promise((r) => setTimeout(r, 50));
        h = await ingest.health();
      }
      expect(h.markets).toBe(open.length);
      const pump = (await (
        await fetch(`${w.control}/feed/pump`, { method: "POST", body: JSON.stringify({ trades: 60 }) })
      ).json()) as { generated: number };
      expect(pump.generated).toBe(60);
      for (let i = 0; i < 200 && (await ingest.drain()).forward.added < 60; i++)
        await new Promise((r) => setTimeout(r, 25));
      const after = await ingest.health();
      expect(after.forward).toMatchObject({ added: 60, failures: 0 });
      const days = (
        await env.DB.prepare(
          "SELECT day, count(*) AS n, sum(messages) AS m FROM ticker_days WHERE feed = ? GROUP BY day",
        )
          .bind(feed)
          .all<{ day: string; n: number; m: number }>()
      ).results;
      // The simulator stamps its trades with its own clock: they are filed under its day.
      expect(days.map((d) => d.day)).toEqual([utcDayOf(now)]);
      expect(days[0]!.n).toBeGreaterThan(0);
      expect(days[0]!.m).toBeGreaterThanOrEqual(60);
    } finally {
      await ingest.stop();
    }
  });
});

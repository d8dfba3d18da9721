/**
 * The REST backfill on its own (in-process simulator as Kalshi): a backfilled trade is the same
 * stream trade the WebSocket frame would have given; the per-ticker and all-markets strategies
 * fetch the same trades; the window and page bounds hold.
 */
import { describe, expect, it } from "vitest";
import { Simulator, type WsSession } from "../../sim/core/index";
import { KalshiClient } from "../../src/kalshi/client";
import { KalshiTradeSchema } from "../../src/kalshi/wire/rest";
import { BackfillQueue, fetchBackfill, normalizeRestTrade, type BackfillJob } from "../../src/stream/backfill";
import { restBaseFromWs } from "../../src/stream/backfill-runner";
import { normalizeTrade } from "../../src/stream/normalize";

const START = Date.UTC(2026, 10, 20, 12, 0, 0);

async function world(nTickers: number) {
  const sim = new Simulator({
    seed: 9,
    markets: 500,
    start_time_ms: START,
    trade_rate_per_s: 0,
    faults: { ws: { drop_every: 4 } },
  });
  const res = await sim.fetch(new Request(`http://sim/trade-api/v2/markets?status=open&limit=${nTickers}`));
  const tickers = ((await res.json()) as { markets: { ticker: string }[] }).markets.map((m) => m.ticker);
  const frames: any[] = [];
  const session: WsSession = sim.openSession({ send: (t) => frames.push(JSON.parse(t)), close: () => {} }, true);
  session.receive(
    JSON.stringify({ id: 1, cmd: "subscribe", params: { channels: ["trade"], market_tickers: tickers } }),
  );
  let requests = 0;
  const client = new KalshiClient({
    baseUrl: "http://sim/trade-api/v2",
    fetch: (input, init) => sim.fetch(new Request(input, init)),
    readsPerSecond: 1000,
    onEvent: (e) => void (e.type === "request" && requests++),
  });
  const pump = async (n: number, advanceMs = 0) => {
    await sim.fetch(new Request("http://sim/_sim/feed/pump", { method: "POST", body: JSON.stringify({ trades: n }) }));
    if (advanceMs) sim.advance(advanceMs);
  };
  return { sim, tickers, frames, client, pump, requests: () => requests };
}

describe("normalizeRestTrade", () => {
  it("gives the same stream trade as the WebSocket frame (ts floored to the second unless the stream has ts_ms)", () => {
    const rest = KalshiTradeSchema.parse({
      trade_id: "t-1",
      ticker: "M",
      count_fp: "2.50",
      yes_price_dollars: "0.3100",
      no_price_dollars: "0.6900",
      taker_outcome_side: "no",
      taker_book_side: "ask",
      created_time: "2026-03-12T17:00:01.734Z",
    });
    const ws = normalizeTrade({
      trade_id: "t-1",
      market_ticker: "M",
      count_fp: "2.50",
      yes_price_dollars: "0.3100",
      no_price_dollars: "0.6900",
      taker_side: "no",
      ts: 1773334801,
    });
    expect(normalizeRestTrade(rest, false)).toEqual(ws);
    expect(normalizeRestTrade(rest, true)).toMatchObject({ ok: true, value: { ts: 1773334801734 } });
    const legacy = KalshiTradeSchema.parse({
      trade_id: "t-2",
      ticker: "M",
      count: 4,
      yes_price: 55,
      taker_side: "yes",
      created_time: "2026-03-12T17:00:00Z",
    });
    expect(normalizeRestTrade(legacy, false)).toMatchObject({
      ok: true,
      value: { price_dollars: "0.5500", count_fp: "4.00", taker_side: "yes" },
    });
    expect(
      normalizeRestTrade(
        KalshiTradeSchema.parse({
          trade_id: "t-3",
          ticker: "M",
          count_fp: "1.00",
          yes_price_dollars: "0.5000",
          created_time: "2026-03-12T17:00:00Z",
        }),
        false,
      ),
    ).toMatchObject({ ok: false });
  });
});

describe("BackfillQueue", () => {
  it("merges jobs: union of tickers, earliest start", () => {
    const q = new BackfillQueue();
    q.add(["A", "B"], 100);
    q.add(["B", "C"], 90);
    q.add([], 50);
    expect(q.pendingTickers).toBe(3);
    expect(q.take()).toEqual({ tickers: new Set(["A", "B", "C"]), fromS: 50 });
    expect(q.pending).toBe(false);
    expect(q.take()).toBeNull();
  });
});

describe("fetchBackfill against the simulator", () => {
  it("recovers the frames the feed lost; per-ticker and all-markets listings agree; only the window is read", async () => {
    const w = await world(5);
    await w.pump(20, 60_000); // before the window
    const fromS = Math.floor(w.sim.nowMs() / 1000);
    w.frames.length = 0;
    await w.pump(40, 2_000);
    await w.pump(40);
    const toS = Math.floor(w.sim.nowMs() / 1000);
    const delivered = new Set(w.frames.filter((f) => f.type === "trade").map((f) => f.msg.trade_id));
    expect(delivered.size).toBe(60); // every 4th frame lost

    const job = { tickers: new Set(w.tickers), fromS };
    const perTicker = await fetchBackfill(w.client, job, { toS, msResolution: false });
    expect(perTicker.requests).toBe(5);
    expect(perTicker.truncated).toBe(false);
    expect(perTicker.invalid).toBe(0);
    const ids = new Set(perTicker.trades.map((t) => t.trade_id));
    expect(ids.size).toBe(80);
    for (const id of delivered) expect(ids.has(id)).toBe(true);

    const global = await fetchBackfill(w.client, job, { toS, msResolution: false, perTickerMax: 2 });
    expect(global.requests).toBe(1);
    expect([...global.trades].sort((a, b) => a.trade_id.localeCompare(b.trade_id))).toEqual(
      [...perTicker.trades].sort((a, b) => a.trade_id.localeCompare(b.trade_id)),
    );

    // Only the job's tickers are kept.
    const two = await fetchBackfill(
      w.client,
      { tickers: new Set(w.tickers.slice(0, 2)), fromS },
      { toS, msResolution: false, perTickerMax: 0 },
    );
    expect(two.trades.every((t) => w.tickers.slice(0, 2).includes(t.ticker))).toBe(true);
  });

  it("stops at the page bound and says so", async () => {
    const w = await world(3);
    await w.pump(30);
    const s = Math.floor(w.sim.nowMs() / 1000);
    const before = w.requests();
    const job = { tickers: new Set(w.tickers), fromS: s };
    const cut = await fetchBackfill(w.client, job, {
      toS: s,
      msResolution: false,
      perTickerMax: 0,
      pageSize: 10,
      maxPages: 2,
    });
    expect(cut.truncated).toBe(true);
    expect(cut.trades.length).toBe(20);
    expect(w.requests() - before).toBe(2);
    const whole = await fetchBackfill(w.client, job, {
      toS: s,
      msResolution: false,
      perTickerMax: 0,
      pageSize: 10,
      maxPages: 3,
    });
    expect(whole.truncated).toBe(false);
    expect(whole.next).toBeNull();
    expect(whole.trades.length).toBe(30);
  });

  for (const perTickerMax of [0, 16]) {
    it(`a job cut at the page bound is continued from its cursor until the window is read (${perTickerMax ? "per-ticker" : "all-markets"} listing)`, async () => {
      const w = await world(3);
      await w.pump(20, 60_000);
      const fromS = Math.floor(w.sim.nowMs() / 1000);
      await w.pump(95);
      const toS = Math.floor(w.sim.nowMs() / 1000);
      const whole = await fetchBackfill(
        w.client,
        { tickers: new Set(w.tickers), fromS },
        { toS, msResolution: false, perTickerMax },
      );
      expect(whole.next).toBeNull();
      expect(whole.trades.length).toBe(95);

      const got: string[] = [];
      let job: BackfillJob | null = { tickers: new Set(w.tickers), fromS };
      let jobs = 0;
      while (job) {
        // "Now" moves on between jobs and trades keep coming: a continuation keeps its window's end.
        const r = await fetchBackfill(w.client, job, {
          toS: Math.floor(w.sim.nowMs() / 1000),
          msResolution: false,
          perTickerMax,
          pageSize: 10,
          maxPages: 2,
        });
        w.sim.advance(5_000);
        await w.pump(5);
        expect(r.truncated).toBe(r.next !== null);
        got.push(...r.trades.map((t) => t.trade_id));
        job = r.next;
        jobs++;
      }
      expect(jobs).toBeGreaterThan(3);
      expect(new Set(got)).toEqual(new Set(whole.trades.map((t) => t.trade_id)));
      expect(got.length).toBe(95); // each page read once
    });
  }

  it("the queue runs a continuation first, and puts a failed one back with its cursor", () => {
    const q = new BackfillQueue();
    q.add(["A"], 100);
    const cont: BackfillJob = {
      tickers: new Set(["B", "C"]),
      fromS: 50,
      toS: 200,
      resume: { ticker: "B", cursor: "c1" },
    };
    q.continueWith(cont);
    expect(q.pendingTickers).toBe(3);
    expect(q.take()).toBe(cont);
    q.retry(cont);
    expect(q.take()).toBe(cont);
    expect(q.take()).toEqual({ tickers: new Set(["A"]), fromS: 100 });
    q.retry({ tickers: new Set(["D"]), fromS: 70 });
    expect(q.take()).toEqual({ tickers: new Set(["D"]), fromS: 70 });
    expect(q.pending).toBe(false);
  });
});

describe("restBaseFromWs", () => {
  it("maps Kalshi's and the simulator's WebSocket URLs to their REST base", () => {
    expect(restBaseFromWs("wss://api.elections.kalshi.com/trade-api/ws/v2")).toBe(
      "https://api.elections.kalshi.com/trade-api/v2",
    );
    expect(restBaseFromWs("ws://127.0.0.1:8788/w/abc/trade-api/ws/v2")).toBe(
      "http://127.0.0.1:8788/w/abc/trade-api/v2",
    );
  });
});

/**
 * The automatic history fill and the shared read budget, against the simulator (decisions 0099,
 * 0100):
 * - a feed started with `history_backfill` has each ticker object fill its past by itself when the
 *   stream first delivers it — scheduled on an alarm, the first answers not held up and saying so —
 *   once per ticker (a second introduction changes nothing), ending with the candles a feed that
 *   streamed from the start has (prices and volume per hour);
 * - the sync and the backfills take their slots from one budget per REST base: run together at the
 *   configured rate against a world limited to that rate, no request is refused (429).
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { readBudgetName } from "../../src/kalshi/ratelimit";
import { tickerStub } from "../../src/stream/forward";
import { coordinator, createWorld, drive } from "../sync/harness";
import { PINNED_START_MS } from "../instants";
import { ingest, sim, until, type World } from "./sim-world";

const START = Date.UTC(2026, 10, 20, 15, 0, 0);
const CONFIG = { seed: 61, markets: 300, start_time_ms: START, clock: "manual", trade_rate_per_s: 0 };
const CANDLES_ROUTE = "GET /series/{series_ticker}/markets/{ticker}/candlesticks";

async function settled(feed: string, n: number) {
  return until(`${feed} settled`, async () => {
    const h = await ingest(feed).health();
    return (
      h.connected &&
      h.subscriptions.length > 0 &&
      h.subscriptions.every((s) => s.sid !== null && s.markets === n && !s.subscribing)
    );
  });
}

async function pump(world: World, feeds: string[], n: number, rounds: number, advanceMs: number) {
  for (let i = 0; i < rounds; i++) {
    for (const f of feeds) await settled(f, 3);
    await sim(`${world.control_url}/feed/pump`, { trades: n });
    await sim(`${world.control_url}/clock`, { advance_ms: advanceMs });
  }
}

type SimStats = { by_route: Record<string, number>; rate_limited: number };
const stats = (w: World) => sim<SimStats>(`${w.control_url}/stats`);

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

describe("automatic history fill", () => {
  it("the stream's first delivery fills each ticker's past once, without holding up the answers", async () => {
    const world = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    const page = await sim<{ markets: { ticker: string }[] }>(`${world.base_url}/markets?status=open&limit=3`);
    const tickers = page.markets.map((m) => m.ticker);
    // A feed of another name fills nothing by itself (history_backfill defaults to off off the kalshi feed).
    await ingest("ha-full").start({ feed: "ha-full", ws_url: world.ws_url, markets: tickers });
    try {
      await pump(world, ["ha-full"], 4, 60, 20_000);
      // The first candlesticks request of each ticker is slow: its fill is seen pending.
      await sim(`${world.control_url}/faults`, {
        rules: [{ type: "slow", path: "/series/*/markets/*/candlesticks", nth: 1, times: 3, delay_ms: 1500 }],
      });
      await ingest("ha-auto").start({
        feed: "ha-auto",
        ws_url: world.ws_url,
        markets: tickers,
        history_backfill: true,
      });
      await pump(world, ["ha-full", "ha-auto"], 4, 1, 20_000);
      await ingest("ha-auto").drain();
      const traded: string[] = [];
      for (const t of tickers) {
        const a = await tickerStub(env.TICKER, t, "ha-auto").candles({
          interval: "1h",
          from: START,
          to: START + 7_200_000,
        });
        if (a.status !== "ok") continue;
        traded.push(t);
        expect(["scheduled", "running"], t).toContain(a.value.coverage.history_backfill);
        expect(a.value.coverage).toMatchObject({ unfilled_before_stream: true, complete: false });
      }
      expect(traded.length).toBeGreaterThan(0);
      await pump(world, ["ha-full", "ha-auto"], 4, 14, 20_000);
      for (const f of ["ha-full", "ha-auto"]) await ingest(f).drain();
      for (const t of traded)
        await until(
          `${t} filled`,
          async () => {
            const a = await tickerStub(env.TICKER, t, "ha-auto").candles({
              interval: "1h",
              from: START,
              to: START + 7_200_000,
            });
            return a.status === "ok" && a.value.coverage.history_backfill === "done";
          },
          30_000,
        );
      const full = (await stats(world)).by_route;
      // One fill per ticker: 30 days of minutes at 5000 per request, its market and event looked up once.
      expect(full[CANDLES_ROUTE]).toBe(traded.length * Math.ceil((30 * 1440) / 5000));
      expect(full["GET /events/{ticker}"]).toBe(traded.length);
      const q = { interval: "1h" as const, from: START, to: START + 7_200_000 };
      for (const t of traded) {
        const a = await tickerStub(env.TICKER, t, "ha-full").candles(q);
        const b = await tickerStub(env.TICKER, t, "ha-auto").candles(q);
        if (a.status !== "ok" || b.status !== "ok") throw new Error("no candles");
        expect(b.value.coverage, t).toMatchObject({ history_backfill: "done", unfilled_before_stream: false });
        const pv = (x: {
          open: number | null;
          high: number | null;
          low: number | null;
          close: number | null;
          volume: number;
        }) => [x.open, x.high, x.low, x.close, x.volume];
        // Backfill + stream equal the stream alone (Kalshi's minutes have no buy/sell split: prices and volume).
        expect(b.value.periods.map(pv), t).toEqual(a.value.periods.map(pv));
      }
      // A new introduction (the feed restarted on another REST base setting) schedules nothing again.
      await ingest("ha-auto").start({
        feed: "ha-auto",
        ws_url: world.ws_url,
        base_url: world.base_url,
        markets: tickers,
        history_backfill: true,
      });
      await pump(world, ["ha-auto"], 6, 2, 20_000);
      await ingest("ha-auto").drain();
      await new Promise((r) => setTimeout(r, 500));
      expect((await stats(world)).by_route[CANDLES_ROUTE]).toBe(full[CANDLES_ROUTE]);
    } finally {
      for (const f of ["ha-full", "ha-auto"]) await ingest(f).stop();
    }
  }, 120_000);
});

describe("read budget shared by the sync and the backfills", () => {
  it("a full sync and twelve history fills at once never exceed the configured rate", async () => {
    const rate = Number(env.KALSHI_READS_PER_SECOND);
    // The world refuses anything beyond the rate (a token bucket of `rate` per second).
    const w = await createWorld({ seed: 67, markets: 1200, reads_per_second: rate });
    const page = await sim<{ markets: { ticker: string; event_ticker: string }[] }>(
      `${w.base}/markets?status=open&limit=12`,
    );
    const objects = [];
    for (const m of page.markets) {
      const o = tickerStub(env.TICKER, m.ticker, "ha-rate");
      const tr = {
        type: "trade" as const,
        ticker: m.ticker,
        trade_id: `x-${m.ticker}`,
        ts: PINNED_START_MS,
        price_dollars: "0.5000",
        count_fp: "1.00",
        taker_side: "yes" as const,
      };
      await o.applyTrades(m.ticker, [tr]);
      const ev = await sim<{ event: { series_ticker: string } }>(`${w.base}/events/${m.event_ticker}`);
      objects.push({ o, series: ev.event.series_ticker });
    }
    await sim(`${w.control}/stats/reset`, {});
    const stub = coordinator("ha-rate");
    // The configured rate (no readsPerSecond): the sync takes its slots from the shared budget.
    const started = await stub.start("full", "admin", { baseUrl: w.base, nowMs: PINNED_START_MS, pageSize: 50 });
    const t0 = Date.now();
    const [run, ...fills] = await Promise.all([
      drive(stub, started.run.run_id, { deadlineMs: 60_000 }),
      ...objects.map(({ o, series }) => o.backfillHistory({ series, base_url: w.base, now_ms: PINNED_START_MS })),
    ]);
    const elapsed = (Date.now() - t0) / 1000;
    expect(run.status).toBe("succeeded");
    let backfillRequests = 0;
    for (const f of fills) {
      if (f.status !== "ok") throw new Error(f.status);
      backfillRequests += f.value.requests;
    }
    const s = await sim<SimStats>(`${w.control}/stats`);
    const granted = await env.SYNC.get(env.SYNC.idFromName(readBudgetName(w.base))).readsGranted(w.base);
    // The world never had to refuse one (the simulator counts every request it limited)…
    expect(s.rate_limited).toBe(0);
    // …and both really ran through the budget, together more than a second's worth of the rate.
    expect(granted.backfill).toBe(backfillRequests);
    expect(granted.sync).toBeGreaterThan(rate);
    const total = Object.values(s.by_route).reduce((a, b) => a + b, 0);
    expect(total).toBe(granted.sync + granted.backfill);
    // Paced: the requests took at least as long as the rate allows (its burst aside).
    expect(elapsed).toBeGreaterThanOrEqual((total - rate) / rate);
  }, 120_000);
});

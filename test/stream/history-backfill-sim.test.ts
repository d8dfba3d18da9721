/**
 * History before the stream, against the simulator: a feed that started late and then filled its
 * past from Kalshi's candlesticks and /markets/trades (POST …/history/backfill → TickerObject.backfillHistory)
 * ends with the candles of a feed that streamed from the start — trade-built minutes identical,
 * the minutes before its stream equal in price and volume (Kalshi's candles carry no buy/sell split
 * or trade count) — and a second backfill changes nothing.
 */
import { applyD1Migrations, env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { tickerStub } from "../../src/stream/forward";
import { ingest, sim, until, type World } from "./sim-world";

const START = Date.UTC(2026, 10, 20, 15, 0, 0);
const CONFIG = { seed: 47, markets: 300, start_time_ms: START, clock: "manual", trade_rate_per_s: 0 };
const AUTH = { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" };

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
    const c = await sim<{ now_ms: number }>(`${world.control_url}/clock`, { advance_ms: advanceMs });
    void c;
  }
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

describe("history backfill against the simulator", () => {
  it("backfill + stream equal the stream alone; a second backfill changes nothing", async () => {
    const world = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    const page = await sim<{ markets: { ticker: string; event_ticker: string }[] }>(
      `${world.base_url}/markets?status=open&limit=3`,
    );
    const tickers = page.markets.map((m) => m.ticker);
    await ingest("hb-full").start({ feed: "hb-full", ws_url: world.ws_url, markets: tickers });
    try {
      // 40 simulated minutes that only the full feed sees, then 10 that both see.
      await pump(world, ["hb-full"], 4, 120, 20_000);
      await ingest("hb-late").start({ feed: "hb-late", ws_url: world.ws_url, markets: tickers });
      await pump(world, ["hb-full", "hb-late"], 4, 30, 20_000);
      for (const f of ["hb-full", "hb-late"]) await ingest(f).drain();
      const nowMs = START + 150 * 20_000;
      for (const m of page.markets) {
        const ev = await sim<{ event: { series_ticker: string } }>(`${world.base_url}/events/${m.event_ticker}`);
        const series = ev.event.series_ticker;
        const full = tickerStub(env.TICKER, m.ticker, "hb-full");
        const late = tickerStub(env.TICKER, m.ticker, "hb-late");
        const body = JSON.stringify({ series, base_url: world.base_url, now_ms: nowMs });
        const q0 = { interval: "1h" as const, from: START - 3_600_000, to: nowMs };
        const before = await late.candles(q0);
        if (before.status !== "ok") throw new Error("no candles");
        // Before the fill the late feed says its window predates the stream and is not filled.
        expect(before.value.coverage).toMatchObject({
          predates_stream: true,
          unfilled_before_stream: true,
          rest_before_ts: null,
        });
        expect(before.value.coverage.stream_start_ts).toBeGreaterThan(START + 39 * 60_000);
        // Over HTTP for the production feed's name; by RPC here (the objects of a test feed).
        const first = await late.backfillHistory(JSON.parse(body));
        if (first.status !== "ok") throw new Error(JSON.stringify(first));
        expect(first.value.requests).toBeGreaterThan(0);
        const q = { interval: "1m" as const, from: START - 3_600_000, to: nowMs + 60_000 };
        const a = await full.candles(q);
        const b = await late.candles(q);
        if (a.status !== "ok" || b.status !== "ok") throw new Error("no candles");
        const boundary = first.value.rest_before_ts;
        expect(b.value.coverage).toMatchObject({
          predates_stream: true,
          unfilled_before_stream: false,
          rest_before_ts: boundary,
        });
        expect(b.value.coverage.trades_backfilled).toEqual({ from: boundary, to: nowMs });
        // The full feed never filled its past: the hour before its first trade is flagged.
        expect(a.value.coverage).toMatchObject({
          predates_stream: true,
          unfilled_before_stream: true,
          rest_from_ts: null,
        });
        expect(boundary).toBeGreaterThan(START);
        let restMinutes = 0;
        for (let i = 0; i < a.value.periods.length; i++) {
          const x = a.value.periods[i]!;
          const y = b.value.periods[i]!;
          if (x.start_ts >= boundary) {
            expect(y, `minute ${x.start_ts}`).toEqual(x);
            continue;
          }
          const { buy_volume, sell_volume, trade_count, source, vwap, vwap_dollars, ...same } = x;
          void buy_volume, sell_volume, trade_count, vwap_dollars;
          const {
            buy_volume: yb,
            sell_volume: ys,
            trade_count: yt,
            source: ysrc,
            vwap: yv,
            vwap_dollars: yvd,
            ...ySame
          } = y;
          void yvd;
          expect(ySame, `minute ${x.start_ts}`).toEqual(same);
          if (source === null) {
            expect(ysrc).toBeNull();
            continue;
          }
          restMinutes++;
          expect([ysrc, yb, ys, yt]).toEqual(["rest", null, null, null]);
          // Kalshi's mean is rounded to $0.0001.
          expect(Math.abs(yv! - vwap!)).toBeLessThanOrEqual(0.005 + 1e-9);
        }
        expect(restMinutes).toBe(first.value.rest_minutes);
        // The hour rows (1h, 1d answers) agree with the minutes: same prices and volume per hour.
        const h = { interval: "1h" as const, from: q.from, to: q.to };
        const ha = await full.candles(h);
        const hb = await late.candles(h);
        if (ha.status !== "ok" || hb.status !== "ok") throw new Error("no candles");
        const priceVol = (x: {
          open: number | null;
          high: number | null;
          low: number | null;
          close: number | null;
          volume: number;
        }) => [x.open, x.high, x.low, x.close, x.volume];
        expect(hb.value.periods.map(priceVol)).toEqual(ha.value.periods.map(priceVol));
        expect(restMinutes).toBeGreaterThan(0);
        const again = await late.backfillHistory(JSON.parse(body));
        if (again.status !== "ok") throw new Error(JSON.stringify(again));
        expect(again.value.added).toBe(0);
        expect(again.value.rest_minutes).toBe(0);
        expect(await late.candles(q)).toEqual(b);
      }
      // The admin route answers the same RPC (production feed name: this ticker has no stream data there → 404).
      const res = await SELF.fetch(`https://ssmd.test/admin/tickers/${tickers[0]}/history/backfill`, {
        method: "POST",
        headers: AUTH,
        body: JSON.stringify({ series: "X", base_url: world.base_url }),
      });
      expect(res.status).toBe(404);
    } finally {
      for (const f of ["hb-full", "hb-late"]) await ingest(f).stop();
    }
  }, 120_000);
});

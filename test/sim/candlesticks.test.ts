/**
 * The simulator's candlesticks (`GET /series/{s}/markets/{t}/candlesticks`, the historical route):
 * Kalshi's shape, every period listed, and built from the same trades `GET /markets/trades` serves
 * and the WebSocket emitted (so a history filled from here equals the stream's).
 */
import { describe, expect, it } from "vitest";
import type { Simulator } from "../../sim/core/index";
import { get, listAll, newSim } from "./helpers";

/** A session subscribed to the trade channel of `tickers` (the feed trades only subscribed markets). */
function subscribe(sim: Simulator, tickers: string[]): void {
  const session = sim.openSession({ send: () => {}, close: () => {} }, true);
  session.receive(
    JSON.stringify({ id: 1, cmd: "subscribe", params: { channels: ["trade"], market_tickers: tickers } }),
  );
}

async function pumpOver(sim: Simulator, rounds: number, trades: number, advanceMs: number) {
  for (let i = 0; i < rounds; i++) {
    await sim.fetch(new Request("http://sim/_sim/feed/pump", { method: "POST", body: JSON.stringify({ trades }) }));
    await sim.fetch(
      new Request("http://sim/_sim/clock", { method: "POST", body: JSON.stringify({ advance_ms: advanceMs }) }),
    );
  }
}

describe("GET …/candlesticks", () => {
  it("equals the candles of GET /markets/trades' trades, minute by minute and per hour, in Kalshi's shape", async () => {
    const sim = newSim({ markets: 40, trade_rate_per_s: 0 });
    const m = (await get(sim, "/markets?status=open&limit=1")).body.markets[0];
    const { body: ev } = await get(sim, `/events/${m.event_ticker}`);
    const series = ev.event.series_ticker as string;
    subscribe(sim, [m.ticker]);
    await pumpOver(sim, 120, 30, 20_000);
    const { items } = await listAll(sim, "/markets/trades", "trades", { ticker: m.ticker, limit: "1000" });
    expect(items.length).toBeGreaterThan(0);
    const secs = items.map((t: any) => Math.floor(Date.parse(t.created_time) / 1000));
    const lo = Math.min(...secs) - 120;
    const hi = Math.max(...secs) + 3600;
    for (const period of [1, 60]) {
      const p = period * 60;
      const { status, body } = await get(
        sim,
        `/series/${series}/markets/${m.ticker}/candlesticks?start_ts=${lo}&end_ts=${hi}&period_interval=${period}`,
      );
      expect(status).toBe(200);
      expect(body.ticker).toBe(m.ticker);
      const candles = body.candlesticks as any[];
      expect(candles.length).toBe(Math.floor(hi / p) - Math.ceil(lo / p) + 1);
      for (const c of candles) {
        const inP = items
          .map((t: any, k: number) => ({ t, s: secs[k]! }))
          .filter(({ s }) => s >= c.end_period_ts - p && s < c.end_period_ts)
          .sort((a: any, b: any) => a.s - b.s || (a.t.trade_id < b.t.trade_id ? -1 : 1));
        const vol = inP.reduce((a: number, { t }: any) => a + Math.round(Number(t.count_fp) * 100), 0);
        expect(c.volume_fp).toBe((vol / 100).toFixed(2));
        expect(Object.keys(c.price).sort()).toEqual(
          ["open", "low", "high", "close", "mean", "previous"].flatMap((k) => [k, `${k}_dollars`]).sort(),
        );
        if (inP.length === 0) {
          expect(c.price.open).toBeNull();
          expect(c.price.close_dollars).toBeNull();
          continue;
        }
        const prices = inP.map(({ t }: any) => t.yes_price_dollars);
        expect(c.price.open_dollars).toBe(prices[0]);
        expect(c.price.close_dollars).toBe(prices[prices.length - 1]);
        expect(Number(c.price.high_dollars)).toBe(Math.max(...prices.map(Number)));
        expect(Number(c.price.low_dollars)).toBe(Math.min(...prices.map(Number)));
        expect(c.yes_bid).toHaveProperty("close_dollars");
      }
    }
  });

  it("refuses a bad period, a window of more than 5000 candles, and a market of another series", async () => {
    const sim = newSim({ markets: 40, trade_rate_per_s: 0 });
    const m = (await get(sim, "/markets?status=open&limit=1")).body.markets[0];
    const { body: ev } = await get(sim, `/events/${m.event_ticker}`);
    const base = `/series/${ev.event.series_ticker}/markets/${m.ticker}/candlesticks`;
    expect((await get(sim, `${base}?start_ts=0&end_ts=600&period_interval=5`)).status).toBe(400);
    expect((await get(sim, `${base}?start_ts=60&end_ts=${60 * 5001}&period_interval=1`)).status).toBe(400);
    expect((await get(sim, `${base}?start_ts=60&end_ts=${60 * 5000}&period_interval=1`)).status).toBe(200);
    expect(
      (await get(sim, `/series/NOPE/markets/${m.ticker}/candlesticks?start_ts=0&end_ts=60&period_interval=1`)).status,
    ).toBe(404);
    // An open market is not on the historical route.
    expect(
      (await get(sim, `/historical/markets/${m.ticker}/candlesticks?start_ts=0&end_ts=60&period_interval=1`)).status,
    ).toBe(404);
  });
});

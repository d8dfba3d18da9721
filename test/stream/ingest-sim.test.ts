/**
 * The WebSocket ingest against the Kalshi simulator: two worlds with the same seed, one clean and
 * one with disconnects, sequence gaps and duplicate frames injected. The same trades are pumped
 * into both; the ticker objects' builders must end identical.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { tickerStub } from "../../src/stream/forward";
import type { IngestHealth } from "../../src/stream/health";
import { ingest, sim, until, type World } from "./sim-world";

const START = Date.UTC(2026, 10, 20, 15, 0, 0);
const CONFIG = { seed: 42, markets: 1500, start_time_ms: START, clock: "manual", trade_rate_per_s: 0 };

/** Connected, and every channel subscribed to all `n` markets. */
async function subscribed(feed: string, n: number): Promise<IngestHealth> {
  return until(`${feed} subscribed`, async () => {
    const h = await ingest(feed).health();
    return h.connected &&
      h.subscriptions.length > 0 &&
      h.subscriptions.every((s) => s.sid !== null && s.markets === n && !s.subscribing)
      ? h
      : null;
  });
}

/** Pumps `total` trades, waiting for full subscriptions before each pump (drops cut pumps short). */
async function pumpAll(world: World, feed: string, n: number, total: number, step: number): Promise<void> {
  let done = 0;
  while (done < total) {
    await subscribed(feed, n);
    const r = await sim<{ generated: number }>(`${world.control_url}/feed/pump`, {
      trades: Math.min(step, total - done),
    });
    done += r.generated;
  }
}

async function retainedTotal(feed: string, tickers: string[]): Promise<number> {
  let sum = 0;
  for (const t of tickers) sum += (await tickerStub(env.TICKER, t, feed).snapshot())?.stats.trades_retained ?? 0;
  return sum;
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

describe("WebSocket ingest against the simulator", () => {
  it("disconnects, gaps and duplicate frames leave the same builder state as the clean stream", async () => {
    const clean = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    const faulty = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    await sim(`${faulty.control_url}/faults`, { ws: { drop_after_messages: 90, gap_every: 13, duplicate_every: 7 } });
    const page = await sim<{ markets: { ticker: string }[] }>(`${clean.base_url}/markets?status=open&limit=1000`);
    const tickers = page.markets.map((m) => m.ticker).slice(0, 12);
    expect(tickers.length).toBe(12);
    const TOTAL = 240;

    await ingest("sim-clean").start({ feed: "sim-clean", ws_url: clean.ws_url, markets: tickers });
    await ingest("sim-faulty").start({ feed: "sim-faulty", ws_url: faulty.ws_url, markets: tickers });
    try {
      await pumpAll(clean, "sim-clean", tickers.length, TOTAL, 60);
      await pumpAll(faulty, "sim-faulty", tickers.length, TOTAL, 60);
      for (const feed of ["sim-clean", "sim-faulty"]) {
        await until(`${feed} delivered every trade`, async () => {
          await ingest(feed).drain();
          return (await retainedTotal(feed, tickers)) === TOTAL;
        });
      }
      const h = await ingest("sim-faulty").health();
      // The faults really happened.
      expect(h.reconnects).toBeGreaterThan(0);
      expect(h.protocol.duplicate_frames + h.forward.duplicates).toBeGreaterThan(0);
      expect(h.protocol.gaps).toBeGreaterThan(0);
      expect((await ingest("sim-clean").health()).reconnects).toBe(0);

      let traded = 0;
      for (const t of tickers) {
        const a = (await tickerStub(env.TICKER, t, "sim-clean").snapshot())!;
        const b = (await tickerStub(env.TICKER, t, "sim-faulty").snapshot())!;
        if (a === null) continue;
        traded++;
        expect(b.price_history, t).toEqual(a.price_history);
        expect(b.volume_profile, t).toEqual(a.volume_profile);
        expect(b.stats.last_trade, t).toEqual(a.stats.last_trade);
        // The newest ticker message reached the object (conflated at each flush, parsed only then):
        // it carries the market's final volume and last price, as the exchange's REST view does.
        const { market } = await sim<{ market: { volume_fp: string; last_price_dollars: string } }>(
          `${clean.base_url}/markets/${t}`,
        );
        expect(a.ticker_message, t).toMatchObject({
          ticker: t,
          volume_fp: market.volume_fp,
          price_dollars: market.last_price_dollars,
        });
      }
      expect(traded).toBeGreaterThan(3);

      // The per-day registry got the feed's tickers, in batches.
      const day = new Date(START).toISOString().slice(0, 10);
      const { results } = await env.DB.prepare(
        "SELECT ticker FROM ticker_days WHERE feed = 'sim-clean' AND day = ? ORDER BY ticker",
      )
        .bind(day)
        .all<{ ticker: string }>();
      expect(results.length).toBe(traded);
      const hc = await ingest("sim-clean").health();
      expect(hc.registry.statements).toBeLessThan(hc.protocol.data_messages);
    } finally {
      await ingest("sim-clean").stop();
      await ingest("sim-faulty").stop();
    }
  }, 60_000);
});

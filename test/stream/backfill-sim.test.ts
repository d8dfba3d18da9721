/**
 * Trade recovery against the simulator, through the real ingest and ticker objects:
 * - trade frames really LOST by the feed (`drop_every`: the seq is used up, the frame never sent)
 *   → the ingest sees the gaps, resubscribes, backfills from `GET /markets/trades`, and its
 *   builders end identical to a clean world's;
 * - an update_subscription naming a vanished market ("Market not found" for the whole command)
 *   → the other markets of that batch are still subscribed and receive trades.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { tickerStub } from "../../src/stream/forward";
import type { IngestHealth } from "../../src/stream/health";
import { ingest, sim, until, type World } from "./sim-world";

const START = Date.UTC(2026, 10, 20, 15, 0, 0);
const CONFIG = { seed: 43, markets: 1200, start_time_ms: START, clock: "manual", trade_rate_per_s: 0 };

/** Connected, every channel subscribed to `n` markets, no command and no backfill outstanding. */
async function settled(feed: string, n: number): Promise<IngestHealth> {
  return until(`${feed} settled`, async () => {
    const h = await ingest(feed).health();
    const subs =
      h.connected &&
      h.subscriptions.length > 0 &&
      h.subscriptions.every((s) => s.sid !== null && s.markets === n && !s.subscribing);
    return subs && !h.backfill.running && h.backfill.pending_tickers === 0 ? h : null;
  });
}

async function retained(feed: string, tickers: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of tickers) out[t] = (await tickerStub(env.TICKER, t, feed).snapshot())?.stats.trades_retained ?? 0;
  return out;
}
const total = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

async function openTickers(world: World, n: number): Promise<string[]> {
  const page = await sim<{ markets: { ticker: string }[] }>(`${world.base_url}/markets?status=open&limit=1000`);
  return page.markets.map((m) => m.ticker).slice(0, n);
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

describe("trade recovery against the simulator", () => {
  it("frames lost on the trade channel are resubscribed and backfilled: same builders as the clean stream", async () => {
    const clean = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    const lossy = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    // Every 9th data frame of a connection is lost (trade frames included: the seq is used up, nothing sent).
    await sim(`${lossy.control_url}/faults`, { ws: { drop_every: 9 } });
    const tickers = await openTickers(clean, 6);
    expect(tickers.length).toBe(6);
    const TOTAL = 150;

    await ingest("bf-clean").start({ feed: "bf-clean", ws_url: clean.ws_url, markets: tickers });
    await ingest("bf-lossy").start({ feed: "bf-lossy", ws_url: lossy.ws_url, markets: tickers });
    try {
      for (const [world, feed] of [
        [clean, "bf-clean"],
        [lossy, "bf-lossy"],
      ] as const) {
        let done = 0;
        for (let _step = 0; done < TOTAL; _step++) {
          await settled(feed, tickers.length);
          done += (
            await sim<{ generated: number }>(`${world.control_url}/feed/pump`, { trades: Math.min(25, TOTAL - done) })
          ).generated;
          // Move the simulated clock so trades spread over several seconds (backfill windows are in seconds).
          await sim(`${world.control_url}/clock`, { advance_ms: 1_500 });
        }
      }
      const sent = await sim<{ feed: { trades: number } }>(`${lossy.control_url}/stats`);
      expect(sent.feed.trades).toBe(TOTAL);

      for (const feed of ["bf-clean", "bf-lossy"]) {
        await until(`${feed} holds every trade`, async () => {
          await settled(feed, tickers.length);
          await ingest(feed).drain();
          return total(await retained(feed, tickers)) === TOTAL;
        });
      }

      const h = await ingest("bf-lossy").health();
      // Frames were really lost: fewer trades came over the WebSocket than were made.
      expect(h.protocol.trades).toBeLessThan(TOTAL);
      expect(h.protocol.gaps_by_channel.trade).toBeGreaterThan(0);
      expect(h.protocol.resubscribes).toBeGreaterThan(0);
      expect(h.reconnects).toBe(0);
      expect(h.backfill.backfills).toBeGreaterThan(0);
      expect(h.backfill.backfilled_trades).toBeGreaterThan(0);
      expect(h.backfill.errors).toBe(0);
      expect(h.backfill.base_url).toBe(lossy.base_url);
      // The trades only the backfill delivered are in the ticker objects.
      expect(h.forward.added).toBe(TOTAL);
      const hc = await ingest("bf-clean").health();
      expect(hc.protocol.gaps).toBe(0);
      expect(hc.backfill.backfills).toBe(0);

      let traded = 0;
      for (const t of tickers) {
        const a = await tickerStub(env.TICKER, t, "bf-clean").snapshot();
        const b = await tickerStub(env.TICKER, t, "bf-lossy").snapshot();
        if (a === null) continue;
        traded++;
        expect(b, t).not.toBeNull();
        expect(b!.price_history, t).toEqual(a.price_history);
        expect(b!.volume_profile, t).toEqual(a.volume_profile);
        expect(b!.stats.last_trade, t).toEqual(a.stats.last_trade);
        expect(b!.stats.trades_retained, t).toBe(a.stats.trades_retained);
      }
      expect(traded).toBeGreaterThan(3);
    } finally {
      await ingest("bf-clean").stop();
      await ingest("bf-lossy").stop();
    }
  }, 90_000);

  it("a backfill whose requests keep failing is counted and tried again until it succeeds", async () => {
    const world = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    // Lost frames, and the first 6 trade-tape requests answer 503: the client's 1 + 5 attempts all fail.
    await sim(`${world.control_url}/faults`, {
      ws: { drop_every: 7 },
      rules: [{ type: "server_error", path: "/markets/trades", nth: 1, times: 6 }],
    });
    const tickers = await openTickers(world, 3);
    await ingest("bf-err").start({ feed: "bf-err", ws_url: world.ws_url, markets: tickers });
    try {
      await settled("bf-err", tickers.length);
      const TOTAL = (await sim<{ generated: number }>(`${world.control_url}/feed/pump`, { trades: 40 })).generated;
      expect(TOTAL).toBe(40);
      const h = await until(
        "backfill recovered after errors",
        async () => {
          await ingest("bf-err").drain();
          const hh = await ingest("bf-err").health();
          return total(await retained("bf-err", tickers)) === TOTAL && hh.backfill.pending_tickers === 0 ? hh : null;
        },
        40_000,
      );
      expect(h.protocol.trades).toBeLessThan(TOTAL);
      expect(h.backfill.errors).toBeGreaterThanOrEqual(1);
      expect(h.backfill.abandoned).toBe(0);
      expect(h.backfill.last_error).toMatch(/503/);
      expect(h.backfill.requests).toBeGreaterThan(6);
    } finally {
      await ingest("bf-err").stop();
    }
  }, 60_000);

  it("an update_subscription with a vanished market still subscribes the rest of its batch", async () => {
    const world = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    const open = await openTickers(world, 12);
    const first = open.slice(0, 4);
    const batch = open.slice(4, 10); // added later in one update_subscription per channel
    const gone = batch[2]!;
    await ingest("nf").start({ feed: "nf", ws_url: world.ws_url, markets: first });
    try {
      await settled("nf", first.length);
      const vanished = await sim<{ vanished: string[] }>(`${world.control_url}/mutate`, { vanish: [gone] });
      expect(JSON.stringify(vanished)).toContain(gone);

      // Same connection, bigger market set: add_markets with the vanished ticker among them.
      await ingest("nf").start({ feed: "nf", ws_url: world.ws_url, markets: [...first, ...batch] });
      const h = await settled("nf", first.length + batch.length - 1);
      expect(h.reconnects).toBe(0);
      expect(h.protocol.market_not_found).toBeGreaterThan(0);
      expect(h.not_found_markets).toEqual([gone]);
      expect(h.markets).toBe(first.length + batch.length - 1);

      // The other markets of the batch trade through the ingest.
      const alive = batch.filter((t) => t !== gone);
      await sim(`${world.control_url}/feed/pump`, { trades: 120 });
      const got = await until("trades on the batch's markets", async () => {
        await ingest("nf").drain();
        const r = await retained("nf", alive);
        return Object.values(r).filter((n) => n > 0).length >= 3 ? r : null;
      });
      expect(Object.keys(got).sort()).toEqual([...alive].sort());
      expect((await retained("nf", [gone]))[gone]).toBe(0);
    } finally {
      await ingest("nf").stop();
    }
  }, 60_000);
});

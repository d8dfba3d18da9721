/**
 * Coverage flags under injected faults, end to end (simulator → ingest object → ticker objects):
 * trade frames really lost (`drop_every`), sent twice (`duplicate_every`), connections dropped
 * (`drop_after_messages`), and a trade tape that answers 503 (the backfill pending, then given up).
 * What each ticker object reports is checked against what the simulator and the ingest counted:
 * the trades only the backfill delivered add up to the trades the WebSocket lost, and a window
 * with a loss that was not backfilled is never called complete.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { tickerStub } from "../../src/stream/forward";
import type { HistoryCoverage } from "../../src/stream/history-store";
import type { IngestHealth } from "../../src/stream/health";
import { ingest, sim, until, type World } from "./sim-world";

const START = Date.UTC(2026, 10, 20, 15, 0, 0);
const CONFIG = { seed: 53, markets: 400, start_time_ms: START, clock: "manual", trade_rate_per_s: 0 };
const ALL = { interval: "1h" as const, from: START - 3_600_000, to: START + 6 * 3_600_000 };

async function settled(feed: string, n: number, backfillToo = true): Promise<IngestHealth> {
  return until(`${feed} settled`, async () => {
    const h = await ingest(feed).health();
    const subs =
      h.connected &&
      h.subscriptions.length > 0 &&
      h.subscriptions.every((s) => s.sid !== null && s.markets === n && !s.subscribing);
    return subs && (!backfillToo || (!h.backfill.running && h.backfill.pending_tickers === 0)) ? h : null;
  });
}

async function openTickers(world: World, n: number): Promise<string[]> {
  const page = await sim<{ markets: { ticker: string }[] }>(`${world.base_url}/markets?status=open&limit=1000`);
  return page.markets.map((m) => m.ticker).slice(0, n);
}

/** Pumps `total` trades in steps of 25, the simulated clock moving 1.5 s per step. */
async function pump(world: World, feed: string, tickers: string[], total: number, backfillToo = true): Promise<void> {
  let done = 0;
  while (done < total) {
    await settled(feed, tickers.length, backfillToo);
    done += (await sim<{ generated: number }>(`${world.control_url}/feed/pump`, { trades: Math.min(25, total - done) }))
      .generated;
    await sim(`${world.control_url}/clock`, { advance_ms: 1_500 });
  }
}

async function coverages(feed: string, tickers: string[]): Promise<Map<string, HistoryCoverage>> {
  const out = new Map<string, HistoryCoverage>();
  for (const t of tickers) {
    const a = await tickerStub(env.TICKER, t, feed).candles(ALL);
    if (a.status === "ok") out.set(t, a.value.coverage);
  }
  return out;
}

type Counted = "gaps" | "reconnects" | "backfilled_trades" | "duplicate_frames" | "duplicate_trades";
const sum = (m: Map<string, HistoryCoverage>, k: Counted) => [...m.values()].reduce((a, c) => a + c[k], 0);

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

describe("coverage flags against the simulator's faults", () => {
  it("lost and duplicated frames, dropped connections: counted per ticker, backfilled, complete again", async () => {
    const clean = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    const lossy = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    const flaky = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    await sim(`${lossy.control_url}/faults`, { ws: { drop_every: 9, duplicate_every: 5 } });
    await sim(`${flaky.control_url}/faults`, { ws: { drop_after_messages: 60 } });
    const tickers = await openTickers(clean, 5);
    const TOTAL = 150;
    const feeds = [
      [clean, "cov-clean"],
      [lossy, "cov-lossy"],
      [flaky, "cov-flaky"],
    ] as const;
    try {
      for (const [world, feed] of feeds) {
        await ingest(feed).start({ feed, ws_url: world.ws_url, markets: tickers });
        await pump(world, feed, tickers, TOTAL);
        await until(`${feed} holds every trade`, async () => {
          await settled(feed, tickers.length);
          await ingest(feed).drain();
          let n = 0;
          for (const t of tickers) n += (await tickerStub(env.TICKER, t, feed).snapshot())?.stats.trades_retained ?? 0;
          return n === TOTAL;
        });
      }

      const c = await coverages("cov-clean", tickers);
      expect(c.size).toBeGreaterThan(3);
      for (const [t, cov] of c) {
        expect(cov, t).toMatchObject({ gaps: 0, reconnects: 0, pending: 0, backfilled_trades: 0, duplicate_frames: 0 });
        expect(cov.losses, t).toEqual([]);
      }

      // Lost and doubled frames.
      const hl = await ingest("cov-lossy").health();
      expect(hl.protocol.gaps_by_channel.trade).toBeGreaterThan(0);
      expect(hl.protocol.duplicate_frames).toBeGreaterThan(0);
      // The sequence numbers observed on the trade channel say frames were lost; the clean feed's say none.
      const seq = hl.protocol.seq_by_channel.trade!;
      expect(seq.span - seq.received).toBeGreaterThan(0);
      const sc = (await ingest("cov-clean").health()).protocol.seq_by_channel.trade!;
      expect(sc.received).toBeGreaterThan(0);
      expect(sc.span).toBe(sc.received);
      const l = await coverages("cov-lossy", tickers);
      for (const [t, cov] of l) {
        expect(cov.pending, t).toBe(0);
        expect(cov.unrecovered, t).toBe(0);
        expect(cov.backfilled, t).toBe(cov.gaps + cov.reconnects);
        // The window starts before the stream (never filled from Kalshi): that alone keeps it incomplete.
        expect(cov.unfilled_before_stream, t).toBe(true);
        expect(cov.complete, t).toBe(false);
        for (const e of cov.losses) expect(e.backfill, t).toBe("backfilled");
      }
      // Every ticker of the subscription was told of each trade-channel gap.
      expect(Math.min(...[...l.values()].map((x) => x.gaps))).toBe(hl.protocol.gaps_by_channel.trade);
      // The trades only the backfill delivered are exactly those the WebSocket lost: every trade frame
      // forwarded was either added or dropped by the object as held (a duplicate sent on a retired sid,
      // which is no longer sequence-checked).
      expect(sum(l, "backfilled_trades")).toBe(TOTAL - hl.protocol.trades + sum(l, "duplicate_trades"));
      expect(sum(l, "backfilled_trades")).toBeGreaterThan(0);
      // Duplicate trade frames are attributed to their tickers (the ingest also drops duplicated ticker frames).
      const dupTrades = sum(l, "duplicate_frames");
      expect(dupTrades).toBeGreaterThan(0);
      expect(dupTrades).toBeLessThanOrEqual(hl.protocol.duplicate_frames);
      expect(l.values().next().value!.missed_seq).toBeGreaterThan(0);
      // The builders' windows are after the stream's start: complete once every loss is backfilled.
      for (const t of l.keys()) {
        const ph = await tickerStub(env.TICKER, t, "cov-lossy").priceHistory(1000);
        if (ph.status !== "ok") throw new Error(ph.status);
        expect(ph.coverage, t).toMatchObject({ complete: true, pending: 0, predates_stream: false });
        const snap = await tickerStub(env.TICKER, t, "cov-lossy").snapshot();
        // …but the 5-minute volume window reaches before the stream's first trade, seconds ago.
        expect(snap!.coverage, t).toMatchObject({ pending: 0, predates_stream: true, complete: false });
      }

      // Dropped connections.
      const hf = await ingest("cov-flaky").health();
      expect(hf.reconnects).toBeGreaterThan(0);
      const f = await coverages("cov-flaky", tickers);
      expect(Math.min(...[...f.values()].map((x) => x.reconnects))).toBeGreaterThan(0);
      expect(sum(f, "backfilled_trades")).toBe(TOTAL - hf.protocol.trades + sum(f, "duplicate_trades"));
      for (const [t, cov] of f) {
        expect(cov.pending + cov.unrecovered, t).toBe(0);
        expect(
          cov.losses.every((e) => e.cause === "reconnect" || e.cause === "gap"),
          t,
        ).toBe(true);
      }
    } finally {
      for (const [, feed] of feeds) await ingest(feed).stop();
    }
  }, 120_000);

  it("a loss whose backfill keeps failing is pending, then unrecovered: never complete", async () => {
    const world = await sim<World>(`${env.SIM_ORIGIN}/_sim/worlds`, CONFIG);
    // Lost frames, and the trade tape always answers 503: every backfill attempt fails.
    await sim(`${world.control_url}/faults`, {
      ws: { drop_every: 7 },
      rules: [{ type: "server_error", path: "/markets/trades", nth: 1, times: 100_000 }],
    });
    const tickers = await openTickers(world, 3);
    await ingest("cov-fail").start({ feed: "cov-fail", ws_url: world.ws_url, markets: tickers });
    try {
      await settled("cov-fail", tickers.length, false);
      await sim(`${world.control_url}/feed/pump`, { trades: 40 });
      const ph = async (t: string) => {
        await ingest("cov-fail")
          .drain()
          .catch(() => null);
        const a = await tickerStub(env.TICKER, t, "cov-fail").priceHistory(1000);
        return a.status === "ok" ? a.coverage! : null;
      };
      const t0 = tickers[0]!;
      const pending = await until("a pending loss", async () => {
        const cov = await ph(t0);
        return cov && cov.pending > 0 ? cov : null;
      });
      expect(pending.complete).toBe(false);
      expect(pending.losses[0]).toMatchObject({ backfill: "pending", to_ts: null });
      const h = await until(
        "the backfill given up",
        async () => {
          const hh = await ingest("cov-fail").health();
          return hh.backfill.abandoned > 0 && !hh.backfill.running ? hh : null;
        },
        60_000,
      );
      expect(h.backfill.errors).toBeGreaterThanOrEqual(3);
      const after = await until("an unrecovered loss", async () => {
        const cov = await ph(t0);
        return cov && cov.unrecovered > 0 ? cov : null;
      });
      expect(after.complete).toBe(false);
      expect(after.losses.some((e) => e.backfill === "unrecovered" && e.to_ts !== null)).toBe(true);
    } finally {
      await ingest("cov-fail").stop();
    }
  }, 90_000);
});

/**
 * Fix-up with multivariate events: `GET /events` leaves them out, so a first load finds them
 * missing and lists `GET /events/multivariate` instead of fetching each one (single GETs remain
 * only for what the listing did not cover). D1 must still equal the simulator's truth.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, beforeEach, expect, it } from "vitest";
import { missingEvents } from "../../src/db/references";
import { EVENTS_SETTLEMENT_LOOKBACK_S, FULL_WINDOW_S } from "../../src/sync/plan";
import {
  clearD1,
  control,
  coordinator,
  createWorld,
  diffWindow,
  drive,
  eventStatusProblems,
  inFullWindow,
  simNow,
  truthMarkets,
} from "./harness";

const QUIET = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});
beforeEach(clearD1);

it("a first load lists multivariate events and late-settled events instead of fetching them one by one; D1 equals the truth", async () => {
  // 5,000 markets: the smallest worlds with more multivariate events than MVE_LISTING_MIN_MISSING.
  const w = await createWorld({ seed: 1, markets: 5000, reads_per_second: null, mutation_rates: QUIET });
  const now = await simNow(w);
  // Events in the window only through markets that closed before the window start and settled in
  // it: `GET /events?min_close_ts=<window start>` leaves them out; the events listing's lookback
  // must cover them (this world has some; each would otherwise cost a single GET).
  const truth = await truthMarkets(w);
  const startMs = now - FULL_WINDOW_S * 1000;
  const lastClose = new Map<string, number>();
  for (const m of truth)
    lastClose.set(
      m.event_ticker,
      Math.max(lastClose.get(m.event_ticker) ?? 0, m.close_time ? Date.parse(m.close_time) : 0),
    );
  const late = new Set(
    truth
      .filter(
        (m) =>
          m.mve_collection_ticker === undefined && inFullWindow(m, now) && lastClose.get(m.event_ticker)! < startMs,
      )
      .map((m) => m.event_ticker),
  );
  expect(late.size).toBeGreaterThan(0);
  for (const t of late) expect(lastClose.get(t)!).toBeGreaterThanOrEqual(startMs - EVENTS_SETTLEMENT_LOOKBACK_S * 1000);
  const mveTotal = ((await (await fetch(`${w.base}/events/multivariate?limit=200`)).json()) as { events: unknown[] })
    .events.length;
  expect(mveTotal).toBeGreaterThan(10);
  await control(w, "/stats/reset", {});
  const stub = coordinator("mve-fixup-1");
  const started = await stub.start("full", "admin", {
    baseUrl: w.base,
    nowMs: now,
    pageSize: 20,
    readsPerSecond: 1000,
    maxPagesPerStep: 10,
  });
  const run = await drive(stub, started.run.run_id);
  expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
  expect(await diffWindow(w, now)).toEqual([]);
  expect(await eventStatusProblems()).toEqual([]);
  expect(await missingEvents(env.DB, 10)).toEqual([]);
  const byRoute = ((await control(w, "/stats")) as { by_route: Record<string, number> }).by_route;
  // The listing was used, 20 events a page over several alarm steps (10 requests each) ...
  expect(byRoute["GET /events/multivariate"]).toBe(Math.ceil(mveTotal / 20));
  // ... and no event is fetched one by one: the multivariate listing and the events listing's
  // settlement lookback cover every event the window's markets reference.
  expect(byRoute["GET /events/{ticker}"] ?? 0).toBe(0);
});

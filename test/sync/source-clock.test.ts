/**
 * The sync judges what Kalshi served on Kalshi's clock — the run's window anchor — not on the wall
 * clock of the machine running it. Found by running the sync against a simulator world started 13
 * days before the wall clock (test/instants.ts): a series whose fee change fell between the two was
 * compared with the fee in effect at the wall clock, so every later run wrote a spurious "observed"
 * fee row. Driven with a scripted Kalshi through the real runner, store and D1, with the wall clock
 * injected 20 days after the anchor.
 */
import { applyD1Migrations, env, runInDurableObject } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KalshiClient } from "../../src/kalshi/client";
import { buildPlan } from "../../src/sync/plan";
import { SyncRunner } from "../../src/sync/runner";
import { SyncStore } from "../../src/sync/store";
import type { SyncRunStatus } from "../../src/sync/types";
import { DAY_MS, INSTANTS } from "../instants";
import { fixture } from "../kalshi/fixtures";
import { clearD1, coordinator } from "./harness";

const BASE = "https://kalshi.test/trade-api/v2";

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});
beforeEach(clearD1);

/** Kalshi serving one series (fee multiplier 1 at the anchor) and a change to 0.5 five days later. */
function scriptedKalshi(anchorMs: number): typeof fetch {
  const series = fixture("rest-series-list").series.find((s: { ticker: string }) => s.ticker === "KXINXU");
  series.fee_type = "quadratic";
  series.fee_multiplier = 1;
  const change = {
    id: "chg-1",
    series_ticker: "KXINXU",
    fee_type: "quadratic",
    fee_multiplier: 0.5,
    scheduled_ts: new Date(anchorMs + 5 * DAY_MS).toISOString().replace(".000Z", "Z"),
  };
  const json = (body: unknown) =>
    new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
  return (async (input: RequestInfo | URL) => {
    const path = new URL(String(input)).pathname.replace("/trade-api/v2", "");
    if (path === "/series") return json({ series: [series] });
    if (path === "/series/fee_changes") return json({ series_fee_change_arr: [change] });
    if (path === "/events") return json({ events: [], cursor: "" });
    if (path === "/markets") return json({ markets: [], cursor: "" });
    return new Response(JSON.stringify({ error: { code: "not_found", message: "not found" } }, null), { status: 404 });
  }) as typeof fetch;
}

/** One full run anchored at `anchorMs` while the wall clock reads `wallMs`. */
async function fullRun(name: string, anchorMs: number, wallMs: number): Promise<SyncRunStatus["progress"]> {
  return runInDurableObject(coordinator(name), async (_obj, state) => {
    const store = new SyncStore(state.storage);
    const plan = buildPlan("full", anchorMs, { shards: 1 });
    let run = store.createRun({
      id: `run-${name}`,
      mode: "full",
      trigger: "admin",
      baseUrl: BASE,
      now: wallMs,
      plan,
      options: { shards: 1, lanes: 1 },
    });
    const client = new KalshiClient({ baseUrl: BASE, fetch: scriptedKalshi(anchorMs), readsPerSecond: 1000 });
    for (let step = 0; step < 50; step++) {
      const r = await new SyncRunner(
        run,
        { db: env.DB, client, store, now: () => wallMs },
        { maxPages: 100, maxMs: 20_000, lanes: 1 },
      ).step();
      run = store.getRun(run.id)!;
      if (r.next === "done") return run.progress;
    }
    throw new Error("run did not finish");
  });
}

const schedule = async () =>
  (
    await env.DB.prepare(
      "SELECT effective_ts, fee_multiplier, source FROM series_fees WHERE series_ticker = 'KXINXU' ORDER BY effective_ts",
    ).all()
  ).results;

describe.each(INSTANTS.map((instant, k) => ({ ...instant, k })))(
  "fee schedule synced at $name ($iso), wall clock 20 days later",
  ({ ms, k }) => {
    it("is the series' fee from the start and the reported change; a second run writes nothing", async () => {
      const wall = ms + 20 * DAY_MS;
      const first = await fullRun(`source-clock-${k}-a`, ms, wall);
      expect(first.errors).toEqual([]);
      const expected = [
        { effective_ts: 0, fee_multiplier: 1, source: "series" },
        { effective_ts: ms + 5 * DAY_MS, fee_multiplier: 0.5, source: "fee_change" },
      ];
      expect(await schedule()).toEqual(expected);
      const second = await fullRun(`source-clock-${k}-b`, ms, wall + 60_000);
      expect(second.rows_written_by_table).toMatchObject({ series: 0, series_fees: 0 });
      expect(await schedule()).toEqual(expected);
    });
  },
);

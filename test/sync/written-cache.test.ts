/**
 * Incremental runs list many markets twice (those closing, created or settled within the day are
 * in the window listing and in `min_updated_ts`). A row the run already wrote with the same content is not sent to D1 again;
 * one whose content changed between the two listings is. Driven with a scripted Kalshi (exact
 * control over which listing returns what) through the real runner, store and D1.
 */
import { applyD1Migrations, env, runInDurableObject } from "cloudflare:test";
import { beforeAll, beforeEach, expect, it } from "vitest";
import { KalshiClient } from "../../src/kalshi/client";
import { buildPlan } from "../../src/sync/plan";
import { SyncRunner } from "../../src/sync/runner";
import type { WrittenCache } from "../../src/sync/writer";
import { SyncStore } from "../../src/sync/store";
import type { SyncRunStatus } from "../../src/sync/types";
import { PINNED_START_MS } from "../instants";
import { fixture } from "../kalshi/fixtures";
import { clearD1, coordinator } from "./harness";

const BASE = "https://kalshi.test/trade-api/v2";

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});
beforeEach(clearD1);

/** Kalshi where the window listing (`min_close_ts`) returns `open` and `min_updated_ts` returns `updated`; everything else is empty. */
function scriptedKalshi(open: unknown[], updated: unknown[]): { fetch: typeof fetch; markets: string[] } {
  const markets: string[] = [];
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const f = async (input: RequestInfo | URL): Promise<Response> => {
    const url = new URL(String(input));
    const path = url.pathname.replace("/trade-api/v2", "");
    if (path === "/series/fee_changes") return json({ series_fee_change_arr: [] });
    if (path === "/markets") {
      markets.push(url.search);
      const q = url.searchParams;
      if (q.has("min_close_ts")) return json({ markets: open, cursor: "" });
      if (q.has("min_updated_ts")) return json({ markets: updated, cursor: "" });
      return json({ markets: [], cursor: "" });
    }
    return json({ error: { code: "not_found", message: "not found" } }, 404);
  };
  return { fetch: f as typeof fetch, markets };
}

/** One incremental run, one lane (listings in plan order: the window listing before min_updated_ts). */
async function incrementalRun(name: string, open: unknown[], updated: unknown[]): Promise<SyncRunStatus["progress"]> {
  const k = scriptedKalshi(open, updated);
  return runInDurableObject(coordinator(name), async (_obj, state) => {
    const store = new SyncStore(state.storage);
    const now = PINNED_START_MS;
    const plan = buildPlan("incremental", now, { shards: 1 });
    let run = store.createRun({
      id: `run-${name}`,
      mode: "incremental",
      trigger: "admin",
      baseUrl: BASE,
      now,
      plan,
      options: { shards: 1, lanes: 1 },
    });
    const client = new KalshiClient({ baseUrl: BASE, fetch: k.fetch, readsPerSecond: 1000 });
    let written: WrittenCache | null = null;
    for (let step = 0; step < 50; step++) {
      const runner: SyncRunner = new SyncRunner(
        run,
        { db: env.DB, client, store },
        { maxPages: 100, maxMs: 20_000, lanes: 1 },
        null,
        written,
      );
      const r = await runner.step();
      written = runner.written;
      run = store.getRun(run.id)!;
      if (r.next === "done") return run.progress;
    }
    throw new Error("run did not finish");
  });
}

const storedYesBid = async (ticker: string) =>
  (
    await env.DB.prepare("SELECT yes_bid_dollars AS v FROM markets WHERE ticker = ?")
      .bind(ticker)
      .first<{ v: string }>()
  )?.v;

it("the same content listed twice is written once", async () => {
  const m = fixture("rest-markets-page").markets[0];
  const p = await incrementalRun("written-cache-same", [m], [structuredClone(m)]);
  expect(p.items_seen).toBe(2);
  expect(p.already_written).toBe(1);
  expect(p.rows_changed!.markets).toBe(1);
  expect(await storedYesBid(m.ticker)).toBe(m.yes_bid_dollars);
});

it("content that changed between the two listings is written again (the later one wins)", async () => {
  const m = fixture("rest-markets-page").markets[0];
  const changed = { ...structuredClone(m), yes_bid_dollars: "0.1200" };
  expect(changed.yes_bid_dollars).not.toBe(m.yes_bid_dollars);
  const p = await incrementalRun("written-cache-changed", [m], [changed]);
  expect(p.items_seen).toBe(2);
  expect(p.already_written ?? 0).toBe(0);
  expect(p.rows_changed!.markets).toBe(2);
  expect(await storedYesBid(m.ticker)).toBe("0.1200");
});

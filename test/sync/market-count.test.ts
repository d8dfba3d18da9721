/**
 * The market_count GET /events and GET /events/{t} serve (the event row's column, migration 0006)
 * equals the correlated count the routes ran before it — markets of the event not soft-deleted,
 * unknown-status ones included — after a full sync, incremental syncs with new and changed
 * markets, soft deletes, and the vanished markets' return.
 */
import { applyD1Migrations, env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { clearD1, control, coordinator, createWorld, drive, simNow, truthMarkets, type SimWorld } from "./harness";

const QUIET = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};

async function get(path: string): Promise<any> {
  const res = await SELF.fetch(`https://ssmd.test${path}`, { headers: { "Cache-Control": "no-cache" } });
  expect(res.status, path).toBe(200);
  return res.json();
}

/** The count as the routes computed it before migration 0006. */
async function correlated(): Promise<Map<string, number>> {
  const r = await env.DB.prepare(
    "SELECT e.event_ticker AS t, (SELECT count(*) FROM markets AS mc WHERE mc.event_ticker = e.event_ticker AND mc.deleted_at IS NULL) AS n FROM events e",
  ).all<{ t: string; n: number }>();
  return new Map(r.results.map((e) => [e.t, e.n]));
}

/** market_count of every event as GET /events serves it (all pages, soft-deleted events included). */
async function served(query = ""): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams(query);
    q.set("include_deleted", "true");
    q.set("limit", "1000");
    if (cursor) q.set("cursor", cursor);
    const page = await get(`/events?${q}`);
    for (const e of page.events) out.set(e.event_ticker, e.market_count);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

async function expectServedEqualsCorrelated(): Promise<void> {
  const want = await correlated();
  expect(want.size).toBeGreaterThan(0);
  expect(Object.fromEntries(await served())).toEqual(Object.fromEntries(want));
  // A filter served by another index than the page order's (the case the column was added for).
  const open = await served("status=open");
  expect(open.size).toBeGreaterThan(0);
  for (const [t, n] of open) expect(n, t).toBe(want.get(t));
  // The detail route, for a few events with soft-deleted markets and a few without.
  const withDeleted = await env.DB.prepare(
    "SELECT DISTINCT event_ticker AS t FROM markets WHERE deleted_at IS NOT NULL ORDER BY t LIMIT 3",
  ).all<{ t: string }>();
  for (const t of [...withDeleted.results.map((r) => r.t), ...[...want.keys()].slice(0, 3)]) {
    const body = await get(`/events/${encodeURIComponent(t)}`);
    expect(body.event.market_count, t).toBe(want.get(t));
    expect(body.markets.length, t).toBe(want.get(t));
  }
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  await clearD1();
});

describe("served market_count = the correlated count", () => {
  it("after a full sync, incremental syncs with mutations, soft deletes and undeletes", async () => {
    const w: SimWorld = await createWorld({
      seed: 31,
      markets: 300,
      reads_per_second: null,
      mutation_rates: QUIET,
      unknown_status_share: 0.08,
      unknown_status: "frozen",
    });
    const stub = coordinator("market-count-1");
    const sync = async (mode: "full" | "incremental") => {
      const now = await simNow(w);
      const o = { baseUrl: w.base, nowMs: now, pageSize: 50, readsPerSecond: 1000, maxPagesPerStep: 20 };
      const run = await drive(stub, (await stub.start(mode, "admin", o)).run.run_id);
      expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
      return run;
    };
    await sync("full");
    await expectServedEqualsCorrelated();

    await control(w, "/clock", { advance_ms: 3_600_000 });
    await control(w, "/mutate", { change_fraction: 0.2, metadata_changes: 5, new_markets: 12 });
    const active = (await truthMarkets(w)).filter((m) => m.status === "active").map((m) => m.ticker);
    const vanished = active.slice(0, 4);
    await control(w, "/mutate", { vanish: vanished });
    const incr = await sync("incremental");
    expect(incr.progress.soft_deleted).toBe(vanished.length);
    await expectServedEqualsCorrelated();

    await control(w, "/mutate", { reappear: vanished });
    const back = await sync("full");
    expect(back.progress.undeleted).toBe(vanished.length);
    await expectServedEqualsCorrelated();
  });
});

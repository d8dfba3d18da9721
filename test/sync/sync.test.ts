/**
 * Full and incremental sync against the Kalshi simulator (a Node server started by
 * test/global-setup.ts; each test gets its own world). D1 is compared with the simulator's truth
 * field by field. The window-dependent tests run once per fixed instant of test/instants.ts.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StartSyncOptions } from "../../src/sync/coordinator";
import { INSTANTS, utcDayOf } from "../instants";
import {
  clearD1,
  control,
  coordinator,
  createWorld,
  d1Markets,
  DAY_MS,
  diffWindow,
  drive,
  eventStatusProblems,
  marketCountProblems,
  inFullWindow,
  simNow,
  truthMarkets,
  type SimWorld,
} from "./harness";

const QUIET = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};

function worldConfig(seed: number, extra: Record<string, unknown> = {}) {
  return { seed, markets: 300, reads_per_second: null, mutation_rates: QUIET, ...extra };
}

const AT_INSTANTS = INSTANTS.map((instant, k) => ({ ...instant, k }));

function opts(w: SimWorld, nowMs: number, extra: StartSyncOptions = {}): StartSyncOptions {
  return { baseUrl: w.base, nowMs, pageSize: 25, readsPerSecond: 1000, maxPagesPerStep: 10, ...extra };
}

let n = 0;
const freshCoordinator = () => coordinator(`sync-test-${++n}`);

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});
beforeEach(clearD1);

describe.each(AT_INSTANTS)("full sync at $name ($iso)", ({ ms, k }) => {
  it("makes D1 equal the simulator's truth for the 30-day window, then writes nothing when nothing changed", async () => {
    const w = await createWorld(worldConfig(11 + 10 * k, { start_time_ms: ms }));
    const now = await simNow(w);
    expect(now).toBe(ms);
    const stub = freshCoordinator();
    const gen = () => Promise.all(["markets", "events", "series", "fees"].map((s) => env.CACHE.get(`gen:${s}`)));
    const gen0 = await gen();
    const started = await stub.start("full", "admin", opts(w, now));
    expect(started.outcome).toBe("started");
    const run = await drive(stub, started.run.run_id);
    // The run changed every scope: each cache generation was bumped once.
    const gen1 = await gen();
    for (const [i, g] of gen1.entries()) expect(g).not.toBe(gen0[i]);

    expect(run.status, JSON.stringify(run)).toBe("succeeded");
    expect(run.progress.listings_done).toBe(run.progress.listings_total);
    expect(run.progress.listings!.every((l) => l.state === "done")).toBe(true);
    expect(run.progress.soft_delete).toMatch(/^done/);
    expect(run.progress.soft_deleted).toBe(0);
    expect(await diffWindow(w, now)).toEqual([]);
    expect(await eventStatusProblems()).toEqual([]);
    expect(await marketCountProblems()).toEqual([]);
    const inWindow = (await truthMarkets(w)).filter((m) => inFullWindow(m, now)).length;
    // Every market inserted once (plus denormalization of markets that arrived before their event).
    expect(run.progress.rows_changed!.markets).toBeGreaterThanOrEqual(inWindow);
    expect([...(await d1Markets()).values()].filter((m) => m.deleted_at === null).length).toBe(inWindow);

    // sync_runs mirrors the run record.
    const mirrored = await env.DB.prepare("SELECT status, stats FROM sync_runs WHERE id = ?")
      .bind(run.run_id)
      .first<{ status: string; stats: string }>();
    expect(mirrored!.status).toBe("succeeded");
    expect(JSON.parse(mirrored!.stats).pages).toBe(run.progress.pages);

    // Same world, same window: 0 % change → zero market/event/series rows written.
    const again = await drive(stub, (await stub.start("full", "admin", opts(w, now))).run.run_id);
    expect(again.status).toBe("succeeded");
    expect(again.progress.items_seen).toBe(run.progress.items_seen);
    expect(again.progress.rows_written_by_table).toEqual({ markets: 0, events: 0, series: 0, series_fees: 0 });
    expect(again.progress.rows_written).toBe(0);
    expect(await gen()).toEqual(gen1); // nothing changed: no cache invalidation

    const incr = await drive(stub, (await stub.start("incremental", "cron", opts(w, now))).run.run_id);
    expect(incr.status).toBe("succeeded");
    expect(incr.progress.rows_written).toBe(0);
  });

  it("full, then incremental runs over a simulated day with mutations, keeps D1 equal to the truth", async () => {
    const w = await createWorld(worldConfig(12 + 10 * k, { start_time_ms: ms }));
    const stub = freshCoordinator();
    let now = await simNow(w);
    const days = new Set([utcDayOf(now)]);
    expect((await drive(stub, (await stub.start("full", "cron", opts(w, now))).run.run_id)).status).toBe("succeeded");

    let vanishedOpen: string[] = [];
    for (let quarter = 0; quarter < 4; quarter++) {
      await control(w, "/clock", { advance_ms: 6 * 3_600_000 });
      const mutated = await control(w, "/mutate", { change_fraction: 0.1, metadata_changes: 3, new_markets: 4 });
      expect(mutated.changed).toBeGreaterThan(0);
      if (quarter === 1) {
        // Vanish two active markets (an incremental window must contain active markets).
        const active = (await truthMarkets(w))
          .filter((m) => m.status === "active")
          .slice(0, 2)
          .map((m) => m.ticker);
        await control(w, "/mutate", { vanish: active });
        vanishedOpen = active;
      }
      now = await simNow(w);
      days.add(utcDayOf(now));
      const run = await drive(stub, (await stub.start("incremental", "cron", opts(w, now))).run.run_id);
      expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
      expect(run.progress.rows_changed!.markets).toBeGreaterThan(0);
      if (quarter === 1) expect(run.progress.soft_deleted).toBe(2);
    }
    // The simulated day crossed a UTC midnight (from every instant: 4 × 6 h).
    expect(days.size).toBe(2);
    expect(await diffWindow(w, now)).toEqual([]);
    expect(await eventStatusProblems()).toEqual([]);
    expect(await marketCountProblems()).toEqual([]);
    const d1 = await d1Markets();
    for (const t of vanishedOpen) expect(d1.get(t)!.deleted_at).not.toBeNull();
    const fullNow = await simNow(w);
    const full = await drive(stub, (await stub.start("full", "cron", opts(w, fullNow))).run.run_id);
    expect(full.status).toBe("succeeded");
    expect(await diffWindow(w, fullNow)).toEqual([]);
  });
});

describe.each(AT_INSTANTS)("soft deletes at $name ($iso)", ({ ms, k }) => {
  it("vanish → soft-deleted, reappear → undeleted, aged out → untouched", async () => {
    const w = await createWorld(worldConfig(13 + 10 * k, { start_time_ms: ms }));
    const stub = freshCoordinator();
    const t0 = await simNow(w);
    expect((await drive(stub, (await stub.start("full", "cron", opts(w, t0))).run.run_id)).status).toBe("succeeded");

    const truth = await truthMarkets(w);
    const pick = (status: string) => {
      const m = truth.find((x) => x.status === status && inFullWindow(x, t0));
      expect(m, `a ${status} market in the window`).toBeDefined();
      return m!.ticker;
    };
    // The clock moves until the earliest-settled market of the window has aged out (at least a day);
    // the vanished settled market is one that stays in the window and closed in it (a market that
    // closed before the window is no soft-delete candidate: src/sync/plan.ts, mustContain).
    const settledMs = (m: (typeof truth)[number]) => Date.parse(m.settlement_ts!);
    const settled = truth
      .filter((m) => m.status === "finalized" && inFullWindow(m, t0))
      .sort((a, b) => settledMs(a) - settledMs(b));
    expect(settled.length).toBeGreaterThanOrEqual(2);
    const advance = Math.max(DAY_MS, settledMs(settled[0]!) - (t0 - 30 * DAY_MS) + 60_000);
    const staying = settled.find(
      (m) => inFullWindow(m, t0 + advance) && Date.parse(m.close_time!) >= t0 + advance - 30 * DAY_MS,
    );
    expect(staying, "a settled market that stays in the window").toBeDefined();
    const vanished = [pick("active"), pick("initialized"), staying!.ticker];
    await control(w, "/mutate", { vanish: vanished });

    // Later some settled markets have aged out of the window: they are not "deleted".
    await control(w, "/clock", { advance_ms: advance });
    const t1 = await simNow(w);
    const agedOut = truth
      .filter((m) => inFullWindow(m, t0) && !inFullWindow(m, t1) && !vanished.includes(m.ticker))
      .map((m) => m.ticker);
    expect(agedOut.length).toBeGreaterThan(0);

    // A small scan chunk: the reconcile scan pages its index ranges (~20 queries, 10 per step).
    const run = await drive(stub, (await stub.start("full", "cron", opts(w, t1, { scanChunk: 7 }))).run.run_id);
    expect(run.status).toBe("succeeded");
    expect(run.progress.soft_deleted).toBe(3);
    let d1 = await d1Markets();
    for (const t of vanished) expect(d1.get(t)!.deleted_at, t).not.toBeNull();
    for (const t of agedOut) expect(d1.get(t)!.deleted_at, t).toBeNull();
    expect(await eventStatusProblems()).toEqual([]);
    expect(await marketCountProblems()).toEqual([]);

    await control(w, "/mutate", { reappear: vanished });
    const back = await drive(stub, (await stub.start("full", "cron", opts(w, t1))).run.run_id);
    expect(back.progress.undeleted).toBe(3);
    expect(back.progress.soft_deleted).toBe(0);
    d1 = await d1Markets();
    for (const t of vanished) expect(d1.get(t)!.deleted_at, t).toBeNull();
    expect(await diffWindow(w, t1)).toEqual([]);
    expect(await marketCountProblems()).toEqual([]);
  });
});

describe("single flight", () => {
  it("two concurrent triggers make one run; the other mode conflicts", async () => {
    const w = await createWorld(worldConfig(14));
    const stub = freshCoordinator();
    const now = await simNow(w);
    const [a, b] = await Promise.all([
      stub.start("full", "cron", opts(w, now)),
      stub.start("full", "admin", opts(w, now)),
    ]);
    expect([a.outcome, b.outcome].sort()).toEqual(["joined", "started"]);
    expect(a.run.run_id).toBe(b.run.run_id);
    const c = await stub.start("incremental", "cron", opts(w, now));
    expect(c.outcome).toBe("conflict");
    expect(c.run.run_id).toBe(a.run.run_id);
    const run = await drive(stub, a.run.run_id);
    expect(run.status).toBe("succeeded");
    expect((await stub.latestRuns()).map((r) => r.run_id)).toEqual([a.run.run_id]);
    // Finished: a new trigger starts a new run.
    const next = await stub.start("incremental", "cron", opts(w, now));
    expect(next.outcome).toBe("started");
    expect((await drive(stub, next.run.run_id)).status).toBe("succeeded");
  });

  it("a cron full sync refused by a running incremental starts as soon as it ends", async () => {
    const w = await createWorld(worldConfig(15));
    const stub = freshCoordinator();
    const now = await simNow(w);
    const incr = await stub.start("incremental", "cron", opts(w, now));
    const full = await stub.start("full", "cron", opts(w, now));
    expect(full.outcome).toBe("conflict");
    expect(full.run.run_id).toBe(incr.run.run_id);
    expect((await drive(stub, incr.run.run_id)).status).toBe("succeeded");
    const [queued] = await stub.latestRuns(1);
    expect(queued!.mode).toBe("full");
    expect(queued!.trigger).toBe("cron");
    expect((await drive(stub, queued!.run_id)).status).toBe("succeeded");
    expect(await diffWindow(w, now)).toEqual([]);
  });
});

/**
 * The sync under injected D1 failures and delays (issue #17; ./faulty-d1.ts wraps the real local
 * D1 the coordinator gets from its env). What is promised (decision 0110):
 *
 * - the run record — the coordinator's (GET /admin/sync/{run_id}) and D1's `sync_runs` — says the
 *   run failed, in which phase, and which statement failed;
 * - nothing half-written is presented as current: no soft delete is applied from a run whose
 *   listings did not complete, and no event's status disagrees with its live markets when a run
 *   ends (a market write whose event derivation failed is derived again, by the replay or by the
 *   next run); the cache generations of what a run did write are advanced, so no cached answer
 *   contradicts D1;
 * - the next run without faults leaves D1 equal to the simulator's truth;
 * - delayed statements only slow the sync down.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StartSyncOptions } from "../../src/sync/coordinator";
import type { SyncRunStatus } from "../../src/sync/types";
import { FaultyD1, injectD1 } from "./faulty-d1";
import {
  clearD1,
  control,
  coordinator,
  createWorld,
  d1Markets,
  diffWindow,
  drive,
  eventStatusProblems,
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

let n = 0;
const fresh = () => coordinator(`d1-faults-${++n}`);

function opts(w: SimWorld, nowMs: number, extra: StartSyncOptions = {}): StartSyncOptions {
  // One lane: the statements run in one order, so a seed meets the same faults every time.
  return {
    baseUrl: w.base,
    nowMs,
    pageSize: 25,
    readsPerSecond: 1000,
    maxPagesPerStep: 10,
    lanes: 1,
    backoffBaseMs: 5,
    listingRetryMs: [10, 10],
    ...extra,
  };
}

async function runFull(stub: ReturnType<typeof fresh>, w: SimWorld, now: number): Promise<SyncRunStatus> {
  const started = await stub.start("full", "admin", opts(w, now));
  return drive(stub, started.run.run_id, { deadlineMs: 60_000 });
}

/** A world synced once without faults, then changed: prices, two vanished markets, one event's markets all in a new status. */
async function changedWorld(seed: number) {
  const w = await createWorld({ seed, markets: 300, reads_per_second: null, mutation_rates: QUIET });
  const stub = fresh();
  const first = await runFull(stub, w, await simNow(w));
  expect(first.status, JSON.stringify(first.progress.errors)).toBe("succeeded");
  const truth = await truthMarkets(w);
  const active = truth.filter((m) => m.status === "active");
  const gone = active.slice(0, 2).map((m) => m.ticker);
  // Every market of one event served in a status ssmd does not know: the event's derived status changes.
  const event = active[active.length - 1]!.event_ticker;
  const ofEvent = truth.filter((m) => m.event_ticker === event).map((m) => m.ticker);
  await control(w, "/mutate", { vanish: gone, change_fraction: 0.3, set_unknown_status: ofEvent });
  return { w, stub, gone, event, now: await simNow(w) };
}

const generation = (scope: string) => env.CACHE.get(`gen:${scope}`);

async function mirrored(runId: string) {
  return env.DB.prepare("SELECT status, error, stats FROM sync_runs WHERE id = ?")
    .bind(runId)
    .first<{ status: string; error: string | null; stats: string }>();
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});
beforeEach(clearD1);

describe("D1 failures", () => {
  it("market writes failing: the run fails naming the listing and the statement, soft-deletes nothing, and the next run repairs D1", async () => {
    const { w, stub, gone, now } = await changedWorld(61);
    const d1 = new FaultyD1(env.DB, { seed: 7, failShare: 0.5, match: /INSERT INTO markets/ });
    await injectD1(stub, d1.db);
    const before = await generation("markets");
    const run = await runFull(stub, w, now);

    expect(d1.failures.length).toBeGreaterThan(0);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/^listings failed: markets:\S+ \(D1 upsert markets: D1_ERROR: injected failure/);
    const failed = run.progress.listings!.filter((l) => l.state === "failed");
    expect(failed.length).toBeGreaterThan(0);
    for (const l of failed) expect(l.error).toMatch(/^D1 upsert markets: /);
    // D1's record says the same.
    await injectD1(stub, env.DB);
    expect(await mirrored(run.run_id)).toMatchObject({ status: "failed", error: run.error });

    // Nothing concluded from an incomplete run: no soft delete, events agree with their markets.
    expect(run.progress.soft_delete).toMatch(/^skipped: incomplete listings/);
    expect(run.progress.soft_deleted).toBe(0);
    const rows = await d1Markets();
    for (const t of gone) expect(rows.get(t)!.deleted_at).toBeNull();
    expect(await eventStatusProblems()).toEqual([]);
    // What it did write is what the cache answers from: the generations of those scopes moved.
    expect(run.progress.rows_changed!.markets).toBeGreaterThan(0);
    expect(await generation("markets")).not.toBe(before);

    const next = await runFull(stub, w, now);
    expect(next.status, JSON.stringify(next.progress.errors)).toBe("succeeded");
    expect(await diffWindow(w, now)).toEqual([]);
    expect(await eventStatusProblems()).toEqual([]);
    expect(next.progress.soft_deleted).toBe(2);
    const after = await d1Markets();
    for (const t of gone) expect(after.get(t)!.deleted_at).not.toBeNull();
  });

  it("an event-status write failing after its markets were written: derived again, no event left disagreeing", async () => {
    const { w, stub, event, now } = await changedWorld(62);
    const d1 = new FaultyD1(env.DB, { seed: 1, failShare: 1, maxFailures: 1, match: /^UPDATE events SET status/ });
    await injectD1(stub, d1.db);
    const run = await runFull(stub, w, now);

    expect(d1.failures).toHaveLength(1);
    expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
    expect(run.progress.errors.some((e) => /D1 derive event statuses: D1_ERROR: injected failure #1/.test(e))).toBe(
      true,
    );
    expect(await eventStatusProblems()).toEqual([]);
    const stored = await env.DB.prepare("SELECT status FROM events WHERE event_ticker = ?").bind(event).first();
    expect(stored).toEqual({ status: "unknown" });
    expect(await diffWindow(w, now)).toEqual([]);
  });

  it("soft deletes failing: the run fails in the verify phase naming the statement; the next run soft-deletes", async () => {
    const { w, stub, gone, now } = await changedWorld(63);
    const d1 = new FaultyD1(env.DB, { seed: 1, failShare: 1, match: /^UPDATE markets SET deleted_at/ });
    await injectD1(stub, d1.db);
    const run = await runFull(stub, w, now);

    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/^sync step failed 5 times in phase verify: D1 soft-delete markets: D1_ERROR/);
    expect(run.progress.errors.filter((e) => e.includes("in phase verify"))).toHaveLength(5);
    const rows = await d1Markets();
    for (const t of gone) expect(rows.get(t)!.deleted_at).toBeNull();
    expect(await eventStatusProblems()).toEqual([]);

    await injectD1(stub, env.DB);
    expect((await mirrored(run.run_id))?.status).toBe("failed");
    const next = await runFull(stub, w, now);
    expect(next.status, JSON.stringify(next.progress.errors)).toBe("succeeded");
    expect(next.progress.soft_deleted).toBe(2);
    expect(await diffWindow(w, now)).toEqual([]);
    expect(await eventStatusProblems()).toEqual([]);
  });

  it("a failure after a soft delete, before its events' status: derived again", async () => {
    const w = await createWorld({ seed: 64, markets: 300, reads_per_second: null, mutation_rates: QUIET });
    const stub = fresh();
    const now0 = await simNow(w);
    expect((await runFull(stub, w, now0)).status).toBe("succeeded");
    // Every market of one event vanishes: after their soft delete the event's derived status changes.
    const truth = await truthMarkets(w);
    const event = truth.find((m) => m.status === "active")!.event_ticker;
    const ofEvent = truth.filter((m) => m.event_ticker === event).map((m) => m.ticker);
    await control(w, "/mutate", { vanish: ofEvent });
    const d1 = new FaultyD1(env.DB, { seed: 1, failShare: 1, maxFailures: 1, match: /^UPDATE events SET status/ });
    await injectD1(stub, d1.db);
    const now = await simNow(w);
    const run = await runFull(stub, w, now);

    expect(d1.failures).toHaveLength(1);
    expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
    // Counted once, though the batch was retried after the failure (it found them deleted already).
    expect(run.progress.soft_deleted).toBe(ofEvent.length);
    expect(run.progress.errors).toEqual([
      "step failed in phase verify (1/5): D1 derive event statuses: D1_ERROR: injected failure #1 (run)",
    ]);
    expect(run.progress.repaired_events).toBe(1);
    expect(await eventStatusProblems()).toEqual([]);
    expect(await env.DB.prepare("SELECT status FROM events WHERE event_ticker = ?").bind(event).first()).toEqual({
      status: "unknown",
    });
  });

  it("statements failing at random (seeded, 4 %) everywhere: the run ends, and its outcome is true", async () => {
    const { w, stub, now } = await changedWorld(65);
    const d1 = new FaultyD1(env.DB, { seed: 11, failShare: 0.04 });
    await injectD1(stub, d1.db);
    const run = await runFull(stub, w, now);
    expect(d1.failures.length).toBeGreaterThan(0);
    expect(await eventStatusProblems()).toEqual([]);
    if (run.status === "succeeded") expect(await diffWindow(w, now)).toEqual([]);
    else expect(run.error).toMatch(/D1_ERROR: injected failure/);
    d1.set(null);
    const next = await runFull(stub, w, now);
    expect(next.status, JSON.stringify(next.progress.errors)).toBe("succeeded");
    expect(await diffWindow(w, now)).toEqual([]);
    expect(await eventStatusProblems()).toEqual([]);
  });
});

describe("the run's D1 record", () => {
  it("a run whose sync_runs writes all failed reaches D1 with the next run's first write", async () => {
    const { w, stub, now } = await changedWorld(67);
    const d1 = new FaultyD1(env.DB, { seed: 1, failShare: 1, match: /^INSERT INTO sync_runs/ });
    await injectD1(stub, d1.db);
    const run = await runFull(stub, w, now);
    expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
    expect(d1.failures.length).toBeGreaterThan(1);
    // Only the coordinator knows it ended (D1 has the row its first step wrote, or none).
    expect((await mirrored(run.run_id))?.status ?? null).not.toBe("succeeded");

    d1.set(null);
    const next = await stub.start("incremental", "admin", opts(w, now));
    expect(await mirrored(run.run_id)).toMatchObject({ status: "succeeded", error: null });
    await drive(stub, next.run.run_id, { deadlineMs: 60_000 });
    expect((await mirrored(next.run.run_id))?.status).toBe("succeeded");
  });
});

describe("D1 delays", () => {
  it("a quarter of the statements 40 ms late: the sync completes equal to the truth", async () => {
    const { w, stub, gone, now } = await changedWorld(66);
    const d1 = new FaultyD1(env.DB, { seed: 3, delayShare: 0.25, delayMs: 40 });
    await injectD1(stub, d1.db);
    const run = await runFull(stub, w, now);
    expect(d1.faults.filter((f) => f.kind === "delay").length).toBeGreaterThan(5);
    expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
    expect(run.progress.soft_deleted).toBe(2);
    expect(await diffWindow(w, now)).toEqual([]);
    expect(await eventStatusProblems()).toEqual([]);
    const rows = await d1Markets();
    for (const t of gone) expect(rows.get(t)!.deleted_at).not.toBeNull();
  });
});

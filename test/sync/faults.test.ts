/**
 * Sync under faults injected by the simulator: each run completes (or resumes), nothing is lost,
 * nothing is wrongly soft-deleted, and the run record says what happened.
 */
import { abortAllDurableObjects, applyD1Migrations, env, evictDurableObject } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StartSyncOptions } from "../../src/sync/coordinator";
import type { SyncRunStatus } from "../../src/sync/types";
import {
  clearD1,
  control,
  coordinator,
  createWorld,
  d1Markets,
  diffWindow,
  drive,
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
const fresh = () => coordinator(`faults-test-${++n}`);

function opts(w: SimWorld, nowMs: number, extra: StartSyncOptions = {}): StartSyncOptions {
  // Fast retries so fault tests stay quick; the logic is the production one.
  return {
    baseUrl: w.base,
    nowMs,
    pageSize: 25,
    readsPerSecond: 1000,
    maxPagesPerStep: 10,
    backoffBaseMs: 5,
    listingRetryMs: [10, 10],
    ...extra,
  };
}

/** A world with `rules` installed AFTER a clean first full sync, plus `vanished` markets gone. */
async function syncedWorld(seed: number, stubName = fresh()) {
  const w = await createWorld({ seed, markets: 300, reads_per_second: null, mutation_rates: QUIET });
  const now = await simNow(w);
  const first = await drive(stubName, (await stubName.start("full", "cron", opts(w, now))).run.run_id);
  expect(first.status).toBe("succeeded");
  return { w, now, stub: stubName };
}

async function runFull(
  stub: ReturnType<typeof fresh>,
  w: SimWorld,
  now: number,
  extra: StartSyncOptions = {},
  beforeStep?: (i: number) => Promise<void>,
): Promise<SyncRunStatus> {
  const started = await stub.start("full", "admin", opts(w, now, extra));
  return drive(stub, started.run.run_id, { beforeStep, deadlineMs: 45_000 });
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});
beforeEach(clearD1);

const transient: Array<[string, Array<Record<string, unknown>>]> = [
  ["429 bursts", [{ type: "rate_limit", path: "/markets", nth: [2, 9], times: 4, retry_after_s: 0 }]],
  ["10 % 5xx", [{ type: "server_error", fraction: 0.1 }]],
  ["slow pages", [{ type: "slow", path: "/markets", fraction: 0.25, delay_ms: 300 }]],
  ["one malformed page", [{ type: "malformed", path: "/markets", nth: 4, mode: "truncated_json" }]],
  [
    "a dropped connection",
    [
      { type: "drop", path: "/markets", nth: 3, at: "mid_body" },
      { type: "drop", path: "/events", nth: 1, at: "before_headers" },
    ],
  ],
];

describe("transient faults", () => {
  for (const [name, rules] of transient) {
    it(`${name}: completes, D1 equals the truth, vanished markets (only) soft-deleted`, async () => {
      const { w, stub } = await syncedWorld(21 + transient.findIndex(([n2]) => n2 === name));
      const gone = (await truthMarkets(w))
        .filter((m) => m.status === "active")
        .slice(0, 2)
        .map((m) => m.ticker);
      await control(w, "/mutate", { vanish: gone });
      await control(w, "/faults", { rules });
      const now = await simNow(w);
      const run = await runFull(stub, w, now);

      expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
      const fired = ((await control(w, "/faults")).fired_by_type ?? {}) as Record<string, number>;
      expect(Object.values(fired).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      if (name !== "slow pages") expect(run.progress.retries).toBeGreaterThan(0);
      expect(run.progress.soft_deleted).toBe(2);
      expect(await diffWindow(w, now)).toEqual([]);
      const d1 = await d1Markets();
      expect(gone.every((t) => d1.get(t)!.deleted_at !== null)).toBe(true);
      expect([...d1.values()].filter((m) => m.deleted_at !== null)).toHaveLength(2);
    });
  }
});

describe("faults that make a listing incomplete", () => {
  it("a malformed item: skipped and reported by ticker, nothing soft-deleted", async () => {
    const { w, stub } = await syncedWorld(31);
    const gone = (await truthMarkets(w))
      .filter((m) => m.status === "active")
      .slice(0, 2)
      .map((m) => m.ticker);
    await control(w, "/mutate", { vanish: gone });
    await control(w, "/faults", {
      rules: [{ type: "schema_drift", path: "/markets", nth: 2, drift: { field: "status", action: "remove" } }],
    });
    const now = await simNow(w);
    const run = await runFull(stub, w, now);

    expect(run.status).toBe("succeeded");
    expect(run.progress.skipped_items).toBe(1);
    expect(run.progress.errors.some((e) => e.includes("skipped malformed item"))).toBe(true);
    expect(run.progress.soft_delete).toMatch(/^skipped: incomplete listings .*1 skipped items/);
    expect(run.progress.soft_deleted).toBe(0);
    const d1 = await d1Markets();
    expect(gone.every((t) => d1.get(t)!.deleted_at === null)).toBe(true);
  });

  it("a listing that keeps failing: the run fails, resumes nothing twice, soft-deletes nothing", async () => {
    const { w, stub } = await syncedWorld(32);
    const gone = (await truthMarkets(w))
      .filter((m) => m.status === "active")
      .slice(0, 2)
      .map((m) => m.ticker);
    await control(w, "/mutate", { vanish: gone });
    // Every /markets request from the 3rd on fails: retries are exhausted, listings fail.
    await control(w, "/faults", {
      rules: [{ type: "server_error", path: "/markets", nth: 3, times: 100_000, status: 500 }],
    });
    const now = await simNow(w);
    const run = await runFull(stub, w, now, { maxRetries: 1 });

    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/listings failed/);
    const failed = run.progress.listings!.filter((l) => l.state === "failed");
    expect(failed.length).toBeGreaterThan(0);
    for (const l of failed) {
      expect(l.attempts).toBe(3);
      expect(l.error).toMatch(/HTTP 500/);
    }
    expect(run.progress.soft_delete).toMatch(/^skipped: incomplete listings/);
    expect(run.progress.soft_deleted).toBe(0);
    const d1 = await d1Markets();
    expect([...d1.values()].every((m) => m.deleted_at === null)).toBe(true);
  });
});

describe("eviction", () => {
  it("eviction between steps and a crash mid-step: resumes from the committed cursors, nothing lost or counted twice", async () => {
    const w = await createWorld({ seed: 41, markets: 600, reads_per_second: null, mutation_rates: QUIET });
    const stub = fresh();
    const now = await simNow(w);
    // Slow pages so that a step is in flight when the object is aborted.
    await control(w, "/faults", { rules: [{ type: "slow", path: "/markets", delay_ms: 250 }] });
    const started = await stub.start("full", "cron", opts(w, now, { maxPagesPerStep: 3 }));
    const events: string[] = [];
    const run = await drive(stub, started.run.run_id, {
      deadlineMs: 45_000,
      beforeStep: async (i) => {
        if (i === 1 || i === 4) {
          const live = env.SYNC.get(stub.id); // the first stub is broken by the abort below
          await live.getRun(started.run.run_id);
          await evictDurableObject(live);
          events.push(`evict@${i}`);
        }
        if (i === 2) {
          // Crash: tear the object down while alarm steps are running (every /markets page takes
          // 250 ms, and steps follow each other without pause, so one is in flight).
          const before = await env.SYNC.get(stub.id).getRun(started.run.run_id);
          await new Promise((r) => setTimeout(r, 100));
          await abortAllDurableObjects();
          events.push(`abort@${i}:${before!.progress.phase}`);
        }
      },
    });
    expect(events).toEqual(["evict@1", "abort@2:listings", "evict@4"]);
    expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
    expect(await diffWindow(w, now)).toEqual([]);
    expect(run.progress.soft_deleted).toBe(0);

    // A clean run over the same window sees exactly the same listings, and has nothing left to write.
    await control(w, "/faults", { rules: [] });
    const cleanStub = fresh();
    const clean = await drive(cleanStub, (await cleanStub.start("full", "cron", opts(w, now))).run.run_id);
    expect(clean.status).toBe("succeeded");
    expect(clean.progress.rows_written).toBe(0);
    const shape = (r: SyncRunStatus) => r.progress.listings!.map((l) => [l.id, l.state, l.pages, l.items]);
    expect(shape(run)).toEqual(shape(clean));
    expect(run.progress.items_seen).toBe(clean.progress.items_seen);
  });
});

/**
 * A crash mid-step (issue #17, bench/crash.ts): the new instance steps the run at once instead of
 * waiting out the watchdog alarm the dead step left (WATCHDOG_MS, 2 minutes) — bench/crash.ts found
 * every SIGKILL of workerd mid-sync stalled the run that long.
 */
import { applyD1Migrations, env, runInDurableObject } from "cloudflare:test";
import { beforeAll, expect, it } from "vitest";
import { SyncCoordinator, WATCHDOG_MS } from "../../src/sync/coordinator";
import { clearD1, control, coordinator, createWorld, drive, simNow } from "./harness";

const QUIET = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  await clearD1();
});

it("a new instance after a crash mid-step resumes the run now, not at the watchdog", async () => {
  const w = await createWorld({ seed: 43, markets: 300, reads_per_second: null, mutation_rates: QUIET });
  // Every page is slow, so the first step is still in flight when the object is torn down.
  await control(w, "/faults", { rules: [{ type: "slow", delay_ms: 8000 }] });
  const name = "crash-resume-test";
  const stub = coordinator(name);
  const started = await stub.start("full", "admin", {
    baseUrl: w.base,
    nowMs: await simNow(w),
    pageSize: 50,
    readsPerSecond: 1000,
  });
  // The start() alarm fires by itself: wait until its step has armed the watchdog.
  const alarmAt = () => runInDurableObject(coordinator(name), (_o, state) => state.storage.getAlarm());
  let at: number | null = null;
  for (let i = 0; i < 200 && !(at !== null && at > Date.now() + WATCHDOG_MS / 2); i++) {
    await new Promise((r) => setTimeout(r, 20));
    at = await alarmAt();
  }
  expect(at, "the step armed its watchdog").toBeGreaterThan(Date.now() + WATCHDOG_MS / 2);

  // SIGKILL leaves the storage as it is now: the run's committed state, the watchdog alarm and
  // whatever the step wrote before it. The restarted runtime constructs a new instance over it (no
  // abortAllDurableObjects() here: the test runtime retries an aborted alarm at once, which a
  // killed workerd does not).
  const due = await runInDurableObject(coordinator(name), async (_o, state) => {
    new SyncCoordinator(state, env);
    for (let i = 0; i < 50; i++) {
      const a = await state.storage.getAlarm();
      if (a !== null && a <= Date.now() + 1000) return a;
      await new Promise((r) => setTimeout(r, 20));
    }
    return state.storage.getAlarm();
  });
  expect(due, "the new instance steps now").toBeLessThanOrEqual(Date.now() + 1000);

  await control(w, "/faults", { rules: [] });
  const done = await drive(coordinator(name), started.run.run_id, { deadlineMs: 40_000 });
  expect(done.status, JSON.stringify(done.progress.errors)).toBe("succeeded");
}, 60_000);

import {
  applyD1Migrations,
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { beforeAll, expect, it } from "vitest";
import worker from "../../src/index";
import { PINNED_START_MS, utcMidnight } from "../instants";
import { d1Markets, diffWindow, inFullWindow, truthMarkets, type SimWorld } from "../sync/harness";

const sync = () => env.SYNC.get(env.SYNC.idFromName("global"));

/** The default world of test/global-setup.ts (KALSHI_BASE_URL), clock at PINNED_START_MS. */
const defaultWorld: SimWorld = { id: "default", base: env.KALSHI_BASE_URL, control: `${env.SIM_ORIGIN}/_sim` };

async function fire(cron: string, scheduledTime: number) {
  const ctx = createExecutionContext();
  worker.scheduled(createScheduledController({ cron, scheduledTime }), env, ctx);
  await waitOnExecutionContext(ctx);
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

it("the daily cron at 09:30 New York starts a full sync from the simulator, anchored at the scheduled time; the other DST twin does nothing", async () => {
  // The default world's day (2026-11-20, New York on EST = UTC−5).
  const day = utcMidnight(PINNED_START_MS);
  await fire("30 13 * * *", day + 13.5 * 3_600_000); // 08:30 in New York
  expect(await sync().latestRuns(5)).toEqual([]);

  const scheduledTime = day + 14.5 * 3_600_000; // 09:30 in New York
  await fire("30 14 * * *", scheduledTime);
  const [run] = await sync().latestRuns(5);
  expect(run).toMatchObject({ mode: "full", trigger: "cron" });

  const deadline = Date.now() + 60_000;
  let status = await sync().getRun(run!.run_id);
  while (status?.status === "running" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    status = await sync().getRun(run!.run_id);
  }
  expect(status?.status).toBe("succeeded");
  // D1 holds exactly the 30-day window before the scheduled time (not before the wall clock).
  const inWindow = (await truthMarkets(defaultWorld)).filter((m) => inFullWindow(m, scheduledTime));
  expect(inWindow.length).toBeGreaterThan(0);
  expect(await diffWindow(defaultWorld, scheduledTime)).toEqual([]);
  expect([...(await d1Markets()).values()].filter((m) => m.deleted_at === null).length).toBe(inWindow.length);
});

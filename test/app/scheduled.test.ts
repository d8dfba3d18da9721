import { applyD1Migrations, createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, expect, it } from "vitest";
import worker from "../../src/index";

const sync = () => env.SYNC.get(env.SYNC.idFromName("global"));

async function fire(cron: string, scheduledTime: number) {
  const ctx = createExecutionContext();
  worker.scheduled(createScheduledController({ cron, scheduledTime }), env, ctx);
  await waitOnExecutionContext(ctx);
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

it("the daily cron at 09:30 New York starts a full sync from the simulator; the other DST twin does nothing", async () => {
  await fire("30 13 * * *", Date.UTC(2026, 0, 15, 13, 30)); // 08:30 in New York (winter)
  expect(await sync().latestRuns(5)).toEqual([]);

  await fire("30 14 * * *", Date.UTC(2026, 0, 15, 14, 30)); // 09:30 in New York
  const [run] = await sync().latestRuns(5);
  expect(run).toMatchObject({ mode: "full", trigger: "cron" });

  const deadline = Date.now() + 60_000;
  let status = await sync().getRun(run!.run_id);
  while (status?.status === "running" && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    status = await sync().getRun(run!.run_id);
  }
  expect(status?.status).toBe("succeeded");
  const { n } = (await env.DB.prepare("SELECT count(*) AS n FROM markets").first<{ n: number }>())!;
  expect(n).toBeGreaterThan(0);
});

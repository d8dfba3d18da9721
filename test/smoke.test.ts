import { env, SELF } from "cloudflare:test";
import { applyD1Migrations } from "cloudflare:test";
import { expect, it } from "vitest";

it("boots", async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  const r = await SELF.fetch("http://x/healthz");
  expect(await r.json()).toMatchObject({ ok: true });
  const s = await fetch(env.SIM_ORIGIN + "/hello");
  expect(await s.text()).toContain("sim-placeholder /hello");
  const stub = env.TICKER.get(env.TICKER.idFromName("A"));
  expect(await stub.ping()).toBe("pong");
});

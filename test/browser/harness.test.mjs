/**
 * The harness itself: Chromium reaches the service, and what the other browser tests rely on it to
 * catch — a request leaving the machine, a console error, an uncaught error — is caught.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startHarness } from "./harness.mjs";

/** @type {import("./harness.mjs").Harness} */
let h;
before(async () => {
  h = await startHarness({ markets: 300 });
});
after(() => h?.close());

test("Chromium loads the service's /healthz", async () => {
  const page = await h.open("/healthz");
  const body = JSON.parse((await page.textContent("body")) ?? "");
  assert.equal(body.checks?.d1, true);
  await page.close();
  h.assertClean();
});

test("a request leaving the machine and console errors are recorded (and the request refused)", async () => {
  const page = await h.open("/healthz");
  const outcome = await page.evaluate(async () => {
    console.error("harness check");
    setTimeout(() => {
      throw new Error("harness uncaught");
    });
    try {
      await fetch("https://example.com/x");
      return "fetched";
    } catch {
      return "refused";
    }
  });
  await page.waitForTimeout(100);
  assert.equal(outcome, "refused");
  assert.deepEqual(h.offMachine, ["https://example.com/x"]);
  assert.ok(h.consoleErrors.some((e) => e.endsWith(": harness check")));
  assert.ok(h.consoleErrors.some((e) => e.includes("uncaught harness uncaught")));
  assert.throws(() => h.assertClean());
  // Leave the lists as the other tests expect them: empty.
  h.offMachine.length = 0;
  h.consoleErrors.length = 0;
  await page.close();
});

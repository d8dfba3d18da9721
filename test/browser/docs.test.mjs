/**
 * GET /docs in headless Chromium against the service as `npm start` runs it: Swagger UI renders
 * every operation of /openapi.json (with its operationId), "Try it out" on GET /healthz reaches
 * this same service (the document's `servers`), and no request leaves the machine — the UI's
 * script and stylesheet are the Worker's own (src/api/docs.ts) — with no console error.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startHarness } from "./harness.mjs";

/** @type {import("./harness.mjs").Harness} */
let h;
before(async () => {
  h = await startHarness({ markets: 300, env: { SSMD_READ_RATE_LIMIT: "100000" } });
});
after(() => h?.close());

test("GET /docs renders every operation offline, and Try it out calls this service", async () => {
  const doc = await (await fetch(`${h.service.origin}/openapi.json`)).json();
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(/** @type {object} */ (ops)).map((method) => ({ path, method })),
  );
  assert.ok(operations.length > 20, `${operations.length} operations`);

  /** @type {string[]} */
  const requested = [];
  h.context.on("request", (r) => requested.push(r.url()));
  const page = await h.open("/docs");
  await page.waitForSelector(".opblock", { timeout: 30_000 });
  const rendered = await page.$$eval(".opblock", (els) =>
    els.map((el) => ({
      method: el.querySelector(".opblock-summary-method")?.textContent?.trim().toLowerCase(),
      path: el.querySelector(".opblock-summary-path")?.getAttribute("data-path"),
    })),
  );
  const key = (/** @type {{method?: string, path?: string | null}} */ o) => `${o.method} ${o.path}`;
  // An operation with two tags is listed under each: every operation, and nothing else, is shown.
  assert.deepEqual([...new Set(rendered.map(key))].sort(), operations.map(key).sort());
  // displayOperationId: the tool names show beside their routes.
  const body = await page.textContent("body");
  for (const id of ["screen_markets", "list_markets", "get_ticker"]) assert.ok(body?.includes(id), id);
  // Swagger UI's files came from the Worker, not a CDN.
  assert.ok(requested.some((u) => u === `${h.service.origin}/docs/assets/swagger-ui-dist/swagger-ui-bundle.js`));
  assert.ok(requested.some((u) => u === `${h.service.origin}/docs/assets/swagger-ui-dist/swagger-ui.css`));

  // Try it out on GET /healthz: the request goes to the document's server, this service.
  const health = page.locator(".opblock", { has: page.locator('[data-path="/healthz"]') });
  await health.locator(".opblock-summary").click();
  await health.getByRole("button", { name: "Try it out" }).click();
  const answered = page.waitForResponse((r) => r.url() === `${h.service.origin}/healthz`);
  await health.getByRole("button", { name: "Execute" }).click();
  assert.equal((await answered).status(), 200);
  await health.locator(".live-responses-table .response .response-col_status").first().waitFor();
  assert.match(
    (await health.locator(".live-responses-table .response .response-col_status").first().textContent()) ?? "",
    /200/,
  );

  h.assertClean();
});

/**
 * Browser-test harness: the service as `npm start` runs it (test/e2e/start-service.mjs) and a headless
 * Chromium driven by playwright-core — Debian's /usr/bin/chromium (scripts/ensure-chromium.mjs puts it
 * there before `npm test` runs these tests; Playwright's own browser download does not work offline).
 *
 * Every page opened through the harness records each request that would leave the machine (anything
 * but 127.0.0.1/localhost, data: and blob:) and each console error or uncaught page error;
 * `assertClean()` fails the test on either.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startService } from "../e2e/start-service.mjs";

const CHROMIUM = process.env.SSMD_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
];

/** @param {string} url */
function onMachine(url) {
  const u = new URL(url);
  if (u.protocol === "data:" || u.protocol === "blob:" || u.protocol === "about:") return true;
  return u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.hostname === "[::1]";
}

/**
 * @typedef {object} Harness
 * @property {import("../e2e/start-service.mjs").Service} service
 * @property {import("playwright-core").BrowserContext} context
 * @property {(path?: string, o?: { viewport?: { width: number, height: number } }) => Promise<import("playwright-core").Page>} open
 *   a new tab on the service's `path` (default "/"), watched for leaving requests and console errors
 * @property {string[]} offMachine     every request URL that was not to this machine
 * @property {string[]} consoleErrors  every console error and uncaught page error, with its page URL
 * @property {() => void} assertClean  fails when either list is non-empty
 * @property {() => Promise<void>} close  closes the browser, stops the service
 */

/**
 * Starts the service and a browser on a fresh profile.
 * @param {Parameters<typeof startService>[0]} [serviceOptions]
 * @returns {Promise<Harness>}
 */
export async function startHarness(serviceOptions) {
  const service = await startService(serviceOptions);
  const profile = mkdtempSync(join(tmpdir(), "ssmd-chromium-"));
  /** @type {import("playwright-core").BrowserContext} */
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
  } catch (e) {
    service.stop();
    rmSync(profile, { recursive: true, force: true });
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`could not launch ${CHROMIUM} (run scripts/ensure-chromium.mjs): ${msg}`);
  }
  /** @type {string[]} */
  const offMachine = [];
  /** @type {string[]} */
  const consoleErrors = [];
  context.on("request", (req) => {
    if (!onMachine(req.url())) offMachine.push(req.url());
  });
  // Nothing may leave the machine: such a request is recorded above and then refused here.
  await context.route(
    (url) => !onMachine(url.toString()),
    (route) => route.abort("blockedbyclient"),
  );
  /** @param {import("playwright-core").Page} page */
  const watch = (page) => {
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => consoleErrors.push(`${page.url()}: uncaught ${e.message}`));
    page.on("websocket", (ws) => {
      if (!onMachine(ws.url())) offMachine.push(ws.url());
    });
  };
  for (const p of context.pages()) watch(p);
  context.on("page", watch);

  return {
    service,
    context,
    offMachine,
    consoleErrors,
    async open(path = "/", o = {}) {
      const page = await context.newPage();
      if (o.viewport) await page.setViewportSize(o.viewport);
      await page.goto(service.origin + path);
      return page;
    },
    assertClean() {
      assert.deepEqual(offMachine, [], "requests left the machine");
      assert.deepEqual(consoleErrors, [], "console errors");
    },
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
      service.stop();
    },
  };
}

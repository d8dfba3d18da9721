#!/usr/bin/env node
/**
 * Screenshots of every page of the web app, into docs/screenshots/ (README shows two):
 * the service as `npm start` runs it (test/browser/harness.mjs), a few trades pushed to one market
 * so its live panel has data, then each page at 1280 px — and the market page on a phone and the
 * explorer in the dark theme. Fails if a page logged a console error or sent a request off the machine.
 *
 *   node scripts/screenshots.mjs      (needs Chromium: node scripts/ensure-chromium.mjs)
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startHarness } from "../test/browser/harness.mjs";
import { root } from "../test/e2e/start-service.mjs";

const out = join(root, "docs", "screenshots");
mkdirSync(out, { recursive: true });
const h = await startHarness({ markets: 3000, env: { SSMD_READ_RATE_LIMIT: "100000" } });
try {
  const origin = h.service.origin;
  /** @param {string} path */
  const api = async (path) => (await fetch(origin + path)).json();
  const market =
    (await api("/markets?status=active&limit=1&category=Economics")).markets[0] ??
    (await api("/markets?status=active&limit=1")).markets[0];
  const now = Date.now();
  let price = 0.42;
  const trades = Array.from({ length: 60 }, (_, i) => {
    price = Math.min(0.95, Math.max(0.05, price + (Math.sin(i / 4) + (i % 5 === 0 ? -0.6 : 0.3)) * 0.01));
    return {
      type: "trade",
      ticker: market.ticker,
      trade_id: `shot-${now}-${i}`,
      ts: now - (60 - i) * 4000,
      price_dollars: price.toFixed(4),
      count_fp: `${1 + ((i * 7) % 40)}.00`,
      taker_side: i % 3 === 0 ? "no" : "yes",
    };
  });
  const pushed = await fetch(`${origin}/admin/ingest/trades`, {
    method: "POST",
    headers: { authorization: `Bearer ${h.service.token}`, "content-type": "application/json" },
    body: JSON.stringify({ trades }),
  });
  if (!pushed.ok) throw new Error(`POST /admin/ingest/trades: ${pushed.status} ${await pushed.text()}`);

  /**
   * @param {string} name
   * @param {string} path
   * @param {{ width?: number, height?: number, dark?: boolean, ready: string, element?: string, before?: (p: import("playwright-core").Page) => Promise<void> }} o
   */
  const shot = async (name, path, o) => {
    const page = await h.open(path, { viewport: { width: o.width ?? 1280, height: o.height ?? 900 } });
    if (o.dark) await page.emulateMedia({ colorScheme: "dark" });
    await o.before?.(page);
    await page.waitForSelector(o.ready, { timeout: 30_000 });
    await page.waitForTimeout(400);
    const file = join(out, `${name}.png`);
    if (o.element) await page.locator(o.element).screenshot({ path: file });
    else await page.screenshot({ path: file, fullPage: false });
    await page.close();
    process.stderr.write(`[screenshots] ${name}.png\n`);
  };
  const m = encodeURIComponent(market.ticker);
  await shot("explorer", "/?status=active", { ready: "table.markets tbody tr" });
  await shot("explorer-dark", "/?status=active", { ready: "table.markets tbody tr", dark: true });
  // The live panel's chart once it draws the candles (GET /tickers/{ticker}/candles answered).
  const candles = `.chart[data-mode=candles] canvas`;
  await shot("market", `/market/${m}`, {
    ready: candles,
    before: async (p) => {
      await p.waitForSelector("button:has-text('Quote fee')");
      await p.click("button:has-text('Quote fee')");
    },
  });
  await shot("market-live", `/market/${m}`, {
    ready: candles,
    element: "section.live",
  });
  await shot("market-phone", `/market/${m}`, { width: 390, height: 844, ready: "#market-title" });
  await shot("event", `/event/${encodeURIComponent(market.event_ticker)}`, { ready: "#event-title" });
  await shot("ops", "/ops", {
    ready: "tr[data-status=succeeded]",
    before: async (p) => {
      await p.fill("input[name=token]", h.service.token);
      await p.click("button:has-text('Open')");
    },
  });
  h.assertClean();
} finally {
  await h.close();
}

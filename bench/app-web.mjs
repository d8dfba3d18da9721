#!/usr/bin/env node
/**
 * Web app figures (docs/performance.md, "Web app"), against the service as `npm start` runs it, in
 * headless Chromium (test/browser/harness.mjs):
 *  1. JavaScript (and CSS) the explorer ships, gzip-compressed;
 *  2. time to the first rendered row of the explorer, from navigation start (cold: a fresh tab, the
 *     bundle from the service; each run a new tab), median and max;
 *  3. live push: a trade POSTed to /admin/ingest/trades → its row in the open market page, p50/p99.
 * Fan-out (many WebSocket clients on one busy ticker) is bench/live-fanout.mjs.
 *
 *   node bench/app-web.mjs [--runs 15] [--pushes 100]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { startHarness } from "../test/browser/harness.mjs";
import { root } from "../test/e2e/start-service.mjs";

const { values: a } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    pushes: { type: "string", default: "100" },
  },
});
const pct = (/** @type {number[]} */ xs, /** @type {number} */ p) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

const h = await startHarness({ markets: 3000, env: { SSMD_READ_RATE_LIMIT: "1000000000" } });
try {
  const origin = h.service.origin;
  const auth = { authorization: `Bearer ${h.service.token}`, "content-type": "application/json" };
  /** @param {unknown[]} trades */
  const push = async (trades) => {
    const r = await fetch(`${origin}/admin/ingest/trades`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ trades }),
    });
    if (!r.ok) throw new Error(`ingest ${r.status}: ${await r.text()}`);
  };

  // 1. What the explorer ships: every script and stylesheet index.html names.
  const html = readFileSync(join(root, "app", "dist", "index.html"), "utf8");
  let js = 0;
  let css = 0;
  for (const [, src] of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
    const body = Buffer.from(await (await fetch(origin + src)).arrayBuffer());
    const gz = gzipSync(body).length;
    if (src?.endsWith(".js")) js += gz;
    else css += gz;
  }
  console.log(`shipped: JavaScript ${(js / 1024).toFixed(1)} KB gzip, CSS ${(css / 1024).toFixed(1)} KB gzip`);

  // 2. Time to first row, and where it goes: when the app asked GET /markets, how long that took.
  const firstRow = [];
  const apiStart = [];
  const apiTime = [];
  for (let i = 0; i < Number(a.runs); i++) {
    const page = await h.context.newPage();
    await page.goto(`${origin}/?status=active&limit=50`);
    firstRow.push(
      await page
        .waitForFunction(() => (document.querySelector("table.markets tbody tr") ? performance.now() : 0))
        .then((x) => x.jsonValue()),
    );
    const r = await page.evaluate(() => {
      const e = performance.getEntriesByType("resource").find((x) => x.name.includes("/markets?"));
      return e ? [e.startTime, e.duration] : [Number.NaN, Number.NaN];
    });
    apiStart.push(/** @type {number} */ (r[0]));
    apiTime.push(/** @type {number} */ (r[1]));
    await page.close();
  }
  console.log(
    `first row: median ${pct(firstRow, 50).toFixed(0)} ms, max ${Math.max(...firstRow).toFixed(0)} ms (${firstRow.length} runs, from navigation start); ` +
      `GET /markets asked at ${pct(apiStart, 50).toFixed(0)} ms, answered in ${pct(apiTime, 50).toFixed(0)} ms (medians)`,
  );

  // 3. Push → visible.
  const m = (await (await fetch(`${origin}/markets?status=active&limit=1`)).json()).markets[0];
  const page = await h.open(`/market/${encodeURIComponent(m.ticker)}`);
  await page.waitForSelector(".conn-live");
  await page.evaluate(() => {
    const seen = /** @type {Record<string, number>} */ ({});
    Object.assign(window, { seen });
    new MutationObserver(() => {
      for (const tr of Array.from(document.querySelectorAll("table.trades tbody tr"))) {
        const id = tr.getAttribute("data-trade-id");
        if (id && !(id in seen)) seen[id] = performance.timeOrigin + performance.now();
      }
    }).observe(document.body, { childList: true, subtree: true });
  });
  const lat = [];
  const base = Date.now();
  for (let i = 0; i < Number(a.pushes); i++) {
    const id = `bench-${base}-${i}`;
    const sent = Date.now();
    await push([
      {
        type: "trade",
        ticker: m.ticker,
        trade_id: id,
        ts: sent,
        price_dollars: "0.5000",
        count_fp: "1.00",
        taker_side: "yes",
      },
    ]);
    const at = await page
      .waitForFunction((tid) => /** @type {any} */ (window).seen[tid], id, { timeout: 5000 })
      .then((x) => x.jsonValue());
    lat.push(at - sent);
  }
  console.log(
    `push → visible: p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms (${lat.length} trades, one at a time)`,
  );
  await page.close();

  h.assertClean();
} finally {
  await h.close();
}

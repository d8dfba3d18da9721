/**
 * The web app in headless Chromium against the service as `npm start` runs it: the explorer's rows
 * are exactly GET /markets's for the same filters and pages, the market page shows its data and the
 * fee /fees quotes, the chart draws the ticker's candles (the trade line before there are any) and
 * folds pushed trades into the current one, a trade pushed through
 * POST /admin/ingest/trades shows on the open live panel within a second, the operations page
 * follows a sync to completion — with no console error and no request leaving the machine.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startHarness } from "./harness.mjs";

/** @type {import("./harness.mjs").Harness} */
let h;
before(async () => {
  h = await startHarness({ markets: 1500, env: { SSMD_READ_RATE_LIMIT: "100000" } });
});
after(() => h?.close());

/** @param {string} path */
async function api(path) {
  const r = await fetch(h.service.origin + path);
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return r.json();
}

/** @param {unknown[]} trades */
async function pushTrades(trades) {
  const r = await fetch(`${h.service.origin}/admin/ingest/trades`, {
    method: "POST",
    headers: { authorization: `Bearer ${h.service.token}`, "content-type": "application/json" },
    body: JSON.stringify({ trades }),
  });
  assert.equal(r.status, 200, await r.text());
}

/**
 * The explorer's row tickers once they equal `expected` (the table re-renders after each request).
 * @param {import("playwright-core").Page} page
 * @param {string[]} expected
 */
async function rowsBecome(page, expected) {
  await page
    .waitForFunction(
      (want) =>
        JSON.stringify(
          Array.from(document.querySelectorAll("table.markets tbody tr")).map((r) => r.getAttribute("data-ticker")),
        ) === JSON.stringify(want),
      expected,
      { timeout: 10_000 },
    )
    .catch(() => {});
  const got = await page.$$eval("table.markets tbody tr", (rs) => rs.map((r) => r.getAttribute("data-ticker")));
  assert.deepEqual(got, expected);
}

/** @param {{ markets: { ticker: string }[] }} body */
const tickers = (body) => body.markets.map((m) => m.ticker);

test("routing: the app's pages by URL are index.html; a missing /assets/* file is a 404, not HTML", async () => {
  const html = await (await fetch(`${h.service.origin}/`)).text();
  const bundle = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(bundle, "index.html names its bundle");
  for (const path of ["/market/KX-ANY", "/event/KX-ANY", "/ops"]) {
    const r = await fetch(h.service.origin + path, { headers: { "sec-fetch-mode": "navigate" } });
    assert.equal(r.status, 200, path);
    assert.equal(await r.text(), html, path);
  }
  const js = await fetch(h.service.origin + bundle);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type") ?? "", /javascript/);
  // A stale hashed name (the bundle of a previous deploy), as a script tag and as a navigation.
  const stale = bundle.replace(/-[\w-]+\.js$/, "-0ld0ld0l.js");
  /** @type {Record<string, string>[]} */
  const asScriptAndPage = [
    { "sec-fetch-dest": "script" },
    { "sec-fetch-mode": "navigate", "sec-fetch-dest": "document" },
  ];
  for (const headers of asScriptAndPage) {
    const r = await fetch(h.service.origin + stale, { headers });
    assert.equal(r.status, 404, JSON.stringify(headers));
    assert.doesNotMatch(r.headers.get("content-type") ?? "", /html/);
    assert.ok(!(await r.text()).includes("<html"), "no HTML");
  }
  // Other unknown paths are the API's JSON 404, in a browser too.
  const api404 = await fetch(`${h.service.origin}/nope`, { headers: { "sec-fetch-mode": "navigate" } });
  assert.equal(api404.status, 404);
  assert.match(api404.headers.get("content-type") ?? "", /json/);
});

test("explorer: lists GET /markets's first page, and each filter changes the rows as /markets would", async () => {
  const page = await h.open("/");
  await rowsBecome(page, tickers(await api("/markets?limit=50")));

  await page.selectOption("select[name=status]", "active");
  await rowsBecome(page, tickers(await api("/markets?limit=50&status=active")));
  assert.match(page.url(), /status=active/);

  const some = (await api("/markets?limit=1&status=active")).markets[0];
  await page.fill("input[name=category]", some.event.category);
  await page.press("input[name=category]", "Enter");
  await rowsBecome(
    page,
    tickers(await api(`/markets?limit=50&status=active&category=${encodeURIComponent(some.event.category)}`)),
  );

  await page.fill("input[name=series]", some.series_ticker);
  await page.press("input[name=series]", "Enter");
  const q = `status=active&category=${encodeURIComponent(some.event.category)}&series=${encodeURIComponent(some.series_ticker)}`;
  await rowsBecome(page, tickers(await api(`/markets?limit=50&${q}`)));

  // The closing window, as UTC instants in the URL.
  const close = some.close_time.slice(0, 16);
  await page.fill("input[name=closing_before]", close);
  await page.press("input[name=closing_before]", "Enter");
  await page.waitForURL(/closing_before=/);
  await rowsBecome(page, tickers(await api(`/markets?limit=50&${q}&closing_before=${close}:00Z`)));

  // Full-text search (q) with the other filters.
  const word = /** @type {string} */ (
    some.title.split(/\s+/).find((/** @type {string} */ w) => /^[A-Za-z]{4,}$/.test(w)) ?? some.ticker
  );
  await page.fill("input[name=q]", word);
  await page.press("input[name=q]", "Enter");
  await page.waitForURL(/q=/);
  await rowsBecome(
    page,
    tickers(await api(`/markets?limit=50&q=${encodeURIComponent(word)}&${q}&closing_before=${close}:00Z`)),
  );
  await page.fill("input[name=q]", "");
  await page.press("input[name=q]", "Enter");
  await rowsBecome(page, tickers(await api(`/markets?limit=50&${q}&closing_before=${close}:00Z`)));

  // The URL carries the filters: a reload shows the same rows.
  const url = page.url();
  await page.reload();
  await rowsBecome(page, tickers(await api(`/markets?limit=50&${q}&closing_before=${close}:00Z`)));
  assert.equal(page.url(), url);
  await page.close();
  h.assertClean();
});

test("explorer: its first GET /markets starts from index.html before the bundle runs, and is asked once", async () => {
  const page = await h.open("/?status=active&category=Crypto");
  await rowsBecome(page, tickers(await api("/markets?limit=50&status=active&category=Crypto")));
  const entries = await page.evaluate(() =>
    performance.getEntriesByType("resource").map((e) => ({ name: e.name, start: e.startTime })),
  );
  const markets = entries.filter((e) => new URL(e.name).pathname === "/markets");
  assert.equal(markets.length, 1, JSON.stringify(entries));
  assert.equal(new URL(markets[0]?.name ?? "").search, "?limit=50&category=Crypto&status=active");
  // Asked before the bundle ran (app/src/main.tsx marks when it starts rendering).
  const appStart = await page.evaluate(() => performance.getEntriesByName("ssmd-app-start")[0]?.startTime ?? null);
  assert.ok(appStart !== null, "the app's start mark");
  assert.ok((markets[0]?.start ?? Infinity) < appStart, JSON.stringify({ markets, appStart }));
  await page.close();
  h.assertClean();
});

test("explorer: Next and Previous page with /markets's cursor; sorting reorders the page", async () => {
  const page = await h.open("/?limit=25");
  const first = await api("/markets?limit=25");
  await rowsBecome(page, tickers(first));
  await page.click("text=Next →");
  const second = await api(`/markets?limit=25&cursor=${encodeURIComponent(first.cursor)}`);
  await rowsBecome(page, tickers(second));
  assert.match(page.url(), /cursor=/);
  await page.click("text=← Previous");
  await rowsBecome(page, tickers(first));

  await page.click("th button:has-text('Volume')");
  const byVolume = [...first.markets].sort((a, b) => b.volume - a.volume || a.ticker.localeCompare(b.ticker));
  await rowsBecome(page, tickers({ markets: byVolume }));
  assert.equal(await page.getAttribute("th[aria-sort=descending] button", "title"), "Sort this page by Volume");
  await page.close();
  h.assertClean();
});

test("market page: its data, its series' fee, and a fee quote equal to GET /fees's", async () => {
  const m = (await api("/markets?limit=1&status=active")).markets[0];
  const page = await h.open(`/market/${encodeURIComponent(m.ticker)}`);
  await page.waitForSelector("#market-title");
  assert.equal(await page.textContent("#market-title .ticker"), m.ticker);
  assert.equal((await page.textContent("[data-field=yes_ask]"))?.split(" ")[0], `${m.yes_ask}¢`);
  assert.equal(await page.getAttribute("[data-field=yes_ask]", "title"), `$${(m.yes_ask / 100).toFixed(2)}`);
  assert.ok((await page.textContent("main"))?.includes(m.rules_primary));

  await page.fill("input[name=price]", "0.37");
  await page.fill("input[name=contracts]", "23");
  await page.selectOption("select[name=role]", "maker");
  await page.click("button:has-text('Quote fee')");
  await page.waitForSelector("[data-testid=fee]");
  const quote = await api(`/fees?series=${m.series_ticker}&price=0.37&contracts=23&role=maker`);
  assert.equal(await page.textContent("[data-testid=fee]"), `$${quote.quote.fee_dollars}`);
  await page.close();
  h.assertClean();
});

test("live panel: a trade pushed through POST /admin/ingest/trades shows within 1 s", async () => {
  const m = (await api("/markets?limit=1&status=active")).markets[0];
  const now = Date.now();
  const trades = Array.from({ length: 20 }, (_, i) => ({
    type: "trade",
    ticker: m.ticker,
    trade_id: `browser-${now}-${i}`,
    ts: now - 60_000 + i * 2000,
    price_dollars: (0.3 + 0.01 * (i % 7)).toFixed(4),
    count_fp: `${1 + i}.00`,
    taker_side: i % 3 === 0 ? "no" : "yes",
  }));
  await pushTrades(trades);
  const page = await h.open(`/market/${encodeURIComponent(m.ticker)}`);
  await page.waitForSelector(".conn-live");
  await page.waitForSelector(`[data-trade-id="${trades.at(-1)?.trade_id}"]`);

  const id = `browser-${now}-late`;
  const pushedAt = Date.now();
  await pushTrades([
    {
      type: "trade",
      ticker: m.ticker,
      trade_id: id,
      ts: now,
      price_dollars: "0.4400",
      count_fp: "5.00",
      taker_side: "yes",
    },
  ]);
  await page.waitForSelector(`[data-trade-id="${id}"]`, { timeout: 1000 });
  const ms = Date.now() - pushedAt;
  assert.ok(ms <= 1000, `${ms} ms`);
  await page.close();
  h.assertClean();
});

/**
 * Pixels of the chart's canvas in the buy (up candle) and sell (down candle) colours.
 * @param {import("playwright-core").Page} page
 */
async function candlePixels(page) {
  return page.$eval(".chart canvas", (c) => {
    const canvas = /** @type {HTMLCanvasElement} */ (c);
    const css = getComputedStyle(document.documentElement);
    const rgb = (/** @type {string} */ v) => {
      const x = document.createElement("canvas").getContext("2d");
      if (!x) return [];
      x.fillStyle = css.getPropertyValue(v).trim();
      x.fillRect(0, 0, 1, 1);
      return Array.from(x.getImageData(0, 0, 1, 1).data.slice(0, 3));
    };
    const [up, down] = [rgb("--buy"), rgb("--sell")];
    const d = canvas.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    const n = { up: 0, down: 0, other: 0 };
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0) continue;
      const px = [d[i], d[i + 1], d[i + 2]];
      if (px.every((v, k) => v === up[k])) n.up++;
      else if (px.every((v, k) => v === down[k])) n.down++;
      else n.other++;
    }
    return n;
  });
}

/**
 * Waits until the panel's newest candle equals GET /tickers/{ticker}/candles's newest priced one.
 * @param {import("playwright-core").Page} page
 * @param {string} ticker
 */
async function lastCandleMatches(page, ticker) {
  const deadline = Date.now() + 5000;
  /** @type {unknown} */
  let want;
  /** @type {unknown} */
  let got;
  for (;;) {
    const a = await api(`/tickers/${encodeURIComponent(ticker)}/candles?interval=1m`);
    const last = a.candles.findLast((/** @type {{ close: number | null }} */ c) => c.close !== null);
    want = [last.open, last.high, last.low, last.close, last.volume];
    got = JSON.parse((await page.getAttribute("[data-testid=last-candle]", "data-ohlcv").catch(() => null)) ?? "null");
    if (JSON.stringify(got) === JSON.stringify(want) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(got, want, "the panel's newest candle (open, high, low, close, volume) = GET /candles's");
  return /** @type {number[]} */ (want);
}

test("live panel: the trade line without candles; candles from GET /candles once trades exist; a pushed trade updates the current candle", async () => {
  // A closed market: the simulator's feed does not trade it, so only this test's trades are there.
  const m = (await api("/markets?limit=1&status=closed")).markets[0];
  const enc = encodeURIComponent(m.ticker);
  assert.equal(
    (await fetch(`${h.service.origin}/tickers/${enc}/candles?interval=1m`)).status,
    404,
    "no stream data yet",
  );
  const page = await h.open(`/market/${enc}`);
  await page.waitForSelector(".conn-live");
  // No candles: the trade line, empty.
  await page.waitForSelector(".chart[data-mode=trades][data-points='0']");

  // Trades over three minutes: the panel re-reads the candles and draws them.
  const now = Date.now();
  const trades = Array.from({ length: 30 }, (_, i) => ({
    type: "trade",
    ticker: m.ticker,
    trade_id: `candle-${now}-${i}`,
    ts: now - 150_000 + i * 5000,
    price_dollars: (0.3 + 0.02 * ((i * 7) % 11)).toFixed(4),
    count_fp: `${1 + (i % 4)}.00`,
    taker_side: i % 3 === 0 ? "no" : "yes",
  }));
  await pushTrades(trades);
  await page.waitForSelector(".chart[data-mode=candles]");
  const answer = await api(`/tickers/${enc}/candles?interval=1m`);
  const priced = answer.candles.filter((/** @type {{ open: number | null }} */ c) => c.open !== null);
  assert.ok(priced.length >= 3, `${priced.length} candles`);
  await page.waitForSelector(`.chart[data-candles='${priced.length}']`);
  await lastCandleMatches(page, m.ticker);
  // Not a blank canvas, and not a line: bodies and wicks in the up and down colours.
  const px = await candlePixels(page);
  const ups = priced.filter((/** @type {{ open: number, close: number }} */ c) => c.close >= c.open).length;
  assert.ok(ups === 0 || px.up > 50, `up candles drawn: ${JSON.stringify(px)}`);
  assert.ok(ups === priced.length || px.down > 50, `down candles drawn: ${JSON.stringify(px)}`);

  // A pushed trade above the current candle's high: folded into it (high and close move, the
  // volume grows), equal to what the server's candle says afterwards.
  const before = await lastCandleMatches(page, m.ticker);
  await pushTrades([
    {
      type: "trade",
      ticker: m.ticker,
      trade_id: `candle-${now}-push`,
      ts: Math.max(now, trades.at(-1)?.ts ?? now) + 1,
      price_dollars: "0.9100",
      count_fp: "7.00",
      taker_side: "yes",
    },
  ]);
  await page.waitForFunction(
    () => JSON.parse(document.querySelector("[data-testid=last-candle]")?.getAttribute("data-ohlcv") ?? "[]")[1] === 91,
    null,
    { timeout: 2000 },
  );
  const after = await lastCandleMatches(page, m.ticker);
  assert.equal(after[3], 91);
  assert.ok(/** @type {number} */ (after[4]) > /** @type {number} */ (before[4]) || after[4] === 7);

  // Another interval: the same trades as 5-minute candles.
  await page.selectOption("select[name=interval]", "5m");
  await page.waitForSelector("h3:has-text('· 5m')");
  const five = await api(`/tickers/${enc}/candles?interval=5m`);
  const last5 = five.candles.findLast((/** @type {{ close: number | null }} */ c) => c.close !== null);
  await page.waitForFunction(
    (want) => document.querySelector("[data-testid=last-candle]")?.getAttribute("data-ohlcv") === want,
    JSON.stringify([last5.open, last5.high, last5.low, last5.close, last5.volume]),
    { timeout: 5000 },
  );
  await page.close();
  h.assertClean();
});

test("operations: the token once, a full sync started from the page runs to completion", async () => {
  const page = await h.open("/ops");
  await page.fill("input[name=token]", h.service.token);
  await page.click("button:has-text('Open')");
  await page.waitForSelector("[data-testid=connected]");
  await page.click("button:has-text('Start full sync')");
  const started = await page.waitForSelector("text=/full sync (started|joined): run /");
  const runId = /run (\S+)/.exec((await started.textContent()) ?? "")?.[1];
  assert.ok(runId);
  await page.waitForSelector(`tr[data-run-id="${runId}"]`);
  await page.waitForSelector(`tr[data-run-id="${runId}"][data-status=succeeded]`, { timeout: 120_000 });
  assert.equal(await page.isVisible("[data-testid=running-run]"), false);
  // The token stays in this tab: a new tab asks again.
  const other = await h.open("/ops");
  await other.waitForSelector("input[name=token]");
  await other.close();
  await page.close();
  h.assertClean();
});

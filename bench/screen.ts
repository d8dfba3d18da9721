/**
 * Latency of GET /screen (the screen_markets tool) over 500 streamed tickers, against a running
 * service (`npm start`): p50 / p99 / max per scenario, and the ticker-object calls per screen
 * (the answer's `screened.ticker_calls`; plus one D1 query for the candidates).
 *
 *   npx tsx bench/screen.ts [--url=http://127.0.0.1:8787] [--tickers=500] [--trades=200] [--runs=200]
 *        [--token=dev-admin-token] [--day=2026-01-15]
 *
 * Setup: takes the first `tickers` open markets of the security master (GET /markets), gives each
 * `trades` trades on `day` through POST /admin/ingest/trades (deterministic trade ids: a rerun adds
 * nothing), so `has_stream_on=day` selects exactly those markets — a past day, so the live stream
 * `npm start` runs never adds tickers to it. Then each scenario runs `runs` screens one after
 * another (closed loop, one connection) after 5 warm-up screens. Prints a Markdown table.
 */
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.SSMD_URL ?? "http://127.0.0.1:8787" },
    tickers: { type: "string", default: "500" },
    trades: { type: "string", default: "200" },
    runs: { type: "string", default: "200" },
    token: { type: "string", default: process.env.SSMD_ADMIN_TOKEN ?? "dev-admin-token" },
    day: { type: "string", default: "2026-01-15" },
  },
});
const base = values.url!.replace(/\/+$/, "");
const TICKERS = Number(values.tickers);
const TRADES = Number(values.trades);
const RUNS = Number(values.runs);
const DAY = values.day!;

async function getJson(path: string): Promise<any> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function openTickers(n: number): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await getJson(`/markets?status=open&limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
    for (const m of page.markets) if (out.length < n) out.push(m.ticker);
    cursor = out.length < n ? page.cursor : null;
  } while (cursor);
  if (out.length < n) throw new Error(`only ${out.length} open markets; run npm start with more (SSMD_SIM_MARKETS)`);
  return out;
}

async function ingest(tickers: string[]): Promise<void> {
  const t0 = Date.parse(`${DAY}T12:00:00Z`);
  const all = tickers.flatMap((ticker, k) =>
    Array.from({ length: TRADES }, (_, i) => ({
      type: "trade",
      ticker,
      price: 5 + ((k * 13 + i * 7 + (i % 11) * (k % 7)) % 90),
      count: 1 + ((k + 3 * i) % 25),
      side: "yes",
      taker_side: (k + i) % 3 === 0 ? "sell" : "buy",
      ts: t0 + i * 2_000 + (k % 1000),
    })),
  );
  for (let i = 0; i < all.length; i += 25_000) {
    const res = await fetch(`${base}/admin/ingest/trades`, {
      method: "POST",
      headers: { Authorization: `Bearer ${values.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ trades: all.slice(i, i + 25_000) }),
    });
    if (!res.ok) throw new Error(`ingest → ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

interface Row {
  scenario: string;
  runs: number;
  p50: number;
  p99: number;
  max: number;
  candidates: number;
  matched: number;
  ticker_calls: number;
  bytes: number;
  /** Server-side p50s from Server-Timing: the candidates' D1 query, the ticker-object fan-out. */
  d1_p50: number;
  fanout_p50: number;
}

const serverTiming = (h: string | null, name: string) =>
  Number(new RegExp(`${name};dur=([0-9.]+)`).exec(h ?? "")?.[1] ?? NaN);

async function scenario(name: string, query: string): Promise<Row> {
  const path = `/screen?has_stream_on=${DAY}&${query}`;
  let last: any = null;
  let bytes = 0;
  for (let i = 0; i < 5; i++) last = await getJson(path);
  const ms: number[] = [];
  const d1: number[] = [];
  const fanout: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const res = await fetch(`${base}${path}`);
    const text = await res.text();
    ms.push(performance.now() - t);
    d1.push(serverTiming(res.headers.get("server-timing"), "candidates"));
    fanout.push(serverTiming(res.headers.get("server-timing"), "builders"));
    if (!res.ok) throw new Error(`${path} → ${res.status}: ${text.slice(0, 300)}`);
    bytes = text.length;
    if (i === RUNS - 1) last = JSON.parse(text);
  }
  ms.sort((a, b) => a - b);
  d1.sort((a, b) => a - b);
  fanout.sort((a, b) => a - b);
  if (last.screened.candidates !== TICKERS)
    throw new Error(`${name}: ${last.screened.candidates} candidates, expected ${TICKERS}`);
  return {
    scenario: name,
    runs: RUNS,
    p50: pct(ms, 50),
    p99: pct(ms, 99),
    max: ms[ms.length - 1]!,
    candidates: last.screened.candidates,
    matched: last.screened.matched,
    ticker_calls: last.screened.ticker_calls,
    bytes,
    d1_p50: pct(d1, 50),
    fanout_p50: pct(fanout, 50),
  };
}

const tickers = await openTickers(TICKERS);
const t = performance.now();
await ingest(tickers);
process.stderr.write(
  `ingested ${TICKERS * TRADES} trades into ${TICKERS} tickers in ${Math.round(performance.now() - t)} ms\n`,
);
const reg = await getJson(`/tickers?date=${DAY}&limit=5000`);
if (reg.tickers.length !== TICKERS)
  throw new Error(`${reg.tickers.length} tickers registered on ${DAY}, expected ${TICKERS}: use another --day`);

const rows: Row[] = [];
rows.push(await scenario("default windows, sort=vwap, limit=25", "sort=vwap&limit=25"));
rows.push(
  await scenario(
    "where volatility>1, ratio>=0.5, vwap:20..80, totalVolume>=100; sort=volatility",
    `where=${encodeURIComponent("volatility>1,ratio>=0.5,vwap:20..80,totalVolume>=100")}&sort=volatility&limit=25`,
  ),
);
rows.push(
  await scenario(
    "price_window=200, volume_window=1h (recomputed per call)",
    "price_window=200&volume_window=1h&sort=ratio&limit=25",
  ),
);
rows.push(await scenario("default windows, limit=200", "limit=200"));

const f = (x: number) => x.toFixed(1);
console.log(`screen over ${TICKERS} streamed tickers (${TRADES} trades each), ${RUNS} screens per scenario, ${base}\n`);
console.log(
  "| scenario | p50 ms | p99 ms | max ms | server p50: D1 / fan-out ms | candidates | matched | ticker-object calls / screen | bytes |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows)
  console.log(
    `| ${r.scenario} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${f(r.d1_p50)} / ${f(r.fanout_p50)} | ${r.candidates} | ${r.matched} | ${r.ticker_calls} + 1 D1 query | ${r.bytes} |`,
  );

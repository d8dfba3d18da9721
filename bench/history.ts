/**
 * History benchmarks (issue #14), in Node (no workerd):
 * 1. Candles: 30 days of 1-minute candles (43,200 minutes, one trade each) in a ticker object's
 *    `candles_1m` — written through HistoryStore as the object writes them, on Node's SQLite
 *    (node:sqlite, the same engine as Durable Object storage) — then `candles(1h)` over the 30 days:
 *    the SELECT of the hour rows, rows → aggregates, the rollup to 720 periods, presentation. p50/p99.
 * 2. Backfill of 30 days for N tickers against the in-process simulator: requests made by
 *    fetchHistory (≤ 5000 candles each, then the trades) and wall time with the client's limiter
 *    opened up, against the floor of the rate limit (requests ÷ the backfills' share of the read
 *    budget shared with the sync, src/kalshi/ratelimit.ts).
 *   PATH=node_modules/node/bin:$PATH npx tsx bench/history.ts [tickers=500] [runs=200]
 */
import { DatabaseSync } from "node:sqlite";
import { Simulator } from "../sim/core/simulator";
import { KalshiClient } from "../src/kalshi/client";
import { BACKFILL_READS_PER_SECOND } from "../src/kalshi/ratelimit";
import { fetchHistory } from "../src/stream/history-backfill";
import { HistoryStore } from "../src/stream/history-store";

const TICKERS = Number(process.argv[2] ?? 500);
const RUNS = Number(process.argv[3] ?? 200);
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

/** The part of SqlStorage HistoryStore uses, over node:sqlite. */
function sqlStorage(db: DatabaseSync): SqlStorage {
  const exec = (sql: string, ...params: unknown[]) => {
    if (!/^\s*SELECT/i.test(sql) && sql.includes(";")) {
      db.exec(sql);
      return cursor([]);
    }
    const st = db.prepare(sql);
    if (/^\s*SELECT/i.test(sql)) return cursor(st.all(...(params as never[])) as Record<string, unknown>[]);
    st.run(...(params as never[]));
    return cursor([]);
  };
  const cursor = (rows: Record<string, unknown>[]) =>
    Object.assign(rows[Symbol.iterator](), {
      toArray: () => rows,
      one: () => rows[0],
      [Symbol.iterator]: () => rows[Symbol.iterator](),
    });
  return { exec } as unknown as SqlStorage;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

// 1. Rollup
{
  const db = new DatabaseSync(":memory:");
  const store = new HistoryStore(sqlStorage(db));
  store.ensure();
  const t = performance.now();
  for (let i = 0; i < 43_200; i++) {
    store.add({
      id: `t${i}`,
      ts: T0 + i * 60_000 + 17_000,
      price: 3000 + (i % 4000),
      count: 100 + (i % 7) * 100,
      takerSide: i % 3 ? "yes" : "no",
    });
    if (i % 20 === 19) store.flush();
  }
  store.flush();
  const writeMs = performance.now() - t;
  const rows = (db.prepare("SELECT count(*) AS n FROM candles_1m").get() as { n: number }).n;
  const pageBytes = (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count * 4096;
  const times: number[] = [];
  let periods = 0;
  for (let r = 0; r < RUNS; r++) {
    const s = performance.now();
    const a = store.candles({ interval: "1h", from: T0, to: T0 + 30 * DAY });
    times.push(performance.now() - s);
    if (a.status === "ok") periods = a.value.periods.length;
  }
  console.log(
    `candles: ${rows} minute rows written in ${writeMs.toFixed(0)} ms; database ${(pageBytes / 1024).toFixed(0)} KiB ` +
      `(${(pageBytes / 30 / 1024).toFixed(1)} KiB per ticker-day at a trade every minute)`,
  );
  console.log(
    `candles 1h over 30 days (${periods} periods; hour rows beside 43,200 minute rows), ${RUNS} runs: p50 ${pct(times, 50).toFixed(2)} ms, p99 ${pct(times, 99).toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms`,
  );
}

// 2. Backfill
{
  const sim = new Simulator({
    seed: 5,
    markets: Math.max(600, TICKERS * 2),
    start_time_ms: T0 + 30 * DAY,
    clock: "manual",
    trade_rate_per_s: 0,
  });
  const fetchSim = (input: RequestInfo | URL, init?: RequestInit) => sim.fetch(new Request(input, init));
  let requests = 0;
  const client = new KalshiClient({
    baseUrl: "http://sim/trade-api/v2",
    readsPerSecond: 100_000,
    fetch: fetchSim as typeof fetch,
    onEvent: (e) => {
      if (e.type === "request") requests++;
    },
  });
  const page = await client.getMarketsPage({ status: "open", limit: 1000 });
  const markets = page.items.slice(0, TICKERS);
  requests = 0;
  const before = T0 + 30 * DAY;
  const t = performance.now();
  let candles = 0;
  for (const m of markets) {
    const h = await fetchHistory(client, {
      ticker: m.ticker,
      // Kalshi's (and the simulator's) event tickers start with their series ticker.
      series: m.event_ticker.split("-")[0]!,
      historical: false,
      fromMs: before - 30 * DAY,
      beforeMs: before,
      toMs: before,
    });
    candles += h.candles.length;
  }
  const wallS = (performance.now() - t) / 1000;
  console.log(
    `backfill of 30 days for ${markets.length} tickers: ${requests} requests (${(requests / markets.length).toFixed(1)} per ticker: 9 of candlesticks + trades), ` +
      `${wallS.toFixed(1)} s with the limiter opened (simulator in process; ${candles} minutes with trades); ` +
      `floor: ${(requests / BACKFILL_READS_PER_SECOND).toFixed(0)} s at the backfills' share of the read budget (${BACKFILL_READS_PER_SECOND} reads/s for every object together, decision 0100); ` +
      `+${(2 * markets.length) / BACKFILL_READS_PER_SECOND} s when D1 lacks the markets (the automatic fill looks up each market and event: 2 more requests)`,
  );
}

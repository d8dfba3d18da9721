/**
 * Test data for the API tests: a Kalshi catalog (series, events, markets as Kalshi wire JSON)
 * written into D1 through the kalshi normalizers, exactly the rows a sync produces.
 *
 * Source: the Kalshi simulator (a fresh world per test file via POST /_sim/worlds) when it is
 * available; the wire objects are also returned so tests can compute their expected answers
 * independently of ssmd's SQL.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { events, markets, series, seriesFees } from "../../src/db/schema";
import {
  KalshiEventSchema,
  KalshiMarketSchema,
  KalshiSeriesSchema,
  type KalshiEvent,
  type KalshiMarket,
  type KalshiSeries,
} from "../../src/kalshi/wire/rest";
import { normalizeEvent, normalizeMarket, normalizeSeries } from "../../src/sync/normalizers";
import { deriveEventStatus } from "../../src/domain/status";
import { PINNED_START_MS } from "../instants";

export interface Catalog {
  series: KalshiSeries[];
  events: KalshiEvent[];
  markets: KalshiMarket[];
}

export async function migrate(): Promise<void> {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} → HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return res.json();
}

/** Creates a simulator world (starting at PINNED_START_MS unless `start_time_ms` is given) and returns its Kalshi REST base URL. */
export async function createSimWorld(config: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${env.SIM_ORIGIN}/_sim/worlds`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ start_time_ms: PINNED_START_MS, ...config }),
  });
  if (!res.ok) throw new Error(`POST /_sim/worlds → HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const world = (await res.json()) as { base_url: string };
  return world.base_url.startsWith("http") ? world.base_url : `${env.SIM_ORIGIN}${world.base_url}`;
}

/** Reads the whole catalog of a Kalshi REST source (all statuses), following cursors. */
export async function fetchCatalog(baseUrl: string): Promise<Catalog> {
  const out: Catalog = { series: [], events: [], markets: [] };
  const seriesBody = (await getJson(`${baseUrl}/series`)) as { series: unknown[] };
  out.series = seriesBody.series.map((s) => KalshiSeriesSchema.parse(s));
  let cursor = "";
  do {
    const page = (await getJson(
      `${baseUrl}/events?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    )) as {
      events: unknown[];
      cursor?: string | null;
    };
    out.events.push(...page.events.map((e) => KalshiEventSchema.parse(e)));
    cursor = page.cursor ?? "";
  } while (cursor);
  cursor = "";
  do {
    const page = (await getJson(
      `${baseUrl}/markets?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    )) as {
      markets: unknown[];
      cursor?: string | null;
    };
    out.markets.push(...page.markets.map((m) => KalshiMarketSchema.parse(m)));
    cursor = page.cursor ?? "";
  } while (cursor);
  return out;
}

/** Writes a catalog into D1 as the sync would (normalized rows, denormalized market columns). */
export async function writeCatalog(cat: Catalog, now = Date.UTC(2026, 2, 1)): Promise<void> {
  const db = drizzle(env.DB);
  const seriesCategory = new Map(cat.series.map((s) => [s.ticker, s.category]));
  const eventRows = new Map(
    cat.events.map((e) => [e.event_ticker, normalizeEvent(e, seriesCategory.get(e.series_ticker))]),
  );
  const marketRows = cat.markets.map((m) => normalizeMarket(m));
  const statusesByEvent = new Map<string, string[]>();
  for (const m of marketRows) {
    const list = statusesByEvent.get(m.event_ticker) ?? [];
    list.push(m.status);
    statusesByEvent.set(m.event_ticker, list);
  }
  const book = { first_seen_at: now, updated_at: now, deleted_at: null };
  const stmts = [
    ...cat.series.map((s) => db.insert(series).values({ ...normalizeSeries(s), ...book })),
    ...cat.series.map((s) =>
      db.insert(seriesFees).values({
        series_ticker: s.ticker,
        effective_ts: 0,
        scheduled_ts: null,
        fee_type: s.fee_type,
        fee_multiplier: s.fee_multiplier,
        source: "series",
        change_ids: "[]",
        first_seen_at: now,
        updated_at: now,
      }),
    ),
    ...[...eventRows.values()].map((e) =>
      db.insert(events).values({ ...e, status: deriveEventStatus(statusesByEvent.get(e.event_ticker) ?? []), ...book }),
    ),
    ...marketRows.map((m) => {
      const ev = eventRows.get(m.event_ticker);
      return db
        .insert(markets)
        .values({ ...m, series_ticker: ev?.series_ticker ?? null, category: ev?.category ?? null, ...book });
    }),
  ];
  for (let i = 0; i < stmts.length; i += 200) {
    const chunk = stmts.slice(i, i + 200);
    if (chunk.length) await db.batch(chunk as [(typeof chunk)[number], ...typeof chunk]);
  }
}

export async function seedFromSimulator(config: Record<string, unknown>): Promise<Catalog> {
  const base = await createSimWorld(config);
  const cat = await fetchCatalog(base);
  await writeCatalog(cat);
  return cat;
}

// ---------------------------------------------------------------------------------------------
// Independent reference computations (plain JS over the wire objects; no ssmd SQL).

const STATUS_REF: Record<string, "open" | "closed" | "settled"> = {
  initialized: "open",
  active: "open",
  inactive: "open",
  closed: "closed",
  determined: "closed",
  disputed: "closed",
  amended: "closed",
  finalized: "settled",
};
export const refStatus = (raw: string): string => STATUS_REF[raw] ?? "unknown";

export function refMarketCategory(cat: Catalog, m: KalshiMarket): string | null {
  const ev = cat.events.find((e) => e.event_ticker === m.event_ticker);
  if (!ev) return null;
  if (ev.category) return ev.category;
  return cat.series.find((s) => s.ticker === ev.series_ticker)?.category ?? null;
}

export function refSeriesOf(cat: Catalog, m: KalshiMarket): string | null {
  return cat.events.find((e) => e.event_ticker === m.event_ticker)?.series_ticker ?? null;
}

/** Markets in the API's order: close time ascending, ticker ascending (missing close first). */
export function refOrder(a: KalshiMarket, b: KalshiMarket): number {
  const ca = a.close_time ? Date.parse(a.close_time) : -Infinity;
  const cb = b.close_time ? Date.parse(b.close_time) : -Infinity;
  if (ca !== cb) return ca < cb ? -1 : 1;
  return a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : 0;
}

/** Follows `cursor` through every page of a list route. */
export async function pageAll<T>(
  fetchPage: (cursor: string | null) => Promise<{ items: T[]; cursor: string | null }>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.cursor;
    pages += 1;
    if (pages > 10_000) throw new Error("pagination does not end");
  } while (cursor !== null);
  return { items, pages };
}

// ---------------------------------------------------------------------------------------------
// A small deterministic catalog in Kalshi's wire format, for tests that need exact control over
// the data (tie-breaking close times, every raw status, omitted NO side, an unknown field).

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RAW_STATUSES = ["initialized", "active", "inactive", "closed", "determined", "disputed", "amended", "finalized"];
const SERIES_SPECS = [
  { ticker: "KXBTCD", category: "Crypto", fee_type: "quadratic", fee_multiplier: 1 },
  { ticker: "KXCPI", category: "Economics", fee_type: "quadratic_with_maker_fees", fee_multiplier: 1 },
  { ticker: "KXINXU", category: "Financials", fee_type: "quadratic", fee_multiplier: 0.5 },
  { ticker: "KXFED", category: "Economics", fee_type: "flat", fee_multiplier: 1 },
];

const price = (units: number) => (units / 10000).toFixed(4);

export function syntheticCatalog(nMarkets: number, seed = 1): Catalog {
  const rnd = prng(seed);
  const cat: Catalog = { series: [], events: [], markets: [] };
  for (const s of SERIES_SPECS) {
    cat.series.push(
      KalshiSeriesSchema.parse({
        ticker: s.ticker,
        frequency: "daily",
        title: `${s.ticker} series`,
        category: s.category,
        tags: [s.category],
        settlement_sources: [{ name: "Source", url: "https://example.com" }],
        contract_url: "https://example.com/c.pdf",
        contract_terms_url: "https://example.com/t.pdf",
        fee_type: s.fee_type,
        fee_multiplier: s.fee_multiplier,
        additional_prohibitions: [],
        volume_fp: "1000.00",
      }),
    );
  }
  const base = Date.UTC(2026, 2, 1, 17);
  const eventsPerSeries = Math.max(1, Math.ceil(nMarkets / 40));
  for (const s of SERIES_SPECS) {
    for (let e = 0; e < eventsPerSeries; e++) {
      const strike = new Date(base + e * 86_400_000).toISOString().replace(".000Z", "Z");
      cat.events.push(
        KalshiEventSchema.parse({
          event_ticker: `${s.ticker}-E${String(e).padStart(3, "0")}`,
          series_ticker: s.ticker,
          title: `${s.ticker} event ${e}`,
          sub_title: `On day ${e}`,
          collateral_return_type: "",
          mutually_exclusive: e % 2 === 0,
          // Every other event omits its (deprecated) category: the series' category applies.
          ...(e % 2 === 0 ? { category: s.category } : {}),
          available_on_brokers: true,
          product_metadata: null,
          strike_date: strike,
        }),
      );
    }
  }
  for (let i = 0; i < nMarkets; i++) {
    const ev = cat.events[Math.floor(rnd() * cat.events.length)]!;
    const status = RAW_STATUSES[i % RAW_STATUSES.length]!;
    // Few distinct close times so many markets tie on close_time (the ticker breaks the tie).
    const close = new Date(base + Math.floor(rnd() * 12) * 3_600_000 * 7).toISOString().replace(".000Z", "Z");
    const bid = 100 + Math.floor(rnd() * 9000);
    const ask = Math.min(9999, bid + 1 + Math.floor(rnd() * 500));
    const omitNo = i % 5 === 0;
    cat.markets.push(
      KalshiMarketSchema.parse({
        ticker: `${ev.event_ticker}-M${String(i).padStart(5, "0")}`,
        event_ticker: ev.event_ticker,
        market_type: "binary",
        title: `Market ${i}`,
        subtitle: "",
        yes_sub_title: `Yes ${i}`,
        no_sub_title: `No ${i}`,
        created_time: "2026-02-01T00:00:00Z",
        updated_time: "2026-02-02T00:00:00Z",
        open_time: "2026-02-01T14:00:00Z",
        close_time: close,
        latest_expiration_time: close,
        settlement_timer_seconds: 60,
        status,
        yes_bid_dollars: price(bid),
        yes_ask_dollars: price(ask),
        ...(omitNo ? {} : { no_bid_dollars: price(10000 - ask), no_ask_dollars: price(10000 - bid) }),
        last_price_dollars: price(bid + 3),
        previous_yes_bid_dollars: "0.0000",
        previous_yes_ask_dollars: "0.0000",
        previous_price_dollars: "0.0000",
        volume_fp: `${Math.floor(rnd() * 100000)}.${i % 100 < 10 ? "0" : ""}${i % 100}`,
        volume_24h_fp: "10.00",
        open_interest_fp: "5.50",
        notional_value_dollars: "1.0000",
        result: status === "finalized" ? "yes" : "",
        can_close_early: false,
        fractional_trading_enabled: i % 3 === 0,
        expiration_value: "",
        rules_primary: "Rules.",
        rules_secondary: "",
        price_level_structure: "linear_cent",
        price_ranges: [{ start: "0.0000", end: "1.0000", step: "0.0100" }],
        strike_type: "greater",
        floor_strike: 100 + i,
        settlement_bounds_type: "default",
      }),
    );
  }
  return cat;
}

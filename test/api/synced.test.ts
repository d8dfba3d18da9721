/**
 * The API over data synced from the Kalshi simulator by the real SyncCoordinator. Expected
 * answers come from the simulator's truth (wire JSON), filtered and ordered here in plain JS.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Market } from "../../src/kalshi/schemas";
import { EventSchema, type Event } from "../../src/kalshi/schemas";
import { control, coordinator, createWorld, drive, simNow, truthMarkets, type SimWorld } from "../sync/harness";
import { migrate, pageAll, refOrder, refStatus } from "./helpers";

const QUIET = { price_change_per_hour: 0, metadata_change_per_hour: 0, new_markets_per_hour: 0, vanish_per_hour: 0, pause_per_hour: 0 };

let w: SimWorld;
let now: number;
let truth: Market[]; // true markets that the sync put in D1 (its window)
const events = new Map<string, Event>();
const seriesCategory = new Map<string, string>();

async function get(path: string): Promise<{ status: number; body: any; res: Response }> {
  const res = await SELF.fetch(`https://ssmd.test${path}`);
  return { status: res.status, body: await res.json(), res };
}

async function runSync(mode: "full" | "incremental") {
  const stub = coordinator("api-synced");
  const started = await stub.start(mode, "admin", { baseUrl: w.base, nowMs: now, pageSize: 50, readsPerSecond: 1000 });
  const run = await drive(stub, started.run.run_id);
  expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
  return run;
}

async function loadTruth(): Promise<void> {
  const inD1 = new Set((await env.DB.prepare("SELECT ticker FROM markets WHERE deleted_at IS NULL").all<{ ticker: string }>()).results.map((r) => r.ticker));
  truth = (await truthMarkets(w)).filter((m) => inD1.has(m.ticker));
  expect(truth.length).toBe(inD1.size);
  for (const m of truth) {
    if (events.has(m.event_ticker)) continue;
    const res = await fetch(`${w.base}/events/${encodeURIComponent(m.event_ticker)}`);
    expect(res.status).toBe(200);
    const ev = EventSchema.parse(((await res.json()) as { event: unknown }).event);
    events.set(ev.event_ticker, ev);
    if (!seriesCategory.has(ev.series_ticker)) {
      const s = (await (await fetch(`${w.base}/series/${encodeURIComponent(ev.series_ticker)}`)).json()) as { series: { category: string } };
      seriesCategory.set(ev.series_ticker, s.series.category);
    }
  }
}

const categoryOf = (m: Market) => {
  const ev = events.get(m.event_ticker)!;
  return ev.category ? ev.category : (seriesCategory.get(ev.series_ticker) ?? null);
};
const seriesOf = (m: Market) => events.get(m.event_ticker)!.series_ticker;

async function listAll(query: string, limit: number) {
  return pageAll<any>(async (cursor) => {
    const q = new URLSearchParams(query);
    q.set("limit", String(limit));
    if (cursor) q.set("cursor", cursor);
    const { status, body } = await get(`/markets?${q}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return { items: body.markets, cursor: body.cursor };
  });
}

function mostCommon<T>(xs: T[]): T {
  const counts = new Map<T, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
}

beforeAll(async () => {
  await migrate();
  w = await createWorld({ seed: 21, markets: 300, reads_per_second: null, mutation_rates: QUIET });
  now = await simNow(w);
  await runSync("full");
  await loadTruth();
}, 60_000);

describe("markets synced from the simulator", () => {
  it("the sync filled D1 with a realistic mix", () => {
    expect(truth.length).toBeGreaterThan(100);
    expect(new Set(truth.map((m) => refStatus(m.status))).size).toBeGreaterThanOrEqual(2);
    expect(new Set(truth.map(categoryOf)).size).toBeGreaterThanOrEqual(2);
  });

  it("every market exactly once across pages, in (close_time, ticker) order", async () => {
    const { items } = await listAll("", 37);
    expect(items.map((m: any) => m.ticker)).toEqual([...truth].sort(refOrder).map((m) => m.ticker));
  });

  it("filters match the reference", async () => {
    const cat = mostCommon(truth.map(categoryOf));
    const ser = mostCommon(truth.map(seriesOf));
    const closes = truth.map((m) => Date.parse(m.close_time!)).sort((a, b) => a - b);
    const mid = new Date(closes[Math.floor(closes.length / 2)]!).toISOString();
    const q1 = new Date(closes[Math.floor(closes.length / 4)]!).toISOString();
    const cases: Array<[string, (m: Market) => boolean]> = [
      ["status=open", (m) => refStatus(m.status) === "open"],
      ["status=closed", (m) => refStatus(m.status) === "closed"],
      ["status=settled", (m) => refStatus(m.status) === "settled"],
      [`category=${encodeURIComponent(cat!)}`, (m) => categoryOf(m) === cat],
      [`category=${encodeURIComponent(cat!)}&status=open`, (m) => categoryOf(m) === cat && refStatus(m.status) === "open"],
      [`series=${ser}`, (m) => seriesOf(m) === ser],
      [`closing_before=${mid}`, (m) => Date.parse(m.close_time!) < Date.parse(mid)],
      [`closing_after=${q1}&closing_before=${mid}`, (m) => Date.parse(m.close_time!) >= Date.parse(q1) && Date.parse(m.close_time!) < Date.parse(mid)],
      [`status=open&closing_after=${mid}`, (m) => refStatus(m.status) === "open" && Date.parse(m.close_time!) >= Date.parse(mid)],
    ];
    for (const [query, pred] of cases) {
      const expected = truth.filter(pred).sort(refOrder).map((m) => m.ticker);
      const { items } = await listAll(query, 50);
      expect(items.map((m: any) => m.ticker), query).toEqual(expected);
    }
  });

  it("market fields are Kalshi's, with the cents view and the joined event", async () => {
    const { items } = await listAll("", 1000);
    const byTicker = new Map(items.map((m: any) => [m.ticker, m]));
    for (const wire of truth) {
      const m = byTicker.get(wire.ticker) as any;
      for (const f of ["title", "close_time", "yes_bid_dollars", "yes_ask_dollars", "last_price_dollars", "volume_fp", "volume_24h_fp", "open_interest_fp"] as const) {
        expect(m[f], `${wire.ticker}.${f}`).toBe((wire as any)[f] ?? null);
      }
      expect(m.status_raw).toBe(wire.status);
      expect(m.status).toBe(refStatus(wire.status));
      if (wire.yes_bid_dollars) expect(m.yes_bid).toBeCloseTo(Number(wire.yes_bid_dollars) * 100, 9);
      if (wire.volume_fp) expect(m.volume).toBe(Number(wire.volume_fp));
      expect(m.event.event_ticker).toBe(wire.event_ticker);
      expect(m.event.category).toBe(categoryOf(wire));
    }
  });

  it("GET /markets/{ticker} and GET /events/{event_ticker} agree with the truth", async () => {
    const wire = truth[Math.floor(truth.length / 3)]!;
    const { body } = await get(`/markets/${encodeURIComponent(wire.ticker)}`);
    expect(body.market.rules_primary).toBe(wire.rules_primary);
    const ev = await get(`/events/${encodeURIComponent(wire.event_ticker)}`);
    expect(ev.status).toBe(200);
    const expected = truth.filter((m) => m.event_ticker === wire.event_ticker).sort(refOrder).map((m) => m.ticker);
    expect(ev.body.markets.map((m: any) => m.ticker)).toEqual(expected);
    expect(ev.body.event.market_count).toBe(expected.length);
  });
});

describe("events and series synced from the simulator", () => {
  it("GET /events pages every event of the synced markets, with market_count, status and filters", async () => {
    const d1Events = (await env.DB.prepare("SELECT event_ticker FROM events WHERE deleted_at IS NULL").all<{ event_ticker: string }>()).results.map((r) => r.event_ticker);
    const eventStatus = (t: string) => {
      const s = truth.filter((m) => m.event_ticker === t).map((m) => refStatus(m.status));
      return s.includes("open") ? "open" : s.includes("closed") ? "closed" : s.length && s.every((x) => x === "settled") ? "settled" : "unknown";
    };
    const all = await pageAll<any>(async (cursor) => {
      const { body } = await get(`/events?limit=40${cursor ? `&cursor=${cursor}` : ""}`);
      return { items: body.events, cursor: body.cursor };
    });
    expect(all.items.map((e: any) => e.event_ticker)).toEqual([...d1Events].sort());
    for (const e of all.items) {
      if (!events.has(e.event_ticker)) continue; // events whose markets all left the window
      expect(e.market_count).toBe(truth.filter((m) => m.event_ticker === e.event_ticker).length);
      expect(e.status).toBe(eventStatus(e.event_ticker));
      expect(e.title).toBe(events.get(e.event_ticker)!.title);
    }
    const ser = mostCommon(truth.map(seriesOf));
    const bySeries = await pageAll<any>(async (cursor) => {
      const { body } = await get(`/events?series=${ser}&status=open&limit=10${cursor ? `&cursor=${cursor}` : ""}`);
      return { items: body.events, cursor: body.cursor };
    });
    const expected = [...new Set(truth.filter((m) => seriesOf(m) === ser).map((m) => m.event_ticker))].filter((t) => eventStatus(t) === "open").sort();
    expect(bySeries.items.map((e: any) => e.event_ticker)).toEqual(expected);
  });

  it("GET /series and /series/{t} carry the simulator's fee type and multiplier", async () => {
    const { body } = await get("/series?limit=1000");
    expect(body.series.length).toBeGreaterThan(0);
    for (const s of body.series.slice(0, 10)) {
      const wire = (await (await fetch(`${w.base}/series/${encodeURIComponent(s.ticker)}`)).json()) as { series: any };
      expect(s.fee_type).toBe(wire.series.fee_type);
      expect(s.fee_multiplier).toBe(wire.series.fee_multiplier);
      expect(s.category).toBe(wire.series.category);
      const detail = await get(`/series/${encodeURIComponent(s.ticker)}`);
      expect(detail.status).toBe(200);
      expect(detail.body.fee_in_force.fee_type).toBe(wire.series.fee_type);
    }
  });
});

describe("cache after a sync", () => {
  it("a read after a sync that changed markets returns the new values", async () => {
    const { items: before } = await listAll("status=open", 1000);
    // warm the cache for one market and the list
    const target = before[0].ticker as string;
    await get(`/markets/${encodeURIComponent(target)}`);
    expect((await get(`/markets/${encodeURIComponent(target)}`)).res.headers.get("X-Cache")).toBe("HIT");

    await control(w, "/mutate", { change_fraction: 1, metadata_changes: 5 });
    const run = await runSync("full");
    expect(run.progress.rows_written).toBeGreaterThan(0);
    await loadTruth();

    const wire = truth.find((m) => m.ticker === target)!;
    const after = await get(`/markets/${encodeURIComponent(target)}`);
    expect(after.res.headers.get("X-Cache")).toBe("MISS");
    for (const f of ["yes_bid_dollars", "yes_ask_dollars", "last_price_dollars", "volume_fp"] as const) {
      expect(after.body.market[f], f).toBe((wire as any)[f] ?? null);
    }
    const { items } = await listAll("status=open", 1000);
    const changed = items.filter((m: any) => {
      const old = before.find((b: any) => b.ticker === m.ticker);
      return old && (old.yes_bid_dollars !== m.yes_bid_dollars || old.volume_fp !== m.volume_fp);
    });
    expect(changed.length).toBeGreaterThan(0);
    for (const m of items) {
      const t = truth.find((x) => x.ticker === m.ticker)!;
      expect(m.yes_bid_dollars).toBe(t.yes_bid_dollars ?? null);
    }
  }, 60_000);
});

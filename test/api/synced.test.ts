/**
 * The API over data synced from the Kalshi simulator by the real SyncCoordinator. Expected
 * answers come from the simulator's truth (wire JSON), filtered and ordered here in plain JS.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { KalshiMarket } from "../../src/kalshi/wire/rest";
import { KalshiEventSchema, type KalshiEvent } from "../../src/kalshi/wire/rest";
import type { StreamTrade } from "../../src/stream/messages";
import { DAY_MS, INSTANTS, utcDayOf, utcMidnight } from "../instants";
import {
  clearD1,
  control,
  coordinator,
  createWorld,
  drive,
  simNow,
  syncSucceeded,
  truthMarkets,
  type SimWorld,
} from "../sync/harness";
import { makeTrades } from "../stream/helpers";
import { migrate, pageAll, refOrder, refStatus } from "./helpers";

const QUIET = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};

let w: SimWorld;
let now: number;
let truth: KalshiMarket[]; // true markets that the sync put in D1 (its window)
const events = new Map<string, KalshiEvent>();
const seriesCategory = new Map<string, string>();

async function get(path: string): Promise<{ status: number; body: any; res: Response }> {
  const res = await SELF.fetch(`https://ssmd.test${path}`);
  return { status: res.status, body: await res.json(), res };
}

const runSync = (mode: "full" | "incremental") => syncSucceeded(w, "api-synced", mode, now);

async function loadTruth(): Promise<void> {
  const inD1 = new Set(
    (await env.DB.prepare("SELECT ticker FROM markets WHERE deleted_at IS NULL").all<{ ticker: string }>()).results.map(
      (r) => r.ticker,
    ),
  );
  truth = (await truthMarkets(w)).filter((m) => inD1.has(m.ticker));
  expect(truth.length).toBe(inD1.size);
  for (const m of truth) {
    if (events.has(m.event_ticker)) continue;
    const res = await fetch(`${w.base}/events/${encodeURIComponent(m.event_ticker)}`);
    expect(res.status).toBe(200);
    const ev = KalshiEventSchema.parse(((await res.json()) as { event: unknown }).event);
    events.set(ev.event_ticker, ev);
    if (!seriesCategory.has(ev.series_ticker)) {
      const s = (await (await fetch(`${w.base}/series/${encodeURIComponent(ev.series_ticker)}`)).json()) as {
        series: { category: string };
      };
      seriesCategory.set(ev.series_ticker, s.series.category);
    }
  }
}

const categoryOf = (m: KalshiMarket) => {
  const ev = events.get(m.event_ticker)!;
  return ev.category ? ev.category : (seriesCategory.get(ev.series_ticker) ?? null);
};
const seriesOf = (m: KalshiMarket) => events.get(m.event_ticker)!.series_ticker;

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
    const cases: Array<[string, (m: KalshiMarket) => boolean]> = [
      ["status=open", (m) => refStatus(m.status) === "open"],
      ["status=closed", (m) => refStatus(m.status) === "closed"],
      ["status=settled", (m) => refStatus(m.status) === "settled"],
      [`category=${encodeURIComponent(cat!)}`, (m) => categoryOf(m) === cat],
      [
        `category=${encodeURIComponent(cat!)}&status=open`,
        (m) => categoryOf(m) === cat && refStatus(m.status) === "open",
      ],
      [`series=${ser}`, (m) => seriesOf(m) === ser],
      [`closing_before=${mid}`, (m) => Date.parse(m.close_time!) < Date.parse(mid)],
      [
        `closing_after=${q1}&closing_before=${mid}`,
        (m) => Date.parse(m.close_time!) >= Date.parse(q1) && Date.parse(m.close_time!) < Date.parse(mid),
      ],
      [
        `status=open&closing_after=${mid}`,
        (m) => refStatus(m.status) === "open" && Date.parse(m.close_time!) >= Date.parse(mid),
      ],
    ];
    for (const [query, pred] of cases) {
      const expected = truth
        .filter(pred)
        .sort(refOrder)
        .map((m) => m.ticker);
      const { items } = await listAll(query, 50);
      expect(
        items.map((m: any) => m.ticker),
        query,
      ).toEqual(expected);
    }
  });

  it("market fields are Kalshi's, with the cents view and the joined event", async () => {
    const { items } = await listAll("", 1000);
    const byTicker = new Map(items.map((m: any) => [m.ticker, m]));
    for (const wire of truth) {
      const m = byTicker.get(wire.ticker) as any;
      for (const f of [
        "title",
        "close_time",
        "yes_bid_dollars",
        "yes_ask_dollars",
        "last_price_dollars",
        "volume_fp",
        "volume_24h_fp",
        "open_interest_fp",
      ] as const) {
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
    const expected = truth
      .filter((m) => m.event_ticker === wire.event_ticker)
      .sort(refOrder)
      .map((m) => m.ticker);
    expect(ev.body.markets.map((m: any) => m.ticker)).toEqual(expected);
    expect(ev.body.event.market_count).toBe(expected.length);
  });
});

describe("events and series synced from the simulator", () => {
  it("GET /events pages every event of the synced markets, with market_count, status and filters", async () => {
    const d1Events = (
      await env.DB.prepare("SELECT event_ticker FROM events WHERE deleted_at IS NULL").all<{ event_ticker: string }>()
    ).results.map((r) => r.event_ticker);
    const eventStatus = (t: string) => {
      const s = truth.filter((m) => m.event_ticker === t).map((m) => refStatus(m.status));
      return s.includes("open")
        ? "open"
        : s.includes("closed")
          ? "closed"
          : s.length && s.every((x) => x === "settled")
            ? "settled"
            : "unknown";
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
    const expected = [...new Set(truth.filter((m) => seriesOf(m) === ser).map((m) => m.event_ticker))]
      .filter((t) => eventStatus(t) === "open")
      .sort();
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

/** `ms` written as local time at a fixed UTC offset (minutes), e.g. 2027-01-01T05:20:00+05:30. */
function withOffset(ms: number, offsetMin: number): string {
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 19);
  const sign = offsetMin < 0 ? "-" : "+";
  const a = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
}

// Tickers given stream data by an earlier instant (ticker objects keep their trades).
const streamedEarlier = new Set<string>();

describe.each(INSTANTS.map((instant, k) => ({ ...instant, k })))(
  "time filters over a world synced at $name ($iso)",
  ({ ms, k }) => {
    let world: SimWorld;
    let synced: KalshiMarket[];

    beforeAll(async () => {
      await clearD1();
      world = await createWorld({
        seed: 31 + k,
        markets: 200,
        start_time_ms: ms,
        reads_per_second: null,
        mutation_rates: QUIET,
      });
      expect(await simNow(world)).toBe(ms);
      const stub = coordinator(`api-synced-instant-${k}`);
      const run = await drive(
        stub,
        (await stub.start("full", "admin", { baseUrl: world.base, nowMs: ms, pageSize: 100, readsPerSecond: 1000 })).run
          .run_id,
      );
      expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
      const inD1 = new Set(
        (
          await env.DB.prepare("SELECT ticker FROM markets WHERE deleted_at IS NULL").all<{ ticker: string }>()
        ).results.map((r) => r.ticker),
      );
      synced = (await truthMarkets(world)).filter((m) => inD1.has(m.ticker));
      expect(synced.length).toBe(inD1.size);
    }, 60_000);

    it("closing_before / closing_after as dates and as timestamps with zones select exactly the reference", async () => {
      const close = (m: KalshiMarket) => Date.parse(m.close_time!);
      const closes = synced.map(close).sort((a, b) => a - b);
      // A market's own close time: before and at-or-after it split the markets in two.
      const exact = new Date(closes[Math.floor(closes.length / 3)]!).toISOString();
      const day = utcDayOf(ms);
      // Settled markets: from the day (midnight UTC) of their median close time on.
      const settledCloses = synced
        .filter((m) => refStatus(m.status) === "settled")
        .map(close)
        .sort((x, y) => x - y);
      expect(settledCloses.length).toBeGreaterThan(0);
      const settledDay = utcDayOf(settledCloses[Math.floor(settledCloses.length / 2)]!);
      const cases: Array<[string, (m: KalshiMarket) => boolean]> = [
        // Dates are midnight UTC: the instant's day, the next one.
        [`closing_before=${day}`, (m) => close(m) < utcMidnight(ms)],
        [`closing_after=${utcDayOf(ms + DAY_MS)}`, (m) => close(m) >= utcMidnight(ms) + DAY_MS],
        [
          `status=settled&closing_after=${settledDay}`,
          (m) => refStatus(m.status) === "settled" && close(m) >= Date.parse(`${settledDay}T00:00:00Z`),
        ],
        // The instant itself, in UTC and at offsets whose local date differs from the UTC one.
        [`closing_before=${new Date(ms).toISOString()}`, (m) => close(m) < ms],
        [`closing_after=${encodeURIComponent(withOffset(ms, 330))}`, (m) => close(m) >= ms],
        [
          `closing_after=${encodeURIComponent(withOffset(ms - 30 * DAY_MS, -240))}&closing_before=${encodeURIComponent(withOffset(ms + 7 * DAY_MS, -300))}`,
          (m) => close(m) >= ms - 30 * DAY_MS && close(m) < ms + 7 * DAY_MS,
        ],
        [`closing_before=${exact}`, (m) => close(m) < Date.parse(exact)],
        [`closing_after=${exact}`, (m) => close(m) >= Date.parse(exact)],
        [
          `status=open&closing_before=${encodeURIComponent(withOffset(closes[closes.length - 1]!, -300))}`,
          (m) => refStatus(m.status) === "open" && close(m) < closes[closes.length - 1]!,
        ],
      ];
      for (const [query, pred] of cases) {
        const expected = synced
          .filter(pred)
          .sort(refOrder)
          .map((m) => m.ticker);
        expect(expected.length, `${query}: selects something`).toBeGreaterThan(0);
        expect(expected.length, `${query}: leaves something out`).toBeLessThan(synced.length);
        const { items } = await pageAll<{ ticker: string }>(async (cursor) => {
          const { status, body } = await get(`/markets?${query}&limit=100${cursor ? `&cursor=${cursor}` : ""}`);
          expect(status, `${query}: ${JSON.stringify(body)}`).toBe(200);
          return { items: body.markets, cursor: body.cursor };
        });
        expect(
          items.map((m) => m.ticker),
          query,
        ).toEqual(expected);
      }
    });

    it("trades around the instant are filed under their UTC day: GET /tickers?date= and has_stream_on", async () => {
      const open = synced
        .filter((m) => refStatus(m.status) === "open" && !streamedEarlier.has(m.ticker))
        .sort(refOrder);
      expect(open.length).toBeGreaterThanOrEqual(3);
      const [a, b, c] = open.map((m) => m.ticker) as [string, string, string];
      for (const t of [a, b, c]) streamedEarlier.add(t);
      const at = (ticker: string, ts: number[]): StreamTrade[] =>
        ts.map((t, i) => ({ ...makeTrades(ticker, 1, { seed: i + 1 })[0]!, trade_id: `${ticker}-${k}-${i}`, ts: t }));
      const midnight = utcMidnight(ms) + DAY_MS; // the next UTC midnight
      const trades = [
        // A: every 10 minutes from 40 minutes before the instant to 40 minutes after it.
        ...at(
          a,
          Array.from({ length: 9 }, (_, i) => ms - 40 * 60_000 + i * 10 * 60_000),
        ),
        // B: the last millisecond of the instant's day and the first of the next.
        ...at(b, [midnight - 1, midnight]),
        // C: the day before, only.
        ...at(c, [ms - DAY_MS]),
      ];
      const res = await SELF.fetch("https://ssmd.test/admin/ingest/trades", {
        method: "POST",
        headers: { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" },
        body: JSON.stringify({ trades }),
      });
      expect(res.status, await res.clone().text()).toBe(200);

      const byDay = new Map<string, Map<string, StreamTrade[]>>();
      for (const t of trades) {
        const d = utcDayOf(t.ts);
        if (!byDay.has(d)) byDay.set(d, new Map());
        const m = byDay.get(d)!;
        m.set(t.ticker, [...(m.get(t.ticker) ?? []), t]);
      }
      const days = [utcDayOf(ms - DAY_MS), utcDayOf(ms), utcDayOf(midnight), utcDayOf(midnight + DAY_MS)];
      expect(days.filter((d) => byDay.has(d)).length).toBeGreaterThanOrEqual(3);
      for (const d of days) {
        const want = [...(byDay.get(d) ?? new Map<string, StreamTrade[]>()).entries()]
          .map(([ticker, ts]) => ({
            ticker,
            first_ts: Math.min(...ts.map((t) => t.ts)),
            last_ts: Math.max(...ts.map((t) => t.ts)),
            messages: ts.length,
          }))
          .sort((x, y) => (x.ticker < y.ticker ? -1 : 1));
        const listed = await get(`/tickers?feed=kalshi&date=${d}`);
        expect(listed.status).toBe(200);
        expect(listed.body.tickers, d).toEqual(want);
        const { items } = await pageAll<{ ticker: string }>(async (cursor) => {
          const r = await get(`/markets?has_stream_on=${d}&limit=100${cursor ? `&cursor=${cursor}` : ""}`);
          expect(r.status).toBe(200);
          return { items: r.body.markets, cursor: r.body.cursor };
        });
        const wantMarkets = synced
          .filter((m) => byDay.get(d)?.has(m.ticker))
          .sort(refOrder)
          .map((m) => m.ticker);
        expect(
          items.map((m) => m.ticker),
          d,
        ).toEqual(wantMarkets);
      }
    });
  },
);

/**
 * The simulator over HTTP (the Node server started by test/global-setup.ts): envelopes, error
 * shapes, limits, filters and key-based cursors, as in docs/kalshi-wire.md §2.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import fixtureError from "../fixtures/kalshi/rest-error-400.json";
import { DOLLARS, FP, RFC3339, control, createWorld } from "./helpers";

async function getJson(url: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

async function listAll(base: string, path: string, key: string, query: Record<string, string>): Promise<any[]> {
  const out: any[] = [];
  let cursor = "";
  for (;;) {
    const q = new URLSearchParams(query);
    if (cursor) q.set("cursor", cursor);
    const r = await getJson(`${base}${path}?${q}`);
    expect(r.status).toBe(200);
    out.push(...r.body[key]);
    cursor = r.body.cursor;
    if (!cursor) return out;
  }
}

const LEGACY_KEYS = [
  "yes_bid",
  "yes_ask",
  "no_bid",
  "no_ask",
  "last_price",
  "volume",
  "volume_24h",
  "open_interest",
  "liquidity",
  "notional_value",
  "tick_size",
  "response_price_units",
  "previous_price",
];

describe("default world (global setup)", () => {
  const base = `${env.SIM_ORIGIN}/trade-api/v2`;

  it("serves GET /markets with the exact envelope and current wire format", async () => {
    const r = await getJson(`${base}/markets`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["cursor", "markets"]);
    expect(r.body.markets).toHaveLength(100); // default limit
    expect(typeof r.body.cursor).toBe("string");
    for (const m of r.body.markets) {
      for (const k of [
        "yes_bid_dollars",
        "yes_ask_dollars",
        "last_price_dollars",
        "previous_price_dollars",
        "notional_value_dollars",
      ])
        expect(m[k]).toMatch(DOLLARS);
      for (const k of ["volume_fp", "volume_24h_fp", "open_interest_fp"]) expect(m[k]).toMatch(FP);
      for (const k of ["created_time", "updated_time", "open_time", "close_time"]) expect(m[k]).toMatch(RFC3339);
      for (const k of LEGACY_KEYS) expect(m).not.toHaveProperty(k);
      expect(m).not.toHaveProperty("category");
    }
  });

  it("answers unknown markets with 404 and the wrapped error body", async () => {
    const r = await getJson(`${base}/markets/NOPE-26JAN01-T1`);
    expect(r.status).toBe(404);
    expect(Object.keys(r.body)).toEqual(["error"]);
    expect(r.body.error).toMatchObject({ code: "not_found", service: "exchange" });
  });

  it("serves exchange status and schedule shapes", async () => {
    const s = await getJson(`${base}/exchange/status`);
    expect(Object.keys(s.body).sort()).toEqual(["exchange_active", "exchange_estimated_resume_time", "trading_active"]);
    const sch = await getJson(`${base}/exchange/schedule`);
    expect(sch.body.schedule.standard_hours[0].monday[0]).toEqual({ open_time: "00:00", close_time: "23:59" });
    expect(sch.body.schedule.maintenance_windows[0].start_datetime).toMatch(RFC3339);
  });
});

describe("limits and filter combinations", () => {
  const base = `${env.SIM_ORIGIN}/trade-api/v2`;

  it("rejects limits beyond the maxima with 400 (markets 1000, events 200)", async () => {
    for (const url of [
      `${base}/markets?limit=1001`,
      `${base}/markets?limit=0`,
      `${base}/markets?limit=abc`,
      `${base}/events?limit=201`,
    ]) {
      const r = await getJson(url);
      expect(r.status, url).toBe(400);
      expect(r.body.error.code).toBe("bad_request");
    }
    expect((await getJson(`${base}/markets?limit=1000`)).status).toBe(200);
    const ev = await getJson(`${base}/events`);
    expect(ev.body.events.length).toBeLessThanOrEqual(200);
  });

  it("returns 400 in the fixture's shape for incompatible combinations", async () => {
    const bad = [
      "min_close_ts=1&status=open", // docs/kalshi-wire.md Q7
      "min_created_ts=1&status=closed",
      "min_settled_ts=1&status=open",
      "min_created_ts=1&min_close_ts=2",
      "min_updated_ts=1&status=open",
      "min_updated_ts=1&series_ticker=KXBTCD",
      "min_updated_ts=1&mve_filter=only",
    ];
    for (const q of bad) {
      const r = await getJson(`${base}/markets?${q}`);
      expect(r.status, q).toBe(400);
      expect(Object.keys(r.body.error).sort()).toEqual(Object.keys(fixtureError.error).sort());
    }
    const q7 = await getJson(`${base}/markets?min_close_ts=1&status=open`);
    expect(q7.body.error.details).toBe(fixtureError.error.details);
    for (const q of [
      "min_close_ts=1&status=closed",
      "min_settled_ts=1&status=settled",
      "min_created_ts=1&status=unopened",
      "min_updated_ts=1&mve_filter=exclude",
    ]) {
      expect((await getJson(`${base}/markets?${q}`)).status, q).toBe(200);
    }
  });

  it("rejects cursors that are not its own", async () => {
    const ev = await getJson(`${base}/events?limit=2`);
    expect((await getJson(`${base}/markets?cursor=${ev.body.cursor}`)).status).toBe(400);
    expect((await getJson(`${base}/markets?cursor=%%%not-a-cursor`)).status).toBe(400);
  });

  it("rejects more than 10 event tickers and unknown status words", async () => {
    const evs = Array.from({ length: 11 }, (_, i) => `E-${i}`).join(",");
    expect((await getJson(`${base}/markets?event_ticker=${evs}`)).status).toBe(400);
    expect((await getJson(`${base}/markets?status=active`)).status).toBe(400);
    expect((await getJson(`${base}/events?status=unopened`)).status).toBe(400);
  });

  it("can answer incompatible combinations with an empty page instead (docs/kalshi-wire.md Q7 mode)", async () => {
    const w = await createWorld({ seed: 3, markets: 50, incompatible_filters: "empty" });
    const r = await getJson(`${w.base}/markets?min_close_ts=1&status=open`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ markets: [], cursor: "" });
  });
});

describe("pagination over HTTP", () => {
  it("returns every market exactly once across pages and cursor '' on the last page", async () => {
    const w = await createWorld({ seed: 11, markets: 730 });
    const all = await listAll(w.base, "/markets", "markets", { limit: "100" });
    const tickers = all.map((m) => m.ticker);
    expect(new Set(tickers).size).toBe(tickers.length);
    expect(tickers.length).toBe(730);
    const state = await control(w, "/state");
    expect((state.counts as any).markets).toBe(730);
  });

  it("keeps cursors stable while the world mutates between pages", async () => {
    const w = await createWorld({
      seed: 12,
      markets: 600,
      mutation_rates: {
        price_change_per_hour: 0,
        metadata_change_per_hour: 0,
        new_markets_per_hour: 0,
        vanish_per_hour: 0,
        pause_per_hour: 0,
      },
    });
    const before = new Set((await listAll(w.base, "/markets", "markets", { limit: "1000" })).map((m) => m.ticker));
    const seen: string[] = [];
    let cursor = "";
    let page = 0;
    let vanished: string[] = [];
    for (;;) {
      const q = new URLSearchParams({ limit: "50" });
      if (cursor) q.set("cursor", cursor);
      const r = await getJson(`${w.base}/markets?${q}`);
      seen.push(...r.body.markets.map((m: any) => m.ticker));
      if (++page === 3) {
        // Between pages: new markets, deletions, price and metadata changes, time passing.
        const mut = await control(w, "/mutate", {
          new_markets: 40,
          vanish: 15,
          change_fraction: 0.5,
          metadata_changes: 10,
        });
        vanished = mut.vanished as string[];
        await control(w, "/clock", { advance_ms: 6 * 3600_000 });
      }
      cursor = r.body.cursor;
      if (!cursor) break;
    }
    expect(before.size).toBeGreaterThan(150); // the walk crossed the mutation (page 3 of 50)
    expect(vanished).toHaveLength(15);
    expect(new Set(seen).size).toBe(seen.length); // no duplicates
    for (const t of before) if (!vanished.includes(t)) expect(seen, t).toContain(t); // no misses among survivors
  });

  it("pages events (default and max 200) and series_ticker-scoped markets", async () => {
    const w = await createWorld({ seed: 13, markets: 2500 });
    const events = await listAll(w.base, "/events", "events", { limit: "37" });
    expect(new Set(events.map((e) => e.event_ticker)).size).toBe(events.length);
    const first = await getJson(`${w.base}/events`);
    expect(first.body.events.length).toBe(Math.min(200, events.length));
    const series = events[0].series_ticker;
    const scoped = await listAll(w.base, "/markets", "markets", { series_ticker: series, limit: "7" });
    const expected = (await listAll(w.base, "/markets", "markets", { limit: "1000" })).filter((m) =>
      m.event_ticker.startsWith(`${series}-`),
    );
    expect(scoped.map((m) => m.ticker).sort()).toEqual(expected.map((m) => m.ticker).sort());
  });
});

/**
 * GET /markets, /events and /series filters (in-process simulator): status vocabulary,
 * timestamp families, scoping params, mve_filter, nested markets, as in docs/kalshi-wire.md §2–3.
 */
import { describe, expect, it } from "vitest";
import { FILTER_TO_STATUS_CODES, MARKET_STATUSES, STATUS_FILTERS } from "../../sim/core/index";
import { get, listAll, newSim, START_MS, truth, type Wire } from "./helpers";

const sim = newSim({ seed: 21, markets: 1500 });
const sec = (iso: string) => Math.floor(Date.parse(iso) / 1000);
let all: Wire[] = [];

describe("GET /markets filters", () => {
  it("maps each status filter word to its response statuses, and the five words partition all markets", async () => {
    all = await truth(sim);
    const seen = new Set<string>();
    for (const word of STATUS_FILTERS) {
      const allowed = FILTER_TO_STATUS_CODES[word].map((c) => MARKET_STATUSES[c]);
      const { items } = await listAll(sim, "/markets", "markets", { status: word, limit: "1000" });
      for (const m of items) {
        expect(allowed, `${word} → ${m.status}`).toContain(m.status);
        expect(seen.has(m.ticker)).toBe(false);
        seen.add(m.ticker);
      }
      expect(items.length).toBe(all.filter((m) => allowed.includes(m.status as never)).length);
    }
    expect(seen.size).toBe(all.length);
    // The world has a realistic mix of statuses.
    const statuses = new Set(all.map((m) => m.status));
    for (const s of ["initialized", "active", "closed", "finalized"]) expect(statuses).toContain(s);
  });

  it("applies close, created, settled and updated timestamp bounds (Unix seconds)", async () => {
    const closes = all.map((m) => sec(m.close_time as string)).sort((a, b) => a - b);
    const lo = closes[Math.floor(closes.length * 0.3)] as number,
      hi = closes[Math.floor(closes.length * 0.6)] as number;
    const byClose = (
      await listAll(sim, "/markets", "markets", { min_close_ts: String(lo), max_close_ts: String(hi), limit: "1000" })
    ).items;
    expect(byClose.length).toBe(
      all.filter((m) => sec(m.close_time as string) >= lo && sec(m.close_time as string) <= hi).length,
    );
    const closedOnly = (
      await listAll(sim, "/markets", "markets", { min_close_ts: String(lo), status: "closed", limit: "1000" })
    ).items;
    const after = ["closed", "determined", "disputed", "amended"];
    expect(closedOnly.length).toBeGreaterThan(0);
    expect(closedOnly.map((m) => m.ticker).sort()).toEqual(
      all
        .filter((m) => sec(m.close_time as string) >= lo && after.includes(m.status as string))
        .map((m) => m.ticker)
        .sort(),
    );

    const settled = all
      .filter((m) => m.settlement_ts)
      .map((m) => sec(m.settlement_ts as string))
      .sort((a, b) => a - b);
    const from = settled[Math.floor(settled.length / 2)] as number;
    const bySettled = (await listAll(sim, "/markets", "markets", { min_settled_ts: String(from), limit: "1000" }))
      .items;
    expect(bySettled.length).toBe(settled.filter((s) => s >= from).length);
    for (const m of bySettled) expect(m.status).toBe("finalized");

    const created = all.map((m) => sec(m.created_time as string)).sort((a, b) => a - b);
    const cfrom = created[Math.floor(created.length * 0.8)] as number;
    const byCreated = (await listAll(sim, "/markets", "markets", { min_created_ts: String(cfrom), limit: "1000" }))
      .items;
    expect(byCreated.length).toBe(created.filter((c) => c >= cfrom).length);

    const updated = all.map((m) => sec(m.updated_time as string)).sort((a, b) => a - b);
    const ufrom = updated[Math.floor(updated.length * 0.9)] as number;
    const byUpdated = (await listAll(sim, "/markets", "markets", { min_updated_ts: String(ufrom), limit: "1000" }))
      .items;
    expect(byUpdated.length).toBe(updated.filter((u) => u >= ufrom).length);
  });

  it("scopes by tickers, event_ticker (≤10) and series_ticker", async () => {
    const pick = [all[3], all[500], all[1200]].map((m) => (m as Wire).ticker);
    const byTickers = (await get(sim, `/markets?tickers=${pick.join(",")}`)).body.markets.map((m: Wire) => m.ticker);
    expect(byTickers.sort()).toEqual([...pick].sort());
    const evs = [...new Set(all.map((m) => m.event_ticker as string))].slice(0, 10);
    const byEvents = (await listAll(sim, "/markets", "markets", { event_ticker: evs.join(","), limit: "13" })).items;
    expect(byEvents.length).toBe(all.filter((m) => evs.includes(m.event_ticker as string)).length);
    const series = (all[0] as Wire).event_ticker as string;
    const st = series.split("-")[0] as string;
    const bySeries = (await listAll(sim, "/markets", "markets", { series_ticker: st, limit: "1000" })).items;
    expect(bySeries.length).toBe(
      all.filter((m) => (m.event_ticker as string).startsWith(`${st}-`) || m.event_ticker === st).length,
    );
    expect((await get(sim, "/markets?series_ticker=NOPE")).body).toEqual({ markets: [], cursor: "" });
  });

  it("splits multivariate markets with mve_filter", async () => {
    const only = (await listAll(sim, "/markets", "markets", { mve_filter: "only", limit: "1000" })).items;
    const excl = (await listAll(sim, "/markets", "markets", { mve_filter: "exclude", limit: "1000" })).items;
    expect(only.length).toBeGreaterThan(0);
    expect(only.length + excl.length).toBe(all.length);
    for (const m of only) {
      expect(m.mve_collection_ticker).toBeTypeOf("string");
      expect(Array.isArray(m.mve_selected_legs)).toBe(true);
    }
    for (const m of excl) expect(m).not.toHaveProperty("mve_collection_ticker");
    expect((await get(sim, "/markets?mve_filter=maybe")).status).toBe(400);
  });

  it("emits sub-penny prices, fractional counts and omitted NO sides on some markets", () => {
    const subPenny = /^\d\.\d{2}(?!00)\d{2}$/; // e.g. "0.9990"
    expect(
      all.some((m) =>
        ["yes_bid_dollars", "yes_ask_dollars", "last_price_dollars"].some((k) => subPenny.test(m[k] as string)),
      ),
    ).toBe(true);
    expect(all.some((m) => (m.price_ranges as { step: string }[]).some((r) => r.step === "0.0010"))).toBe(true);
    expect(all.some((m) => !/\.00$/.test(m.volume_fp as string))).toBe(true);
    expect(all.some((m) => !("no_bid_dollars" in m))).toBe(true);
    expect(all.some((m) => "no_bid_dollars" in m)).toBe(true);
  });
});

describe("legacy fields", () => {
  it("adds the deprecated integer fields next to the strings only when asked", async () => {
    const legacy = newSim({ seed: 21, markets: 300, legacy_fields: true });
    const page = (await get(legacy, "/markets?limit=300")).body.markets as Wire[];
    expect(page.length).toBeGreaterThan(0);
    for (const m of page) {
      expect(m.response_price_units).toBe("usd_cent");
      expect(m.yes_bid).toBe(Math.round(Number(m.yes_bid_dollars) * 100));
      expect(m.no_ask).toBe(Math.round(Number(m.no_ask_dollars) * 100));
      expect(m.volume).toBe(Math.floor(Number(m.volume_fp)));
      expect(m.liquidity).toBe(0);
      expect(m.tick_size).toBe(1);
    }
    const modern = (await get(newSim({ seed: 21, markets: 300 }), "/markets?limit=300")).body.markets as Wire[];
    // Same data either way: the string fields agree.
    expect(modern.map((m) => m.yes_bid_dollars)).toEqual(page.map((m) => m.yes_bid_dollars));
  });
});

describe("historical cutoff", () => {
  it("moves markets settled before the cutoff from /markets to /historical/markets", async () => {
    const h = newSim({ seed: 22, markets: 1200, historical_cutoff_days: 10 });
    const cutoff = (await get(h, "/historical/cutoff")).body;
    expect(Object.keys(cutoff).sort()).toEqual(["market_settled_ts", "orders_updated_ts", "trades_created_ts"]);
    const cut = Date.parse(cutoff.market_settled_ts);
    expect(cut).toBeLessThanOrEqual(h.nowMs() - 10 * 86_400_000);
    const everything = await truth(h);
    const old = everything
      .filter((m) => m.settlement_ts && Date.parse(m.settlement_ts as string) < cut)
      .map((m) => m.ticker);
    expect(old.length).toBeGreaterThan(0);
    const live = (await listAll(h, "/markets", "markets", { limit: "1000" })).items.map((m) => m.ticker);
    const hist = (await listAll(h, "/historical/markets", "markets", { limit: "300" })).items.map((m) => m.ticker);
    expect(hist.sort()).toEqual([...old].sort());
    expect(live.length + hist.length).toBe(everything.length);
    for (const t of hist) expect(live).not.toContain(t);
    expect((await get(h, `/markets/${old[0]}`)).status).toBe(404);
    expect((await get(h, `/historical/markets/${old[0]}`)).body.market.ticker).toBe(old[0]);
    expect((await get(h, "/historical/markets?status=settled")).status).toBe(400);
    // The default cutoff (90 days) is older than any generated settlement.
    expect((await listAll(sim, "/historical/markets", "markets", {})).items).toEqual([]);
  });
});

describe("GET /events and /series", () => {
  it("excludes multivariate events from /events and serves them at /events/multivariate", async () => {
    const events = (await listAll(sim, "/events", "events", {})).items;
    const mve = (await listAll(sim, "/events/multivariate", "events", {})).items;
    expect(mve.length).toBeGreaterThan(0);
    const mveTickers = new Set(all.filter((m) => m.mve_collection_ticker).map((m) => m.event_ticker));
    for (const e of events) expect(mveTickers.has(e.event_ticker)).toBe(false);
    for (const e of events) expect(e).not.toHaveProperty("status");
  });

  it("filters events by derived status and min_close_ts, and nests markets on request", async () => {
    const open = (await listAll(sim, "/events", "events", { status: "open", with_nested_markets: "true", limit: "50" }))
      .items;
    expect(open.length).toBeGreaterThan(0);
    for (const e of open)
      expect(e.markets.some((m: Wire) => ["initialized", "active", "inactive"].includes(m.status))).toBe(true);
    const settled = (await listAll(sim, "/events", "events", { status: "settled", with_nested_markets: "true" })).items;
    for (const e of settled) for (const m of e.markets) expect(m.status).toBe("finalized");
    const plain = (await get(sim, "/events?limit=5")).body.events;
    for (const e of plain) expect(e).not.toHaveProperty("markets");
    const t = Math.floor(START_MS / 1000) - 86400 * 400;
    expect((await listAll(sim, "/events", "events", { min_close_ts: String(t) })).items.length).toBe(
      (await listAll(sim, "/events", "events", {})).items.length,
    );
  });

  it("serves GET /events/{ticker} as {event, markets}", async () => {
    const m = all[42] as Wire;
    const r = await get(sim, `/events/${m.event_ticker}`);
    expect(Object.keys(r.body).sort()).toEqual(["event", "markets"]);
    expect(r.body.markets.map((x: Wire) => x.ticker)).toContain(m.ticker);
    expect(r.body.event).not.toHaveProperty("markets");
    const nested = await get(sim, `/events/${m.event_ticker}?with_nested_markets=true`);
    expect(nested.body.event.markets.length).toBe(nested.body.markets.length);
    expect((await get(sim, "/events/NOPE-1")).status).toBe(404);
  });

  it("lists series with category filter and volume only on request, over several categories", async () => {
    const r = await get(sim, "/series");
    expect(Object.keys(r.body)).toEqual(["series"]);
    const cats = new Set(r.body.series.map((s: any) => s.category));
    for (const c of ["Economics", "Financials", "Crypto", "Politics", "Climate and Weather", "Sports"])
      expect(cats).toContain(c);
    for (const s of r.body.series) expect(s).not.toHaveProperty("volume_fp");
    expect(new Set(r.body.series.map((s: any) => s.fee_type)).size).toBeGreaterThan(1);
    const crypto = (await get(sim, "/series?category=Crypto&include_volume=true")).body.series;
    expect(crypto.length).toBeGreaterThan(0);
    for (const s of crypto) {
      expect(s.category).toBe("Crypto");
      expect(s.volume_fp).toMatch(/^\d+\.\d{2}$/);
      expect(s).not.toHaveProperty("volume");
    }
    const one = await get(sim, `/series/${crypto[0].ticker}`);
    expect(one.body.series.ticker).toBe(crypto[0].ticker);
    expect((await get(sim, "/series/NOPE")).status).toBe(404);
  });

  it("serves fee changes with duplicates (docs/kalshi-wire.md Q17), pending-only by default", async () => {
    const big = newSim({ seed: 5, markets: 8000 });
    const hist = (await get(big, "/series/fee_changes?show_historical=true")).body.series_fee_change_arr;
    const pending = (await get(big, "/series/fee_changes")).body.series_fee_change_arr;
    const now = big.nowMs();
    for (const fc of pending) expect(Date.parse(fc.scheduled_ts)).toBeGreaterThan(now);
    expect(hist.length).toBeGreaterThan(pending.length);
    const keys = hist.map((fc: any) => `${fc.series_ticker}|${fc.scheduled_ts}`);
    expect(new Set(keys).size).toBeLessThan(keys.length); // duplicates by (series, scheduled_ts)
    expect(new Set(hist.map((fc: any) => fc.id)).size).toBe(hist.length); // with distinct ids
    const seriesCount = (await get(big, "/series")).body.series.length;
    expect(new Set(hist.map((fc: any) => fc.series_ticker)).size).toBeLessThan(seriesCount); // many series absent
  });
});

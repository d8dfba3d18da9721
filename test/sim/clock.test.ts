/**
 * Determinism, the simulated clock (status transitions by open/close time, determination and
 * settlement) and mutations (prices, metadata, new markets, vanish/reappear, fee changes).
 */
import { describe, expect, it } from "vitest";
import { firstDiff, get, listAll, newSim, truth, START_MS, type Wire } from "./helpers";

const NO_RATES = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};
const H = 3_600_000,
  D = 24 * H;

/** Invariants linking status, times and settlement fields at simulated time `nowMs`. */
function checkInvariants(markets: Wire[], nowMs: number): void {
  expect(markets.length).toBeGreaterThan(0);
  for (const m of markets) {
    const open = Date.parse(m.open_time as string),
      close = Date.parse(m.close_time as string);
    const where = `${m.ticker} ${m.status}`;
    expect(Date.parse(m.created_time as string), where).toBeLessThanOrEqual(nowMs);
    switch (m.status) {
      case "initialized":
        expect(open, where).toBeGreaterThan(nowMs);
        break;
      case "active":
      case "inactive":
        expect(open, where).toBeLessThanOrEqual(nowMs);
        expect(close, where).toBeGreaterThan(nowMs);
        expect(m.result).toBe("");
        break;
      case "closed":
        expect(close, where).toBeLessThanOrEqual(nowMs);
        expect(m.result).toBe("");
        expect(m).not.toHaveProperty("settlement_ts");
        break;
      case "determined":
        expect(["yes", "no"]).toContain(m.result);
        expect(m.settlement_value_dollars).toBe(m.result === "yes" ? "1.0000" : "0.0000");
        expect(m).not.toHaveProperty("settlement_ts");
        break;
      case "finalized":
        expect(["yes", "no"]).toContain(m.result);
        expect(Date.parse(m.settlement_ts as string), where).toBeLessThanOrEqual(nowMs);
        expect(Date.parse(m.settlement_ts as string), where).toBeGreaterThan(close);
        expect(m.updated_time).toBe(m.settlement_ts);
        expect(m.open_interest_fp).toBe("0.00");
        break;
      default:
        throw new Error(`unexpected status ${where}`);
    }
  }
}

describe("determinism", () => {
  it("produces identical worlds for the same seed and different ones for another seed", async () => {
    const a = await truth(newSim({ seed: 99, markets: 400 }));
    const b = await truth(newSim({ seed: 99, markets: 400 }));
    const c = await truth(newSim({ seed: 100, markets: 400 }));
    expect(firstDiff(a, b)).toBeNull();
    expect(firstDiff(a, c)).not.toBeNull();
  });

  it("does not depend on how a clock advance is chunked", async () => {
    const one = newSim({ seed: 4, markets: 500, mutation_rates: NO_RATES });
    const many = newSim({ seed: 4, markets: 500, mutation_rates: NO_RATES });
    one.advance(3 * D);
    for (let i = 0; i < 72; i++) many.advance(H);
    expect(firstDiff(await truth(one), await truth(many))).toBeNull();
  });
});

describe("clock", () => {
  it("keeps status, times and settlement fields consistent as time passes", async () => {
    const sim = newSim({ seed: 8, markets: 1200, mutation_rates: NO_RATES });
    checkInvariants(await truth(sim), START_MS);
    for (const step of [H, D, 10 * D]) {
      sim.advance(step);
      checkInvariants(await truth(sim), sim.nowMs());
    }
  });

  it("opens initialized markets at open_time and walks closed → determined → finalized", async () => {
    const sim = newSim({ seed: 9, markets: 800, mutation_rates: NO_RATES });
    const t0 = await truth(sim);
    const pre = t0
      .filter((m) => m.status === "initialized")
      .sort((x, y) => Date.parse(x.open_time as string) - Date.parse(y.open_time as string))[0] as Wire;
    expect(pre).toBeDefined();
    const opensAt = Date.parse(pre.open_time as string);
    sim.advance(opensAt - sim.nowMs() - 1000);
    expect((await get(sim, `/markets/${pre.ticker}`)).body.market.status).toBe("initialized");
    sim.advance(1000);
    const opened = (await get(sim, `/markets/${pre.ticker}`)).body.market;
    expect(opened.status).toBe("active");
    expect(opened.updated_time.slice(0, 19)).toBe((pre.open_time as string).slice(0, 19));

    const act = (await truth(sim)).find((m) => m.status === "active") as Wire;
    const closesAt = Date.parse(act.close_time as string);
    sim.advance(closesAt - sim.nowMs());
    const closed = (await get(sim, `/markets/${act.ticker}`)).body.market;
    expect(closed.status).toBe("closed");
    expect(closed.yes_bid_dollars).toBe("0.0000");
    sim.advance(8 * D);
    const fin = (await get(sim, `/markets/${act.ticker}`)).body.market;
    expect(fin.status).toBe("finalized");
    expect(["yes", "no"]).toContain(fin.result);
    expect(fin.expiration_value).not.toBe("");
  });

  it("follows the wall clock in realtime mode, on top of manual advances", async () => {
    let wall = 5_000;
    const sim = newSim(
      { seed: 12, markets: 300, clock: "realtime", mutation_rates: NO_RATES },
      { wallNow: () => wall },
    );
    expect(sim.nowMs()).toBe(START_MS);
    wall += 90_000;
    expect(sim.nowMs()).toBe(START_MS + 90_000);
    sim.advance(H);
    expect(sim.nowMs()).toBe(START_MS + 90_000 + H);
    const state = (await get(sim, "/_sim/state")).body;
    expect(state.now_ms).toBe(START_MS + 90_000 + H);
    expect(state.clock).toBe("realtime");
    // A REST request brings statuses up to the wall-clock time.
    const next = (await truth(sim))
      .filter((m) => m.status === "active")
      .map((m) => Date.parse(m.close_time as string))
      .sort((a, b) => a - b)[0] as number;
    wall += next - sim.nowMs();
    const closing = (await truth(sim)).filter((m) => Date.parse(m.close_time as string) === next);
    expect(closing.length).toBeGreaterThan(0);
    for (const m of closing) expect(m.status).not.toBe("active");
  });

  it("resolves exactly one outcome of each categorical or tailed range event", async () => {
    const sim = newSim({ seed: 10, markets: 1500, mutation_rates: NO_RATES });
    sim.advance(60 * D);
    const settled = (await listAll(sim, "/events", "events", { status: "settled", with_nested_markets: "true" })).items;
    const categorical = settled.filter((e) => e.markets[0]?.strike_type === "structured");
    // Range events with both tails ("below X" … "Y or above") partition the outcome too.
    const ranges = settled.filter(
      (e) =>
        e.markets.some((m: Wire) => m.strike_type === "less") &&
        e.markets.some((m: Wire) => m.strike_type === "greater"),
    );
    expect(categorical.length).toBeGreaterThan(5);
    expect(ranges.length).toBeGreaterThan(5);
    for (const e of [...categorical, ...ranges])
      expect(e.markets.filter((m: Wire) => m.result === "yes").length, e.event_ticker).toBe(1);
  });
});

describe("mutations", () => {
  it("changes prices and volume without moving updated_time; metadata changes move it", async () => {
    const sim = newSim({ seed: 30, markets: 600, mutation_rates: NO_RATES });
    const before = new Map((await truth(sim)).map((m) => [m.ticker, m]));
    const r = sim.mutate({ change_fraction: 0.5 });
    expect(r.changed).toBeGreaterThan(0);
    const after = await truth(sim);
    let moved = 0;
    for (const m of after) {
      const b = before.get(m.ticker) as Wire;
      if (b.volume_fp !== m.volume_fp) moved++;
      expect(m.updated_time).toBe(b.updated_time);
    }
    expect(moved).toBe(r.changed);

    sim.advance(H);
    const cut = Math.floor(sim.nowMs() / 1000);
    const meta = sim.mutate({ metadata_changes: 5 }).metadata_changed as string[];
    expect(meta.length).toBe(5);
    const upd = (await listAll(sim, "/markets", "markets", { min_updated_ts: String(cut), limit: "1000" })).items.map(
      (m) => m.ticker,
    );
    for (const t of meta) expect(upd).toContain(t);
    for (const t of upd) expect(meta).toContain(t);
  });

  it("creates new markets after the existing ones with created_time = now", async () => {
    const sim = newSim({ seed: 31, markets: 300, mutation_rates: NO_RATES });
    sim.advance(H);
    const created = sim.mutate({ new_markets: 25 }).created as string[];
    expect(created).toHaveLength(25);
    const { items } = await listAll(sim, "/markets", "markets", { limit: "1000" });
    expect(items.slice(-25).map((m) => m.ticker)).toEqual(created);
    const since = (
      await listAll(sim, "/markets", "markets", { min_created_ts: String(Math.floor(sim.nowMs() / 1000)) })
    ).items.map((m) => m.ticker);
    expect(since.sort()).toEqual([...created].sort());
    // A new market is initialized until its open time, active from it (no other rate is running).
    for (const t of created) {
      const m = (await get(sim, `/markets/${t}`)).body.market;
      expect(m.status, t).toBe(Date.parse(m.open_time) <= sim.nowMs() ? "active" : "initialized");
    }
  });

  it("vanishes and restores markets", async () => {
    const sim = newSim({ seed: 32, markets: 300, mutation_rates: NO_RATES });
    const gone = sim.mutate({ vanish: 4 }).vanished as string[];
    expect(gone).toHaveLength(4);
    for (const t of gone) expect((await get(sim, `/markets/${t}`)).status).toBe(404);
    const listed = new Set((await listAll(sim, "/markets", "markets", { limit: "1000" })).items.map((m) => m.ticker));
    expect(listed.size).toBe(296);
    for (const t of gone) expect(listed.has(t)).toBe(false);
    expect(sim.mutate({ reappear: gone.slice(0, 2) }).reappeared).toEqual(gone.slice(0, 2));
    expect((await get(sim, `/markets/${gone[0]}`)).status).toBe(200);
    expect(
      (await get(sim, "/_sim/truth/markets?include_vanished=true&limit=10000")).body.markets.filter(
        (m: any) => m._vanished,
      ).length,
    ).toBe(2);
  });

  it("applies scheduled fee changes when the clock passes them", async () => {
    const sim = newSim({ seed: 5, markets: 8000, mutation_rates: NO_RATES });
    const pending = (await get(sim, "/series/fee_changes")).body.series_fee_change_arr;
    expect(pending.length).toBeGreaterThan(0);
    const fc = pending[0];
    sim.advance(Date.parse(fc.scheduled_ts) - sim.nowMs() + 1000);
    const s = (await get(sim, `/series/${fc.series_ticker}`)).body.series;
    expect(s.fee_type).toBe(fc.fee_type);
    expect(s.fee_multiplier).toBe(fc.fee_multiplier);
    const still = (await get(sim, "/series/fee_changes")).body.series_fee_change_arr;
    expect(still.find((x: any) => x.id === fc.id)).toBeUndefined();
  });

  it("applies configured mutation rates as the clock advances", async () => {
    const sim = newSim({
      seed: 33,
      markets: 1000,
      mutation_rates: {
        new_markets_per_hour: 10,
        vanish_per_hour: 1,
        metadata_change_per_hour: 0.01,
        price_change_per_hour: 0.5,
        pause_per_hour: 0.01,
      },
    });
    const before = (sim.state().counts as any).markets as number;
    sim.advance(12 * H);
    const counts = sim.state().counts as any;
    expect(counts.markets).toBe(before + 120);
    expect(counts.statuses.vanished).toBe(12);
  });

  it("is driven over the control API with validation", async () => {
    const sim = newSim({ seed: 34, markets: 100 });
    const bad = await sim.fetch(
      new Request("http://sim/_sim/clock", { method: "POST", body: JSON.stringify({ advance_ms: -5 }) }),
    );
    expect(bad.status).toBe(400);
    const back = await sim.fetch(
      new Request("http://sim/_sim/clock", { method: "POST", body: JSON.stringify({ set_ms: START_MS - 1 }) }),
    );
    expect(back.status).toBe(400);
    const ok = await sim.fetch(
      new Request("http://sim/_sim/clock", { method: "POST", body: JSON.stringify({ advance_ms: 60_000 }) }),
    );
    expect(((await ok.json()) as any).now_ms).toBe(START_MS + 60_000);
    const mut = await sim.fetch(
      new Request("http://sim/_sim/mutate", { method: "POST", body: JSON.stringify({ vanish: ["NOPE-1"] }) }),
    );
    expect(mut.status).toBe(404);
  });
});

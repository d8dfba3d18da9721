/**
 * Markets in a status outside Kalshi's vocabulary (SimConfig `unknown_status_share` /
 * `unknown_status`, docs/simulator.md): served faithfully — no `status` filter selects them,
 * unfiltered and timestamp-only listings, `tickers=`, `event_ticker=` and the single-object GETs do.
 */
import { describe, expect, it } from "vitest";
import { SimConfigSchema, STATUS_FILTERS } from "../../sim/core/index";
import { get, listAll, newSim, truth, type Wire } from "./helpers";

const SHARE = 0.05;
const sim = newSim({ seed: 23, markets: 1500, unknown_status_share: SHARE, unknown_status: "frozen" });
const sec = (iso: string) => Math.floor(Date.parse(iso) / 1000);

describe("unknown_status_share", () => {
  it("serves a deterministic share of markets in the configured word, changing nothing else", async () => {
    const all = await truth(sim);
    const frozen = all.filter((m) => m.status === "frozen");
    expect(frozen.length).toBeGreaterThan(all.length * SHARE * 0.5);
    expect(frozen.length).toBeLessThan(all.length * SHARE * 1.5);
    // Same seed, same markets; the share only changes the served word of the chosen ones.
    const again = await truth(
      newSim({ seed: 23, markets: 1500, unknown_status_share: SHARE, unknown_status: "frozen" }),
    );
    expect(again.filter((m) => m.status === "frozen").map((m) => m.ticker)).toEqual(frozen.map((m) => m.ticker));
    const plain = await truth(newSim({ seed: 23, markets: 1500 }));
    expect(plain.length).toBe(all.length);
    for (let i = 0; i < all.length; i++) {
      const { status: a, ...restA } = all[i] as Wire;
      const { status: b, ...restB } = plain[i] as Wire;
      expect(restA, (all[i] as Wire).ticker).toEqual(restB);
      if (a !== "frozen") expect(a).toBe(b);
    }
    // Underneath, the chosen markets have every lifecycle stage (some open, some settled).
    const plainStatus = new Map(plain.map((m) => [m.ticker, m.status]));
    const stages = new Set(frozen.map((m) => plainStatus.get(m.ticker)));
    expect(stages).toContain("finalized");
    expect([...stages].some((s) => s === "active" || s === "initialized")).toBe(true);
  });

  it("no status filter selects them; unfiltered, timestamp-only and scoped listings do", async () => {
    const all = await truth(sim);
    const frozen = all.filter((m) => m.status === "frozen");
    const frozenTickers = new Set(frozen.map((m) => m.ticker));
    let filtered = 0;
    for (const word of STATUS_FILTERS) {
      const { items } = await listAll(sim, "/markets", "markets", { status: word, limit: "1000" });
      for (const m of items) expect(frozenTickers.has(m.ticker), `${word} selected ${m.ticker}`).toBe(false);
      filtered += items.length;
    }
    // The five words still partition every other market.
    expect(filtered).toBe(all.length - frozen.length);

    const unfiltered = (await listAll(sim, "/markets", "markets", { limit: "1000" })).items;
    expect(unfiltered.filter((m) => m.status === "frozen").map((m) => m.ticker)).toEqual(frozen.map((m) => m.ticker));

    const lo = Math.min(...frozen.map((m) => sec(m.close_time as string)));
    const byClose = (await listAll(sim, "/markets", "markets", { min_close_ts: String(lo), limit: "1000" })).items;
    expect(byClose.filter((m) => m.status === "frozen").length).toBe(frozen.length);

    const settledFrozen = frozen.filter((m) => m.settlement_ts);
    expect(settledFrozen.length).toBeGreaterThan(0);
    const bySettled = (await listAll(sim, "/markets", "markets", { min_settled_ts: "0", limit: "1000" })).items;
    expect(
      bySettled
        .filter((m) => m.status === "frozen")
        .map((m) => m.ticker)
        .sort(),
    ).toEqual(settledFrozen.map((m) => m.ticker).sort());

    const one = frozen[0] as Wire;
    expect((await get(sim, `/markets/${one.ticker}`)).body.market.status).toBe("frozen");
    expect((await get(sim, `/markets?tickers=${one.ticker}`)).body.markets.map((m: Wire) => m.status)).toEqual([
      "frozen",
    ]);
    const byEvent = (await listAll(sim, "/markets", "markets", { event_ticker: one.event_ticker as string })).items;
    expect(byEvent.map((m) => m.ticker)).toContain(one.ticker);
    const ev = (await get(sim, `/events/${one.event_ticker as string}`)).body;
    expect(ev.markets.find((m: Wire) => m.ticker === one.ticker)?.status).toBe("frozen");
    // The control API's truth filters by the served word.
    expect((await get(sim, "/_sim/truth/markets?status=frozen&limit=10000")).body.markets.length).toBe(frozen.length);
  });

  it("an event whose markets are all in the unknown status is selected by no /events status filter", async () => {
    const s = newSim({ seed: 24, markets: 300, unknown_status_share: 1, unknown_status: "frozen" });
    const events = (await listAll(s, "/events", "events", {})).items;
    expect(events.length).toBeGreaterThan(0);
    for (const status of ["open", "closed", "settled"]) {
      expect((await get(s, `/events?status=${status}`)).body.events, status).toEqual([]);
    }
  });

  it("moves markets into and out of the unknown status on request, moving updated_time", async () => {
    const s = newSim({ seed: 25, markets: 300 });
    const before = (await truth(s)).find((m) => m.status === "active") as Wire;
    await s.fetch(
      new Request("http://sim/_sim/clock", { method: "POST", body: JSON.stringify({ advance_ms: 60_000 }) }),
    );
    const set = await s.fetch(
      new Request("http://sim/_sim/mutate", {
        method: "POST",
        body: JSON.stringify({ set_unknown_status: [before.ticker] }),
      }),
    );
    expect(((await set.json()) as { unknown_status_set: string[] }).unknown_status_set).toEqual([before.ticker]);
    const during = (await get(s, `/markets/${before.ticker}`)).body.market;
    expect(during.status).toBe("frozen");
    expect(Date.parse(during.updated_time)).toBeGreaterThan(Date.parse(before.updated_time as string));
    await s.fetch(
      new Request("http://sim/_sim/mutate", {
        method: "POST",
        body: JSON.stringify({ clear_unknown_status: [before.ticker] }),
      }),
    );
    expect((await get(s, `/markets/${before.ticker}`)).body.market.status).toBe("active");
  });

  it("refuses an unknown_status that is one of Kalshi's words", () => {
    for (const word of ["active", "finalized", "open", "settled"]) {
      expect(SimConfigSchema.safeParse({ unknown_status: word }).success, word).toBe(false);
    }
    expect(SimConfigSchema.safeParse({ unknown_status: "halted", unknown_status_share: 0.1 }).success).toBe(true);
    expect(SimConfigSchema.safeParse({ unknown_status_share: 1.5 }).success).toBe(false);
  });
});

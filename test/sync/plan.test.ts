import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kalshiMarketsQueryProblem } from "../../src/kalshi/wire/queries";
import { buildPlan, DAY_S, timeShards } from "../../src/sync/plan";
import { encodeSeen, hash53, SeenSet } from "../../src/sync/seen";

const NOW = Date.UTC(2026, 10, 25, 14, 30);

describe("buildPlan", () => {
  for (const mode of ["full", "incremental"] as const) {
    it(`${mode}: every markets listing is a filter Kalshi honours, without a status (never min_close_ts with status=open, docs/kalshi-wire.md Q7)`, () => {
      for (const shards of [1, 2, 4, 7]) {
        const plan = buildPlan(mode, NOW, { shards });
        for (const l of plan.listings) {
          if (l.kind !== "markets") continue;
          expect(kalshiMarketsQueryProblem(l.query), l.id).toBeNull();
          // A status filter would lose every market whose status Kalshi's filter does not know.
          expect(l.query.status, l.id).toBeUndefined();
        }
        expect(new Set(plan.listings.map((l) => l.id)).size).toBe(plan.listings.length);
      }
    });
  }

  it("full: a 30-day window listed by close time without a status, plus late settlements and reference data", () => {
    const plan = buildPlan("full", NOW, { shards: 1 });
    const now = Math.floor(NOW / 1000);
    const start = now - 30 * DAY_S;
    expect(plan.window_start_s).toBe(start);
    expect(plan.listings).toEqual([
      { id: "series", kind: "series" },
      { id: "fee_changes", kind: "fee_changes" },
      // Reaches back a week before the window: events of markets that closed before it but settled in it.
      { id: "events", kind: "events", query: { min_close_ts: now - 37 * DAY_S } },
      // Every market closing in or after the window, whatever its status (an unknown one too).
      { id: "markets:window#0", kind: "markets", query: { min_close_ts: start } },
      // Closed before the window, settled in its first week.
      {
        id: "markets:settled-late",
        kind: "markets",
        query: { min_settled_ts: start, max_settled_ts: start + 7 * DAY_S },
      },
    ]);
    expect(plan.mustContain).toEqual([
      { status: "open" },
      { status: "closed", min_close_ms: start * 1000 },
      { status: "settled", min_close_ms: start * 1000 },
      { status: "unknown", min_close_ms: start * 1000 },
    ]);
    // No market listing of a full sync carries a status filter: none can miss a status Kalshi's filter does not know.
    for (const l of plan.listings) if (l.kind === "markets") expect(l.query.status, l.id).toBeUndefined();
  });

  it("incremental: the day by close time without a status, plus settled / updated within it (docs/kalshi-wire.md Q3)", () => {
    const plan = buildPlan("incremental", NOW, { shards: 4 });
    const now = Math.floor(NOW / 1000);
    const start = now - DAY_S;
    const queries = Object.fromEntries(plan.listings.map((l) => [l.id, "query" in l ? l.query : null]));
    expect(queries).toEqual({
      fee_changes: null,
      // Every market closing after now − 1 d, whatever its status (new, open, paused, closed, unknown);
      // cut at now, +1 d and +7 d (the cuts before the window start are left out).
      "markets:window#0": { min_close_ts: start, max_close_ts: now },
      "markets:window#1": { min_close_ts: now - 1, max_close_ts: now + DAY_S },
      "markets:window#2": { min_close_ts: now + DAY_S - 1, max_close_ts: now + 7 * DAY_S },
      "markets:window#3": { min_close_ts: now + 7 * DAY_S - 1 },
      // No status: a market settled in a status Kalshi's filter does not know is returned too.
      "markets:settled": { min_settled_ts: start },
      "markets:updated": { min_updated_ts: start, mve_filter: "exclude" },
    });
    for (const l of plan.listings) if (l.kind === "markets") expect(l.query.status, l.id).toBeUndefined();
    expect(plan.mustContain).toEqual([
      // Every stored open-ish market closing in or after the day is listed: unopened ones included.
      { status: "open", min_close_ms: start * 1000 },
      { status: "closed", min_close_ms: start * 1000 },
      { status: "settled", min_close_ms: start * 1000 },
      { status: "unknown", min_close_ms: start * 1000 },
    ]);
  });

  it("sharded window listing covers every close time from the window start, with overlapping boundaries", () => {
    for (const [mode, shards] of [
      ["full", 2],
      ["full", 4],
      ["full", 7],
      ["incremental", 2],
      ["incremental", 7],
    ] as const) {
      const plan = buildPlan(mode, NOW, { shards });
      const start = plan.window_start_s;
      const win = plan.listings.filter((l) => l.id.startsWith("markets:window#"));
      expect(win).toHaveLength(shards);
      const ranges = win.map((l) => (l.kind === "markets" ? [l.query.min_close_ts, l.query.max_close_ts] : []));
      expect(ranges[0]![0]).toBe(start);
      expect(ranges[shards - 1]![1]).toBeUndefined();
      for (let i = 1; i < ranges.length; i++) {
        expect(ranges[i]![0]).toBe(ranges[i - 1]![1]! - 1);
        expect(ranges[i]![1] === undefined || ranges[i]![1]! > ranges[i]![0]!).toBe(true);
      }
    }
    // Default: cut at now − 7 d, now and now + 7 d.
    const now = Math.floor(NOW / 1000);
    const cuts = buildPlan("full", NOW)
      .listings.filter((l) => l.id.startsWith("markets:window#"))
      .map((l) => (l.kind === "markets" ? l.query.max_close_ts : null));
    expect(cuts).toEqual([now - 7 * DAY_S, now, now + 7 * DAY_S, undefined]);
  });
});

describe("timeShards", () => {
  it("covers every instant of the range", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 2e6 }),
        (from, len, n, x) => {
          const to = from + len;
          const bounds = Array.from({ length: n - 1 }, (_, i) => Math.floor(from + (len * (i + 1)) / n));
          const shards = timeShards(from, to, bounds);
          const t = from + (x % (len + 1));
          // Under both inclusive and exclusive endpoint semantics, some shard contains t.
          const incl = shards.some(([lo, hi]) => (lo === undefined || t >= lo) && (hi === undefined || t <= hi));
          const excl = shards.some(
            ([lo, hi], i) =>
              (lo === undefined || i === 0 || t > lo) && (hi === undefined || i === shards.length - 1 || t < hi),
          );
          return incl && excl;
        },
      ),
    );
  });
});

describe("SeenSet", () => {
  it("answers membership over many page blobs", () => {
    const pages = Array.from({ length: 20 }, (_, p) => Array.from({ length: 500 }, (_, i) => `KX-${p}-${i}`));
    const set = new SeenSet(pages.map(encodeSeen));
    expect(set.size).toBe(10_000);
    for (const page of pages) for (const t of page) expect(set.has(t)).toBe(true);
    for (let i = 0; i < 1000; i++) expect(set.has(`KX-absent-${i}`)).toBe(false);
  });

  it("accepts unaligned byte views (as storage may return them)", () => {
    const blob = encodeSeen(["A", "B"]);
    const unaligned = new Uint8Array(blob.byteLength + 3);
    unaligned.set(new Uint8Array(blob), 3);
    expect(new SeenSet([unaligned.subarray(3)]).has("B")).toBe(true);
  });

  it("hash53 is stable and spreads", () => {
    expect(hash53("KXBTCD-26MAR1317-T65499.99")).toBe(hash53("KXBTCD-26MAR1317-T65499.99"));
    const hashes = new Set(Array.from({ length: 50_000 }, (_, i) => hash53(`T-${i}`)));
    expect(hashes.size).toBe(50_000);
  });
});

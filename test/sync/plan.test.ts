import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { marketsQueryProblem } from "../../src/kalshi/schemas";
import { buildPlan, DAY_S, timeShards } from "../../src/sync/plan";
import { encodeSeen, hash53, SeenSet } from "../../src/sync/seen";

const NOW = Date.UTC(2026, 10, 25, 14, 30);

describe("buildPlan", () => {
  for (const mode of ["full", "incremental"] as const) {
    it(`${mode}: every markets listing is a filter Kalshi honours (never min_close_ts with status=open, docs/kalshi-wire.md Q7)`, () => {
      for (const shards of [1, 2, 4, 7]) {
        const plan = buildPlan(mode, NOW, { shards });
        for (const l of plan.listings) {
          if (l.kind !== "markets") continue;
          expect(marketsQueryProblem(l.query), l.id).toBeNull();
          if (l.query.status === "open") {
            expect(l.query.min_close_ts, l.id).toBeUndefined();
            expect(l.query.max_close_ts, l.id).toBeUndefined();
          }
        }
        expect(new Set(plan.listings.map((l) => l.id)).size).toBe(plan.listings.length);
      }
    });
  }

  it("full: a 30-day window of every status plus reference data", () => {
    const plan = buildPlan("full", NOW, { shards: 1 });
    const now = Math.floor(NOW / 1000);
    expect(plan.window_start_s).toBe(now - 30 * DAY_S);
    expect(plan.listings).toEqual([
      { id: "series", kind: "series" },
      { id: "fee_changes", kind: "fee_changes" },
      // Reaches back a week before the window: events of markets that closed before it but settled in it.
      { id: "events", kind: "events", query: { min_close_ts: now - 37 * DAY_S } },
      { id: "markets:unopened", kind: "markets", query: { status: "unopened" } },
      { id: "markets:open#0", kind: "markets", query: { status: "open" } },
      { id: "markets:paused", kind: "markets", query: { status: "paused" } },
      { id: "markets:closed", kind: "markets", query: { status: "closed", min_close_ts: now - 30 * DAY_S } },
      { id: "markets:settled#0", kind: "markets", query: { status: "settled", min_settled_ts: now - 30 * DAY_S } },
    ]);
    expect(plan.mustContain).toEqual([
      { status: "open" },
      { status: "closed", min_close_ms: (now - 30 * DAY_S) * 1000 },
      { status: "settled", min_close_ms: (now - 30 * DAY_S) * 1000 },
    ]);
  });

  it("incremental: created / open / paused / closed / settled / updated within a day (docs/kalshi-wire.md Q3)", () => {
    const plan = buildPlan("incremental", NOW, { shards: 1 });
    const start = Math.floor(NOW / 1000) - DAY_S;
    const queries = Object.fromEntries(plan.listings.map((l) => [l.id, "query" in l ? l.query : null]));
    expect(queries).toEqual({
      fee_changes: null,
      "markets:created": { min_created_ts: start },
      "markets:open#0": { status: "open" },
      "markets:paused": { status: "paused" },
      "markets:closed": { status: "closed", min_close_ts: start },
      "markets:settled": { status: "settled", min_settled_ts: start },
      "markets:updated": { min_updated_ts: start, mve_filter: "exclude" },
    });
    // Unopened markets older than a day are outside an incremental window: never candidates.
    expect(plan.mustContain[0]).toEqual({ status: "open", status_raw: ["active", "inactive"] });
  });

  it("sharded open listing covers all creation times with overlapping boundaries", () => {
    const plan = buildPlan("full", NOW, { shards: 4 });
    const open = plan.listings.filter((l) => l.id.startsWith("markets:open#"));
    expect(open).toHaveLength(4);
    const ranges = open.map((l) => (l.kind === "markets" ? [l.query.min_created_ts, l.query.max_created_ts] : []));
    expect(ranges[0]![0]).toBeUndefined();
    expect(ranges[3]![1]).toBeUndefined();
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1]! - 1);
  });
});

describe("timeShards", () => {
  it("covers every instant of the range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 2e6 }), (from, len, n, x) => {
        const to = from + len;
        const bounds = Array.from({ length: n - 1 }, (_, i) => Math.floor(from + (len * (i + 1)) / n));
        const shards = timeShards(from, to, bounds);
        const t = from + (x % (len + 1));
        // Under both inclusive and exclusive endpoint semantics, some shard contains t.
        const incl = shards.some(([lo, hi]) => (lo === undefined || t >= lo) && (hi === undefined || t <= hi));
        const excl = shards.some(([lo, hi], i) => (lo === undefined || i === 0 || t > lo) && (hi === undefined || i === shards.length - 1 || t < hi));
        return incl && excl;
      }),
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

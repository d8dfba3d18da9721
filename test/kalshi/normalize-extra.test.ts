/**
 * `extra` is built as text (no intermediate object). It must be exactly the string
 * `JSON.stringify` gives for the object of unknown fields — in the parsed object's key order —
 * because D1's changed-rows-only upsert compares it byte for byte: any drift would rewrite every
 * stored market once and report it as changed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normalizeEvent, normalizeMarket } from "../../src/sync/normalizers";
import { KalshiEventSchema, KalshiMarketSchema } from "../../src/kalshi/wire/rest";
import { fixture } from "./fixtures";

/** Unknown keys: never a wire field name (prefixed), never `__proto__` (zod drops that key). */
const unknownKey = fc.string({ maxLength: 12 }).map((s) => `x_${s}`);
const unknownFields = fc.dictionary(unknownKey, fc.jsonValue(), { maxKeys: 6 });

describe("extra is JSON.stringify of the unknown fields, byte for byte", () => {
  it("markets: fixture unknowns and random ones, in parsed key order", () => {
    // exchange_index: a field Kalshi sends that the wire schema does not declare (docs/kalshi-wire.md §2.12).
    const wire = { ...fixture("rest-market").market, exchange_index: 3 };
    const baseExtra = JSON.parse(normalizeMarket(KalshiMarketSchema.parse(wire)).extra!) as Record<string, unknown>;
    fc.assert(
      fc.property(unknownFields, (added) => {
        // Through JSON, like a real page: `-0` becomes 0 and the values are plain JSON.
        const input = JSON.parse(JSON.stringify({ ...wire, ...added })) as Record<string, unknown>;
        const parsed = KalshiMarketSchema.parse(input) as Record<string, unknown>;
        const expected: Record<string, unknown> = {};
        for (const k of Object.keys(parsed)) if (k in baseExtra || k.startsWith("x_")) expected[k] = parsed[k];
        const row = normalizeMarket(parsed as never);
        expect(row.extra).toBe(JSON.stringify(expected));
        expect(JSON.parse(row.extra!)).toEqual({ ...baseExtra, ...JSON.parse(JSON.stringify(added)) });
      }),
      { numRuns: 300 },
    );
  });

  it("unknown fields with an undefined value are left out; none left → null", () => {
    const wire = fixture("rest-market").market;
    const parsed = KalshiMarketSchema.parse(wire) as Record<string, unknown>;
    expect(normalizeMarket({ ...parsed, x_gone: undefined } as never).extra).toBeNull();
    expect(normalizeMarket({ ...parsed, x_gone: undefined, x_kept: [1, { a: null }] } as never).extra).toBe(
      '{"x_kept":[1,{"a":null}]}',
    );
  });

  it("events: same rule", () => {
    fc.assert(
      fc.property(unknownFields, (added) => {
        const input = JSON.parse(JSON.stringify({ ...fixture("rest-events-page").events[0], ...added }));
        const parsed = KalshiEventSchema.parse(input) as Record<string, unknown>;
        const expected: Record<string, unknown> = {};
        for (const k of Object.keys(parsed)) if (k.startsWith("x_")) expected[k] = parsed[k];
        expect(normalizeEvent(parsed as never).extra).toBe(
          Object.keys(expected).length ? JSON.stringify(expected) : null,
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe("market rows have one shape", () => {
  it("every row has the same keys in the same order, whatever the wire object held", () => {
    const keys = (m: Record<string, unknown>) => Object.keys(normalizeMarket(KalshiMarketSchema.parse(m)));
    const full = keys(fixture("rest-market").market);
    const legacy = fixture("rest-market-legacy-2026-01").market;
    for (const k of Object.keys(legacy)) if (/_dollars$|_fp$/.test(k)) delete legacy[k];
    expect(keys(legacy)).toEqual(full);
    expect(keys(fixture("rest-market-finalized").market)).toEqual(full);
  });
});

/** Wire formatting helpers against straightforward references (property tests). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dollars, fp, groupNumber, isoMicros, isoSeconds } from "../../sim/core/format";

describe("format", () => {
  it("isoSeconds matches Date#toISOString without the fraction", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_799 }), (s) => {
        expect(isoSeconds(s)).toBe(new Date(s * 1000).toISOString().replace(".000Z", "Z"));
      }),
    );
  });

  it("isoMicros keeps six fractional digits", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_799 }), fc.integer({ min: 0, max: 999_999 }), (s, us) => {
        const out = isoMicros(s, us);
        expect(out).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
        expect(Date.parse(out)).toBe(s * 1000 + Math.floor(us / 1000));
      }),
    );
  });

  it("dollars and fp render exact fixed-point strings", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (u) => {
        expect(dollars(u)).toBe((u / 10_000).toFixed(4));
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (h) => {
        const s = fp(h);
        expect(s).toMatch(/^-?\d+\.\d{2}$/);
        expect(Math.round(Number(s) * 100)).toBe(h);
      }),
    );
  });

  it("groupNumber matches Intl grouping", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.integer({ min: 0, max: 4 }), (x, d) => {
        const ref = Number(x.toFixed(d)).toLocaleString("en-US", {
          minimumFractionDigits: d,
          maximumFractionDigits: d,
        });
        const got = groupNumber(x, d);
        if (x.toFixed(d).startsWith("-") && Number(x.toFixed(d)) === 0) return; // "-0.00": Intl drops the sign
        expect(got).toBe(ref);
      }),
    );
  });
});

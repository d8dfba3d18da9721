import { describe, expect, it } from "vitest";
import { KalshiCountFpSchema, KalshiDollarsSchema, KalshiSignedFpSchema } from "../../src/kalshi/wire/scalars";
import { contractsInput, dollarPriceInput, isUtcDay, parseInstant, utcDay } from "../../src/lib/validators";
import { StreamCount, StreamDollars } from "../../src/stream/messages";

const ok = (s: { safeParse: (v: unknown) => { success: boolean } }, v: unknown) => s.safeParse(v).success;

describe("one rule per boundary (src/lib/validators.ts)", () => {
  it("the wire: plain decimal text, or a plain JSON number; no '.5', no exponent", () => {
    for (const v of ["0.5600", "0.5", "1", "2233487.48", 0.56, 12, "", null])
      expect(ok(KalshiDollarsSchema, v), String(v)).toBe(true);
    for (const v of [".5", "1e3", "-0.5", "0.", "abc", 1e-7, Number.NaN])
      expect(ok(KalshiDollarsSchema, v), String(v)).toBe(false);
    expect(ok(KalshiCountFpSchema, ".11")).toBe(false);
    expect(ok(KalshiSignedFpSchema, "-54.00")).toBe(true);
    expect(ok(KalshiSignedFpSchema, "-.5")).toBe(false);
    expect(KalshiDollarsSchema.parse(0.56)).toBe("0.56");
  });

  it("ssmd's stream messages: the wire's canonical text, 0..1 and ≤ 4 decimals, counts ≤ 2", () => {
    for (const v of ["0.5500", "0", "1", "1.0000", "0.5"]) expect(ok(StreamDollars, v), v).toBe(true);
    for (const v of [".55", "1.0001", "0.12345", "-0.5", "5e-1"]) expect(ok(StreamDollars, v), v).toBe(false);
    for (const v of ["3.00", "3", "0.11"]) expect(ok(StreamCount, v), v).toBe(true);
    for (const v of [".5", "0.111", "-1"]) expect(ok(StreamCount, v), v).toBe(false);
  });

  it("API input: liberal but exact — '.55', '1', trailing zeros; never anything that needs rounding", () => {
    const price = dollarPriceInput();
    for (const v of ["0.55", ".55", "0", "1", "1.0000", "0.5500", "0.550000", "0.9999"])
      expect(ok(price, v), v).toBe(true);
    for (const v of ["0.12345", "1.0001", "1.5", "-0.5", "+0.5", "5e-1", ".", "0.", "", " 0.5", "0x1", "abc"])
      expect(ok(price, v), v).toBe(false);
    const contracts = contractsInput();
    for (const v of ["10", ".5", "0.11", "10.000", "1000000"]) expect(ok(contracts, v), v).toBe(true);
    for (const v of ["0", "0.00", "0.001", "1.234", "-1", "1e3", ".", ""]) expect(ok(contracts, v), v).toBe(false);
  });

  it("dates: a UTC day is a real YYYY-MM-DD; an instant is a day or a zoned timestamp", () => {
    for (const v of ["2026-03-01", "2028-02-29", "2026-12-31"]) expect(isUtcDay(v), v).toBe(true);
    for (const v of ["2026-02-29", "2026-13-01", "2026-3-1", "2026-03-01T00:00:00Z", ""])
      expect(isUtcDay(v), v).toBe(false);
    expect(ok(utcDay(), "2026-02-31")).toBe(false);
    expect(parseInstant("2026-03-01")).toBe(Date.UTC(2026, 2, 1));
    expect(parseInstant("2026-03-01T17:00:00+01:00")).toBe(Date.UTC(2026, 2, 1, 16));
    expect(parseInstant("2026-03-01T17:00:00")).toBeNull(); // no zone
    expect(parseInstant("2026-02-31T00:00:00Z")).toBeNull();
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDecimal,
  centsToDollars,
  compareDecimal,
  complementDollars,
  countToHundredths,
  dollarsToCents,
  formatDollars,
  fpToNumber,
  hundredthsToCount,
  intCountToFp,
  mulDecimal,
  parseDollars,
  shiftDecimal,
  subDecimal,
  toScaledInt,
} from "../../src/kalshi/decimal";

describe("decimal", () => {
  it("parseDollars → integer 1/10000 dollars", () => {
    expect(parseDollars("0.5500")).toBe(5500);
    expect(parseDollars("0.9990")).toBe(9990);
    expect(parseDollars("1.0000")).toBe(10000);
    expect(parseDollars("0.48")).toBe(4800);
    expect(parseDollars("0.480")).toBe(4800);
    expect(parseDollars("")).toBeNull();
    expect(parseDollars(undefined)).toBeNull();
    expect(parseDollars(null)).toBeNull();
    expect(() => parseDollars("0.12345")).toThrow(/more than 4 decimal places/);
    expect(parseDollars("0.12340")).toBe(1234);
    expect(() => parseDollars("abc")).toThrow(/not a decimal/);
  });

  it("dollarsToCents is exact (no 0.1+0.2 artefacts)", () => {
    expect(dollarsToCents("0.5500")).toBe(55);
    expect(dollarsToCents("0.9990")).toBe(99.9);
    expect(dollarsToCents("0.0010")).toBe(0.1);
    expect(dollarsToCents("0.0700")).toBe(7); // 0.07 * 100 = 7.000000000000001 in floats
    expect(dollarsToCents("0.2900")).toBe(29); // 0.29 * 100 = 28.999999999999996 in floats
    expect(dollarsToCents("1.0000")).toBe(100);
    expect(dollarsToCents("")).toBeNull();
  });

  it("centsToDollars", () => {
    expect(centsToDollars(55)).toBe("0.5500");
    expect(centsToDollars(99.9)).toBe("0.9990");
    expect(centsToDollars(0)).toBe("0.0000");
    expect(centsToDollars(100)).toBe("1.0000");
    expect(centsToDollars(-170750)).toBe("-1707.5000");
    expect(() => centsToDollars(0.001)).toThrow();
    expect(() => centsToDollars(Number.NaN)).toThrow();
  });

  it("complementDollars = 1 − p exactly, keeping precision", () => {
    expect(complementDollars("0.5500")).toBe("0.4500");
    expect(complementDollars("0.9990")).toBe("0.0010");
    expect(complementDollars("0.0000")).toBe("1.0000");
    expect(complementDollars("1.0000")).toBe("0.0000");
    expect(complementDollars("0.48")).toBe("0.5200");
    expect(complementDollars("0.12345")).toBe("0.87655");
  });

  it("counts", () => {
    expect(fpToNumber("2233487.48")).toBe(2233487.48);
    expect(fpToNumber("0.11")).toBe(0.11);
    expect(fpToNumber("")).toBeNull();
    expect(() => fpToNumber("x")).toThrow();
    expect(countToHundredths("3.00")).toBe(300n);
    expect(countToHundredths("0.11")).toBe(11n);
    expect(hundredthsToCount(223348748n)).toBe("2233487.48");
    expect(intCountToFp(5120)).toBe("5120.00");
    expect(formatDollars(5500)).toBe("0.5500");
  });

  it("arithmetic on strings", () => {
    expect(addDecimal("0.1", "0.2")).toBe("0.3");
    expect(subDecimal("10.00", "54.00")).toBe("-44.00");
    expect(addDecimal("-50.00", "50")).toBe("0.00");
    expect(compareDecimal("0.50", "0.5000")).toBe(0);
    expect(compareDecimal("0.9990", "1")).toBe(-1);
    expect(compareDecimal("-1", "-2")).toBe(1);
    expect(mulDecimal("0.07", "10.00")).toBe("0.7000");
    expect(shiftDecimal("0.0550", 2)).toBe("5.5");
    expect(shiftDecimal("12", 3)).toBe("12000");
    expect(toScaledInt("-0.5", 2)).toBe(-50n);
  });

  it("properties: complement is an involution; cents ↔ dollars round-trip", () => {
    const units = fc.integer({ min: 0, max: 10_000 });
    fc.assert(
      fc.property(units, (u) => {
        const p = formatDollars(u);
        expect(complementDollars(complementDollars(p))).toBe(p);
        expect(parseDollars(p)! + parseDollars(complementDollars(p))!).toBe(10_000);
        expect(centsToDollars(dollarsToCents(p)!)).toBe(p);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (a, b) => {
        const x = hundredthsToCount(a);
        const y = hundredthsToCount(b);
        expect(countToHundredths(addDecimal(x, y))).toBe(a + b);
        expect(countToHundredths(subDecimal(x, y))).toBe(a - b);
      }),
    );
  });
});

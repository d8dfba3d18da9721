import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  add,
  ceilToScale,
  centsToDollars,
  cmp,
  complementDollars,
  countToHundredths,
  decimalToUnits,
  dollarsToCents,
  floorToScale,
  format,
  formatDollars,
  fpToNumber,
  hundredthsToCount,
  intCountToFp,
  mul,
  parseDecimal,
  parseDecimalInput,
  parseDollars,
  shiftDecimal,
  sub,
  toScaledInt,
} from "../../src/lib/decimal";

const d = parseDecimal;

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

  it("parseDollars: signs, blanks, and the unit limit", () => {
    expect(parseDollars("-0.5")).toBe(-5000);
    expect(parseDollars("+0.5")).toBe(5000);
    expect(Object.is(parseDollars("-0.0000"), 0)).toBe(true);
    expect(parseDollars(" 0.55 ")).toBe(5500);
    expect(() => parseDollars(".5")).toThrow(/not a decimal/);
    expect(() => parseDollars("1e3")).toThrow(/not a decimal/);
    expect(() => parseDollars("99999999999999999")).toThrow(RangeError);
    expect(() => formatDollars(0.5)).toThrow(RangeError);
  });

  it("exact arithmetic", () => {
    expect(format(add(d("0.1"), d("0.2")))).toBe("0.3");
    expect(format(sub(d("10.00"), d("54.00")), 2)).toBe("-44.00");
    expect(format(add(d("-50.00"), d("50")))).toBe("0");
    expect(cmp(d("0.50"), d("0.5000"))).toBe(0);
    expect(cmp(d("0.9990"), d("1"))).toBe(-1);
    expect(cmp(d("-1"), d("-2"))).toBe(1);
    expect(format(mul(d("0.07"), d("10.00")), 4)).toBe("0.7000");
    expect(format(ceilToScale(d("0.00001"), 4))).toBe("0.0001");
    expect(format(ceilToScale(d("-0.00019"), 4))).toBe("-0.0001");
    expect(format(floorToScale(d("-0.00011"), 4))).toBe("-0.0002");
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
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        (a, b) => {
          const x = hundredthsToCount(a);
          const y = hundredthsToCount(b);
          expect(countToHundredths(format(add(d(x), d(y)), 2))).toBe(a + b);
          expect(countToHundredths(format(sub(d(x), d(y)), 2))).toBe(a - b);
        },
      ),
    );
  });

  it("parseDecimalInput (API input) parses what String(number) produces", () => {
    expect(format(parseDecimalInput(0.07))).toBe("0.07");
    expect(format(parseDecimalInput(1e-7))).toBe("0.0000001");
    expect(format(parseDecimalInput("2e3"))).toBe("2000");
    expect(format(parseDecimalInput(".5"), 2)).toBe("0.50");
    expect(() => parseDecimalInput("1.2.3")).toThrow(SyntaxError);
    expect(() => parseDecimalInput(Number.NaN)).toThrow(SyntaxError);
    expect(() => parseDecimal(".5")).toThrow(RangeError);
  });

  it("decimalToUnits (the stream's per-trade path) is exact and strict", () => {
    expect([
      decimalToUnits("0.5500", 4),
      decimalToUnits("1", 4),
      decimalToUnits("0.999", 4),
      decimalToUnits("2233487.48", 2),
      decimalToUnits("3.10000", 2),
    ]).toEqual([5500, 10000, 9990, 223348748, 310]);
    expect(() => decimalToUnits("0.12345", 4)).toThrow(RangeError);
    expect(() => decimalToUnits("-1", 2)).toThrow(RangeError);
    expect(() => decimalToUnits("1e3", 2)).toThrow(RangeError);
    expect(() => decimalToUnits(".5", 2)).toThrow(RangeError);
    expect(() => decimalToUnits("99999999999999999", 2)).toThrow(RangeError);
  });

  it("property: decimalToUnits and parseDollars agree with the BigInt reference", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }), fc.integer({ min: 0, max: 3 }), (u, pad) => {
        const text = formatDollars(u) + "0".repeat(pad);
        expect(BigInt(parseDollars(text)!)).toBe(toScaledInt(text, 4));
        if (u >= 0n) expect(BigInt(decimalToUnits(text, 4))).toBe(u);
      }),
    );
  });
});

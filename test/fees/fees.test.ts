import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FeeInputError, quoteFee, UnsupportedFeeTypeError, type FeeQuoteInput } from "../../src/fees";
import { format } from "../../src/lib/decimal";

const base = { fee_type: "quadratic_with_maker_fees", fee_multiplier: 1 } as const;

describe("quoteFee — documented examples", () => {
  it("taker 10 @ $0.50 → $0.18 (raw 0.175)", () => {
    const q = quoteFee({ ...base, price_dollars: "0.50", contracts: 10, role: "taker" });
    expect(q).toMatchObject({
      raw_fee_dollars: "0.1750",
      trade_fee_dollars: "0.1750",
      rounding_fee_dollars: "0.0050",
      fee_dollars: "0.18",
    });
  });
  it("taker 1 @ $0.50 → $0.02 (raw 0.0175)", () => {
    expect(quoteFee({ ...base, price_dollars: "0.5000", contracts: "1", role: "taker" }).fee_dollars).toBe("0.02");
  });
  it("maker 10 @ $0.50 → $0.05 (raw 0.04375, trade fee 0.0438)", () => {
    const q = quoteFee({ ...base, price_dollars: "0.50", contracts: "10.00", role: "maker" });
    expect(q).toMatchObject({ raw_fee_dollars: "0.04375", trade_fee_dollars: "0.0438", fee_dollars: "0.05" });
  });
  it("agentbets table: taker 100 @ $0.05 → $0.34, maker 100 @ $0.25 → $0.33", () => {
    expect(quoteFee({ ...base, price_dollars: "0.05", contracts: 100, role: "taker" }).fee_dollars).toBe("0.34");
    expect(quoteFee({ ...base, price_dollars: "0.25", contracts: 100, role: "maker" }).fee_dollars).toBe("0.33");
  });
});

describe("quoteFee — rules", () => {
  it("makers pay nothing on `quadratic` series (no maker fees)", () => {
    const q = quoteFee({
      fee_type: "quadratic",
      fee_multiplier: 1,
      price_dollars: "0.50",
      contracts: 10,
      role: "maker",
    });
    expect(q).toMatchObject({ coefficient: "0", raw_fee_dollars: "0.0000", fee_dollars: "0.00" });
  });

  it("fee_multiplier scales the coefficient (UNCONFIRMED rule, docs/fees.md)", () => {
    const q = quoteFee({ ...base, fee_multiplier: 0.5, price_dollars: "0.50", contracts: 10, role: "taker" });
    expect(q).toMatchObject({ effective_coefficient: "0.035", raw_fee_dollars: "0.0875", fee_dollars: "0.09" });
  });

  it("sub-penny price and fractional contracts: trade fee to $0.0001, rounding fee to the balance precision", () => {
    // buy 0.11 @ $0.0550 taker: raw = 0.07·0.11·0.055·0.945 = 0.0004002075 → trade fee 0.0005;
    // balance change −0.00605 − 0.0005 = −0.00655 → floored to −0.01 → rounding fee 0.00345.
    const q = quoteFee({ ...base, price_dollars: "0.0550", contracts: "0.11", role: "taker" });
    expect(q).toMatchObject({
      raw_fee_dollars: "0.0004002075",
      trade_fee_dollars: "0.0005",
      rounding_fee_dollars: "0.00345",
      fee_dollars: "0.00395",
    });
    const direct = quoteFee({
      ...base,
      price_dollars: "0.0550",
      contracts: "0.11",
      role: "taker",
      precision: "centicent",
    });
    // −0.00655 floored to $0.0001 → −0.0066: rounding fee 0.00005.
    expect(direct).toMatchObject({ rounding_fee_dollars: "0.00005", fee_dollars: "0.00055" });
  });

  it("a sell floors the (positive) proceeds", () => {
    // sell 1 @ $0.555 taker: trade fee ceil(0.07·0.555·0.445) = ceil(0.01728825) = 0.0173;
    // balance +0.555 − 0.0173 = 0.5377 → 0.53: rounding fee 0.0077, fee 0.025.
    const q = quoteFee({ ...base, price_dollars: "0.5550", contracts: 1, role: "taker", action: "sell" });
    expect(q).toMatchObject({ trade_fee_dollars: "0.0173", rounding_fee_dollars: "0.0077", fee_dollars: "0.025" });
  });

  it("whole contracts at whole-cent prices: fee = ceil_to_cent(raw), for every price and size", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.constantFrom<"maker" | "taker">("maker", "taker"),
        (cents, c, role) => {
          const price = (cents / 100).toFixed(2);
          const q = quoteFee({ ...base, price_dollars: price, contracts: c, role });
          // Independent: integer arithmetic in units of 1e-8 dollars (coef·10^4 · C · cents · (100 − cents)).
          const coef = role === "taker" ? 700n : 175n; // ×10^-4
          const raw = coef * BigInt(c) * BigInt(cents) * BigInt(100 - cents); // ×10^-8 dollars
          const ceilCents = (raw + 999_999n) / 1_000_000n;
          expect(q.fee_dollars).toBe(format({ n: ceilCents, scale: 2 }, 2));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("flat fee type is refused, never guessed; unknown types named", () => {
    expect(() =>
      quoteFee({ fee_type: "flat", fee_multiplier: 1, price_dollars: "0.5", contracts: 1, role: "taker" }),
    ).toThrow(UnsupportedFeeTypeError);
    expect(() =>
      quoteFee({ fee_type: "cubic", fee_multiplier: 1, price_dollars: "0.5", contracts: 1, role: "taker" }),
    ).toThrow(/unknown fee_type "cubic"/);
  });

  it("rejects bad inputs naming the field", () => {
    const ok: FeeQuoteInput = { ...base, price_dollars: "0.5", contracts: 1, role: "taker" };
    const bad: [Partial<FeeQuoteInput>, string][] = [
      [{ price_dollars: "1.5" }, "price_dollars"],
      [{ price_dollars: "0.12345" }, "price_dollars"],
      [{ price_dollars: "abc" }, "price_dollars"],
      [{ contracts: 0 }, "contracts"],
      [{ contracts: "1.001" }, "contracts"],
      [{ contracts: -2 }, "contracts"],
      [{ fee_multiplier: -1 }, "fee_multiplier"],
      [{ fee_multiplier: Number.NaN }, "fee_multiplier"],
      [{ role: "both" as never }, "role"],
    ];
    for (const [patch, field] of bad) {
      try {
        quoteFee({ ...ok, ...patch });
        expect.unreachable(`accepted ${JSON.stringify(patch)}`);
      } catch (e) {
        expect(e).toBeInstanceOf(FeeInputError);
        expect((e as FeeInputError).field).toBe(field);
      }
    }
    // Trailing zeros beyond the precision are fine.
    expect(quoteFee({ ...ok, price_dollars: "0.500000", contracts: "10.000" }).fee_dollars).toBe("0.18");
  });
});

/**
 * Kalshi trading fees, computed exactly (BigInt decimals, no floats). Formula, rounding and
 * sources: docs/fees.md.
 *
 *   raw       = coefficient × fee_multiplier × C × P × (1 − P)
 *   trade fee = raw rounded up to $0.0001
 *   rounding fee: the balance change (revenue − trade fee) is floored to the member's balance
 *                 precision ($0.01, or $0.0001 for direct members); the difference is the rounding fee
 *   fee       = trade fee + rounding fee
 * For whole contracts at whole-cent prices, `fee` equals the classic ceil-to-cent of `raw`
 * (10 @ $0.50 taker → $0.18). Per-order accumulator rebates across several fills are not modelled:
 * a quote is one fill of the whole order.
 */
import { z } from "zod";
import {
  add,
  ceilToScale,
  cmp,
  floorToScale,
  format,
  mul,
  neg,
  ONE,
  parseDecimalInput,
  sub,
  ZERO,
  type Decimal,
} from "../lib/decimal";

const FeeRoleSchema = z.enum(["maker", "taker"]);
const FeeActionSchema = z.enum(["buy", "sell"]);
/** Balance precision: "cent" for members through a broker/FCM (non-direct), "centicent" for direct members. */
const BalancePrecisionSchema = z.enum(["cent", "centicent"]);
type FeeRole = z.infer<typeof FeeRoleSchema>;
type FeeAction = z.infer<typeof FeeActionSchema>;
type BalancePrecision = z.infer<typeof BalancePrecisionSchema>;

export interface FeeCoefficients {
  /** Decimal strings, e.g. "0.07". */
  taker: string;
  maker: string;
}

/** Kalshi's general fee table since 2025-07-01: taker 0.07, maker 0.0175. */
export const GENERAL_COEFFICIENTS: Readonly<FeeCoefficients> = Object.freeze({ taker: "0.07", maker: "0.0175" });

export interface FeeQuoteInput {
  /** Price of the contract bought or sold, in dollars ("0.5500"; up to 4 decimals). */
  price_dollars: string;
  /** Contracts, up to 2 decimals ("10", "0.11", or a number). */
  contracts: string | number;
  role: FeeRole;
  fee_type: string;
  /** Series fee multiplier (Kalshi's double; 1 for the general table). */
  fee_multiplier: number | string;
  /** Defaults to GENERAL_COEFFICIENTS. */
  coefficients?: FeeCoefficients;
  /** Default "buy"; decides the sign of the revenue the rounding fee is computed on. */
  action?: FeeAction;
  /** Default "cent". */
  precision?: BalancePrecision;
}

/** A fee quote, declared once: quoteFee's result and the API's `FeeQuote` (src/api/fees.ts). */
export const FeeQuoteSchema = z.object({
  price_dollars: z.string(),
  contracts: z.string(),
  role: FeeRoleSchema,
  action: FeeActionSchema,
  fee_type: z.enum(["quadratic", "quadratic_with_maker_fees"]),
  fee_multiplier: z.string(),
  coefficient: z.string().meta({
    description: 'Coefficient for the role before the multiplier ("0" for a maker on a series without maker fees)',
  }),
  effective_coefficient: z.string().meta({ description: "coefficient × fee_multiplier" }),
  raw_fee_dollars: z.string().meta({ description: "Exact unrounded fee" }),
  trade_fee_dollars: z.string().meta({ description: "Raw fee rounded up to $0.0001" }),
  rounding_fee_dollars: z.string(),
  fee_dollars: z.string().meta({ description: "Trade fee + rounding fee: what the fill costs" }),
  precision: BalancePrecisionSchema,
  formula: z.string(),
});
export type FeeQuote = z.infer<typeof FeeQuoteSchema>;

export class FeeInputError extends RangeError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "FeeInputError";
  }
}

/** `flat` ("specific trading fees") amounts are not in any source ssmd has; never guessed. */
export class UnsupportedFeeTypeError extends Error {
  constructor(readonly feeType: string) {
    super(
      feeType === "flat"
        ? "fee_type 'flat' uses Kalshi's specific trading fee table, whose amounts are not published in any source ssmd has; no quote is computed (see docs/fees.md)"
        : `unknown fee_type ${JSON.stringify(feeType)}; known: quadratic, quadratic_with_maker_fees, flat`,
    );
    this.name = "UnsupportedFeeTypeError";
  }
}

export const FEE_FORMULA =
  "fee = ceil_0.0001(coefficient × fee_multiplier × C × P × (1 − P)) + rounding fee to the balance precision";

function parseField(field: string, value: string | number, maxScale: number): Decimal {
  let d: Decimal;
  try {
    d = parseDecimalInput(value);
  } catch {
    throw new FeeInputError(field, `not a decimal number: ${JSON.stringify(value)}`);
  }
  if (d.scale > maxScale) {
    const trimmed = ceilToScale(d, maxScale);
    if (cmp(trimmed, d) !== 0)
      throw new FeeInputError(field, `at most ${maxScale} decimals, got ${JSON.stringify(value)}`);
    return trimmed;
  }
  return d;
}

export function quoteFee(input: FeeQuoteInput): FeeQuote {
  const feeType = input.fee_type;
  if (feeType !== "quadratic" && feeType !== "quadratic_with_maker_fees") throw new UnsupportedFeeTypeError(feeType);
  if (input.role !== "maker" && input.role !== "taker") throw new FeeInputError("role", `must be "maker" or "taker"`);
  const action = input.action ?? "buy";
  if (action !== "buy" && action !== "sell") throw new FeeInputError("action", `must be "buy" or "sell"`);
  const precision = input.precision ?? "cent";
  if (precision !== "cent" && precision !== "centicent")
    throw new FeeInputError("precision", `must be "cent" or "centicent"`);

  const price = parseField("price_dollars", input.price_dollars, 4);
  if (cmp(price, ZERO) < 0 || cmp(price, ONE) > 0)
    throw new FeeInputError("price_dollars", `must be within 0..1, got ${input.price_dollars}`);
  const contracts = parseField("contracts", input.contracts, 2);
  if (cmp(contracts, ZERO) <= 0) throw new FeeInputError("contracts", `must be positive, got ${input.contracts}`);
  const multiplier = parseField("fee_multiplier", input.fee_multiplier, 12);
  if (cmp(multiplier, ZERO) < 0) throw new FeeInputError("fee_multiplier", `must be ≥ 0, got ${input.fee_multiplier}`);

  const coefficients = input.coefficients ?? GENERAL_COEFFICIENTS;
  // Series without maker fees (`quadratic`) charge makers nothing.
  const coefficientText =
    input.role === "taker" ? coefficients.taker : feeType === "quadratic_with_maker_fees" ? coefficients.maker : "0";
  const coefficient = parseField(`coefficients.${input.role}`, coefficientText, 12);
  if (cmp(coefficient, ZERO) < 0) throw new FeeInputError(`coefficients.${input.role}`, "must be ≥ 0");

  const effective = mul(coefficient, multiplier);
  const raw = mul(mul(effective, contracts), mul(price, sub(ONE, price)));
  const tradeFee = ceilToScale(raw, 4);
  const notional = mul(contracts, price);
  const revenue = action === "buy" ? neg(notional) : notional;
  const balanceChange = sub(revenue, tradeFee);
  const roundingFee = sub(balanceChange, floorToScale(balanceChange, precision === "cent" ? 2 : 4));
  const fee = add(tradeFee, roundingFee);

  return {
    price_dollars: format(price, 4),
    contracts: format(contracts, 2),
    role: input.role,
    action,
    fee_type: feeType,
    fee_multiplier: format(multiplier),
    coefficient: format(coefficient),
    effective_coefficient: format(effective),
    raw_fee_dollars: format(raw, 4),
    trade_fee_dollars: format(tradeFee, 4),
    rounding_fee_dollars: format(roundingFee, 4),
    fee_dollars: format(fee, precision === "cent" ? 2 : 4),
    precision,
    formula: FEE_FORMULA,
  };
}

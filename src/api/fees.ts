/** GET /fees: tier coefficients, a series' fee schedule in force at an instant, and the get_fees tool. */
import { createRoute, z } from "@hono/zod-openapi";
import { FEE_FORMULA, FeeInputError, FeeQuoteSchema, quoteFee, UnsupportedFeeTypeError, type FeeQuote } from "../fees";
import { contractsInput, dollarPriceInput } from "../lib/validators";
import { getSeries, getSeriesFeeSchedule, listFeeTiers, openDb } from "../db/queries";
import { ApiError, ErrorResponseSchema, invalidParameter, notFound } from "./errors";
import { createApiApp } from "./factory";
import { jsonContent, notFoundError, readErrors } from "./openapi-helpers";
import { instantParam, tokenParam } from "./params";
import { feeInForce, presentFeeTier } from "./present";
import { cachedJson } from "./respond";
import { FeeTierOut, SeriesFeeOut } from "./schemas";
import { defineTool, routeOutput } from "./tools";

export const DEFAULT_TIER = "default";

export const FeesQuerySchema = z.strictObject({
  tier: tokenParam(`Fee tier (default "${DEFAULT_TIER}"); unknown tiers answer 404 listing the known ones`, 64),
  series: tokenParam("Series ticker: adds the series' fee type/multiplier in force at `at`"),
  at: instantParam("Instant for the series' fee schedule (default: now); needs `series`"),
  price: dollarPriceInput()
    .optional()
    .meta({ type: "string", description: 'Quote: contract price in dollars (0..1, ≤ 4 decimals), e.g. "0.55"' }),
  contracts: contractsInput()
    .optional()
    .meta({ type: "string", description: 'Quote: number of contracts (≤ 2 decimals), e.g. "10"' }),
  role: z
    .enum(["maker", "taker"], { error: "must be maker or taker" })
    .optional()
    .meta({ description: "Quote: maker or taker (default taker)" }),
  action: z.enum(["buy", "sell"], { error: "must be buy or sell" }).optional().meta({
    description: "Quote: buy or sell (default buy); sets the sign of the balance the rounding fee is computed on",
  }),
  precision: z.enum(["cent", "centicent"], { error: "must be cent or centicent" }).optional().meta({
    description: "Quote: member balance precision, cent (default; via a broker) or centicent (direct member)",
  }),
});

const QUOTE_PARAMS = ["price", "contracts", "role", "action", "precision"] as const;

export const FeesSchema = z
  .object({
    tier: FeeTierOut,
    series: SeriesFeeOut.nullable(),
    quote: FeeQuoteSchema.openapi("FeeQuote")
      .nullable()
      .openapi({
        description: `Present when \`price\` and \`contracts\` are given. ${FEE_FORMULA}. Without \`series\` the general table applies (fee_type quadratic, multiplier 1: makers pay nothing). Source and rounding rules: docs/fees.md`,
      }),
  })
  .openapi("Fees");

const feesRoute = createRoute({
  method: "get",
  path: "/fees",
  operationId: "get_fees",
  tags: ["fees"],
  summary: "Maker/taker fee coefficients of a tier, and a series' fee schedule in force",
  description:
    "`tier` is the fee tier: its name (`tier.tier`), the seed's `taker_fee` / `maker_fee` (the coefficients as numbers) beside the exact " +
    "`taker_coefficient` / `maker_coefficient` strings, and `updated_at`, when the coefficients took effect. " +
    "Coefficients are unitless: fee = round_up(coefficient × fee_multiplier × C × P × (1 − P)), C = contracts, P = price in dollars; " +
    "makers pay only on series whose fee_type is quadratic_with_maker_fees. " +
    `A quote (\`price\` and \`contracts\`) applies Kalshi's rounding: ${FEE_FORMULA}. Rules and sources: docs/fees.md`,
  request: { query: FeesQuerySchema },
  responses: {
    200: jsonContent(FeesSchema, "Fees"),
    ...readErrors,
    ...notFoundError,
    422: {
      content: { "application/json": { schema: ErrorResponseSchema } },
      description: "The series' fee type cannot be quoted (flat)",
    },
  },
});

export const feesApp = createApiApp().openapi(feesRoute, async (c) => {
  const q = c.req.valid("query");
  if (q.at !== undefined && q.series === undefined) throw invalidParameter("at", "only applies together with 'series'");
  const wantsQuote = q.price !== undefined || q.contracts !== undefined;
  if (wantsQuote && q.price === undefined)
    throw invalidParameter("price", "required for a fee quote (with 'contracts')", "missing");
  if (wantsQuote && q.contracts === undefined)
    throw invalidParameter("contracts", "required for a fee quote (with 'price')", "missing");
  if (!wantsQuote) {
    for (const p of QUOTE_PARAMS)
      if (q[p] !== undefined) throw invalidParameter(p, "only applies to a fee quote (with 'price' and 'contracts')");
  }
  const tierName = q.tier ?? DEFAULT_TIER;
  // Without `at` the schedule is evaluated now, rounded to the minute so the answer can be cached.
  const atMs = q.at ?? Math.floor(Date.now() / 60_000) * 60_000;
  return cachedJson(c, {
    scopes: ["fees", "series"],
    query: {
      tier: tierName,
      series: q.series,
      at: q.series === undefined ? undefined : atMs,
      ...(wantsQuote
        ? { price: q.price, contracts: q.contracts, role: q.role, action: q.action, precision: q.precision }
        : {}),
    },
    load: async () => {
      const db = openDb(c.env.DB);
      const tiers = await listFeeTiers(db);
      const tier = tiers.find((t) => t.tier === tierName);
      if (!tier) {
        throw new ApiError(
          404,
          "not_found",
          `fee tier '${tierName}' not found; known tiers: ${tiers.map((t) => t.tier).join(", ") || "(none)"}`,
          {
            known_tiers: tiers.map((t) => t.tier),
          },
        );
      }
      let series: z.infer<typeof SeriesFeeOut> | null = null;
      if (q.series !== undefined) {
        const [row, schedule] = await Promise.all([getSeries(db, q.series), getSeriesFeeSchedule(db, q.series)]);
        if (!row) throw notFound("series", q.series);
        series = {
          series_ticker: row.ticker,
          at: new Date(atMs).toISOString(),
          in_force: feeInForce(row, schedule, atMs),
        };
      }
      const quote = wantsQuote
        ? quoteOrThrow({
            price_dollars: q.price!,
            contracts: q.contracts!,
            role: q.role ?? "taker",
            action: q.action ?? "buy",
            precision: q.precision ?? "cent",
            fee_type: series?.in_force.fee_type ?? "quadratic",
            fee_multiplier: series?.in_force.fee_multiplier ?? 1,
            coefficients: { taker: tier.taker_coefficient, maker: tier.maker_coefficient },
          })
        : null;
      return { tier: presentFeeTier(tier), series, quote };
    },
  });
});

/** quoteFee with its input errors answered as 400 naming our parameter names. */
function quoteOrThrow(input: Parameters<typeof quoteFee>[0]): FeeQuote {
  try {
    return quoteFee(input);
  } catch (err) {
    if (err instanceof FeeInputError) {
      const param = err.field === "price_dollars" ? "price" : err.field;
      throw invalidParameter(param, err.message.replace(/^[a-z_]+: /, ""));
    }
    if (err instanceof UnsupportedFeeTypeError) {
      throw new ApiError(422, "unsupported_fee_type", err.message, { fee_type: err.feeType });
    }
    throw err;
  }
}

export const feeTools = [
  defineTool({
    name: "get_fees",
    title: "Fees and fee quotes",
    description:
      "Kalshi trading fees. Always: the maker/taker coefficients of a fee tier (default 'default'; unitless multipliers of C·P·(1−P)). With `series`: that series' fee type and multiplier in force at `at` (ISO-8601; default now). Quote mode — with `price` (dollars, 0..1, e.g. \"0.55\") and `contracts` (and optionally `role` maker|taker, default taker; `action`; `precision`): the exact fee of that fill as Kalshi rounds it, every amount a `*_dollars` string in dollars (`fee_dollars` = what the fill costs). Without `series` the general table applies (makers pay nothing). A flat-fee series cannot be quoted → error unsupported_fee_type.",
    input: FeesQuerySchema,
    output: routeOutput(feesRoute),
    request: (args) => ({ path: "/fees", query: args }),
  }),
];

/**
 * Kalshi wire scalars: dollars, fixed-point counts and date-times as Kalshi sends them, and the
 * optional forms the wire schemas (rest.ts, ws.ts) declare their fields with.
 * Reference: docs/kalshi-wire.md.
 */
import { z } from "zod";
import { SIGNED_DECIMAL_RE, UNSIGNED_DECIMAL_RE, wireDecimal } from "../../lib/validators";

// Decimals follow the wire rule of src/lib/validators.ts: plain text, ".5" and exponents refused.
/** FixedPointDollars: `"0.5600"` (up to 4 dp in REST, 3 dp in some WS docs, sub-penny since 2026). */
export const KalshiDollarsSchema = wireDecimal(UNSIGNED_DECIMAL_RE);
/** FixedPointCount: `"10.00"`, fractional since 2026 (`"0.11"`). */
export const KalshiCountFpSchema = wireDecimal(UNSIGNED_DECIMAL_RE);
/** Signed fixed-point count (`delta_fp`, `volume_delta_fp`). */
export const KalshiSignedFpSchema = wireDecimal(SIGNED_DECIMAL_RE);

/** RFC 3339 timestamp as sent (kept verbatim); must be parseable. */
export const KalshiDateTimeSchema = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), "expected an RFC 3339 date-time");

export const optDollars = KalshiDollarsSchema.optional();
export const optCount = KalshiCountFpSchema.optional();
export const optDateTime = KalshiDateTimeSchema.nullish();
export const optNumber = z.number().nullish();
export const optString = z.string().nullish();
export const optBool = z.boolean().nullish();

/**
 * Simulator configuration (`SimConfig`) and fault settings, validated with zod so that the
 * control API (`POST /_sim/worlds`, `/_sim/faults`, `/_sim/config`) rejects bad input clearly.
 */
import { z } from "zod";
import { MARKET_STATUSES, STATUS_FILTERS } from "./status";

/** Kalshi's response statuses and filter words: an unknown status must be neither. */
const KNOWN_STATUS_WORDS = [...MARKET_STATUSES, ...STATUS_FILTERS];

export const FaultRuleSchema = z.object({
  /** What happens to a matching request. */
  type: z.enum(["rate_limit", "server_error", "slow", "malformed", "schema_drift", "drop"]),
  /**
   * Which Kalshi REST paths (relative to /trade-api/v2) the rule applies to: exact ("/markets"),
   * or with `*` for one path segment ("/markets/*"). Default: every REST path.
   */
  path: z.string().optional(),
  /** 1-based ordinals, among requests matching `path` since the rule was installed, that trigger the rule. */
  nth: z.union([z.number().int().positive(), z.array(z.number().int().positive())]).optional(),
  /** Deterministic fraction of matching requests that trigger the rule (hash of seed, rule, ordinal). */
  fraction: z.number().min(0).max(1).optional(),
  /** Each trigger affects this many consecutive matching requests (a 429 burst). Default 1. */
  times: z.number().int().positive().optional(),
  /** Stop after this many affected requests. */
  max: z.number().int().positive().optional(),
  /** rate_limit: `Retry-After` seconds (default 1). */
  retry_after_s: z.number().int().min(0).optional(),
  /** server_error: HTTP status (default 503). */
  status: z.number().int().min(500).max(599).optional(),
  /** slow: delay before answering, ms (default 2000). */
  delay_ms: z.number().int().min(0).optional(),
  /** malformed: how the page is broken (default invalid_json). */
  mode: z.enum(["invalid_json", "wrong_envelope", "truncated_json"]).optional(),
  /** schema_drift: which field of which item(s) is removed or renamed. */
  drift: z
    .object({
      field: z.string().default("ticker"),
      action: z.enum(["remove", "rename"]).default("remove"),
      to: z.string().optional(),
      /** 0-based index of the first affected item (default: the middle item). */
      item: z.number().int().min(0).optional(),
      /** number of consecutive affected items (default 1). */
      items: z.number().int().positive().optional(),
    })
    .optional(),
  /** drop: close the connection before the headers or in the middle of the body (default mid_body). */
  at: z.enum(["before_headers", "mid_body"]).optional(),
});
export type FaultRule = z.infer<typeof FaultRuleSchema>;

export const WsFaultsSchema = z.object({
  /** Close each connection after it has received this many data messages. */
  drop_after_messages: z.number().int().positive().optional(),
  /** Every Nth sequenced data message on a connection skips one `seq` number (a gap). */
  gap_every: z.number().int().positive().optional(),
  /** Every Nth data message on a connection, if sequenced, is lost: its `seq` is used up, the frame never sent. */
  drop_every: z.number().int().positive().optional(),
  /** Every Nth data message on a connection is sent twice. */
  duplicate_every: z.number().int().positive().optional(),
});
export type WsFaults = z.infer<typeof WsFaultsSchema>;

export const FaultsSchema = z.object({
  rules: z.array(FaultRuleSchema).default([]),
  ws: WsFaultsSchema.default({}),
});
export type Faults = z.infer<typeof FaultsSchema>;

export const MutationRatesSchema = z.object({
  price_change_per_hour: z.number().min(0).optional(),
  metadata_change_per_hour: z.number().min(0).optional(),
  new_markets_per_hour: z.number().min(0).optional(),
  vanish_per_hour: z.number().min(0).optional(),
  pause_per_hour: z.number().min(0).optional(),
});

export const SimConfigSchema = z.object({
  seed: z.number().int().default(1),
  markets: z.number().int().min(0).max(2_000_000).default(2000),
  series: z.number().int().positive().optional(),
  events: z.number().int().positive().optional(),
  /** Simulated time at start (ms). Default: real time now. */
  start_time_ms: z.number().int().optional(),
  /** "manual": time moves only via POST /_sim/clock; "realtime": it also follows the wall clock. */
  clock: z.enum(["manual", "realtime"]).default("manual"),
  /** Token bucket on REST reads per second; null/absent = unlimited. */
  reads_per_second: z.number().positive().nullable().optional(),
  faults: FaultsSchema.optional(),
  /** Emit the deprecated integer fields next to the dollar/fp strings. */
  legacy_fields: z.boolean().default(false),
  /** Trades per (wall-clock) second on the WebSocket feed, spread over subscribed markets. */
  trade_rate_per_s: z.number().min(0).default(5),
  mutation_rates: MutationRatesSchema.optional(),
  /** Reject REST requests and WS upgrades that carry no KALSHI-ACCESS-* headers. */
  require_auth: z.boolean().default(false),
  /** key id → SPKI PEM (RSA): when set, signatures are verified (RSA-PSS SHA-256, salt 32). */
  auth_public_keys: z.record(z.string(), z.string()).optional(),
  /**
   * Incompatible GET /markets filter combinations: "error" → 400 (default; matches the
   * fixture), "empty" → 200 with an empty page (what Kalshi was observed doing, docs/kalshi-wire.md Q7).
   */
  incompatible_filters: z.enum(["error", "empty"]).default("error"),
  /**
   * Markets settled more than this many days before now leave GET /markets and live only under
   * GET /historical/markets (Kalshi's historical cutoff). null disables the split.
   */
  historical_cutoff_days: z.number().min(0).nullable().default(90),
  /**
   * Share of markets (0–1) served with `unknown_status` as their `status`: a word outside Kalshi's
   * vocabulary, as when Kalshi adds or renames a status without notice. Which markets is decided
   * per market id from the seed (markets created later too), without changing any other generated
   * value. No `status` filter of GET /markets (or of GET /events, for an event of only such
   * markets) selects them; unfiltered and timestamp-only listings, `tickers=`, `event_ticker=`,
   * GET /markets/{ticker} and GET /events/{ticker} serve them. Their lifecycle (times, prices,
   * settlement) goes on underneath; only the served word differs.
   */
  unknown_status_share: z.number().min(0).max(1).default(0),
  /** The raw status those markets carry; must not be one of Kalshi's response or filter words. */
  unknown_status: z
    .string()
    .refine(
      (s) => !(KNOWN_STATUS_WORDS as readonly string[]).includes(s),
      "must not be a Kalshi status or status filter word",
    )
    .default("frozen"),
});
export type SimConfig = z.input<typeof SimConfigSchema>;
export type ResolvedSimConfig = z.output<typeof SimConfigSchema>;

export const DEFAULT_RATES = {
  price_change_per_hour: 0.2,
  metadata_change_per_hour: 0.005,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0.001,
};

/** Default new-market and vanish rates scale with the world size. */
export function resolveRates(cfg: ResolvedSimConfig) {
  const r = cfg.mutation_rates ?? {};
  return {
    price_change_per_hour: r.price_change_per_hour ?? DEFAULT_RATES.price_change_per_hour,
    metadata_change_per_hour: r.metadata_change_per_hour ?? DEFAULT_RATES.metadata_change_per_hour,
    new_markets_per_hour: r.new_markets_per_hour ?? Math.max(1, cfg.markets * 0.002),
    vanish_per_hour: r.vanish_per_hour ?? cfg.markets * 0.0002,
    pause_per_hour: r.pause_per_hour ?? DEFAULT_RATES.pause_per_hour,
  };
}

export const MutateSchema = z.object({
  /** Fraction of active markets whose quotes/volume change (trading fields only). */
  change_fraction: z.number().min(0).max(1).optional(),
  /** Number of active markets with a metadata change (moves updated_time). */
  metadata_changes: z.number().int().min(0).optional(),
  new_markets: z.number().int().min(0).max(1_000_000).optional(),
  /** Tickers to delete, or how many (provisional first) to delete at random. */
  vanish: z.union([z.array(z.string()), z.number().int().min(0)]).optional(),
  reappear: z.array(z.string()).optional(),
  /** Tickers served in the unknown status word from now on (their updated_time moves). */
  set_unknown_status: z.array(z.string()).optional(),
  /** Tickers served in their lifecycle status again. */
  clear_unknown_status: z.array(z.string()).optional(),
});

export const ClockSchema = z.union([
  z.object({ advance_ms: z.number().int().min(0) }),
  z.object({ set_ms: z.number().int() }),
]);

export const RuntimeConfigSchema = z.object({
  reads_per_second: z.number().positive().nullable().optional(),
  trade_rate_per_s: z.number().min(0).optional(),
  mutation_rates: MutationRatesSchema.optional(),
  require_auth: z.boolean().optional(),
  legacy_fields: z.boolean().optional(),
  incompatible_filters: z.enum(["error", "empty"]).optional(),
  historical_cutoff_days: z.number().min(0).nullable().optional(),
});

export const FeedPumpSchema = z.object({ trades: z.number().int().min(0).max(1_000_000) });

/**
 * The ingest object's health report: one zod schema, the source of the TypeScript type returned by
 * `IngestObject.health()` and of the OpenAPI document of /admin/ingest/*.
 */
import { z } from "zod";

const int = () => z.number().int();
function counters<const K extends string>(keys: readonly K[]) {
  return z.object(Object.fromEntries(keys.map((k) => [k, z.number()])) as Record<K, z.ZodNumber>);
}

export const IngestBackfillHealthSchema = z.object({
  base_url: z.string(),
  backfills: int().meta({ description: "Jobs run (a job = the gaps/reconnects merged while the previous one ran)" }),
  requests: int(),
  backfilled_trades: int().meta({
    description: "Trades fetched and forwarded (ticker objects drop those the stream had delivered)",
  }),
  invalid: int().meta({ description: "REST trades that failed the schema or normalization" }),
  errors: int().meta({ description: "Failed attempts after the client's own retries" }),
  abandoned: int().meta({ description: "Jobs given up after their last attempt" }),
  truncated: int().meta({
    description: "Jobs that hit the page bound; a continuation job reads on from where each stopped",
  }),
  running: z.boolean(),
  pending_tickers: int(),
  last_error: z.string().nullable(),
});

export const IngestProtocolStatsSchema = z.object({
  frames: int(),
  data_messages: int(),
  trades: int(),
  tickers: int(),
  book_updates: int(),
  duplicate_frames: int().meta({ description: "Frames whose seq was already seen on their sid (dropped)" }),
  gaps: int(),
  gaps_by_channel: z.record(z.string(), int()),
  seq_by_channel: z.record(z.string(), z.object({ span: int(), received: int() })).meta({
    description:
      "Per channel: the sequence numbers observed (first to last seq of every subscription, this ingest instance) and the frames received in order within them; span − received were lost",
  }),
  resubscribes: int(),
  market_not_found: int().meta({
    description: 'Subscribe/update_subscription commands refused with "Market not found" (16)',
  }),
  invalid: int(),
  error_replies: int(),
  ignored: int(),
  last_error: z.string().nullable(),
});

export const IngestHealthSchema = z
  .object({
    running: z.boolean(),
    feed: z.string(),
    connected: z.boolean(),
    connected_since: z.number().nullable(),
    url: z.string(),
    authenticated: z.boolean(),
    markets: int(),
    subscriptions: z.array(
      z.object({
        channel: z.string(),
        sid: z.number().nullable(),
        markets: int(),
        subscribing: z.boolean(),
        refused: z.boolean(),
      }),
    ),
    last_message_at: z.number().nullable(),
    last_message_age_ms: z.number().nullable(),
    messages_per_s: z.number(),
    reconnects: int(),
    connect_failures: int(),
    next_reconnect_at: z.number().nullable(),
    last_error: z.string().nullable(),
    protocol: IngestProtocolStatsSchema,
    not_found_markets: z
      .array(z.string())
      .meta({ description: 'Tickers left out because Kalshi answered "Market not found"' }),
    backfill: IngestBackfillHealthSchema.meta({
      description: "REST recovery of lost trade frames (trade-channel gaps, reconnects)",
    }),
    forward: counters([
      "flushes",
      "rpc_calls",
      "trades",
      "added",
      "duplicates",
      "outside",
      "rejected",
      "failures",
      "dropped_trades",
      "pending_trades",
    ]),
    http: counters(["batches", "trades"]),
    registry: counters(["pending", "statements", "rows"]),
  })
  .meta({ id: "IngestHealth" });

export type IngestHealth = z.infer<typeof IngestHealthSchema>;

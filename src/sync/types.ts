/**
 * The sync's run records — what the coordinator reports, the admin API answers (`SyncRun`,
 * `SyncProgress` in /openapi.json) and the CLI reads: one zod schema per shape, the types inferred.
 */
import { z } from "zod";

const count = () => z.number().int();

export const SyncModeSchema = z.enum(["full", "incremental"]);
export type SyncMode = z.infer<typeof SyncModeSchema>;
export const SyncTriggerSchema = z.enum(["cron", "admin"]);
export type SyncTrigger = z.infer<typeof SyncTriggerSchema>;
const SyncRunStateSchema = z.enum(["running", "succeeded", "failed"]);
export type SyncRunState = z.infer<typeof SyncRunStateSchema>;
const SyncPhaseSchema = z.enum(["listings", "fixup", "scan", "verify", "finalize", "done"]);
export type SyncPhase = z.infer<typeof SyncPhaseSchema>;
const DriftObjectTypeSchema = z.enum(["market", "event", "series"]);
export type DriftObjectType = z.infer<typeof DriftObjectTypeSchema>;

const ByTableSchema = z.record(z.enum(["markets", "events", "series", "series_fees"]), count());

const UnknownFieldsSchema = z.object({
  items: count(),
  fields: z.record(z.string(), count()),
  examples: z.array(z.string()),
});

/**
 * Drift counters. `items` count items as Kalshi returned them (a market returned by two listings of
 * a run counts twice); maps hold at most 20 distinct keys (the rest under "(other)"), examples ≤ 5.
 */
const DriftCountsSchema = z.object({
  unknown_status: z
    .object({ items: count(), values: z.record(z.string(), count()), examples: z.array(z.string()) })
    .meta({
      description:
        "Markets whose raw status is not in ssmd's status table (stored with status `unknown`), by raw value",
    }),
  unknown_fields: z
    .object({ market: UnknownFieldsSchema, event: UnknownFieldsSchema, series: UnknownFieldsSchema })
    .meta({ description: "Items carrying fields their wire schema does not declare (kept in `extra`), by field name" }),
  malformed: z
    .object({
      items: count(),
      examples: z.array(z.object({ kind: z.string(), ticker: z.string().nullable(), issues: z.string() })),
    })
    .meta({ description: "Items skipped as malformed (the run soft-deletes nothing then), with a few examples" }),
});
export type DriftCounts = z.infer<typeof DriftCountsSchema>;

const DriftTotalsSchema = DriftCountsSchema.extend({
  runs: count().meta({ description: "Finished runs counted" }),
  since: z.string().nullable().meta({ description: "First run counted (ISO-8601)" }),
});
export type DriftTotals = z.infer<typeof DriftTotalsSchema>;

const ListingProgressSchema = z.object({
  id: z.string(),
  state: z
    .enum(["pending", "done", "failed"])
    .meta({ description: "pending: not finished yet; done: paged to its last page; failed: gave up after retries" }),
  pages: count(),
  items: count(),
  skipped: count().meta({
    description: "Malformed items skipped: a listing with skipped items is incomplete for soft deletes",
  }),
  attempts: count().meta({ description: "Failed attempts (each resumed from the last committed cursor)" }),
  error: z.string().nullable(),
});
export type ListingProgress = z.infer<typeof ListingProgressSchema>;

export const SyncProgressSchema = z
  .object({
    listings_total: count(),
    listings_done: count(),
    pages: count(),
    items_seen: count(),
    rows_written: count().meta({
      description: "D1 `meta.rows_written` summed over the run's writes (index entries included)",
    }),
    soft_deleted: count(),
    undeleted: count(),
    retries: count(),
    skipped_items: count().meta({ description: "Malformed items skipped, with their tickers" }),
    errors: z.array(z.string()),
    phase: SyncPhaseSchema.optional().meta({
      description: "Where the run is: listings → fixup → reconcile (scan, verify) → finalize → done",
    }),
    listings: z
      .array(ListingProgressSchema)
      .optional()
      .meta({ description: "Each listing of the window and its completeness" }),
    rows_written_by_table: ByTableSchema.optional().meta({
      description: "rows_written split by table (D1 meta.rows_written, index entries included)",
    }),
    rows_changed: ByTableSchema.optional().meta({
      description: "Rows whose content actually changed (inserted or updated), by table",
    }),
    soft_delete: z.string().optional().meta({
      description:
        'Soft-delete phase outcome, e.g. "done: 12 candidates verified" or "skipped: incomplete listings markets:window#1 (failed)"',
    }),
    verified: count()
      .optional()
      .meta({ description: "Stored markets not returned by the window and checked with GET /markets?tickers=" }),
    already_written: count().optional().meta({
      description:
        "Incremental runs: listed items whose row this run had already written with the same content (another listing returned them first); validated and seen, not sent to D1 again",
    }),
    repaired_events: count().optional().meta({
      description:
        "Events whose follow-up writes (markets' series/category, derived status) an earlier failure had left undone, finished by this run",
    }),
    phase_ms: z
      .partialRecord(SyncPhaseSchema, z.number())
      .optional()
      .meta({ description: "Wall time spent per phase (ms)" }),
    steps: count().optional().meta({ description: "Alarm steps taken" }),
    drift: DriftCountsSchema.optional().meta({
      description:
        "What Kalshi sent that ssmd does not know: unknown statuses and fields, malformed items (src/sync/drift.ts)",
    }),
    drift_total: DriftTotalsSchema.optional().meta({
      description: "Drift over every run the coordinator has finished, this one included; set when the run ends",
    }),
  })
  .meta({ id: "SyncProgress" });
export type SyncProgress = z.infer<typeof SyncProgressSchema>;

export const SyncRunSchema = z
  .object({
    run_id: z.string(),
    mode: SyncModeSchema,
    trigger: SyncTriggerSchema,
    status: SyncRunStateSchema,
    started_at: z.string(),
    finished_at: z.string().nullable(),
    progress: SyncProgressSchema,
    error: z.string().nullable(),
  })
  .meta({ id: "SyncRun" });
export type SyncRunStatus = z.infer<typeof SyncRunSchema>;

/**
 * `started`: a new run; `joined`: the same mode was already running, its run is returned;
 * `conflict`: another mode is running (the admin API answers 409).
 */
const StartSyncResultSchema = z.object({ outcome: z.enum(["started", "joined", "conflict"]), run: SyncRunSchema });
export type StartSyncResult = z.infer<typeof StartSyncResultSchema>;

/**
 * The events writer: changed-rows-only upserts of normalized events (./upsert.ts builds the
 * statement; `status` is not Kalshi's), and the event status derived from their markets.
 */
import { deriveEventStatus } from "../domain/status";
import { events } from "./schema";
import type { EventContent } from "./schema";
import {
  type BatchLimits,
  buildUpsert,
  contentColumns,
  DEFAULT_BATCH_LIMITS,
  jsonBatches,
  type TableWrite,
} from "./upsert";

export interface EventsUpsertResult extends TableWrite {
  changed: string[];
}

const EVENTS = buildUpsert({
  table: "events",
  pk: "event_ticker",
  columns: contentColumns(events, ["status", "market_count"]),
  returning: ["event_ticker"],
});

export async function upsertEvents(
  db: D1Database,
  rows: readonly EventContent[],
  nowMs: number,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
): Promise<EventsUpsertResult> {
  const res: EventsUpsertResult = { rows_written: 0, changed: [] };
  for (const batch of EVENTS.batches(rows, limits)) {
    const r = await db.prepare(EVENTS.sql).bind(batch, nowMs).all<{ event_ticker: string }>();
    res.rows_written += r.meta.rows_written;
    for (const row of r.results) res.changed.push(row.event_ticker);
  }
  return res;
}

/**
 * Re-derives events.status (Kalshi's events carry none, docs/kalshi-wire.md Q6) from their live markets with
 * deriveEventStatus, for the given events only, and writes only the events whose status changed.
 */
export async function deriveEventStatuses(
  db: D1Database,
  eventTickers: readonly string[],
  nowMs: number,
): Promise<TableWrite & { changed: number }> {
  let rows_written = 0;
  let changed = 0;
  for (const batch of jsonBatches(eventTickers, { maxBytes: 256 * 1024, maxRows: 1000 })) {
    const cur = await db
      .prepare(
        "SELECT e.event_ticker AS t, e.status AS status, " +
          "(SELECT json_group_array(DISTINCT m.status) FROM markets m WHERE m.event_ticker = e.event_ticker AND m.deleted_at IS NULL) AS statuses " +
          "FROM events e WHERE e.event_ticker IN (SELECT value FROM json_each(?1))",
      )
      .bind(batch)
      .all<{ t: string; status: string; statuses: string }>();
    const updates: Array<{ t: string; s: string }> = [];
    for (const row of cur.results) {
      const s = deriveEventStatus(JSON.parse(row.statuses) as string[]);
      if (s !== row.status) updates.push({ t: row.t, s });
    }
    if (updates.length === 0) continue;
    const r = await db
      .prepare(
        "UPDATE events SET status = json_extract(j.value, '$.s'), updated_at = ?2 FROM json_each(?1) AS j " +
          "WHERE events.event_ticker = json_extract(j.value, '$.t') AND events.status IS NOT json_extract(j.value, '$.s')",
      )
      .bind(JSON.stringify(updates), nowMs)
      .run();
    rows_written += r.meta.rows_written;
    changed += r.meta.changes;
  }
  return { rows_written, changed };
}

/**
 * The markets writer: changed-rows-only upserts of normalized markets (./upsert.ts builds the
 * statement; series_ticker and category are denormalized from the event), and the copy of those
 * two columns from events that changed or arrived after their markets.
 */
import { markets } from "./schema";
import type { MarketContent } from "./schema";
import {
  type BatchLimits,
  buildUpsert,
  contentColumns,
  DEFAULT_BATCH_LIMITS,
  jsonBatches,
  realColumns,
  type TableWrite,
  textBatches,
} from "./upsert";

export interface MarketsUpsertResult extends TableWrite {
  /** Tickers inserted or changed. */
  changed: string[];
  /** Tickers that were soft-deleted and are now back. */
  undeleted: string[];
  /** Event tickers of the changed markets (their event status may need re-deriving). */
  events: string[];
}

const MARKETS = buildUpsert({
  table: "markets",
  pk: "ticker",
  columns: contentColumns(markets, ["series_ticker", "category"]),
  reals: realColumns(markets),
  // Denormalized from the event, when D1 has it (else filled by denormalizeMarkets later).
  computed: () => ({ series_ticker: "e.series_ticker", category: "e.category" }),
  joins: (col) => `LEFT JOIN events AS e ON e.event_ticker = ${col("event_ticker")}`,
  undelete: true,
  returning: ["ticker", "event_ticker"],
});

const DELETED_AMONG_SQL =
  "SELECT ticker FROM markets WHERE deleted_at IS NOT NULL AND ticker IN " +
  `(SELECT ${MARKETS.col("ticker")} FROM json_each(?1) AS j)`;

export async function upsertMarkets(
  db: D1Database,
  rows: readonly MarketContent[],
  nowMs: number,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
): Promise<MarketsUpsertResult> {
  return upsertMarketTexts(db, rows.map(marketRowText), nowMs, limits);
}

/** A normalized market as the JSON array text the upsert takes (equal texts = equal content). */
export function marketRowText(row: MarketContent): string {
  return MARKETS.rowText(row);
}

/** `upsertMarkets` for rows already serialized with `marketRowText`. */
export async function upsertMarketTexts(
  db: D1Database,
  rowTexts: readonly string[],
  nowMs: number,
  limits: BatchLimits = DEFAULT_BATCH_LIMITS,
): Promise<MarketsUpsertResult> {
  const res: MarketsUpsertResult = { rows_written: 0, changed: [], undeleted: [], events: [] };
  const eventSet = new Set<string>();
  for (const batch of textBatches(rowTexts, limits)) {
    // One round trip: which of these are soft-deleted (read), then the upsert.
    const [deleted, upserted] = await db.batch<Record<string, string>>([
      db.prepare(DELETED_AMONG_SQL).bind(batch),
      db.prepare(MARKETS.sql).bind(batch, nowMs),
    ]);
    for (const r of deleted!.results) res.undeleted.push(r.ticker!);
    res.rows_written += upserted!.meta.rows_written;
    for (const r of upserted!.results) {
      res.changed.push(r.ticker!);
      eventSet.add(r.event_ticker!);
    }
  }
  res.events = [...eventSet];
  return res;
}

/**
 * Copies series_ticker/category from events onto their markets where they differ (after events
 * changed, or arrived after their markets). Writes only the markets whose values differ.
 */
export async function denormalizeMarkets(
  db: D1Database,
  eventTickers: readonly string[],
  nowMs: number,
): Promise<TableWrite & { changed: number }> {
  let rows_written = 0;
  let changed = 0;
  for (const batch of jsonBatches(eventTickers, { maxBytes: 256 * 1024, maxRows: 2000 })) {
    const r = await db
      .prepare(
        "UPDATE markets SET series_ticker = e.series_ticker, category = e.category, updated_at = ?2 " +
          "FROM events AS e WHERE e.event_ticker = markets.event_ticker " +
          "AND markets.event_ticker IN (SELECT value FROM json_each(?1)) " +
          "AND (markets.series_ticker IS NOT e.series_ticker OR markets.category IS NOT e.category)",
      )
      .bind(batch, nowMs)
      .run();
    rows_written += r.meta.rows_written;
    changed += r.meta.changes;
  }
  return { rows_written, changed };
}

/**
 * D1 schema (drizzle). `migrations/*.sql` is generated from this file with `npm run db:generate`
 * and applied with `wrangler d1 migrations apply`.
 *
 * Conventions
 * - Kalshi's values are stored losslessly as sent: prices as `*_dollars` decimal strings, counts as
 *   `*_fp` fixed-point strings, timestamps as the RFC 3339 strings Kalshi sent. Integer `*_ts`
 *   columns (Unix milliseconds) exist only where the API filters or sorts on a time.
 * - Fields Kalshi sends that ssmd has no column for are kept in `extra` (a JSON object), never dropped.
 * - `first_seen_at`, `updated_at`, `deleted_at` are ssmd's own bookkeeping (Unix ms). `updated_at`
 *   moves only when the row's content changed, so an unchanged row is never rewritten.
 * - Nothing is hard-deleted by a sync: a market that vanished gets `deleted_at`.
 */
import { sql } from "drizzle-orm";
import { customType, index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * A text column holding a JSON value (object or array) as Kalshi sent it: stored and read as text
 * (drizzle's own `mode: "json"` would parse it on every read), normalized with JSON.stringify and
 * presented parsed. It is the only custom column type, so `dataType === "custom"` marks JSON
 * (src/db/shape.ts); the SQL type stays `text`, so it needs no migration.
 */
const jsonText = customType<{ data: string; driverData: string }>({ dataType: () => "text" });

const bookkeeping = {
  extra: jsonText("extra"),
  first_seen_at: integer("first_seen_at").notNull(),
  updated_at: integer("updated_at").notNull(),
  deleted_at: integer("deleted_at"),
};

export const series = sqliteTable(
  "series",
  {
    ticker: text("ticker").primaryKey(),
    title: text("title").notNull(),
    category: text("category").notNull(),
    frequency: text("frequency").notNull(),
    tags: jsonText("tags"),
    settlement_sources: jsonText("settlement_sources"),
    contract_url: text("contract_url"),
    contract_terms_url: text("contract_terms_url"),
    fee_type: text("fee_type").notNull(),
    fee_multiplier: real("fee_multiplier").notNull(),
    additional_prohibitions: jsonText("additional_prohibitions"),
    product_metadata: jsonText("product_metadata"),
    volume_fp: text("volume_fp"),
    ...bookkeeping,
  },
  (t) => [index("series_category").on(t.category)],
);

export const events = sqliteTable(
  "events",
  {
    event_ticker: text("event_ticker").primaryKey(),
    series_ticker: text("series_ticker").notNull(),
    title: text("title").notNull(),
    sub_title: text("sub_title"),
    /** Event's own (deprecated) category, else its series' category. */
    category: text("category"),
    collateral_return_type: text("collateral_return_type"),
    mutually_exclusive: integer("mutually_exclusive", { mode: "boolean" }).notNull(),
    available_on_brokers: integer("available_on_brokers", { mode: "boolean" }),
    product_metadata: jsonText("product_metadata"),
    strike_date: text("strike_date"),
    strike_period: text("strike_period"),
    /** Derived from the event's markets (Kalshi's REST events carry no status): see docs/data-model.md. */
    status: text("status").notNull().default("unknown"),
    ...bookkeeping,
    /**
     * The event's markets that are not soft-deleted, kept by the triggers of migration 0006 on every
     * write to markets or events (docs/decisions/0090-event-market-count-column.md): a list page reads
     * it from the row instead of counting every matching event's markets before the sort.
     */
    market_count: integer("market_count").notNull().default(0),
  },
  // The page-order indexes of GET /events ((filter columns…, event_ticker)) are created by migration
  // 0006 in SQL, beside these (docs/decisions/0090-event-market-count-column.md).
  (t) => [
    index("events_category_status").on(t.category, t.status),
    index("events_series_status").on(t.series_ticker, t.status),
    index("events_status").on(t.status),
  ],
);

export const markets = sqliteTable(
  "markets",
  {
    ticker: text("ticker").primaryKey(),
    event_ticker: text("event_ticker").notNull(),
    /** Denormalized from the event so the list filters are single-index scans. */
    series_ticker: text("series_ticker"),
    category: text("category"),
    market_type: text("market_type").notNull(),
    title: text("title"),
    subtitle: text("subtitle"),
    yes_sub_title: text("yes_sub_title"),
    no_sub_title: text("no_sub_title"),
    /** open | closed | settled | unknown — see src/domain/status.ts. */
    status: text("status").notNull(),
    /** Kalshi's status exactly as sent (initialized, active, inactive, closed, determined, ...). */
    status_raw: text("status_raw").notNull(),
    created_time: text("created_time"),
    updated_time: text("updated_time"),
    open_time: text("open_time"),
    close_time: text("close_time"),
    open_ts: integer("open_ts"),
    close_ts: integer("close_ts"),
    expected_expiration_time: text("expected_expiration_time"),
    expiration_time: text("expiration_time"),
    latest_expiration_time: text("latest_expiration_time"),
    settlement_timer_seconds: integer("settlement_timer_seconds"),
    settlement_ts: text("settlement_ts"),
    fee_waiver_expiration_time: text("fee_waiver_expiration_time"),
    yes_bid_dollars: text("yes_bid_dollars"),
    yes_ask_dollars: text("yes_ask_dollars"),
    no_bid_dollars: text("no_bid_dollars"),
    no_ask_dollars: text("no_ask_dollars"),
    /** 1 when Kalshi omitted the NO side and ssmd derived it (no_bid = 1 − yes_ask, no_ask = 1 − yes_bid). */
    no_side_derived: integer("no_side_derived", { mode: "boolean" }).notNull().default(false),
    last_price_dollars: text("last_price_dollars"),
    previous_yes_bid_dollars: text("previous_yes_bid_dollars"),
    previous_yes_ask_dollars: text("previous_yes_ask_dollars"),
    previous_price_dollars: text("previous_price_dollars"),
    yes_bid_size_fp: text("yes_bid_size_fp"),
    yes_ask_size_fp: text("yes_ask_size_fp"),
    volume_fp: text("volume_fp"),
    volume_24h_fp: text("volume_24h_fp"),
    open_interest_fp: text("open_interest_fp"),
    notional_value_dollars: text("notional_value_dollars"),
    result: text("result"),
    expiration_value: text("expiration_value"),
    settlement_value_dollars: text("settlement_value_dollars"),
    can_close_early: integer("can_close_early", { mode: "boolean" }),
    fractional_trading_enabled: integer("fractional_trading_enabled", { mode: "boolean" }),
    early_close_condition: text("early_close_condition"),
    price_level_structure: text("price_level_structure"),
    settlement_bounds_type: text("settlement_bounds_type"),
    price_ranges: jsonText("price_ranges"),
    strike_type: text("strike_type"),
    floor_strike: real("floor_strike"),
    cap_strike: real("cap_strike"),
    functional_strike: text("functional_strike"),
    custom_strike: jsonText("custom_strike"),
    rules_primary: text("rules_primary"),
    rules_secondary: text("rules_secondary"),
    mve_collection_ticker: text("mve_collection_ticker"),
    mve_selected_legs: jsonText("mve_selected_legs"),
    primary_participant_key: text("primary_participant_key"),
    is_provisional: integer("is_provisional", { mode: "boolean" }),
    ...bookkeeping,
  },
  // Every list filter combination is an equality prefix followed by the API's page order
  // (close_ts, ticker), so a page reads about `limit` rows whatever the filters.
  (t) => [
    index("markets_close_ticker").on(t.close_ts, t.ticker),
    index("markets_status_close_ticker").on(t.status, t.close_ts, t.ticker),
    index("markets_category_close_ticker").on(t.category, t.close_ts, t.ticker),
    index("markets_category_status_close_ticker").on(t.category, t.status, t.close_ts, t.ticker),
    index("markets_series_close_ticker").on(t.series_ticker, t.close_ts, t.ticker),
    index("markets_series_status_close_ticker").on(t.series_ticker, t.status, t.close_ts, t.ticker),
    index("markets_event").on(t.event_ticker),
  ],
);

/**
 * Per-series fee schedule: one row per (series, effective time). Kalshi's fee-change feed repeats
 * a change under different ids (docs/kalshi-wire.md Q17), so the key is the time, and every id seen is kept.
 * `effective_ts` 0 is the series' fee as first seen on the series itself (series that never changed
 * fees never appear in the feed).
 */
export const seriesFees = sqliteTable(
  "series_fees",
  {
    series_ticker: text("series_ticker").notNull(),
    effective_ts: integer("effective_ts").notNull(),
    scheduled_ts: text("scheduled_ts"),
    fee_type: text("fee_type").notNull(),
    fee_multiplier: real("fee_multiplier").notNull(),
    source: text("source").notNull(), // 'series' | 'fee_change'
    change_ids: text("change_ids"), // JSON array of Kalshi fee-change ids
    first_seen_at: integer("first_seen_at").notNull(),
    updated_at: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.series_ticker, t.effective_ts] })],
);

/**
 * Fee tiers for `GET /fees?tier=`: coefficients of Kalshi's quadratic fee, as decimal strings.
 * fee = round_up(coefficient × multiplier × contracts × P × (1 − P)); see docs/fees.md.
 */
export const feeTiers = sqliteTable("fee_tiers", {
  tier: text("tier").primaryKey(),
  description: text("description").notNull(),
  taker_coefficient: text("taker_coefficient").notNull(),
  maker_coefficient: text("maker_coefficient").notNull(),
  updated_at: integer("updated_at").notNull(),
});

export const syncRuns = sqliteTable(
  "sync_runs",
  {
    id: text("id").primaryKey(),
    mode: text("mode").notNull(), // full | incremental
    trigger: text("trigger").notNull(), // cron | admin | cli
    status: text("status").notNull(), // running | succeeded | failed
    started_at: integer("started_at").notNull(),
    finished_at: integer("finished_at"),
    stats: text("stats"), // JSON progress counters
    error: text("error"),
  },
  (t) => [index("sync_runs_started").on(t.started_at)],
);

/** Per-day registry of tickers that had stream data (written in batches by the ingest object). */
export const tickerDays = sqliteTable(
  "ticker_days",
  {
    feed: text("feed").notNull(),
    day: text("day").notNull(), // YYYY-MM-DD (UTC)
    ticker: text("ticker").notNull(),
    first_ts: integer("first_ts").notNull(),
    last_ts: integer("last_ts").notNull(),
    messages: integer("messages").notNull(),
  },
  (t) => [primaryKey({ columns: [t.feed, t.day, t.ticker] })],
);

export type SeriesRow = typeof series.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type MarketRow = typeof markets.$inferSelect;
export type SeriesFeeRow = typeof seriesFees.$inferSelect;
export type FeeTierRow = typeof feeTiers.$inferSelect;
export type SyncRunRow = typeof syncRuns.$inferSelect;
export type TickerDayRow = typeof tickerDays.$inferSelect;

/** ssmd's own bookkeeping columns (not Kalshi's content). */
export const BOOKKEEPING = ["first_seen_at", "updated_at", "deleted_at"] as const;
type Bookkeeping = (typeof BOOKKEEPING)[number];

/**
 * What ssmd stores of a Kalshi series, event and market: the columns filled from Kalshi, i.e. the
 * table without its bookkeeping and without what the database derives itself (an event's `status`
 * and `market_count` from its markets, a market's `series_ticker` and `category` from its event).
 * These are what the wire layer's normalizers produce (src/kalshi/to-content.ts, through the
 * shapes of src/db/shape.ts).
 */
export type SeriesContent = Omit<SeriesRow, Bookkeeping>;
export type EventContent = Omit<EventRow, Bookkeeping | "status" | "market_count">;
export type MarketContent = Omit<MarketRow, Bookkeeping | "series_ticker" | "category">;

export { sql };

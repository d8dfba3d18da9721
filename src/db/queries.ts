/**
 * Read queries of the data API (drizzle over D1). Lists use keyset pagination over a stable,
 * unique order so a page never repeats or skips a row however deep the client goes, and every
 * filter combination stays an index range scan (see the indexes in schema.ts):
 *   markets: (close_ts, ticker)   events: (event_ticker)   series: (ticker)
 */
import {
  and,
  asc,
  Column,
  eq,
  fillPlaceholders,
  getTableName,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  lt,
  is,
  or,
  SQL as SqlChunk,
  sql,
  type Placeholder,
  type SQL,
} from "drizzle-orm";
import type { D1Database, D1DatabaseSession } from "@cloudflare/workers-types";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { ftsQueries, marketSearchBuckets, marketSearchPage, type FtsQueries } from "./fts";
import {
  MARKET_STATUS_FILTERS,
  normalizeMarketStatus,
  type EventStatusFilterWord,
  type MarketStatusFilterWord,
} from "../domain/status";
import {
  events,
  feeTiers,
  markets,
  series,
  seriesFees,
  tickerDays,
  type EventRow,
  type FeeTierRow,
  type MarketRow,
  type SeriesFeeRow,
  type SeriesRow,
} from "./schema";

export type Db = DrizzleD1Database<Record<string, never>>;

/** A handle reads run on: the database itself (its primary), or a session of it (see `readSession`). */
export type D1Reader = D1Database | D1DatabaseSession;

/**
 * A drizzle database over `d1`. A session has every member drizzle's D1 driver calls (`prepare`,
 * `batch`); only its type lacks `exec` and `dump`, which drizzle's queries never use.
 */
export function openDb(d1: D1Reader): Db {
  return drizzle(d1 as D1Database);
}

/**
 * The D1 session a read route's queries run on: `first-unconstrained` lets its first query go to
 * any replica (read replication) and the following ones see at least what it saw. The sync's
 * writes never use one: they stay on the primary (docs/decisions/0091-d1-read-sessions-and-placement.md).
 */
export function readSession(d1: D1Database): D1DatabaseSession {
  return d1.withSession("first-unconstrained");
}

/**
 * How a filter's value enters a query: as itself (a query built for one request), or as a named
 * placeholder (a statement built once, see `prepared`). The SQL text is the same either way.
 */
type Bind = <T>(name: string, value: T) => T | Placeholder;
const asValue: Bind = (_name, value) => value;
const asPlaceholder: Bind = (name) => sql.placeholder(name);

/** A drizzle query turned into its SQL, parameters (placeholders among them) and row mapping, once. */
interface Prepared {
  sql: string;
  params: unknown[];
  map: (rows: unknown, fromBatch?: boolean) => unknown;
}
type Preparable = {
  prepare(): {
    getQuery(): { sql: string; params: unknown[] };
    mapAllResult(rows: unknown, fromBatch?: boolean): unknown;
  };
};

/**
 * Statements of the read routes by query shape (which filters are set, the cursor's kind): drizzle
 * builds each shape's SQL the first time the isolate meets it; later requests only fill in their
 * values and map the rows (D1's `raw()` arrays, by `rowMapper`). Shapes are a few
 * hundred at most; the bound only guards against a bug that would make one per request.
 */
const PREPARED = new Map<string, Prepared>();
const MAX_PREPARED = 2048;

/** What drizzle's prepared select holds to map its rows (drizzle-orm 0.45's fields of SQLitePreparedQuery). */
interface SelectMapping {
  fields?: Array<{ path: string[]; field: unknown }>;
  joinsNotNullableMap?: Record<string, boolean>;
  customResultMapper?: unknown;
}

/**
 * drizzle's row mapping (utils.ts mapResultRow) with its decisions made once per statement instead
 * of once per cell: which object a column goes into, whether its value needs decoding (most
 * columns are stored as served: the identity decoder is not called), and which left-joined object
 * becomes null (its first column NULL, as drizzle decides). test/db/prepared.test.ts holds it equal
 * to drizzle's own answers.
 */
function rowMapper(fields: NonNullable<SelectMapping["fields"]>, notNullable: Record<string, boolean>) {
  const identity = Column.prototype.mapFromDriverValue;
  const groups: Array<{ name: string; first: number; table: string | null; nullable: boolean }> = [];
  const target: number[] = [];
  const keys: string[] = [];
  const decoders: Array<((v: unknown) => unknown) | null> = [];
  fields.forEach(({ path, field }, i) => {
    if (path.length > 2) throw new Error(`unsupported select path ${path.join(".")}`);
    // A column decodes its own values; an sql`` expression (or its alias) carries a decoder (`.mapWith`).
    type Decoder = { mapFromDriverValue(v: unknown): unknown };
    const decoder: Decoder = is(field, Column)
      ? field
      : (is(field, SqlChunk)
          ? (field as unknown as { decoder: Decoder })
          : (field as { sql: { decoder: Decoder } }).sql
        ).decoder;
    decoders.push(decoder.mapFromDriverValue === identity ? null : (v) => decoder.mapFromDriverValue(v));
    keys.push(path[path.length - 1]!);
    if (path.length === 1) {
      target.push(-1);
      return;
    }
    let g = groups.findIndex((x) => x.name === path[0]);
    if (g < 0) g = groups.push({ name: path[0]!, first: -1, table: null, nullable: false }) - 1;
    target.push(g);
    const group = groups[g]!;
    if (!is(field, Column)) return;
    const table = getTableName(field.table);
    if (group.first < 0) {
      group.first = i;
      group.table = table;
    } else if (group.table !== table) group.table = null; // columns of two tables: never nulled
  });
  for (const g of groups) g.nullable = g.table !== null && !notNullable[g.table];
  const n = fields.length;
  return (row: unknown[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const objects = groups.map(() => ({}) as Record<string, unknown>);
    for (let i = 0; i < n; i++) {
      const raw = row[i];
      const d = decoders[i];
      const value = raw === null || raw === undefined ? null : d === null ? raw : d!(raw);
      const t = target[i]!;
      (t < 0 ? out : objects[t]!)[keys[i]!] = value;
    }
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      out[group.name] = group.nullable && row[group.first] === null ? null : objects[g];
    }
    return out;
  };
}

function prepared(d1: D1Reader, key: string, build: (db: Db) => Preparable): Prepared {
  let p = PREPARED.get(key);
  if (p === undefined) {
    const query = build(openDb(d1)).prepare();
    const { sql: text, params } = query.getQuery();
    const m = query as unknown as SelectMapping;
    const mapRow = m.fields && !m.customResultMapper ? rowMapper(m.fields, m.joinsNotNullableMap ?? {}) : null;
    p = {
      sql: text,
      params,
      map: (rows, fromBatch) => {
        if (mapRow === null) return query.mapAllResult(rows, fromBatch);
        // A batch answers objects (D1's ARRAY_OF_OBJECTS), in column order: their values are the row.
        const raw = fromBatch
          ? (rows as { results: Array<Record<string, unknown>> }).results.map((r) => Object.values(r))
          : (rows as unknown[][]);
        return raw.map(mapRow);
      },
    };
    if (PREPARED.size >= MAX_PREPARED) PREPARED.clear();
    PREPARED.set(key, p);
  }
  return p;
}

function statementOf(d1: D1Reader, p: Prepared, values: Record<string, unknown>) {
  return d1.prepare(p.sql).bind(...fillPlaceholders(p.params, values));
}

/** Runs a prepared statement with `values` for its placeholders; rows as drizzle's query would give them. */
async function runPrepared<Q extends Preparable>(
  d1: D1Reader,
  key: string,
  build: (db: Db) => Q,
  values: Record<string, unknown>,
): Promise<Awaited<Q>> {
  const p = prepared(d1, key, build);
  return p.map(await statementOf(d1, p, values).raw()) as Awaited<Q>;
}

/** The event columns joined onto every market (the API's `event` object). */
export const eventMetaColumns = {
  event_ticker: events.event_ticker,
  title: events.title,
  category: events.category,
  series_ticker: events.series_ticker,
  strike_date: events.strike_date,
  mutually_exclusive: events.mutually_exclusive,
  status: events.status,
};
export type EventMetaRow = Pick<EventRow, keyof typeof eventMetaColumns>;
export interface MarketWithEventRow {
  market: MarketRow;
  event: EventMetaRow | null;
}

export interface Page<T, K> {
  rows: T[];
  /** Sort key of the last row when more rows may follow; null on the last page. */
  next: K | null;
}

/** A page from the `limit + 1` rows a page query fetched: the extra row only tells that more follow. */
export function pageOf<T, K>(rows: T[], limit: number, keyOf: (row: T) => K): Page<T, K> {
  const page = rows.length > limit ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > limit && last !== undefined ? keyOf(last) : null };
}

// ---------------------------------------------------------------------------------------------
// Markets

export type MarketKey = [closeTs: number | null, ticker: string];

export interface MarketFilter {
  category?: string;
  /** A status filter word (MARKET_STATUS_FILTERS: a normalized status, maybe narrowed to some raw statuses). */
  status?: MarketStatusFilterWord;
  /** Exact raw status. */
  statusRaw?: string;
  series?: string;
  /** close_ts < closingBefore (Unix ms) */
  closingBefore?: number;
  /** close_ts >= closingAfter (Unix ms) */
  closingAfter?: number;
  includeDeleted?: boolean;
  /** Only tickers with a row in ticker_days for this feed + UTC day (YYYY-MM-DD). */
  hasStreamOn?: { feed: string; day: string };
}

function marketConditions(db: Db, f: MarketFilter, bind: Bind = asValue): SQL[] {
  const c: SQL[] = [];
  if (f.category !== undefined) c.push(eq(markets.category, bind("category", f.category)));
  // Every word is an equality on the normalized status (the status indexes serve it), narrowed by
  // a residual status_raw term for unopened / active / paused — rows of other raw statuses of that
  // status are read and skipped (docs/api.md, "Status filters").
  if (f.status !== undefined) {
    const row = MARKET_STATUS_FILTERS[f.status];
    c.push(eq(markets.status, row.status));
    if (row.narrows && row.raw) c.push(inArray(markets.status_raw, [...row.raw]));
  }
  if (f.statusRaw !== undefined) {
    c.push(eq(markets.status, bind("status_raw_status", normalizeMarketStatus(f.statusRaw))));
    c.push(eq(markets.status_raw, bind("status_raw", f.statusRaw)));
  }
  if (f.series !== undefined) c.push(eq(markets.series_ticker, bind("series", f.series)));
  if (f.closingBefore !== undefined) c.push(lt(markets.close_ts, bind("closing_before", f.closingBefore)));
  if (f.closingAfter !== undefined) c.push(gte(markets.close_ts, bind("closing_after", f.closingAfter)));
  if (!f.includeDeleted) c.push(isNull(markets.deleted_at));
  if (f.hasStreamOn) {
    const { feed, day } = f.hasStreamOn;
    const streamed = db
      .select({ ticker: tickerDays.ticker })
      .from(tickerDays)
      .where(and(eq(tickerDays.feed, bind("feed", feed)), eq(tickerDays.day, bind("day", day))));
    c.push(inArray(markets.ticker, streamed));
  }
  return c;
}

/** Rows strictly after `key` in (close_ts ASC with NULLs first, ticker ASC) order. */
function afterMarketKey([closeTs, ticker]: MarketKey, bind: Bind = asValue): SQL {
  const t = bind("after_ticker", ticker);
  if (closeTs === null) {
    return or(and(isNull(markets.close_ts), gt(markets.ticker, t)), isNotNull(markets.close_ts))!;
  }
  // `close_ts >= ?` keeps the range on the index; the OR only filters the boundary rows.
  const ts = bind("after_close_ts", closeTs);
  return and(gte(markets.close_ts, ts), or(gt(markets.close_ts, ts), gt(markets.ticker, t)))!;
}

/**
 * The page query of GET /markets (exported so bench/api-rows-read.ts can measure its D1 cost and
 * test/db/query-plan.test.ts can check its plan). `listMarkets` runs the same SQL, with placeholders.
 */
export function marketsPageQuery(
  db: Db,
  filter: MarketFilter,
  limit: number,
  after: MarketKey | null,
  bind: Bind = asValue,
) {
  const conds = marketConditions(db, filter, bind);
  if (after) conds.push(afterMarketKey(after, bind));
  return db
    .select({ market: markets, event: eventMetaColumns })
    .from(markets)
    .leftJoin(events, eq(events.event_ticker, markets.event_ticker))
    .where(and(...conds))
    .orderBy(asc(markets.close_ts), asc(markets.ticker))
    .limit(bind("limit", limit + 1));
}

/** What makes two markets page queries the same statement: the filters set (the status word's SQL differs per word), the cursor's kind. */
function marketsPageShape(f: MarketFilter, after: MarketKey | null): string {
  const set = (v: unknown, k: string) => (v === undefined ? "" : k);
  return [
    "markets",
    set(f.category, "category"),
    f.status ?? "",
    set(f.statusRaw, "raw"),
    set(f.series, "series"),
    set(f.closingBefore, "before"),
    set(f.closingAfter, "after"),
    f.includeDeleted ? "deleted" : "",
    f.hasStreamOn ? "streamed" : "",
    after === null ? "" : after[0] === null ? "from-null" : "from",
  ].join("|");
}

export async function listMarkets(
  d1: D1Reader,
  filter: MarketFilter,
  limit: number,
  after: MarketKey | null,
): Promise<Page<MarketWithEventRow, MarketKey>> {
  const rows = await runPrepared(
    d1,
    marketsPageShape(filter, after),
    (db) => marketsPageQuery(db, filter, limit, after, asPlaceholder),
    {
      category: filter.category,
      status_raw_status: filter.statusRaw === undefined ? undefined : normalizeMarketStatus(filter.statusRaw),
      status_raw: filter.statusRaw,
      series: filter.series,
      closing_before: filter.closingBefore,
      closing_after: filter.closingAfter,
      feed: filter.hasStreamOn?.feed,
      day: filter.hasStreamOn?.day,
      after_close_ts: after?.[0],
      after_ticker: after?.[1],
      limit: limit + 1,
    },
  );
  return pageOf(rows, limit, (r): MarketKey => [r.market.close_ts, r.market.ticker]);
}

// ---------------------------------------------------------------------------------------------
// Search (q=): FTS5 over the *_fts tables, docs/decisions/0081-fts5-external-content-triggers.md.
// Relevance is a bucket computed from the row's own text only (0 best), so a row's place in the
// order does not move when other rows change and the keyset cursor (bucket, then the list's own
// order) stays exact across pages.

/** (bucket, close_ts, ticker) of the last market of a search page. */
export type MarketSearchKey = [bucket: number, closeTs: number | null, ticker: string];

/**
 * The rows of `events_fts` matching every word, each with its bucket — 0: the words are the
 * ticker's (a phrase of its tokens); 1: a phrase of the title; 2: all in the title; else
 * 3. A derived table with LIMIT -1 (no limit): SQLite does not flatten it into the outer query, so
 * the bucket's three FTS queries run once, not again for each use of `bucket`. The page query
 * joins it with `events.rowid = +hit.rid`: the unary + keeps SQLite from building an automatic
 * index on the matches and driving the join from the table's side (a scan of the table, or of a
 * filter's whole index range); the matches are the outer loop, one rowid lookup each.
 */
function hits(f: FtsQueries, more: SQL = sql``) {
  const fts = sql.identifier("events_fts");
  const set = (match: string) => sql`(SELECT rowid FROM ${fts} WHERE ${fts} MATCH ${match})`;
  // One word: "all in the title" is "a phrase of the title", so bucket 2 is empty and not computed.
  const titleAll = f.notTitleAll === null ? sql`` : sql` WHEN rowid NOT IN ${set(f.notTitleAll)} THEN 2`;
  return sql`(SELECT rowid AS rid, CASE WHEN rowid IN ${set(f.tickerPhrase)} THEN 0 WHEN rowid NOT IN ${set(f.notTitlePhrase)} THEN 1${titleAll} ELSE 3 END AS bucket FROM ${fts} WHERE ${fts} MATCH ${f.all}${more} LIMIT -1) AS "hit"`;
}
const hitBucket = sql<number>`"hit"."bucket"`.mapWith(Number);

/**
 * The page query of GET /markets?q= (exported for bench/search.ts). The page's (rid, bucket) rows
 * come from markets_fts in close-time order, bucket by bucket, stopping once the page is full
 * (src/db/fts.ts marketSearchPage, docs/decisions/0102-search-index-in-close-order.md); only
 * those rows are then read whole and joined with their event.
 */
export function marketsSearchPageQuery(
  db: Db,
  filter: MarketFilter,
  words: readonly string[],
  limit: number,
  after: MarketSearchKey | null,
) {
  const cursor = after && { bucket: after[0], closeTs: after[1], cond: afterMarketKey([after[1], after[2]]) };
  const page = marketSearchPage(marketSearchBuckets(words), marketConditions(db, filter), limit + 1, cursor);
  return db
    .select({ market: markets, event: eventMetaColumns, bucket: sql<number>`"page"."bucket"`.mapWith(Number) })
    .from(page)
    .innerJoin(markets, sql`${markets}.rowid = "page"."rid"`)
    .leftJoin(events, eq(events.event_ticker, markets.event_ticker))
    .orderBy(sql`"page"."bucket"`, asc(markets.close_ts), asc(markets.ticker));
}

export async function searchMarkets(
  db: Db,
  filter: MarketFilter,
  words: readonly string[],
  limit: number,
  after: MarketSearchKey | null,
): Promise<Page<MarketWithEventRow, MarketSearchKey>> {
  return pageOf(
    await marketsSearchPageQuery(db, filter, words, limit, after),
    limit,
    (r): MarketSearchKey => [r.bucket, r.market.close_ts, r.market.ticker],
  );
}

export function marketQuery(db: Db, ticker: string | Placeholder) {
  return db
    .select({ market: markets, event: eventMetaColumns })
    .from(markets)
    .leftJoin(events, eq(events.event_ticker, markets.event_ticker))
    .where(eq(markets.ticker, ticker))
    .limit(1);
}

export async function getMarket(d1: D1Reader, ticker: string): Promise<MarketWithEventRow | null> {
  const rows = await runPrepared(d1, "market", (db) => marketQuery(db, sql.placeholder("ticker")), { ticker });
  return rows[0] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Events

export interface EventFilter {
  category?: string;
  status?: EventStatusFilterWord;
  series?: string;
  includeDeleted?: boolean;
}

export interface EventWithCount {
  event: EventRow;
  market_count: number;
}

function eventConditions(filter: EventFilter, bind: Bind = asValue): SQL[] {
  const c: SQL[] = [];
  if (filter.category !== undefined) c.push(eq(events.category, bind("category", filter.category)));
  if (filter.status !== undefined) c.push(eq(events.status, bind("status", filter.status)));
  if (filter.series !== undefined) c.push(eq(events.series_ticker, bind("series", filter.series)));
  if (!filter.includeDeleted) c.push(isNull(events.deleted_at));
  return c;
}

/**
 * The page query of GET /events. market_count is the event row's own column (kept by triggers,
 * migration 0006), so a filter served by another index than the page order's sorts the matching
 * rows without counting the markets of each first.
 */
export function eventsPageQuery(
  db: Db,
  filter: EventFilter,
  limit: number,
  after: string | null,
  bind: Bind = asValue,
) {
  const c = eventConditions(filter, bind);
  if (after !== null) c.push(gt(events.event_ticker, bind("after", after)));
  return db
    .select()
    .from(events)
    .where(and(...c))
    .orderBy(asc(events.event_ticker))
    .limit(bind("limit", limit + 1));
}

const withCount = (event: EventRow): EventWithCount => ({ event, market_count: event.market_count });

export async function listEvents(
  d1: D1Reader,
  filter: EventFilter,
  limit: number,
  after: string | null,
): Promise<Page<EventWithCount, string>> {
  const set = (v: unknown, k: string) => (v === undefined ? "" : k);
  const shape = [
    "events",
    set(filter.category, "category"),
    set(filter.status, "status"),
    set(filter.series, "series"),
    filter.includeDeleted ? "deleted" : "",
    after === null ? "" : "from",
  ].join("|");
  const rows = await runPrepared(d1, shape, (db) => eventsPageQuery(db, filter, limit, after, asPlaceholder), {
    ...filter,
    after,
    limit: limit + 1,
  });
  return pageOf(rows.map(withCount), limit, (r) => r.event.event_ticker);
}

/** (bucket, event_ticker) of the last event of a search page. */
export type EventSearchKey = [bucket: number, eventTicker: string];

/**
 * The page query of GET /events?q=: events whose own text matches (buckets 0–3, as for markets,
 * 3 = the words are spread over ticker, title and sub_title) or whose series' ticker or title does
 * (bucket 4), in (bucket, event_ticker) order.
 */
export function eventsSearchPageQuery(
  db: Db,
  filter: EventFilter,
  words: readonly string[],
  limit: number,
  after: EventSearchKey | null,
) {
  const f = ftsQueries(words, "event_ticker");
  // Bucket 4: events of a matching series whose own text does not match.
  const viaSeries = sql` UNION ALL SELECT e.rowid, 4 FROM ${events} AS e WHERE e.series_ticker IN (SELECT ticker FROM ${series} WHERE rowid IN (SELECT rowid FROM series_fts WHERE series_fts MATCH ${f.all})) AND e.rowid NOT IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ${f.all})`;
  const c = eventConditions(filter);
  if (after) {
    const [b, ticker] = after;
    c.push(or(sql`${hitBucket} > ${b}`, and(sql`${hitBucket} = ${b}`, gt(events.event_ticker, ticker)))!);
  }
  return db
    .select({ event: events, bucket: hitBucket })
    .from(events)
    .innerJoin(hits(f, viaSeries), sql`${events}.rowid = +"hit"."rid"`)
    .where(and(...c))
    .orderBy(hitBucket, asc(events.event_ticker))
    .limit(limit + 1);
}

export async function searchEvents(
  db: Db,
  filter: EventFilter,
  words: readonly string[],
  limit: number,
  after: EventSearchKey | null,
): Promise<Page<EventWithCount, EventSearchKey>> {
  // market_count is the event row's own column (migration 0006): no count per matching event before the sort.
  const rows = await eventsSearchPageQuery(db, filter, words, limit, after);
  return pageOf(
    rows.map((r) => ({ ...withCount(r.event), bucket: r.bucket })),
    limit,
    (r): EventSearchKey => [r.bucket, r.event.event_ticker],
  );
}

/** An event and its markets: both statements in one D1 round trip. */
export async function getEvent(
  d1: D1Reader,
  eventTicker: string,
  includeDeleted: boolean,
): Promise<{ event: EventWithCount; markets: MarketRow[] } | null> {
  const ticker = sql.placeholder("ticker");
  const headQuery = (db: Db) => db.select().from(events).where(eq(events.event_ticker, ticker)).limit(1);
  const marketsQuery = (db: Db) =>
    db
      .select()
      .from(markets)
      .where(and(eq(markets.event_ticker, ticker), includeDeleted ? undefined : isNull(markets.deleted_at)))
      .orderBy(asc(markets.close_ts), asc(markets.ticker));
  const head = prepared(d1, "event", headQuery);
  const list = prepared(d1, includeDeleted ? "event-markets|deleted" : "event-markets", marketsQuery);
  const values = { ticker: eventTicker };
  const [h, m] = await d1.batch([statementOf(d1, head, values), statementOf(d1, list, values)]);
  const [event] = head.map(h, true) as Awaited<ReturnType<typeof headQuery>>;
  if (!event) return null;
  return { event: withCount(event), markets: m ? (list.map(m, true) as MarketRow[]) : [] };
}

// ---------------------------------------------------------------------------------------------
// Series and fees

export interface SeriesFilter {
  category?: string;
  includeDeleted?: boolean;
}

export async function listSeries(
  db: Db,
  filter: SeriesFilter,
  limit: number,
  after: string | null,
): Promise<Page<SeriesRow, string>> {
  const c: SQL[] = [];
  if (filter.category !== undefined) c.push(eq(series.category, filter.category));
  if (!filter.includeDeleted) c.push(isNull(series.deleted_at));
  if (after !== null) c.push(gt(series.ticker, after));
  const rows = await db
    .select()
    .from(series)
    .where(and(...c))
    .orderBy(asc(series.ticker))
    .limit(limit + 1);
  return pageOf(rows, limit, (r) => r.ticker);
}

export async function getSeries(db: Db, ticker: string): Promise<SeriesRow | null> {
  const rows = await db.select().from(series).where(eq(series.ticker, ticker)).limit(1);
  return rows[0] ?? null;
}

/** A series' fee schedule, oldest first. */
export async function getSeriesFeeSchedule(db: Db, ticker: string): Promise<SeriesFeeRow[]> {
  return db.select().from(seriesFees).where(eq(seriesFees.series_ticker, ticker)).orderBy(asc(seriesFees.effective_ts));
}

export async function listFeeTiers(db: Db): Promise<FeeTierRow[]> {
  return db.select().from(feeTiers).orderBy(asc(feeTiers.tier));
}

/** Cheapest possible D1 round trip, for health checks. */
export async function pingDb(db: Db): Promise<void> {
  await db.run(sql`SELECT 1`);
}

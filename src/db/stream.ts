/**
 * The D1 statements of the streaming side (src/stream) and of GET /tickers (src/api/tickers.ts):
 * the per-day ticker registry (`ticker_days`) and the markets the ingest subscribes to. All D1 SQL
 * lives in src/db (scripts/check-sql.ts); callers pass the `DB` binding and get rows back.
 */

/** (day, ticker) pairs per upsert statement: one `json_each` parameter each, never one D1 write per message. */
const TICKER_DAYS_CHUNK = 500;

/** One (day, ticker) registry entry: UTC day (YYYY-MM-DD), ticker, first and last Unix ms, messages. */
export type TickerDayEntry = [day: string, ticker: string, first_ts: number, last_ts: number, messages: number];

const UPSERT_TICKER_DAYS = `
INSERT INTO ticker_days (feed, day, ticker, first_ts, last_ts, messages)
SELECT ?1, j.value ->> '$[0]', j.value ->> '$[1]', j.value ->> '$[2]', j.value ->> '$[3]', j.value ->> '$[4]'
FROM json_each(?2) AS j WHERE true
ON CONFLICT (feed, day, ticker) DO UPDATE SET
  first_ts = min(first_ts, excluded.first_ts),
  last_ts = max(last_ts, excluded.last_ts),
  messages = messages + excluded.messages`;

/**
 * Merges `entries` into `ticker_days` (first/last widened, messages added) in one D1 batch of
 * ≤ TICKER_DAYS_CHUNK pairs per statement. Returns the number of statements run; throws (nothing
 * written) when the batch fails.
 */
export async function upsertTickerDays(
  db: D1Database,
  feed: string,
  entries: readonly TickerDayEntry[],
): Promise<number> {
  if (entries.length === 0) return 0;
  const stmts: D1PreparedStatement[] = [];
  for (let i = 0; i < entries.length; i += TICKER_DAYS_CHUNK) {
    stmts.push(db.prepare(UPSERT_TICKER_DAYS).bind(feed, JSON.stringify(entries.slice(i, i + TICKER_DAYS_CHUNK))));
  }
  await db.batch(stmts);
  return stmts.length;
}

interface TickerDayListing {
  ticker: string;
  first_ts: number;
  last_ts: number;
  messages: number;
}

/** The tickers of `feed` that had stream data on `day`, by ticker after `after`, at most `limit` rows. */
export async function listTickerDays(
  db: D1Database,
  feed: string,
  day: string,
  after: string | null,
  limit: number,
): Promise<TickerDayListing[]> {
  const { results } = await db
    .prepare(
      "SELECT ticker, first_ts, last_ts, messages FROM ticker_days WHERE feed = ?1 AND day = ?2 AND (?3 IS NULL OR ticker > ?3) ORDER BY ticker LIMIT ?4",
    )
    .bind(feed, day, after, limit)
    .all<TickerDayListing>();
  return results;
}

/**
 * Markets to subscribe: open (normalized), not soft-deleted, and already past their open time —
 * subscribing to a market before `open_time` yields no data (docs/kalshi-wire.md Q14).
 */
export async function openMarketTickers(db: D1Database, nowMs: number): Promise<string[]> {
  const { results } = await db
    .prepare(
      "SELECT ticker FROM markets WHERE status = 'open' AND deleted_at IS NULL AND (open_ts IS NULL OR open_ts <= ?) ORDER BY ticker",
    )
    .bind(nowMs)
    .all<{ ticker: string }>();
  return results.map((r) => r.ticker);
}

/** The series of a market from the synced tables (its event's series_ticker); null when D1 has not got it. */
export async function marketSeries(db: D1Database, ticker: string): Promise<string | null> {
  const row = await db
    .prepare(
      "SELECT e.series_ticker AS s FROM markets m JOIN events e ON e.event_ticker = m.event_ticker WHERE m.ticker = ?",
    )
    .bind(ticker)
    .first<{ s: string }>();
  return row?.s ?? null;
}

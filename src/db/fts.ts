/**
 * Full-text search SQL over the `*_fts` tables (migrations/0004_full_text_search.sql; markets_fts
 * as migrations/0007 rebuilt it).
 *
 * The user's words are never FTS5 syntax: each is sent as a double-quoted string (inner `"`
 * doubled), which FTS5 reads as a phrase of the tokens in it, so `"`, `*`, `-`, `:`, `^`, `(`,
 * `NEAR`, `OR`, `NOT` and column names in `q` are plain text. Words are ANDed.
 */
import { and, sql, type SQL } from "drizzle-orm";

const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;

export interface FtsQueries {
  /** Every word, in any indexed column. */
  all: string;
  /** The words as one phrase, in the ticker column. */
  tickerPhrase: string;
  /** Matches of `all` whose title does not hold the words as one phrase. */
  notTitlePhrase: string;
  /** Matches of `all` whose title lacks one of the words; null for one word (then `notTitlePhrase`). */
  notTitleAll: string | null;
}

/**
 * The FTS5 queries of a search's relevance buckets (docs/decisions/0081-fts5-external-content-triggers.md).
 * The title buckets are asked as complements ("matches NOT in the title"): a word common in titles
 * then gives small sets to build instead of sets as large as the matches.
 */
export function ftsQueries(words: readonly string[], tickerColumn: string): FtsQueries {
  const phrase = quote(words.join(" "));
  const all = words.map(quote).join(" ");
  return {
    all,
    tickerPhrase: `${tickerColumn} : ${phrase}`,
    notTitlePhrase: `(${all}) NOT (title : ${phrase})`,
    notTitleAll: words.length > 1 ? `(${all}) NOT (${words.map((w) => `title : ${quote(w)}`).join(" AND ")})` : null,
  };
}

/** One relevance bucket of a market search: its number and the FTS5 query of exactly its rows. */
interface SearchBucket {
  bucket: number;
  match: string;
}

/**
 * Each bucket of a market search as one FTS5 query of only its rows (docs/decisions/0102-…):
 * 0 the words are a phrase of the ticker; 1 a phrase of the title (and not 0); 2 every word in
 * the title (and not 0 or 1; only for two words or more, for one it is bucket 1); 3 the rest.
 */
export function marketSearchBuckets(words: readonly string[]): SearchBucket[] {
  const phrase = quote(words.join(" "));
  const all = words.map(quote).join(" ");
  const ticker = `ticker : ${phrase}`;
  const titlePhrase = `title : ${phrase}`;
  const titleAll = words.map((w) => `title : ${quote(w)}`).join(" AND ");
  const buckets: SearchBucket[] = [
    { bucket: 0, match: ticker },
    { bucket: 1, match: `(${titlePhrase}) NOT (${ticker})` },
  ];
  if (words.length > 1) buckets.push({ bucket: 2, match: `((${titleAll}) NOT (${titlePhrase})) NOT (${ticker})` });
  buckets.push({ bucket: 3, match: `((${all}) NOT (${words.length > 1 ? titleAll : titlePhrase})) NOT (${ticker})` });
  return buckets;
}

/**
 * markets_fts's rowid is a sort key (migrations/0007): the close time's second × 2^30 + the
 * market's rowid, so FTS5, which returns matches in rowid order, returns them in close-time order
 * (to the second) and stops when asked for a few. A market's rowid is the key's low 30 bits.
 */
const SPAN = sql.raw("1073741824");
const LOW_BITS = sql.raw("1073741823");
/** The first key of the second of `ts` (ms; NULL close times are second 0, as NULLs sort first). NULL when `ts` is. */
const firstKeyOf = (ts: SQL) => sql`(min(max(CAST(${ts} AS INTEGER), 0) / 1000, 4294967295) * ${SPAN})`;

/**
 * The (rid, bucket) rows of a market search page, `take` of them at most, in (bucket, close_ts,
 * ticker) order — a FROM source aliased "page". Buckets are asked in order and the compound's
 * LIMIT stops at the first that fills the page, so a later bucket's query never runs. Each
 * bucket's rows come from markets_fts in key order (close time), joined with markets by rowid
 * for the filters (`conds`, on "markets"), bounded by the close times of the first and last
 * market the filters select (an index seek each, so `status=open` starts at the open markets'
 * first close time):
 * - "s<b>": the first `take` rows in key order (materialized once);
 * - fewer than `take`: they are every row of the bucket, sorted exactly;
 * - else the rows up to the end of the second of the last of them are read again and sorted
 *   exactly by (close_ts, ticker) — the key orders by the second only, so ties of the boundary
 *   second are all read before cutting at `take`.
 * `after` (the cursor) narrows its own bucket: `afterCond` on the rows, its close time's second
 * as the first key; earlier buckets are not asked.
 */
export function marketSearchPage(
  buckets: readonly SearchBucket[],
  conds: readonly SQL[],
  take: number,
  after: { bucket: number; closeTs: number | null; cond: SQL } | null,
): SQL {
  const where = and(...conds) ?? sql`1`;
  const edge = (dir: SQL) =>
    sql`(SELECT coalesce("markets"."close_ts", 0) FROM "markets" WHERE ${where} ORDER BY "markets"."close_ts" ${dir}, "markets"."ticker" ${dir} LIMIT 1)`;
  const ctes: SQL[] = [
    sql`"rng" AS MATERIALIZED (SELECT ${firstKeyOf(edge(sql`ASC`))} AS "lo", ${firstKeyOf(edge(sql`DESC`))} + ${SPAN} AS "hi")`,
  ];
  const arms: SQL[] = [];
  for (const b of buckets) {
    if (after && b.bucket < after.bucket) continue;
    const own = after && b.bucket === after.bucket ? after : null;
    const w = own ? and(where, own.cond)! : where;
    const lo = own
      ? sql`max((SELECT "lo" FROM "rng"), ${firstKeyOf(sql`coalesce(${own.closeTs}, 0)`)})`
      : sql`(SELECT "lo" FROM "rng")`;
    const s = sql.identifier(`s${b.bucket}`);
    const from = (hi: SQL) =>
      sql`FROM "markets_fts" AS "f" CROSS JOIN "markets" ON "markets".rowid = ("f".rowid & ${LOW_BITS}) WHERE "f"."markets_fts" MATCH ${b.match} AND ${w} AND "f".rowid >= ${lo} AND "f".rowid < ${hi}`;
    ctes.push(
      sql`${s} AS MATERIALIZED (SELECT "f".rowid AS "k", "markets".rowid AS "rid", "markets"."close_ts" AS "close_ts", "markets"."ticker" AS "ticker" ${from(sql`(SELECT "hi" FROM "rng")`)} ORDER BY "f".rowid LIMIT ${take})`,
    );
    const full = sql`(SELECT count(*) FROM ${s}) >= ${take}`;
    const boundary = sql`min((SELECT "hi" FROM "rng"), ((SELECT max("k") FROM ${s}) / ${SPAN} + 1) * ${SPAN})`;
    arms.push(
      sql`SELECT "rid", ${sql.raw(String(b.bucket))} AS "bucket" FROM (SELECT "rid", "close_ts", "ticker" FROM ${s} WHERE NOT ${full} UNION ALL SELECT "markets".rowid, "markets"."close_ts", "markets"."ticker" ${from(boundary)} AND ${full} ORDER BY 2, 3 LIMIT ${take})`,
    );
  }
  // A cursor past the last bucket: nothing follows.
  if (arms.length === 0) return sql`(SELECT NULL AS "rid", NULL AS "bucket" WHERE 0) AS "page"`;
  return sql`(WITH ${sql.join(ctes, sql`, `)} ${sql.join(arms, sql` UNION ALL `)} LIMIT ${take}) AS "page"`;
}

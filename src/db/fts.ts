/**
 * FTS5 query texts for a search (the `*_fts` tables of migrations/0004_full_text_search.sql).
 *
 * The user's words are never FTS5 syntax: each is sent as a double-quoted string (inner `"`
 * doubled), which FTS5 reads as a phrase of the tokens in it, so `"`, `*`, `-`, `:`, `^`, `(`,
 * `NEAR`, `OR`, `NOT` and column names in `q` are plain text. Words are ANDed.
 */

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

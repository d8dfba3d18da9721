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
  /** The words as one phrase, in the title column. */
  titlePhrase: string;
  /** Every word in the title column; null for one word (then the same as `titlePhrase`). */
  titleAll: string | null;
}

/** The relevance buckets of a search, best first: see docs/decisions/0081-fts5-external-content-triggers.md. */
export function ftsQueries(words: readonly string[], tickerColumn: string): FtsQueries {
  const phrase = quote(words.join(" "));
  return {
    all: words.map(quote).join(" "),
    tickerPhrase: `${tickerColumn} : ${phrase}`,
    titlePhrase: `title : ${phrase}`,
    titleAll: words.length > 1 ? words.map((w) => `title : ${quote(w)}`).join(" AND ") : null,
  };
}

/**
 * The words of a full-text search (`q=` on GET /markets and GET /events). Shared by the API, which
 * rejects a text without a word, and src/db, which turns the words into an FTS5 query.
 */

/** Longest `q` accepted (characters). */
export const SEARCH_MAX_LENGTH = 200;

/**
 * The whitespace-separated chunks of `q` that hold a letter or a digit. A chunk without one cannot
 * match anything (FTS5's unicode61 tokenizer drops it whole), so it is ignored rather than sent.
 * Punctuation inside a chunk is kept: the tokenizer splits on it, so `KXFED-26MAR` matches the
 * tokens `kxfed` `26mar` in that order.
 */
export function searchWords(q: string): string[] {
  // Control characters separate words too (a NUL would end FTS5's query text early).
  return q.split(/[\s\p{Cc}]+/u).filter((w) => /[\p{L}\p{N}]/u.test(w));
}

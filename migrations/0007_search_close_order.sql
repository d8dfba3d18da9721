-- markets_fts again, keyed by close time (docs/decisions/0102-search-index-in-close-order.md): a
-- contentless FTS5 table whose rowid is the close time's second × 2^30 + the market's rowid
-- (NULL close times: second 0; seconds past 2^32 - 1, year 2106, share the last). FTS5 returns
-- matches in rowid order, so a search reads its matches in close-time order and stops after a
-- page instead of reading and sorting every match. Contentless (content=''): the index cannot read
-- a row by this key, and needs no copy of the text; the triggers give it the text, and the 'delete'
-- command the old values, which are the ones indexed. Same columns and tokenizer as 0004's.
DROP TRIGGER `markets_fts_insert`;--> statement-breakpoint
DROP TRIGGER `markets_fts_delete`;--> statement-breakpoint
DROP TRIGGER `markets_fts_update`;--> statement-breakpoint
DROP TABLE `markets_fts`;--> statement-breakpoint
CREATE VIRTUAL TABLE `markets_fts` USING fts5(ticker, title, subtitle, yes_sub_title, no_sub_title, content='', tokenize='unicode61 remove_diacritics 2');--> statement-breakpoint
CREATE TRIGGER `markets_fts_insert` AFTER INSERT ON `markets` BEGIN
  INSERT INTO markets_fts (rowid, ticker, title, subtitle, yes_sub_title, no_sub_title)
  VALUES (min(max(coalesce(new.close_ts, 0), 0) / 1000, 4294967295) * 1073741824 + new.rowid, new.ticker, new.title, new.subtitle, new.yes_sub_title, new.no_sub_title);
END;--> statement-breakpoint
CREATE TRIGGER `markets_fts_delete` AFTER DELETE ON `markets` BEGIN
  INSERT INTO markets_fts (markets_fts, rowid, ticker, title, subtitle, yes_sub_title, no_sub_title)
  VALUES ('delete', min(max(coalesce(old.close_ts, 0), 0) / 1000, 4294967295) * 1073741824 + old.rowid, old.ticker, old.title, old.subtitle, old.yes_sub_title, old.no_sub_title);
END;--> statement-breakpoint
-- A new close time moves the row to its new key; a price or status change still costs nothing.
CREATE TRIGGER `markets_fts_update` AFTER UPDATE OF ticker, title, subtitle, yes_sub_title, no_sub_title, close_ts ON `markets`
WHEN old.ticker IS NOT new.ticker OR old.title IS NOT new.title OR old.subtitle IS NOT new.subtitle
  OR old.yes_sub_title IS NOT new.yes_sub_title OR old.no_sub_title IS NOT new.no_sub_title OR old.close_ts IS NOT new.close_ts BEGIN
  INSERT INTO markets_fts (markets_fts, rowid, ticker, title, subtitle, yes_sub_title, no_sub_title)
  VALUES ('delete', min(max(coalesce(old.close_ts, 0), 0) / 1000, 4294967295) * 1073741824 + old.rowid, old.ticker, old.title, old.subtitle, old.yes_sub_title, old.no_sub_title);
  INSERT INTO markets_fts (rowid, ticker, title, subtitle, yes_sub_title, no_sub_title)
  VALUES (min(max(coalesce(new.close_ts, 0), 0) / 1000, 4294967295) * 1073741824 + new.rowid, new.ticker, new.title, new.subtitle, new.yes_sub_title, new.no_sub_title);
END;--> statement-breakpoint
-- Rows already stored when the migration runs.
INSERT INTO markets_fts (rowid, ticker, title, subtitle, yes_sub_title, no_sub_title)
SELECT min(max(coalesce(close_ts, 0), 0) / 1000, 4294967295) * 1073741824 + rowid, ticker, title, subtitle, yes_sub_title, no_sub_title FROM markets;

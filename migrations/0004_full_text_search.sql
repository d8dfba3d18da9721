-- Full-text search over the tickers, titles and subtitles of markets, events and series
-- (docs/decisions/0081-fts5-external-content-triggers.md). Each index is an FTS5 external-content
-- table: it stores only the index, reads the text from its table by rowid, and is kept in step by
-- the triggers below, so every writer (the sync's changed-rows upserts, denormalization,
-- soft-deletes) keeps it current without knowing it exists. Diacritics are folded and case is
-- ignored (unicode61 remove_diacritics 2: "Societe" finds "Société").
CREATE VIRTUAL TABLE `markets_fts` USING fts5(ticker, title, subtitle, yes_sub_title, no_sub_title, content='markets', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');--> statement-breakpoint
CREATE VIRTUAL TABLE `events_fts` USING fts5(event_ticker, title, sub_title, content='events', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');--> statement-breakpoint
CREATE VIRTUAL TABLE `series_fts` USING fts5(ticker, title, content='series', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');--> statement-breakpoint
-- An update touches the index only when an indexed column changed (the WHEN clause): a price or
-- status change, most of what a sync writes, costs nothing here. The 'delete' command must get the
-- old values, which are the ones indexed.
CREATE TRIGGER `markets_fts_insert` AFTER INSERT ON `markets` BEGIN
  INSERT INTO markets_fts (rowid, ticker, title, subtitle, yes_sub_title, no_sub_title)
  VALUES (new.rowid, new.ticker, new.title, new.subtitle, new.yes_sub_title, new.no_sub_title);
END;--> statement-breakpoint
CREATE TRIGGER `markets_fts_delete` AFTER DELETE ON `markets` BEGIN
  INSERT INTO markets_fts (markets_fts, rowid, ticker, title, subtitle, yes_sub_title, no_sub_title)
  VALUES ('delete', old.rowid, old.ticker, old.title, old.subtitle, old.yes_sub_title, old.no_sub_title);
END;--> statement-breakpoint
CREATE TRIGGER `markets_fts_update` AFTER UPDATE OF ticker, title, subtitle, yes_sub_title, no_sub_title ON `markets`
WHEN old.ticker IS NOT new.ticker OR old.title IS NOT new.title OR old.subtitle IS NOT new.subtitle
  OR old.yes_sub_title IS NOT new.yes_sub_title OR old.no_sub_title IS NOT new.no_sub_title BEGIN
  INSERT INTO markets_fts (markets_fts, rowid, ticker, title, subtitle, yes_sub_title, no_sub_title)
  VALUES ('delete', old.rowid, old.ticker, old.title, old.subtitle, old.yes_sub_title, old.no_sub_title);
  INSERT INTO markets_fts (rowid, ticker, title, subtitle, yes_sub_title, no_sub_title)
  VALUES (new.rowid, new.ticker, new.title, new.subtitle, new.yes_sub_title, new.no_sub_title);
END;--> statement-breakpoint
CREATE TRIGGER `events_fts_insert` AFTER INSERT ON `events` BEGIN
  INSERT INTO events_fts (rowid, event_ticker, title, sub_title) VALUES (new.rowid, new.event_ticker, new.title, new.sub_title);
END;--> statement-breakpoint
CREATE TRIGGER `events_fts_delete` AFTER DELETE ON `events` BEGIN
  INSERT INTO events_fts (events_fts, rowid, event_ticker, title, sub_title)
  VALUES ('delete', old.rowid, old.event_ticker, old.title, old.sub_title);
END;--> statement-breakpoint
CREATE TRIGGER `events_fts_update` AFTER UPDATE OF event_ticker, title, sub_title ON `events`
WHEN old.event_ticker IS NOT new.event_ticker OR old.title IS NOT new.title OR old.sub_title IS NOT new.sub_title BEGIN
  INSERT INTO events_fts (events_fts, rowid, event_ticker, title, sub_title)
  VALUES ('delete', old.rowid, old.event_ticker, old.title, old.sub_title);
  INSERT INTO events_fts (rowid, event_ticker, title, sub_title) VALUES (new.rowid, new.event_ticker, new.title, new.sub_title);
END;--> statement-breakpoint
CREATE TRIGGER `series_fts_insert` AFTER INSERT ON `series` BEGIN
  INSERT INTO series_fts (rowid, ticker, title) VALUES (new.rowid, new.ticker, new.title);
END;--> statement-breakpoint
CREATE TRIGGER `series_fts_delete` AFTER DELETE ON `series` BEGIN
  INSERT INTO series_fts (series_fts, rowid, ticker, title) VALUES ('delete', old.rowid, old.ticker, old.title);
END;--> statement-breakpoint
CREATE TRIGGER `series_fts_update` AFTER UPDATE OF ticker, title ON `series`
WHEN old.ticker IS NOT new.ticker OR old.title IS NOT new.title BEGIN
  INSERT INTO series_fts (series_fts, rowid, ticker, title) VALUES ('delete', old.rowid, old.ticker, old.title);
  INSERT INTO series_fts (rowid, ticker, title) VALUES (new.rowid, new.ticker, new.title);
END;--> statement-breakpoint
-- Rows already stored when the migration runs.
INSERT INTO markets_fts (markets_fts) VALUES ('rebuild');--> statement-breakpoint
INSERT INTO events_fts (events_fts) VALUES ('rebuild');--> statement-breakpoint
INSERT INTO series_fts (series_fts) VALUES ('rebuild');

-- events.market_count: the event's markets that are not soft-deleted, stored on the event row
-- (docs/decisions/0090-event-market-count-column.md). GET /events read it as a correlated count
-- per event, run for every event a filter matched before the sort. The triggers below keep it
-- equal to that count on every write (the sync's upserts, soft deletes, undeletes, an event that
-- arrives after its markets, a market moved to another event), so no writer has to know it exists.
ALTER TABLE `events` ADD `market_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `events` SET `market_count` = (SELECT count(*) FROM `markets` AS m WHERE m.event_ticker = events.event_ticker AND m.deleted_at IS NULL);--> statement-breakpoint
-- A market counts for its event while deleted_at is NULL. An update touches events only when the
-- market changed event or was deleted/undeleted (the WHEN clause): price and status changes, most
-- of what a sync writes, cost nothing here.
CREATE TRIGGER `markets_count_insert` AFTER INSERT ON `markets` WHEN new.deleted_at IS NULL BEGIN
  UPDATE events SET market_count = market_count + 1 WHERE event_ticker = new.event_ticker;
END;--> statement-breakpoint
CREATE TRIGGER `markets_count_delete` AFTER DELETE ON `markets` WHEN old.deleted_at IS NULL BEGIN
  UPDATE events SET market_count = market_count - 1 WHERE event_ticker = old.event_ticker;
END;--> statement-breakpoint
CREATE TRIGGER `markets_count_update` AFTER UPDATE OF event_ticker, deleted_at ON `markets`
WHEN old.event_ticker IS NOT new.event_ticker OR (old.deleted_at IS NULL) IS NOT (new.deleted_at IS NULL) BEGIN
  UPDATE events SET market_count = market_count - 1 WHERE old.deleted_at IS NULL AND event_ticker = old.event_ticker;
  UPDATE events SET market_count = market_count + 1 WHERE new.deleted_at IS NULL AND event_ticker = new.event_ticker;
END;--> statement-breakpoint
-- An event written after its markets (or renamed) counts the markets already there (markets_event index).
CREATE TRIGGER `events_count_insert` AFTER INSERT ON `events` BEGIN
  UPDATE events SET market_count = (SELECT count(*) FROM markets AS m WHERE m.event_ticker = new.event_ticker AND m.deleted_at IS NULL) WHERE rowid = new.rowid;
END;--> statement-breakpoint
CREATE TRIGGER `events_count_rename` AFTER UPDATE OF event_ticker ON `events` WHEN old.event_ticker IS NOT new.event_ticker BEGIN
  UPDATE events SET market_count = (SELECT count(*) FROM markets AS m WHERE m.event_ticker = new.event_ticker AND m.deleted_at IS NULL) WHERE rowid = new.rowid;
END;--> statement-breakpoint
-- The events page in its own order: each filter of GET /events is an equality prefix followed by
-- event_ticker, so a page reads about `limit` index entries instead of every matching event and a
-- sort of them (status=open at 200k markets: 13k events sorted per page). Created here, not in
-- schema.ts, beside the narrower indexes drizzle knows (decision 0090).
CREATE INDEX `events_status_ticker` ON `events` (`status`, `event_ticker`);--> statement-breakpoint
CREATE INDEX `events_category_status_ticker` ON `events` (`category`, `status`, `event_ticker`);--> statement-breakpoint
CREATE INDEX `events_category_ticker` ON `events` (`category`, `event_ticker`);--> statement-breakpoint
CREATE INDEX `events_series_status_ticker` ON `events` (`series_ticker`, `status`, `event_ticker`);--> statement-breakpoint
CREATE INDEX `events_series_ticker` ON `events` (`series_ticker`, `event_ticker`);

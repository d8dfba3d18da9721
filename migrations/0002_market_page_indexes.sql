DROP INDEX `markets_status_close`;--> statement-breakpoint
DROP INDEX `markets_category_status_close`;--> statement-breakpoint
DROP INDEX `markets_series_status_close`;--> statement-breakpoint
DROP INDEX `markets_close`;--> statement-breakpoint
CREATE INDEX `markets_close_ticker` ON `markets` (`close_ts`,`ticker`);--> statement-breakpoint
CREATE INDEX `markets_status_close_ticker` ON `markets` (`status`,`close_ts`,`ticker`);--> statement-breakpoint
CREATE INDEX `markets_category_close_ticker` ON `markets` (`category`,`close_ts`,`ticker`);--> statement-breakpoint
CREATE INDEX `markets_category_status_close_ticker` ON `markets` (`category`,`status`,`close_ts`,`ticker`);--> statement-breakpoint
CREATE INDEX `markets_series_close_ticker` ON `markets` (`series_ticker`,`close_ts`,`ticker`);--> statement-breakpoint
CREATE INDEX `markets_series_status_close_ticker` ON `markets` (`series_ticker`,`status`,`close_ts`,`ticker`);
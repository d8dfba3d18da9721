CREATE TABLE `events` (
	`event_ticker` text PRIMARY KEY NOT NULL,
	`series_ticker` text NOT NULL,
	`title` text NOT NULL,
	`sub_title` text,
	`category` text,
	`collateral_return_type` text,
	`mutually_exclusive` integer NOT NULL,
	`available_on_brokers` integer,
	`product_metadata` text,
	`strike_date` text,
	`strike_period` text,
	`status` text DEFAULT 'unknown' NOT NULL,
	`extra` text,
	`first_seen_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `events_category_status` ON `events` (`category`,`status`);--> statement-breakpoint
CREATE INDEX `events_series_status` ON `events` (`series_ticker`,`status`);--> statement-breakpoint
CREATE INDEX `events_status` ON `events` (`status`);--> statement-breakpoint
CREATE TABLE `fee_tiers` (
	`tier` text PRIMARY KEY NOT NULL,
	`description` text NOT NULL,
	`taker_coefficient` text NOT NULL,
	`maker_coefficient` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `markets` (
	`ticker` text PRIMARY KEY NOT NULL,
	`event_ticker` text NOT NULL,
	`series_ticker` text,
	`category` text,
	`market_type` text NOT NULL,
	`title` text,
	`subtitle` text,
	`yes_sub_title` text,
	`no_sub_title` text,
	`status_raw` text NOT NULL,
	`status` text NOT NULL,
	`created_time` text,
	`updated_time` text,
	`open_time` text,
	`close_time` text,
	`open_ts` integer,
	`close_ts` integer,
	`expected_expiration_time` text,
	`expiration_time` text,
	`latest_expiration_time` text,
	`settlement_timer_seconds` integer,
	`settlement_ts` text,
	`fee_waiver_expiration_time` text,
	`yes_bid_dollars` text,
	`yes_ask_dollars` text,
	`no_bid_dollars` text,
	`no_ask_dollars` text,
	`no_side_derived` integer DEFAULT false NOT NULL,
	`last_price_dollars` text,
	`previous_yes_bid_dollars` text,
	`previous_yes_ask_dollars` text,
	`previous_price_dollars` text,
	`yes_bid_size_fp` text,
	`yes_ask_size_fp` text,
	`volume_fp` text,
	`volume_24h_fp` text,
	`open_interest_fp` text,
	`notional_value_dollars` text,
	`result` text,
	`expiration_value` text,
	`settlement_value_dollars` text,
	`can_close_early` integer,
	`fractional_trading_enabled` integer,
	`early_close_condition` text,
	`price_level_structure` text,
	`price_ranges` text,
	`strike_type` text,
	`floor_strike` real,
	`cap_strike` real,
	`functional_strike` text,
	`custom_strike` text,
	`rules_primary` text,
	`rules_secondary` text,
	`mve_collection_ticker` text,
	`mve_selected_legs` text,
	`primary_participant_key` text,
	`is_provisional` integer,
	`extra` text,
	`first_seen_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `markets_status_close` ON `markets` (`status`,`close_ts`);--> statement-breakpoint
CREATE INDEX `markets_category_status_close` ON `markets` (`category`,`status`,`close_ts`);--> statement-breakpoint
CREATE INDEX `markets_series_status_close` ON `markets` (`series_ticker`,`status`,`close_ts`);--> statement-breakpoint
CREATE INDEX `markets_event` ON `markets` (`event_ticker`);--> statement-breakpoint
CREATE INDEX `markets_close` ON `markets` (`close_ts`);--> statement-breakpoint
CREATE TABLE `series` (
	`ticker` text PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`category` text NOT NULL,
	`frequency` text NOT NULL,
	`tags` text,
	`settlement_sources` text,
	`contract_url` text,
	`contract_terms_url` text,
	`fee_type` text NOT NULL,
	`fee_multiplier` real NOT NULL,
	`additional_prohibitions` text,
	`product_metadata` text,
	`volume_fp` text,
	`extra` text,
	`first_seen_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE INDEX `series_category` ON `series` (`category`);--> statement-breakpoint
CREATE TABLE `series_fees` (
	`series_ticker` text NOT NULL,
	`effective_ts` integer NOT NULL,
	`scheduled_ts` text,
	`fee_type` text NOT NULL,
	`fee_multiplier` real NOT NULL,
	`source` text NOT NULL,
	`change_ids` text,
	`first_seen_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`series_ticker`, `effective_ts`)
);
--> statement-breakpoint
CREATE TABLE `sync_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`mode` text NOT NULL,
	`trigger` text NOT NULL,
	`status` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`stats` text,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `sync_runs_started` ON `sync_runs` (`started_at`);--> statement-breakpoint
CREATE TABLE `ticker_days` (
	`feed` text NOT NULL,
	`day` text NOT NULL,
	`ticker` text NOT NULL,
	`first_ts` integer NOT NULL,
	`last_ts` integer NOT NULL,
	`messages` integer NOT NULL,
	PRIMARY KEY(`feed`, `day`, `ticker`)
);

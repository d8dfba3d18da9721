/**
 * What ssmd stores of a Kalshi series, event and market — the columns ssmd fills from Kalshi
 * (everything but its own bookkeeping `first_seen_at` / `updated_at` / `deleted_at`). The wire layer
 * (src/kalshi/normalize.ts) produces these and the database layer (src/db) stores them; neither
 * imports the other. src/db/schema.ts checks at compile time that each type equals the one drizzle
 * derives from its table, so a column added to one and not the other fails `npm run typecheck`.
 *
 * Conventions (docs/data-model.md): prices `*_dollars` and counts `*_fp` are Kalshi's decimal
 * strings as sent, `*_ts` are Unix ms, JSON arrays/objects are JSON text, `extra` keeps the fields
 * ssmd has no column for.
 */

export type SeriesContent = {
  ticker: string;
  title: string;
  category: string;
  frequency: string;
  tags: string | null;
  settlement_sources: string | null;
  contract_url: string | null;
  contract_terms_url: string | null;
  fee_type: string;
  fee_multiplier: number;
  additional_prohibitions: string | null;
  product_metadata: string | null;
  volume_fp: string | null;
  extra: string | null;
};
export type EventContent = {
  event_ticker: string;
  series_ticker: string;
  title: string;
  sub_title: string | null;
  category: string | null;
  collateral_return_type: string | null;
  mutually_exclusive: boolean;
  available_on_brokers: boolean | null;
  product_metadata: string | null;
  strike_date: string | null;
  strike_period: string | null;
  extra: string | null;
};
export type MarketContent = {
  ticker: string;
  event_ticker: string;
  market_type: string;
  title: string | null;
  subtitle: string | null;
  yes_sub_title: string | null;
  no_sub_title: string | null;
  status_raw: string;
  status: string;
  created_time: string | null;
  updated_time: string | null;
  open_time: string | null;
  close_time: string | null;
  open_ts: number | null;
  close_ts: number | null;
  expected_expiration_time: string | null;
  expiration_time: string | null;
  latest_expiration_time: string | null;
  settlement_timer_seconds: number | null;
  settlement_ts: string | null;
  fee_waiver_expiration_time: string | null;
  yes_bid_dollars: string | null;
  yes_ask_dollars: string | null;
  no_bid_dollars: string | null;
  no_ask_dollars: string | null;
  no_side_derived: boolean;
  last_price_dollars: string | null;
  previous_yes_bid_dollars: string | null;
  previous_yes_ask_dollars: string | null;
  previous_price_dollars: string | null;
  yes_bid_size_fp: string | null;
  yes_ask_size_fp: string | null;
  volume_fp: string | null;
  volume_24h_fp: string | null;
  open_interest_fp: string | null;
  notional_value_dollars: string | null;
  result: string | null;
  expiration_value: string | null;
  settlement_value_dollars: string | null;
  can_close_early: boolean | null;
  fractional_trading_enabled: boolean | null;
  early_close_condition: string | null;
  price_level_structure: string | null;
  price_ranges: string | null;
  strike_type: string | null;
  floor_strike: number | null;
  cap_strike: number | null;
  functional_strike: string | null;
  custom_strike: string | null;
  rules_primary: string | null;
  rules_secondary: string | null;
  mve_collection_ticker: string | null;
  mve_selected_legs: string | null;
  primary_participant_key: string | null;
  is_provisional: boolean | null;
  extra: string | null;
};

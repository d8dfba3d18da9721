/**
 * D1 rows → API objects (the shapes in schemas.ts). Lossless strings pass through untouched;
 * the seed's cent/count view is computed from them by the Kalshi helpers; JSON columns are
 * parsed back into JSON; ssmd's bookkeeping times become ISO-8601.
 */
import type { EventMetaRow, EventWithCount, MarketWithEventRow } from "../db/queries";
import type { FeeTierRow, MarketRow, SeriesFeeRow, SeriesRow } from "../db/schema";
import { dollarsToCents, fpToNumber } from "../lib/decimal";
import { NORMALIZED_STATUSES } from "../domain/status";
import type { EventOut, FeeScheduleEntryOut, FeeTierOut, MarketOut, MarketWithEventOut, SeriesOut } from "./schemas";

type Status = MarketOut["status"];
const STATUSES = new Set<string>(NORMALIZED_STATUSES);
const asStatus = (s: string): Status => (STATUSES.has(s) ? (s as Status) : "unknown");

/** Parses a JSON column; a value that is not valid JSON is returned as the raw text. */
export function parseJsonColumn(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A malformed stored decimal yields null in the numeric view (the lossless string still shows it). */
function safe<T>(f: (s: string | null) => T, s: string | null): T | null {
  try {
    return f(s);
  } catch {
    return null;
  }
}

export function presentMarket(m: MarketRow): MarketOut {
  return {
    ticker: m.ticker,
    event_ticker: m.event_ticker,
    series_ticker: m.series_ticker,
    category: m.category,
    market_type: m.market_type,
    title: m.title,
    subtitle: m.subtitle,
    yes_sub_title: m.yes_sub_title,
    no_sub_title: m.no_sub_title,
    status: asStatus(m.status),
    status_raw: m.status_raw,
    created_time: m.created_time,
    updated_time: m.updated_time,
    open_time: m.open_time,
    close_time: m.close_time,
    expected_expiration_time: m.expected_expiration_time,
    expiration_time: m.expiration_time,
    latest_expiration_time: m.latest_expiration_time,
    settlement_timer_seconds: m.settlement_timer_seconds,
    settlement_ts: m.settlement_ts,
    fee_waiver_expiration_time: m.fee_waiver_expiration_time,
    yes_bid: safe(dollarsToCents, m.yes_bid_dollars),
    yes_ask: safe(dollarsToCents, m.yes_ask_dollars),
    no_bid: safe(dollarsToCents, m.no_bid_dollars),
    no_ask: safe(dollarsToCents, m.no_ask_dollars),
    last_price: safe(dollarsToCents, m.last_price_dollars),
    volume: safe(fpToNumber, m.volume_fp),
    volume_24h: safe(fpToNumber, m.volume_24h_fp),
    open_interest: safe(fpToNumber, m.open_interest_fp),
    yes_bid_dollars: m.yes_bid_dollars,
    yes_ask_dollars: m.yes_ask_dollars,
    no_bid_dollars: m.no_bid_dollars,
    no_ask_dollars: m.no_ask_dollars,
    no_side_derived: m.no_side_derived,
    last_price_dollars: m.last_price_dollars,
    previous_yes_bid_dollars: m.previous_yes_bid_dollars,
    previous_yes_ask_dollars: m.previous_yes_ask_dollars,
    previous_price_dollars: m.previous_price_dollars,
    yes_bid_size_fp: m.yes_bid_size_fp,
    yes_ask_size_fp: m.yes_ask_size_fp,
    volume_fp: m.volume_fp,
    volume_24h_fp: m.volume_24h_fp,
    open_interest_fp: m.open_interest_fp,
    notional_value_dollars: m.notional_value_dollars,
    result: m.result,
    expiration_value: m.expiration_value,
    settlement_value_dollars: m.settlement_value_dollars,
    can_close_early: m.can_close_early,
    fractional_trading_enabled: m.fractional_trading_enabled,
    early_close_condition: m.early_close_condition,
    price_level_structure: m.price_level_structure,
    price_ranges: parseJsonColumn(m.price_ranges),
    strike_type: m.strike_type,
    floor_strike: m.floor_strike,
    cap_strike: m.cap_strike,
    functional_strike: m.functional_strike,
    custom_strike: parseJsonColumn(m.custom_strike),
    rules_primary: m.rules_primary,
    rules_secondary: m.rules_secondary,
    mve_collection_ticker: m.mve_collection_ticker,
    mve_selected_legs: parseJsonColumn(m.mve_selected_legs),
    primary_participant_key: m.primary_participant_key,
    is_provisional: m.is_provisional,
    extra: parseJsonColumn(m.extra),
    first_seen_at: isoOrNull(m.first_seen_at),
    updated_at: isoOrNull(m.updated_at),
    deleted_at: isoOrNull(m.deleted_at),
  };
}

export function presentEventMeta(e: EventMetaRow): MarketWithEventOut["event"] {
  return {
    event_ticker: e.event_ticker,
    title: e.title,
    category: e.category,
    series_ticker: e.series_ticker,
    strike_date: e.strike_date,
    mutually_exclusive: e.mutually_exclusive,
    status: asStatus(e.status),
  };
}

export function presentMarketWithEvent(r: MarketWithEventRow): MarketWithEventOut {
  return { ...presentMarket(r.market), event: r.event ? presentEventMeta(r.event) : null };
}

export function presentEvent({ event: e, market_count }: EventWithCount): EventOut {
  return {
    event_ticker: e.event_ticker,
    series_ticker: e.series_ticker,
    title: e.title,
    sub_title: e.sub_title,
    category: e.category,
    collateral_return_type: e.collateral_return_type,
    mutually_exclusive: e.mutually_exclusive,
    available_on_brokers: e.available_on_brokers,
    product_metadata: parseJsonColumn(e.product_metadata),
    strike_date: e.strike_date,
    strike_period: e.strike_period,
    status: asStatus(e.status),
    extra: parseJsonColumn(e.extra),
    first_seen_at: isoOrNull(e.first_seen_at),
    updated_at: isoOrNull(e.updated_at),
    deleted_at: isoOrNull(e.deleted_at),
    market_count,
  };
}

export function presentSeries(s: SeriesRow): SeriesOut {
  return {
    ticker: s.ticker,
    title: s.title,
    category: s.category,
    frequency: s.frequency,
    tags: parseJsonColumn(s.tags),
    settlement_sources: parseJsonColumn(s.settlement_sources),
    contract_url: s.contract_url,
    contract_terms_url: s.contract_terms_url,
    fee_type: s.fee_type,
    fee_multiplier: s.fee_multiplier,
    additional_prohibitions: parseJsonColumn(s.additional_prohibitions),
    product_metadata: parseJsonColumn(s.product_metadata),
    volume_fp: s.volume_fp,
    extra: parseJsonColumn(s.extra),
    first_seen_at: isoOrNull(s.first_seen_at),
    updated_at: isoOrNull(s.updated_at),
    deleted_at: isoOrNull(s.deleted_at),
  };
}

export function presentFeeEntry(f: SeriesFeeRow): FeeScheduleEntryOut {
  const ids = parseJsonColumn(f.change_ids);
  return {
    effective_ts: f.effective_ts,
    effective_at: f.effective_ts === 0 ? null : isoOrNull(f.effective_ts),
    scheduled_ts: f.scheduled_ts,
    fee_type: f.fee_type,
    fee_multiplier: f.fee_multiplier,
    source: f.source,
    change_ids: Array.isArray(ids) ? ids.map(String) : [],
  };
}

/** The series' own fee as a schedule entry, for series the fee feed never mentioned. */
export function seriesFeeEntry(s: SeriesRow): FeeScheduleEntryOut {
  return {
    effective_ts: 0,
    effective_at: null,
    scheduled_ts: null,
    fee_type: s.fee_type,
    fee_multiplier: s.fee_multiplier,
    source: "series",
    change_ids: [],
  };
}

/**
 * The entry in force at `atMs`: the latest with effective_ts ≤ at; the series' own fee when the
 * schedule is empty or only has future changes.
 */
export function feeInForce(s: SeriesRow, schedule: readonly SeriesFeeRow[], atMs: number): FeeScheduleEntryOut {
  let best: SeriesFeeRow | null = null;
  for (const f of schedule) if (f.effective_ts <= atMs && (!best || f.effective_ts > best.effective_ts)) best = f;
  return best ? presentFeeEntry(best) : seriesFeeEntry(s);
}

export function presentFeeTier(t: FeeTierRow): FeeTierOut {
  return {
    tier: t.tier,
    description: t.description,
    taker_fee: Number(t.taker_coefficient),
    maker_fee: Number(t.maker_coefficient),
    taker_coefficient: t.taker_coefficient,
    maker_coefficient: t.maker_coefficient,
    updated_at: isoOrNull(t.updated_at),
  };
}

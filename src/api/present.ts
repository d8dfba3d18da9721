/**
 * D1 rows → API objects (the shapes in schemas.ts). A series, an event and a market are presented
 * by the one generic presenter of output.ts, derived from their tables with the schema; the fee
 * entries here are views of their own.
 */
import type { EventWithCount, MarketWithEventRow } from "../db/queries";
import type { FeeTierRow, SeriesFeeRow, SeriesRow } from "../db/schema";
import { isoOrNull, parseJsonColumn } from "./output";
import {
  EVENT_META_OUTPUT,
  EVENT_OUTPUT,
  MARKET_OUTPUT,
  SERIES_OUTPUT,
  type EventOut,
  type FeeScheduleEntryOut,
  type FeeTierOut,
  type MarketWithEventOut,
} from "./schemas";

export const presentMarket = MARKET_OUTPUT.present;
export const presentSeries = SERIES_OUTPUT.present;

export function presentMarketWithEvent(r: MarketWithEventRow): MarketWithEventOut {
  return { ...presentMarket(r.market), event: r.event ? EVENT_META_OUTPUT.present(r.event) : null };
}

export function presentEvent({ event, market_count }: EventWithCount): EventOut {
  return { ...EVENT_OUTPUT.present(event), market_count };
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

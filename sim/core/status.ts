/** Kalshi market statuses (response enum, exact) and the REST `status` filter vocabulary. */

export const MARKET_STATUSES = [
  "initialized",
  "active",
  "inactive",
  "closed",
  "determined",
  "disputed",
  "amended",
  "finalized",
] as const;

export const S_INITIALIZED = 0;
export const S_ACTIVE = 1;
export const S_INACTIVE = 2;
export const S_CLOSED = 3;
export const S_DETERMINED = 4;
export const S_DISPUTED = 5;
export const S_AMENDED = 6;
export const S_FINALIZED = 7;

export const STATUS_FILTERS = ["unopened", "open", "paused", "closed", "settled"] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

/**
 * Filter word → response status codes. Kalshi does not publish this mapping (docs/kalshi-wire.md §3):
 * UNCONFIRMED choice — `closed` covers everything after close until payout (closed, determined,
 * disputed, amended) and `settled` is `finalized` only, so the five filters partition all markets.
 */
export const FILTER_TO_STATUS_CODES: Record<StatusFilter, readonly number[]> = {
  unopened: [S_INITIALIZED],
  open: [S_ACTIVE],
  paused: [S_INACTIVE],
  closed: [S_CLOSED, S_DETERMINED, S_DISPUTED, S_AMENDED],
  settled: [S_FINALIZED],
};

/** Event-level status words accepted by GET /events. */
export const EVENT_STATUS_FILTERS = ["open", "closed", "settled"] as const;
export type EventStatusFilter = (typeof EVENT_STATUS_FILTERS)[number];

/** Normalised bucket of a market status code: open | closed | settled. */
export function bucketOf(code: number): EventStatusFilter {
  if (code <= S_INACTIVE) return "open";
  if (code === S_FINALIZED) return "settled";
  return "closed";
}

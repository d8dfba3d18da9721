/**
 * Kalshi market status → ssmd's vocabulary (open | closed | settled), plus `unknown`.
 *
 * Kalshi's response enum (docs/kalshi-wire.md §3): initialized, inactive, active, closed, determined, disputed, amended,
 * finalized. Its *filter* vocabulary (unopened, open, paused, closed, settled) has appeared in
 * payloads of other clients too, so it is mapped as well. Matching is exact (case-sensitive): a
 * value not in the table is `unknown` — never guessed — and the caller stores the raw value beside
 * it (markets.status_raw). The table is documented in docs/data-model.md.
 */

export type NormalizedStatus = "open" | "closed" | "settled" | "unknown";

export const MARKET_STATUS_MAP: Readonly<Record<string, Exclude<NormalizedStatus, "unknown">>> = Object.freeze({
  // Not yet open, open, or paused: the market is listed and will (again) trade.
  initialized: "open",
  active: "open",
  inactive: "open",
  unopened: "open",
  open: "open",
  paused: "open",
  // Trading over; result pending, known, disputed or amended, payout not final.
  closed: "closed",
  determined: "closed",
  disputed: "closed",
  amended: "closed",
  // Payout done.
  finalized: "settled",
  settled: "settled",
});

export function normalizeMarketStatus(raw: string): NormalizedStatus {
  return Object.hasOwn(MARKET_STATUS_MAP, raw) ? MARKET_STATUS_MAP[raw]! : "unknown";
}

/**
 * Event status from its markets' normalized statuses (Kalshi's REST events carry none — docs/kalshi-wire.md Q6):
 * any open → open; else any closed → closed; else all settled (non-empty) → settled; else unknown
 * (no markets, or only unknown/settled mixes that include unknown).
 */
export function deriveEventStatus(normalizedStatuses: Iterable<string>): NormalizedStatus {
  let any = false;
  let anyClosed = false;
  let allSettled = true;
  for (const s of normalizedStatuses) {
    any = true;
    if (s === "open") return "open";
    if (s === "closed") anyClosed = true;
    if (s !== "settled") allSettled = false;
  }
  if (anyClosed) return "closed";
  return any && allSettled ? "settled" : "unknown";
}

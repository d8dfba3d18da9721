/**
 * The sync plan: which Kalshi listings make up a sync window (pure; no I/O).
 *
 * Kalshi's `GET /markets` accepts one `status` and at most one timestamp family, and which family
 * works with which status is restricted (docs/kalshi-wire.md §2.1). Worse, some incompatible combinations
 * return an empty page instead of an error (docs/kalshi-wire.md Q7: `min_close_ts` with `status=open` silently
 * returned nothing). So every listing here is checked against the compatibility table by
 * `kalshiMarketsQueryProblem` (src/kalshi/wire/queries.ts).
 *
 * Kalshi's `status` filter only knows its own words (docs/kalshi-wire.md §3): a market whose status
 * Kalshi added or renamed is returned only by listings **without** a status. Every timestamp family
 * is allowed without one, so both windows are listed by close time with no status at all — which
 * returns every market of the window whatever its status (not yet open, open, paused, closed,
 * settled, unknown), one read each — plus what closing time cannot reach:
 *
 * full (30-day window)                          incremental (1-day window)
 *   min_close_ts=now-30d (sharded by close ts)    min_close_ts=now-1d (sharded by close ts)
 *                                                   (new, open, paused, closed: prices/volumes)
 *   min_settled_ts=now-30d, max=now-23d           min_settled_ts=now-1d    (docs/kalshi-wire.md Q3)
 *     (closed before the window, settled in         (closed before the window, settled in it)
 *      its first week)                            min_updated_ts=now-1d + mve_filter=exclude
 *   + series, fee changes, events                   (metadata changes of markets closed before)
 *     (min_close_ts=now-37d, see below)           + fee changes
 *
 * No listing has a status filter. Costs at 200k simulated markets (docs/sync.md): full 298
 * requests (the per-status plan: 295), incremental 180 (per-status: 167 — the window also
 * returns the not-yet-open markets; the `min_created_ts` listing it replaces is gone).
 *
 * Big listings are split into time shards (overlapping by one second at each boundary, so an
 * item exactly on a boundary is listed twice rather than never, whatever Kalshi's inclusive/
 * exclusive semantics are). Shards are separate cursors, so several can page concurrently and
 * keep the rate limit saturated even when a single page takes longer than 1/rps.
 *
 * `mustContain` says which stored (non-deleted) markets the window must return if they still
 * exist on Kalshi — the soft-delete candidates. It is deliberately derived from stored state and
 * conservative; every candidate that no listing returned is verified with a targeted
 * `GET /markets?tickers=` before it is soft-deleted (returned → upserted and kept).
 */

import { kalshiMarketsQueryProblem } from "../kalshi/wire/queries";
import type { MustContain } from "../db/softdelete";
import type { SyncMode } from "./types";

export const DAY_S = 86_400;
export const FULL_WINDOW_S = 30 * DAY_S;
const INCREMENTAL_WINDOW_S = DAY_S;
/**
 * Settlement delay (close → settled) the full sync's window reaches back for, in two listings:
 * - the events listing: `GET /events` filters only by `min_close_ts` (≥ 1 market closing after it;
 *   no settled-time filter, docs/kalshi-wire.md §2.3), but a market that closed shortly before the window and
 *   settled inside it is in the window while its event is not in `min_close_ts = start`. Reaching
 *   back 7 days covers close → settlement delays up to a week (determination + settlement timer);
 *   anything slower (a long dispute) is still fetched one by one by the fix-up. Cost: the events
 *   whose last market closed in that week (~3 pages of 200 at 200k markets) instead of one GET per
 *   event (~130 at 200k markets).
 * - the late-settled markets listing (`min_settled_ts` = start, `max_settled_ts` = start + 7 days):
 *   the close-time listing misses markets that closed before the window and settled in it; those
 *   settled within a week of closing settled in the window's first week. Cost: that week's
 *   settlements (~18 pages at 200k markets), most of which the close-time listing also returns.
 *   A slower settlement (closed before the window, settled 7+ days later) is caught by the
 *   incremental sync's settled listing on the day it happens.
 */
const SETTLEMENT_LOOKBACK_S = 7 * DAY_S;
/** The events listing's reach before the window (= SETTLEMENT_LOOKBACK_S). */
export const EVENTS_SETTLEMENT_LOOKBACK_S = SETTLEMENT_LOOKBACK_S;
/**
 * Close-time shard boundaries of the unfiltered window listing, in days from now, in the order they
 * are used (shards − 1 of them, those after the window start): markets cluster around now (short
 * series close every hour or day), so the shards are cut at now and ±7 days first.
 */
export const WINDOW_CUTS_DAYS = [0, -7, 7, -1, 1, -15, 30, -3, 3, -22, 60] as const;
/** Query parameters of `GET /markets` that a plan uses (a subset of the client's MarketsQuery). */
export type MarketsFilter = {
  status?: "unopened" | "open" | "paused" | "closed" | "settled";
  min_created_ts?: number;
  max_created_ts?: number;
  min_close_ts?: number;
  max_close_ts?: number;
  min_settled_ts?: number;
  max_settled_ts?: number;
  min_updated_ts?: number;
  mve_filter?: "only" | "exclude";
};

export interface EventsFilter {
  status?: "open" | "closed" | "settled";
  min_close_ts?: number;
}

export type Listing =
  | { id: string; kind: "series" }
  | { id: string; kind: "fee_changes" }
  | { id: string; kind: "events"; query: EventsFilter }
  | { id: string; kind: "markets"; query: MarketsFilter };

export interface SyncPlan {
  mode: SyncMode;
  /** Window anchor, Unix seconds. */
  now_s: number;
  window_start_s: number;
  /** Reference data first (series, fees, events), then market listings. */
  listings: Listing[];
  mustContain: MustContain[];
}

export interface PlanOptions {
  /** Time shards of the window listing. Default 4. */
  shards?: number;
}

/** Overlapping shards of [from, to] (to undefined = unbounded above, from undefined = below). */
export function timeShards(
  from: number | undefined,
  to: number | undefined,
  bounds: number[],
): Array<[number | undefined, number | undefined]> {
  const cuts = [from, ...bounds, to];
  const out: Array<[number | undefined, number | undefined]> = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = cuts[i];
    const hi = cuts[i + 1];
    // One second of overlap: a boundary item is listed by both shards whatever the endpoint semantics.
    out.push([lo === undefined || i === 0 ? lo : lo - 1, hi]);
  }
  return out;
}

/** Interior close-time boundaries of the window listing [start, ∞): up to shards − 1 of WINDOW_CUTS_DAYS. */
export function windowCuts(start: number, now: number, shards: number): number[] {
  const cuts: number[] = [];
  for (const d of WINDOW_CUTS_DAYS) {
    if (cuts.length >= shards - 1) break;
    const t = now + d * DAY_S;
    if (t > start) cuts.push(t);
  }
  return cuts.sort((x, y) => x - y);
}

function shardedMarkets(
  base: string,
  status: "open" | "closed" | "settled" | undefined,
  family: "created" | "close" | "settled",
  from: number | undefined,
  to: number | undefined,
  bounds: number[],
): Listing[] {
  return timeShards(from, to, bounds).map(([lo, hi], i) => {
    const query: MarketsFilter = status ? { status } : {};
    if (lo !== undefined) (query as Record<string, number>)[`min_${family}_ts`] = lo;
    if (hi !== undefined) (query as Record<string, number>)[`max_${family}_ts`] = hi;
    return { id: `${base}#${i}`, kind: "markets", query };
  });
}

export function buildPlan(mode: SyncMode, nowMs: number, opts: PlanOptions = {}): SyncPlan {
  const shards = Math.max(1, Math.floor(opts.shards ?? 4));
  const now = Math.floor(nowMs / 1000);
  const windowS = mode === "full" ? FULL_WINDOW_S : INCREMENTAL_WINDOW_S;
  const start = now - windowS;
  const startMs = start * 1000;
  const listings: Listing[] = [];

  // Every market closing in or after the window, whatever its status — the only kind of listing
  // that returns a market whose status Kalshi's filter does not know. Close time with no status is
  // an allowed combination (docs/kalshi-wire.md §2.1; never min_close_ts with status=open, docs/kalshi-wire.md Q7).
  // It replaces the per-status listings (unopened, open, paused, closed, settled by close time and,
  // incremental, new markets by min_created_ts: a market created in the day closes after it).
  const windowShards = shardedMarkets(
    "markets:window",
    undefined,
    "close",
    start,
    undefined,
    windowCuts(start, now, shards),
  );

  if (mode === "full") {
    listings.push({ id: "series", kind: "series" });
    listings.push({ id: "fee_changes", kind: "fee_changes" });
    // Events with at least one market closing after the window start — every event of the window
    // (open and unopened markets close in the future) — reaching back SETTLEMENT_LOOKBACK_S
    // for events whose markets closed before the window but settled in it. Multivariate events are
    // not listed by /events; the sync fetches any event its markets reference but D1 lacks.
    listings.push({ id: "events", kind: "events", query: { min_close_ts: start - SETTLEMENT_LOOKBACK_S } });
    listings.push(...windowShards);
    // Closed before the window, settled in its first week (any status): the rest of the window.
    listings.push({
      id: "markets:settled-late",
      kind: "markets",
      query: { min_settled_ts: start, max_settled_ts: start + SETTLEMENT_LOOKBACK_S },
    });
  } else {
    listings.push({ id: "fee_changes", kind: "fee_changes" });
    // Re-listing the open markets is what keeps prices and volumes current: min_updated_ts only
    // reports non-trading metadata changes. It costs (markets closing after now-1d / 1000) reads per run.
    listings.push(...windowShards);
    // docs/kalshi-wire.md Q3: finished markets by settlement time — those that closed before the window are not in
    // the window listing. No status: a market settled in a status Kalshi's filter does not know is returned too.
    listings.push({ id: "markets:settled", kind: "markets", query: { min_settled_ts: start } });
    // Metadata changes (titles, rules, close dates) of markets that closed before the window.
    // Kalshi allows only mve_filter=exclude with it.
    listings.push({ id: "markets:updated", kind: "markets", query: { min_updated_ts: start, mve_filter: "exclude" } });
  }

  for (const l of listings) {
    if (l.kind !== "markets") continue;
    const problem = kalshiMarketsQueryProblem(l.query);
    if (problem) throw new Error(`sync plan listing ${l.id} is not a valid Kalshi filter: ${problem}`);
  }

  // Every stored market closing in or after the window is in the window listing, whatever its
  // status — an unknown one included: if no listing returned it, the verification by ticker re-reads
  // it (returned → upserted and kept; it is never deleted for its status).
  const inWindow: MustContain[] = [
    { status: "closed", min_close_ms: startMs },
    { status: "settled", min_close_ms: startMs },
    { status: "unknown", min_close_ms: startMs },
  ];
  const mustContain: MustContain[] = [
    // Full: every open-ish market (one stuck past its close time is verified by ticker); incremental:
    // those closing in or after its window (all but such stuck ones, which the full sync covers).
    mode === "full" ? { status: "open" } : { status: "open", min_close_ms: startMs },
    ...inWindow,
  ];
  return { mode, now_s: now, window_start_s: start, listings, mustContain };
}

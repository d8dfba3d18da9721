/**
 * The sync plan: which Kalshi listings make up a sync window (pure; no I/O).
 *
 * Kalshi's `GET /markets` accepts one `status` and at most one timestamp family, and which family
 * works with which status is restricted (docs/kalshi-wire.md §2.1). Worse, some incompatible combinations
 * return an empty page instead of an error (docs/kalshi-wire.md Q7: `min_close_ts` with `status=open` silently
 * returned nothing). So every listing here is checked against the compatibility table by
 * `marketsQueryProblem` (src/kalshi/schemas.ts), and a window is covered by several listings:
 *
 * full (30-day window)                        incremental (1-day window)
 *   status=unopened                             min_created_ts=now-1d          (new markets, docs/kalshi-wire.md Q3)
 *   status=open      (sharded by created ts)    status=open (sharded)          (prices/volumes)
 *   status=paused                               status=paused
 *   status=closed  + min_close_ts=now-30d       status=closed  + min_close_ts=now-1d
 *   status=settled + min_settled_ts=now-30d     status=settled + min_settled_ts=now-1d   (docs/kalshi-wire.md Q3)
 *   + series, fee changes, events               min_updated_ts=now-1d + mve_filter=exclude
 *     (min_close_ts=now-37d, see below)         + fee changes
 *
 * Big listings (open, settled) are split into time shards (overlapping by one second at each boundary, so an
 * item exactly on a boundary is listed twice rather than never, whatever Kalshi's inclusive/
 * exclusive semantics are). Shards are separate cursors, so several can page concurrently and
 * keep the rate limit saturated even when a single page takes longer than 1/rps.
 *
 * `mustContain` says which stored (non-deleted) markets the window must return if they still
 * exist on Kalshi — the soft-delete candidates. It is deliberately derived from stored state and
 * conservative; every candidate that no listing returned is verified with a targeted
 * `GET /markets?tickers=` before it is soft-deleted.
 */

import { marketsQueryProblem } from "../kalshi/schemas";
import type { SyncMode } from "./types";

export const DAY_S = 86_400;
export const FULL_WINDOW_S = 30 * DAY_S;
export const INCREMENTAL_WINDOW_S = DAY_S;
/**
 * How far before the window start the full sync's events listing reaches. `GET /events` filters
 * only by `min_close_ts` (≥ 1 market closing after it; no settled-time filter, docs/kalshi-wire.md §2.3),
 * but a market that closed shortly before the window and settled inside it is in the window (the
 * settled listing returns it) while its event is not in `min_close_ts = start`. Reaching back 7
 * days covers close → settlement delays up to a week (determination + settlement timer); anything
 * slower (a long dispute) is still fetched one by one by the fix-up. Cost: the events whose last
 * market closed in that week (~3 pages of 200 at 200k markets) instead of one GET per event
 * (~130 at 200k markets).
 */
export const EVENTS_SETTLEMENT_LOOKBACK_S = 7 * DAY_S;

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

/** A stored-state predicate over `markets` (all bounds in Unix ms, inclusive). */
export interface MustContain {
  status: "open" | "closed" | "settled";
  /** Restrict to these raw statuses. */
  status_raw?: string[];
  min_close_ms?: number;
}

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
  /** Time shards for the big listings (open, settled). Default 4. */
  shards?: number;
}

/** Overlapping shards of [from, to] (to undefined = unbounded above, from undefined = below). */
export function timeShards(from: number | undefined, to: number | undefined, bounds: number[]): Array<[number | undefined, number | undefined]> {
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

/** Evenly spaced interior boundaries splitting [from, to] into n parts. */
function evenBounds(from: number, to: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < n; i++) out.push(Math.floor(from + ((to - from) * i) / n));
  return out;
}

function shardedMarkets(
  base: string,
  status: "open" | "closed" | "settled",
  family: "created" | "close" | "settled",
  from: number | undefined,
  to: number | undefined,
  bounds: number[],
): Listing[] {
  return timeShards(from, to, bounds).map(([lo, hi], i) => {
    const query: MarketsFilter = { status };
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
  const listings: Listing[] = [];

  // Open markets: sharded by creation time — the only ts family allowed with status=open (docs/kalshi-wire.md Q7).
  // The shards cover everything (unbounded below and above), cut at now-30d and inside the last 30 days.
  const openCuts = shards > 1 ? [now - FULL_WINDOW_S, ...evenBounds(now - FULL_WINDOW_S, now, shards - 1)] : [];
  const openShards = shardedMarkets("markets:open", "open", "created", undefined, undefined, openCuts);

  if (mode === "full") {
    listings.push({ id: "series", kind: "series" });
    listings.push({ id: "fee_changes", kind: "fee_changes" });
    // Events with at least one market closing after the window start — every event of the window
    // (open and unopened markets close in the future) — reaching back EVENTS_SETTLEMENT_LOOKBACK_S
    // for events whose markets closed before the window but settled in it. Multivariate events are
    // not listed by /events; the sync fetches any event its markets reference but D1 lacks.
    listings.push({ id: "events", kind: "events", query: { min_close_ts: start - EVENTS_SETTLEMENT_LOOKBACK_S } });
    listings.push({ id: "markets:unopened", kind: "markets", query: { status: "unopened" } });
    listings.push(...openShards);
    listings.push({ id: "markets:paused", kind: "markets", query: { status: "paused" } });
    // Closed is a transitional state (until settlement): one listing; sharding it mostly costs empty pages.
    listings.push({ id: "markets:closed", kind: "markets", query: { status: "closed", min_close_ts: start } });
    listings.push(...shardedMarkets("markets:settled", "settled", "settled", start, undefined, evenBounds(start, now, shards)));
  } else {
    listings.push({ id: "fee_changes", kind: "fee_changes" });
    listings.push({ id: "markets:created", kind: "markets", query: { min_created_ts: start } });
    // Re-listing open markets is what keeps prices and volumes current: min_updated_ts only
    // reports non-trading metadata changes. It costs (open markets / 1000) reads per run.
    listings.push(...openShards);
    listings.push({ id: "markets:paused", kind: "markets", query: { status: "paused" } });
    // docs/kalshi-wire.md Q3: finished markets by close and by settlement time, each with the status it needs.
    listings.push({ id: "markets:closed", kind: "markets", query: { status: "closed", min_close_ts: start } });
    listings.push({ id: "markets:settled", kind: "markets", query: { status: "settled", min_settled_ts: start } });
    // Metadata changes (titles, rules, close dates). Kalshi allows only mve_filter=exclude with it.
    listings.push({ id: "markets:updated", kind: "markets", query: { min_updated_ts: start, mve_filter: "exclude" } });
  }

  for (const l of listings) {
    if (l.kind !== "markets") continue;
    const problem = marketsQueryProblem(l.query);
    if (problem) throw new Error(`sync plan listing ${l.id} is not a valid Kalshi filter: ${problem}`);
  }

  const startMs = start * 1000;
  const mustContain: MustContain[] =
    mode === "full"
      ? [
          // Every open-ish market is listed by unopened/open/paused whatever its age.
          { status: "open" },
          // A market that closed within the window is in the closed listing, or — if it settled
          // since — in the settled one (settled ts ≥ close ts ≥ window start).
          { status: "closed", min_close_ms: startMs },
          { status: "settled", min_close_ms: startMs },
        ]
      : [
          // Unopened markets older than a day are not in an incremental window; the full sync
          // covers them.
          { status: "open", status_raw: ["active", "inactive"] },
          { status: "closed", min_close_ms: startMs },
          { status: "settled", min_close_ms: startMs },
        ];
  return { mode, now_s: now, window_start_s: start, listings, mustContain };
}

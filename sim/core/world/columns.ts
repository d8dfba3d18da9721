/**
 * The world's storage: markets as a struct-of-arrays (typed arrays, ~120 bytes per market, so that
 * 200k+ markets stay compact), series and events as small records, and the state every part of the
 * world (generation, pricing, naming, lifecycle) works on.
 *
 * Market ids are dense, append-only integers (creation order) and are never reused: listings
 * page by id, which makes cursors stable under every mutation the world supports.
 */
import type { MarketKind, SeriesTemplate } from "../catalog";
import type { Rng } from "../prng";

export const F_VANISHED = 1;
export const F_NO_SIDE_OMITTED = 2;
export const F_PROVISIONAL = 4;
export const F_FRACTIONAL = 8;
export const F_MVE = 16;
export const F_CAN_CLOSE_EARLY = 32;
/**
 * Served with the world's `unknownStatus` word instead of its lifecycle status (a status Kalshi
 * added or renamed): no `status` filter selects it; its lifecycle goes on underneath.
 */
export const F_UNKNOWN_STATUS = 64;

/** Market result codes (0 = none yet). */
export const R_YES = 1,
  R_NO = 2;

export type FeeType = "quadratic" | "quadratic_with_maker_fees" | "flat";

export interface SeriesRec {
  idx: number;
  ticker: string;
  tpl: SeriesTemplate;
  label: string;
  feeType: FeeType;
  feeMultiplier: number;
  /** Scale applied to the template's base value (BTC vs DOGE…). */
  scale: number;
  events: number[];
  /** Generation-time event grid: next strike time and spacing (seconds). */
  nextSlotS: number;
  stepS: number;
}

export interface EventRec {
  idx: number;
  ticker: string;
  series: number;
  strikeS: number;
  kind: MarketKind;
  /** Outcome codes for categorical events (and the two teams of a game). */
  codes: string[];
  gameLabel: string;
  strikeBase: number;
  strikeStep: number;
  mean: number;
  sd: number;
  /** Hidden realised outcome, revealed at determination. */
  outcome: number;
  /** Categorical: index of the winning outcome. */
  winner: number;
  markets: number[];
  /** Planned market count (range events with k ≥ 3 have open-ended tails at ord 0 and k − 1). */
  k: number;
  createdS: number;
}

export interface FeeChangeRec {
  id: string;
  series: number;
  feeType: FeeType;
  feeMultiplier: number;
  scheduledS: number;
  applied: boolean;
}

export interface MutationRates {
  /** Fraction of active markets whose quotes/volume move per simulated hour. */
  price_change_per_hour: number;
  /** Fraction of active markets with a metadata change (close time / rules) per simulated hour. */
  metadata_change_per_hour: number;
  /** New markets (in new or existing events) per simulated hour. */
  new_markets_per_hour: number;
  /** Provisional markets deleted per simulated hour. */
  vanish_per_hour: number;
  /** Fraction of active markets paused (and as many paused ones resumed) per simulated hour. */
  pause_per_hour: number;
}

export interface WorldOptions {
  seed: number;
  markets: number;
  series?: number;
  events?: number;
  nowS: number;
  rates: MutationRates;
  /** Share of markets (by id, from the seed) served in `unknownStatus`; default 0. */
  unknownStatusShare?: number;
  /** The raw status word of those markets (outside Kalshi's filter vocabulary). */
  unknownStatus?: string;
}

/** Lifecycle notifications for the WebSocket feed (market_lifecycle_v2 / event_lifecycle). */
export type LifecycleEvent =
  | {
      kind: "market";
      type:
        | "created"
        | "activated"
        | "deactivated"
        | "close_date_updated"
        | "determined"
        | "settled"
        | "metadata_updated";
      market: number;
      atS: number;
    }
  | { kind: "event"; event: number; atS: number };

export const H = 3600,
  D = 86400;

export class Columns {
  cap: number;
  ev: Int32Array;
  ord: Uint16Array;
  status: Uint8Array;
  flags: Uint8Array;
  result: Uint8Array;
  metaRev: Uint8Array;
  createdS: Uint32Array;
  openS: Uint32Array;
  closeS: Uint32Array;
  updatedS: Uint32Array;
  determinedS: Uint32Array;
  settledS: Uint32Array;
  settleTimer: Uint32Array;
  bid: Uint16Array;
  ask: Uint16Array;
  last: Uint16Array;
  pbid: Uint16Array;
  pask: Uint16Array;
  plast: Uint16Array;
  vol: Float64Array;
  vol24: Float64Array;
  oi: Float64Array;
  bidSz: Uint32Array;
  askSz: Uint32Array;
  lastSz: Uint32Array;
  constructor(cap: number) {
    this.cap = cap;
    this.ev = new Int32Array(cap);
    this.ord = new Uint16Array(cap);
    this.status = new Uint8Array(cap);
    this.flags = new Uint8Array(cap);
    this.result = new Uint8Array(cap);
    this.metaRev = new Uint8Array(cap);
    this.createdS = new Uint32Array(cap);
    this.openS = new Uint32Array(cap);
    this.closeS = new Uint32Array(cap);
    this.updatedS = new Uint32Array(cap);
    this.determinedS = new Uint32Array(cap);
    this.settledS = new Uint32Array(cap);
    this.settleTimer = new Uint32Array(cap);
    this.bid = new Uint16Array(cap);
    this.ask = new Uint16Array(cap);
    this.last = new Uint16Array(cap);
    this.pbid = new Uint16Array(cap);
    this.pask = new Uint16Array(cap);
    this.plast = new Uint16Array(cap);
    this.vol = new Float64Array(cap);
    this.vol24 = new Float64Array(cap);
    this.oi = new Float64Array(cap);
    this.bidSz = new Uint32Array(cap);
    this.askSz = new Uint32Array(cap);
    this.lastSz = new Uint32Array(cap);
  }
  grow(min: number): void {
    if (min <= this.cap) return;
    const cap = Math.max(min, Math.ceil(this.cap * 1.5) + 16);
    for (const key of Object.keys(this) as (keyof Columns)[]) {
      const v = this[key];
      if (ArrayBuffer.isView(v)) {
        const Ctor = (v as unknown as { constructor: new (n: number) => Int32Array }).constructor;
        const next = new Ctor(cap);
        next.set(v as unknown as Int32Array);
        (this as unknown as Record<string, unknown>)[key] = next;
      }
    }
    this.cap = cap;
  }
}

/**
 * What the world's parts share: the records, the columns and the clock. `World` (../world.ts) is
 * this state with its methods; the functions of generation.ts, pricing.ts, naming.ts and
 * lifecycle.ts take it as their first argument.
 */
export interface WorldState {
  readonly seed: number;
  readonly series: SeriesRec[];
  readonly events: EventRec[];
  readonly feeChanges: FeeChangeRec[];
  readonly mveLegs: Map<number, number[]>;
  readonly seriesByTicker: Map<string, number>;
  readonly eventByTicker: Map<string, number>;
  readonly cols: Columns;
  /** Markets created so far (ids 0 … count − 1). */
  count: number;
  nowS: number;
  rates: MutationRates;
  /** Sequential randomness for mutations (generation uses its own stream). */
  readonly rng: Rng;
  /** Bumped on every change of status or visibility (and on new markets): cache key for activeMarkets(). */
  version: number;
  /** activeMarkets()'s result for `version`. */
  activeCache: { version: number; ids: number[] } | null;
  /** The raw status served for markets flagged F_UNKNOWN_STATUS, and the share flagged at creation. */
  readonly unknownStatus: string;
  readonly unknownShare: number;
  /** Markets of sports games, used as legs of multivariate combos. */
  readonly legPool: number[];
  /** Earliest time at which some market has a pending status transition. */
  nextDueS: number;
  emit(e: LifecycleEvent): void;
}

export function isVisible(w: WorldState, m: number): boolean {
  return ((w.cols.flags[m] as number) & F_VANISHED) === 0;
}

export function hasUnknownStatus(w: WorldState, m: number): boolean {
  return ((w.cols.flags[m] as number) & F_UNKNOWN_STATUS) !== 0;
}

/**
 * The simulated exchange's data: series, events and markets (sim/core/world/columns.ts), generated
 * from a seed (generation.ts), priced (pricing.ts), named (naming.ts) and moved by the clock
 * (lifecycle.ts). `World` is that state with its methods — what rest.ts, ws.ts, render.ts and
 * simulator.ts use. Wire JSON is rendered on demand (render.ts); nothing here knows about HTTP.
 */
import type { PriceStructure } from "./catalog";
import { hash32, Rng } from "./prng";
import { MARKET_STATUSES } from "./status";
import {
  Columns,
  type EventRec,
  type FeeChangeRec,
  hasUnknownStatus,
  isVisible,
  type LifecycleEvent,
  type MutationRates,
  type SeriesRec,
  type WorldOptions,
  type WorldState,
} from "./world/columns";
import { generate } from "./world/generation";
import * as lifecycle from "./world/lifecycle";
import * as naming from "./world/naming";
import * as pricing from "./world/pricing";

export {
  type EventRec,
  F_CAN_CLOSE_EARLY,
  F_FRACTIONAL,
  F_MVE,
  F_NO_SIDE_OMITTED,
  F_PROVISIONAL,
  F_UNKNOWN_STATUS,
  F_VANISHED,
  type LifecycleEvent,
  type MutationRates,
  R_NO,
  R_YES,
  type SeriesRec,
} from "./world/columns";
export { snap, tickAt } from "./world/pricing";

export class World implements WorldState {
  readonly seed: number;
  readonly series: SeriesRec[] = [];
  readonly events: EventRec[] = [];
  readonly feeChanges: FeeChangeRec[] = [];
  readonly mveLegs = new Map<number, number[]>();
  readonly seriesByTicker = new Map<string, number>();
  readonly eventByTicker = new Map<string, number>();
  readonly cols: Columns;
  count = 0;
  nowS: number;
  rates: MutationRates;
  readonly rng: Rng;
  nextDueS = 0;
  version = 0;
  activeCache: { version: number; ids: number[] } | null = null;
  readonly legPool: number[] = [];
  readonly unknownStatus: string;
  readonly unknownShare: number;
  private listeners: ((e: LifecycleEvent) => void)[] = [];

  constructor(opts: WorldOptions) {
    this.seed = opts.seed >>> 0;
    this.nowS = Math.floor(opts.nowS);
    this.rates = opts.rates;
    this.unknownStatus = opts.unknownStatus ?? "frozen";
    this.unknownShare = opts.unknownStatusShare ?? 0;
    this.cols = new Columns(Math.max(16, opts.markets));
    this.rng = new Rng(hash32(this.seed, 0x6d757461));
    generate(this, opts);
    lifecycle.startAt(this);
  }

  onLifecycle(fn: (e: LifecycleEvent) => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((f) => f !== fn);
    };
  }

  emit(e: LifecycleEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  // ---------------------------------------------------------------- clock and mutations (lifecycle.ts)

  advanceTo(nowS: number): void {
    lifecycle.advanceTo(this, nowS);
  }

  activeMarkets(): readonly number[] {
    return lifecycle.activeMarkets(this);
  }

  changePrices(candidates: readonly number[], n: number): number[] {
    return lifecycle.changePrices(this, candidates, n);
  }

  changeMetadata(candidates: readonly number[], n: number): number[] {
    return lifecycle.changeMetadata(this, candidates, n);
  }

  createMarkets(n: number): number[] {
    return lifecycle.createMarkets(this, n);
  }

  vanishRandom(n: number, onlyProvisional = false): number[] {
    return lifecycle.vanishRandom(this, n, onlyProvisional);
  }

  vanish(ms: number[]): number[] {
    return lifecycle.vanish(this, ms);
  }

  setUnknownStatus(ms: number[], on: boolean): number[] {
    return lifecycle.setUnknownStatus(this, ms, on);
  }

  reappear(ms: number[]): number[] {
    return lifecycle.reappear(this, ms);
  }

  recordTrade(m: number, yesPriceUnits: number, countH: number): void {
    lifecycle.recordTrade(this, m, yesPriceUnits, countH);
  }

  // ---------------------------------------------------------------- prices (pricing.ts)

  rangeBounds(ev: EventRec, ord: number): { lo: number | null; hi: number | null } {
    return pricing.rangeBounds(this, ev, ord);
  }

  floorStrike(ev: EventRec, ord: number): number {
    return pricing.floorStrike(this, ev, ord);
  }

  structure(m: number): PriceStructure {
    return pricing.structure(this, m);
  }

  quote(m: number, p: number, rng: Rng): void {
    pricing.quote(this, m, p, rng);
  }

  // ---------------------------------------------------------------- names (naming.ts)

  marketTicker(m: number): string {
    return naming.marketTicker(this, m);
  }

  findMarket(ticker: string): number | null {
    return naming.findMarket(this, ticker);
  }

  statusName(m: number): string {
    return naming.statusName(this, m);
  }

  hasUnknownStatus(m: number): boolean {
    return hasUnknownStatus(this, m);
  }

  visible(m: number): boolean {
    return isVisible(this, m);
  }

  marketId(m: number): string {
    return naming.marketId(this, m);
  }

  eventTitle(ev: EventRec): string {
    return naming.eventTitle(this, ev);
  }

  seriesTitle(ser: SeriesRec): string {
    return naming.seriesTitle(ser);
  }

  // ---------------------------------------------------------------- aggregates

  /** Visible markets by served status (the unknown word included when any market carries it), plus `vanished`. */
  statusCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of MARKET_STATUSES) out[n] = 0;
    let vanished = 0;
    for (let m = 0; m < this.count; m++) {
      if (!this.visible(m)) {
        vanished++;
        continue;
      }
      const n = this.statusName(m);
      out[n] = (out[n] ?? 0) + 1;
    }
    out.vanished = vanished;
    return out;
  }

  /** Approximate heap bytes held by the market columns. */
  columnBytes(): number {
    let b = 0;
    for (const v of Object.values(this.cols)) if (ArrayBuffer.isView(v)) b += v.byteLength;
    return b;
  }

  /** Volume (hundredths) per series, for include_volume. */
  seriesVolumes(): Float64Array {
    const out = new Float64Array(this.series.length);
    for (let m = 0; m < this.count; m++) {
      if (!this.visible(m)) continue;
      const s = (this.events[this.cols.ev[m] as number] as EventRec).series;
      out[s] = (out[s] as number) + (this.cols.vol[m] as number);
    }
    return out;
  }
}

/**
 * The simulated exchange's data: series and events as small objects, markets as a
 * struct-of-arrays (typed arrays, ~120 bytes per market) so that 200k+ markets stay compact.
 * Wire JSON is rendered on demand (render.ts); nothing here knows about HTTP.
 *
 * Market ids are dense, append-only integers (creation order) and are never reused: listings
 * page by id, which makes cursors stable under every mutation the world supports.
 */
import { TEMPLATES, CATEGORIES, type SeriesTemplate, type MarketKind, type PriceStructure } from "./catalog";
import { Rng, hash32, unit, uuidFrom } from "./prng";
import { dateCode, humanDate, humanDateTime } from "./format";
import { MARKET_STATUSES, S_ACTIVE, S_CLOSED, S_DETERMINED, S_FINALIZED, S_INACTIVE, S_INITIALIZED } from "./status";

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

const H = 3600,
  D = 86400;
const DAY60 = 60 * D;

class Columns {
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

/** Standard normal from two uniforms (Box–Muller). */
function gauss(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-12))) * Math.cos(2 * Math.PI * u2);
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Legal tick (units of 1/10000 $) at a price for a price-level structure. */
export function tickAt(structure: PriceStructure, units: number): number {
  if (structure === "deci_cent") return 10;
  if (structure === "tapered_deci_cent") return units < 1000 || units >= 9000 ? 10 : 100;
  return 100;
}

export function snap(structure: PriceStructure, units: number): number {
  const u = Math.min(10000, Math.max(0, units));
  const t = tickAt(structure, u);
  return Math.min(10000, Math.max(0, Math.round(u / t) * t));
}

export class World {
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
  /** Sequential randomness for mutations (generation uses its own stream). */
  rng: Rng;
  /** Earliest time at which some market has a pending status transition. */
  private nextDueS = 0;
  private listeners: ((e: LifecycleEvent) => void)[] = [];
  /** Bumped on every change of status or visibility (and on new markets): cache key for activeMarkets(). */
  version = 0;
  private activeCache: { version: number; ids: number[] } | null = null;
  /** Markets of sports games, used as legs of multivariate combos. */
  private legPool: number[] = [];
  /** The raw status served for markets flagged F_UNKNOWN_STATUS, and the share flagged at creation. */
  readonly unknownStatus: string;
  private readonly unknownShare: number;

  constructor(opts: WorldOptions) {
    this.seed = opts.seed >>> 0;
    this.nowS = Math.floor(opts.nowS);
    this.rates = opts.rates;
    this.unknownStatus = opts.unknownStatus ?? "frozen";
    this.unknownShare = opts.unknownStatusShare ?? 0;
    this.cols = new Columns(Math.max(16, opts.markets));
    this.rng = new Rng(hash32(this.seed, 0x6d757461));
    this.generate(opts);
  }

  onLifecycle(fn: (e: LifecycleEvent) => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((f) => f !== fn);
    };
  }

  private emit(e: LifecycleEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  // ---------------------------------------------------------------- generation

  private generate(opts: WorldOptions): void {
    const rng = new Rng(hash32(this.seed, 0x67656e));
    const M = Math.max(0, Math.floor(opts.markets));
    const nSeries = Math.max(CATEGORIES.length + 3, opts.series ?? Math.round(M / 50));
    const weighted = TEMPLATES.map((t) => [t, t.weight] as const);
    const used = new Set<string>();
    for (let i = 0; i < nSeries; i++) {
      // The first round covers every category so small worlds are still varied.
      const tpl =
        i < CATEGORIES.length
          ? rng.pick(TEMPLATES.filter((t) => t.category === CATEGORIES[i]))
          : rng.weighted(weighted);
      this.addSeries(tpl, rng, used);
    }

    // Pass 1: decide (series, market count) per event until the market total is reached.
    const avgTplK = TEMPLATES.reduce((s, t) => s + (t.markets[0] + t.markets[1]) / 2, 0) / TEMPLATES.length;
    const scaleK = opts.events ? M / opts.events / avgTplK : 1;
    const plan: [number, number][] = [];
    const perSeries = new Array<number>(this.series.length).fill(0);
    let remaining = M,
      s = 0;
    while (remaining > 0) {
      const ser = this.series[s % this.series.length] as SeriesRec;
      s++;
      const t = ser.tpl;
      let k = rng.between(t.markets[0], t.markets[1]);
      if (t.kind === "categorical") k = Math.min(k, this.outcomePoolSize(t));
      else if (t.markets[1] > 1) k = Math.max(1, Math.round(k * scaleK));
      k = Math.min(k, remaining);
      plan.push([ser.idx, k]);
      perSeries[ser.idx] = (perSeries[ser.idx] as number) + 1;
      remaining -= k;
    }

    // Pass 2: lay out each series' events on a time grid over [now − ≤60d, now + futureS].
    for (const ser of this.series) {
      const n = perSeries[ser.idx] as number;
      const t = ser.tpl;
      // Most series list a recent past comparable to their future; some reach back the full 60 days.
      const pastS = rng.chance(0.3)
        ? DAY60
        : Math.round(Math.min(DAY60, Math.max(2 * D, t.futureS * (0.5 + 1.5 * rng.next()))));
      const span = pastS + t.futureS;
      const stepS = Math.max(t.periodS, Math.ceil(span / Math.max(1, n) / t.periodS) * t.periodS);
      // Random phase inside the span, so a series with few events is not always at the window start.
      const slack = Math.max(0, Math.floor((span - (n - 1) * stepS) / t.periodS) - 1);
      const first = Math.floor((this.nowS - pastS) / t.periodS) * t.periodS + t.periodS * (1 + rng.int(slack + 1));
      ser.stepS = stepS;
      ser.nextSlotS = first;
    }
    for (const [si, k] of plan) {
      const ser = this.series[si] as SeriesRec;
      const strikeS = ser.nextSlotS;
      ser.nextSlotS += ser.stepS;
      const ev = this.addEvent(ser, strikeS, rng, this.nowS, k);
      for (let i = 0; i < k; i++) this.addMarket(ev, rng, this.nowS, true);
    }
    this.fillMveLegs(rng);
    this.generateFeeChanges(rng);
    // Bring every market to its status at `now` through the same transitions the clock uses.
    this.applyTransitions(this.nowS, false);
    // A few active markets are paused at start.
    for (let m = 0; m < this.count; m++) {
      if (this.cols.status[m] === S_ACTIVE && unit(this.seed, m, 0x70617573) < 0.015) {
        this.cols.status[m] = S_INACTIVE;
        this.version++;
        this.cols.updatedS[m] = Math.max(
          this.cols.openS[m] as number,
          this.nowS - Math.floor(unit(this.seed, m, 9) * 6 * H),
        );
      }
    }
  }

  private outcomePoolSize(t: SeriesTemplate): number {
    if (t.game) return t.draw ? 3 : 2;
    return t.outcomes?.length ?? 1;
  }

  private addSeries(tpl: SeriesTemplate, rng: Rng, used: Set<string>): SeriesRec {
    let ticker = "";
    let label = "";
    const free = tpl.variants.filter(([code]) => !used.has(tpl.root + code));
    if (free.length > 0) {
      const [code, lbl] = rng.pick(free);
      ticker = tpl.root + code;
      label = lbl;
    } else {
      const [code, lbl] = rng.pick(tpl.variants);
      for (let n = 1; ; n++) {
        const suffix = n.toString(36).toUpperCase();
        if (!used.has(`${tpl.root}${code}${suffix}`)) {
          ticker = `${tpl.root}${code}${suffix}`;
          label = `${lbl} ${suffix}`;
          break;
        }
      }
    }
    used.add(ticker);
    const feeType = rng.weighted<FeeType>([
      ["quadratic", 65],
      ["quadratic_with_maker_fees", 25],
      ["flat", 10],
    ]);
    const feeMultiplier =
      feeType === "flat"
        ? 1
        : rng.weighted([
            [1, 70],
            [0.5, 15],
            [0.25, 5],
            [2, 5],
            [0.75, 5],
          ]);
    const ser: SeriesRec = {
      idx: this.series.length,
      ticker,
      tpl,
      label,
      feeType,
      feeMultiplier,
      scale: 0.6 + 0.8 * rng.next(),
      events: [],
      nextSlotS: 0,
      stepS: tpl.periodS,
    };
    this.series.push(ser);
    this.seriesByTicker.set(ticker, ser.idx);
    return ser;
  }

  /** `k`: planned market count; a non-game categorical event lists exactly k outcomes (one wins). */
  private addEvent(ser: SeriesRec, strikeS: number, rng: Rng, nowS: number, k: number): EventRec {
    const t = ser.tpl;
    const idx = this.events.length;
    let codes: string[] = [];
    let gameLabel = "";
    if (t.outcomes) {
      const pool = [...t.outcomes];
      for (let i = pool.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [pool[i], pool[j]] = [pool[j] as (typeof pool)[number], pool[i] as (typeof pool)[number]];
      }
      if (t.game) {
        const [a, b] = [pool[0] as readonly [string, string], pool[1] as readonly [string, string]];
        gameLabel = `${a[1]} vs ${b[1]}`;
        codes = t.kind === "categorical" ? [a[0], b[0], ...(t.draw ? ["TIE"] : [])] : [a[0], b[0]];
      } else {
        codes = pool.slice(0, t.kind === "categorical" ? Math.max(1, k) : pool.length).map(([c]) => c);
      }
    }
    const base = (t.base ?? 1) * ser.scale;
    const spread = t.spread ?? 0.1;
    const mean = base * (1 + spread * 0.5 * gauss(rng.next(), rng.next()));
    const sd = Math.max(base * spread, 1e-6);
    const step = t.step ?? 1;
    const k0 = (t.markets[0] + t.markets[1]) / 2;
    let strikeBase = Math.round((mean - (k0 / 2) * step) / step) * step;
    if (strikeBase < step) strikeBase = step;
    const outcome = mean + sd * gauss(rng.next(), rng.next());
    let ticker = `${ser.ticker}-${dateCode(strikeS, t.precision)}${t.game ? codes.slice(0, 2).join("") : ""}`;
    if (this.eventByTicker.has(ticker)) ticker = `${ticker}${idx.toString(36).toUpperCase()}`;
    const createdS = Math.min(strikeS - t.openLeadS - rng.between(300, 3 * H), nowS - rng.between(0, 3 * D));
    const ev: EventRec = {
      idx,
      ticker,
      series: ser.idx,
      strikeS,
      kind: t.kind,
      codes,
      gameLabel,
      strikeBase,
      strikeStep: step,
      mean,
      sd,
      outcome,
      winner: 0,
      markets: [],
      k,
      createdS: Math.max(0, createdS),
    };
    this.events.push(ev);
    this.eventByTicker.set(ticker, idx);
    ser.events.push(idx);
    return ev;
  }

  /** Fair probability of YES for market ordinal `ord` of `ev` (pre-determination). */
  fairP(ev: EventRec, ord: number, m: number): number {
    switch (ev.kind) {
      case "threshold": {
        const strike = this.floorStrike(ev, ord);
        return logistic((ev.mean - strike) / (0.6 * ev.sd));
      }
      case "range": {
        const { lo, hi } = this.rangeBounds(ev, ord);
        const F = (x: number | null, dflt: number) => (x === null ? dflt : logistic((x - ev.mean) / (0.6 * ev.sd)));
        return Math.max(0.01, F(hi, 1) - F(lo, 0));
      }
      case "categorical": {
        let total = 0;
        const n = ev.codes.length;
        for (let i = 0; i < n; i++) total += 0.2 + unit(this.seed, ev.idx, i, 0x77);
        return (0.2 + unit(this.seed, ev.idx, ord, 0x77)) / total;
      }
      case "mve":
        return 0.02 + 0.3 * unit(this.seed, m, 0x6d7665);
      default:
        return 0.03 + 0.94 * unit(this.seed, ev.idx, 0x62696e);
    }
  }

  /**
   * Bounds of a range market, [lo, hi); null = open-ended. With k ≥ 3 markets the first and last
   * are tails ("below X", "Y or above") around k − 2 buckets, so exactly one market resolves YES.
   */
  rangeBounds(ev: EventRec, ord: number): { lo: number | null; hi: number | null } {
    const t = (this.series[ev.series] as SeriesRec).tpl;
    const r = (x: number) => Number(x.toFixed(t.decimals ?? 2));
    if (ev.k < 3)
      return { lo: r(ev.strikeBase + ord * ev.strikeStep), hi: r(ev.strikeBase + (ord + 1) * ev.strikeStep) };
    if (ord === 0) return { lo: null, hi: r(ev.strikeBase) };
    if (ord >= ev.k - 1) return { lo: r(ev.strikeBase + (ev.k - 2) * ev.strikeStep), hi: null };
    return { lo: r(ev.strikeBase + (ord - 1) * ev.strikeStep), hi: r(ev.strikeBase + ord * ev.strikeStep) };
  }

  floorStrike(ev: EventRec, ord: number): number {
    const t = (this.series[ev.series] as SeriesRec).tpl;
    const raw = ev.strikeBase + ord * ev.strikeStep + (t.strikeOffset ?? 0);
    return Number(raw.toFixed(t.decimals ?? 2));
  }

  private addMarket(ev: EventRec, rng: Rng, nowS: number, initial: boolean): number {
    const c = this.cols;
    const m = this.count;
    c.grow(m + 1);
    this.count++;
    this.version++;
    const ser = this.series[ev.series] as SeriesRec;
    const t = ser.tpl;
    const ord = ev.markets.length;
    ev.markets.push(m);
    c.ev[m] = ev.idx;
    c.ord[m] = ord;
    c.status[m] = S_INITIALIZED;
    let flags = 0;
    if (rng.chance(t.fractional)) flags |= F_FRACTIONAL;
    if (t.canCloseEarly) flags |= F_CAN_CLOSE_EARLY;
    if (t.kind === "mve") flags |= F_MVE;
    // Since 2026-07 some payloads omit the NO side (docs/kalshi-wire.md Q16); emulate on a stable subset.
    if (rng.chance(0.15)) flags |= F_NO_SIDE_OMITTED;
    if (!initial ? rng.chance(0.3) : rng.chance(0.01)) flags |= F_PROVISIONAL;
    // Stateless draw (no rng step), so the share does not change any other generated value.
    if (this.unknownShare > 0 && unit(this.seed, m, 0x756e6b) < this.unknownShare) flags |= F_UNKNOWN_STATUS;
    c.flags[m] = flags;
    const closeS = ev.strikeS;
    let openS = closeS - t.openLeadS;
    let createdS: number;
    if (initial) {
      createdS = Math.min(openS - rng.between(60, 2 * H), nowS - rng.between(0, 2 * D));
      createdS = Math.max(createdS, ev.createdS);
    } else {
      createdS = nowS;
      if (openS < nowS) openS = nowS + rng.between(0, 10 * 60);
    }
    c.createdS[m] = createdS;
    c.openS[m] = Math.min(openS, closeS - 60);
    c.closeS[m] = closeS;
    c.updatedS[m] = createdS;
    // Delay close → determined: mostly minutes, a tail of days (awaiting official data).
    c.determinedS[m] = 0;
    c.settledS[m] = 0;
    c.settleTimer[m] = rng.chance(0.1) ? 2 * D : rng.pick([60, 300, 600, 1800, 3600]);
    c.metaRev[m] = 0;
    if (t.kind === "categorical" && ord === 0) ev.winner = this.pickWinner(ev);
    if (t.game && t.kind === "categorical") this.legPool.push(m);
    this.seedQuotes(m, rng, initial ? Math.max(0, Math.min(nowS, closeS) - c.openS[m]!) : 0);
    return m;
  }

  private pickWinner(ev: EventRec): number {
    const n = ev.codes.length;
    let total = 0;
    for (let i = 0; i < n; i++) total += 0.2 + unit(this.seed, ev.idx, i, 0x77);
    let r = unit(this.seed, ev.idx, 0x77696e) * total;
    for (let i = 0; i < n; i++) {
      r -= 0.2 + unit(this.seed, ev.idx, i, 0x77);
      if (r < 0) return i;
    }
    return n - 1;
  }

  /** close → determined delay (seconds), stable per market. */
  determinationDelay(m: number): number {
    const u = unit(this.seed, m, 0x646574);
    if (u < 0.1) return Math.floor(D + unit(this.seed, m, 0x64) * 4 * D);
    return 30 + Math.floor(unit(this.seed, m, 0x65) * 1800);
  }

  structure(m: number): PriceStructure {
    return (this.series[(this.events[this.cols.ev[m] as number] as EventRec).series] as SeriesRec).tpl.tick;
  }

  /** Initial quotes and traded volume for a market that has been open `openForS` seconds. */
  private seedQuotes(m: number, rng: Rng, openForS: number): void {
    const c = this.cols;
    const ev = this.events[c.ev[m] as number] as EventRec;
    const st = this.structure(m);
    const frac = (c.flags[m] as number) & F_FRACTIONAL;
    if (openForS > 0) {
      this.quote(m, this.fairP(ev, c.ord[m] as number, m), rng);
      const contracts = Math.floor(10 ** (rng.next() * 5.5) * Math.min(1, openForS / D + 0.1));
      const vol = contracts * 100 + (frac ? rng.int(100) : 0);
      c.vol[m] = vol;
      c.vol24[m] = Math.floor(vol * (openForS < D ? 1 : rng.next() * 0.6));
      c.oi[m] = Math.floor(vol * (0.2 + rng.next() * 0.5));
      c.last[m] = snap(st, (c.bid[m] as number) + rng.int(Math.max(1, (c.ask[m] as number) - (c.bid[m] as number))));
      if (openForS > D) {
        c.pbid[m] = snap(st, (c.bid[m] as number) + rng.between(-300, 300));
        c.pask[m] = Math.max(c.pbid[m] as number, snap(st, (c.ask[m] as number) + rng.between(-300, 300)));
        c.plast[m] = snap(st, (c.last[m] as number) + rng.between(-300, 300));
      }
      c.lastSz[m] = (1 + rng.int(50)) * 100 + (frac ? rng.int(100) : 0);
    }
  }

  /** Set bid/ask/sizes around probability p. */
  quote(m: number, p: number, rng: Rng): void {
    const c = this.cols;
    const st = this.structure(m);
    const frac = (c.flags[m] as number) & F_FRACTIONAL;
    if (rng.chance(0.04)) {
      // Empty book: bid 0 / ask 1 mean "no orders" on that side.
      c.bid[m] = 0;
      c.ask[m] = 10000;
      c.bidSz[m] = 0;
      c.askSz[m] = 0;
      return;
    }
    const mid = Math.min(9990, Math.max(10, p * 10000));
    const tick = tickAt(st, mid);
    const half = tick * rng.between(1, 3);
    let bid = snap(st, mid - half),
      ask = snap(st, mid + half);
    if (ask <= bid) ask = Math.min(10000, bid + tickAt(st, bid));
    if (bid >= 10000) bid = 10000 - tickAt(st, 9999);
    c.bid[m] = bid;
    c.ask[m] = ask;
    c.bidSz[m] = (1 + rng.int(2000)) * 100 + (frac ? rng.int(100) : 0);
    c.askSz[m] = (1 + rng.int(2000)) * 100 + (frac ? rng.int(100) : 0);
  }

  private fillMveLegs(rng: Rng): void {
    for (let m = 0; m < this.count; m++) if ((this.cols.flags[m] as number) & F_MVE) this.assignLegs(m, rng);
  }

  private assignLegs(m: number, rng: Rng): void {
    const n = rng.between(2, 4);
    const legs: number[] = [];
    for (let i = 0; i < n && this.legPool.length > 0; i++)
      legs.push(rng.pick(this.legPool) * 2 + (rng.chance(0.8) ? 0 : 1));
    this.mveLegs.set(m, legs);
  }

  private generateFeeChanges(rng: Rng): void {
    let n = 0;
    for (const ser of this.series) {
      const u = rng.next();
      if (u < 0.25) {
        // A past change: the series' current fee settings came from it.
        const at = this.nowS - rng.between(D, 300 * D);
        this.pushFeeChange(ser, ser.feeType, ser.feeMultiplier, Math.floor(at / H) * H, true, n++, rng);
      } else if (u < 0.3) {
        const nextType = rng.weighted<FeeType>([
          ["quadratic", 1],
          ["quadratic_with_maker_fees", 1],
        ]);
        const at = this.nowS + rng.between(H, 30 * D);
        this.pushFeeChange(ser, nextType, rng.pick([1, 0.5, 2]), Math.floor(at / H) * H, false, n++, rng);
      }
    }
  }

  private pushFeeChange(
    ser: SeriesRec,
    feeType: FeeType,
    mult: number,
    scheduledS: number,
    applied: boolean,
    n: number,
    rng: Rng,
  ): void {
    this.feeChanges.push({
      id: uuidFrom(this.seed, 0xfee, n),
      series: ser.idx,
      feeType,
      feeMultiplier: mult,
      scheduledS,
      applied,
    });
    // docs/kalshi-wire.md Q17: the feed sometimes repeats a change (same series + scheduled_ts) under another id.
    if (rng.chance(0.15))
      this.feeChanges.push({
        id: uuidFrom(this.seed, 0xfee, n, 1),
        series: ser.idx,
        feeType,
        feeMultiplier: mult,
        scheduledS,
        applied,
      });
  }

  // ---------------------------------------------------------------- lookups

  marketSuffix(m: number): string {
    const c = this.cols;
    const ev = this.events[c.ev[m] as number] as EventRec;
    const ord = c.ord[m] as number;
    const t = (this.series[ev.series] as SeriesRec).tpl;
    switch (ev.kind) {
      case "threshold": {
        const s = this.floorStrike(ev, ord).toFixed(t.decimals ?? 2);
        return t.game ? `${ev.codes[0]}${s}` : `T${s}`;
      }
      case "range": {
        const { lo, hi } = this.rangeBounds(ev, ord);
        if (lo === null) return `T${hi}`;
        if (hi === null) return `T${lo}`;
        return `B${Number(((lo + hi) / 2).toFixed((t.decimals ?? 2) + 1))}`;
      }
      case "categorical":
        return ev.codes[ord] ?? `O${ord}`;
      case "mve":
        return `S${hash32(this.seed, m, 0x5e).toString(36).toUpperCase().padStart(7, "0")}`;
      default:
        return "";
    }
  }

  marketTicker(m: number): string {
    const ev = this.events[this.cols.ev[m] as number] as EventRec;
    const s = this.marketSuffix(m);
    return s ? `${ev.ticker}-${s}` : ev.ticker;
  }

  /** Market id for a ticker, including vanished ones (callers decide visibility). */
  findMarket(ticker: string): number | null {
    const whole = this.eventByTicker.get(ticker);
    if (whole !== undefined) {
      const ev = this.events[whole] as EventRec;
      if (ev.kind === "binary" && ev.markets.length > 0) return ev.markets[0] as number;
    }
    const cut = ticker.lastIndexOf("-");
    if (cut <= 0) return null;
    const e = this.eventByTicker.get(ticker.slice(0, cut));
    if (e === undefined) return null;
    const suffix = ticker.slice(cut + 1);
    for (const m of (this.events[e] as EventRec).markets) if (this.marketSuffix(m) === suffix) return m;
    return null;
  }

  /** The raw status a market is served with: its lifecycle status, or the unknown word when flagged. */
  statusName(m: number): string {
    return ((this.cols.flags[m] as number) & F_UNKNOWN_STATUS) !== 0
      ? this.unknownStatus
      : (MARKET_STATUSES[this.cols.status[m] as number] as string);
  }

  hasUnknownStatus(m: number): boolean {
    return ((this.cols.flags[m] as number) & F_UNKNOWN_STATUS) !== 0;
  }

  visible(m: number): boolean {
    return ((this.cols.flags[m] as number) & F_VANISHED) === 0;
  }

  marketId(m: number): string {
    return uuidFrom(this.seed, 0x6d6b74, m);
  }

  eventTitle(ev: EventRec): string {
    const ser = this.series[ev.series] as SeriesRec;
    const t = ser.tpl;
    const d = t.precision === "hour" || t.precision === "minute" ? humanDateTime(ev.strikeS) : humanDate(ev.strikeS);
    return t.eventTitle.replace("{v}", ser.label).replace("{d}", d).replace("{g}", ev.gameLabel);
  }

  seriesTitle(ser: SeriesRec): string {
    return ser.tpl.title.replace("{v}", ser.label);
  }

  // ---------------------------------------------------------------- clock

  /**
   * Move the clock to `nowS`: apply status transitions that fell due (each stamped with its
   * scheduled time, so the result does not depend on how the advance is chunked), apply fee
   * changes that came into effect, then the configured random mutation rates.
   */
  advanceTo(nowS: number): void {
    nowS = Math.floor(nowS);
    // Long advances run in steps ending on whole hours, so mutations are spread over the interval
    // (markets created early in a day open and trade later that day) rather than all at its end.
    while (this.nowS < nowS) this.step(Math.min(nowS, (Math.floor(this.nowS / H) + 1) * H));
  }

  private step(nowS: number): void {
    const hours = (nowS - this.nowS) / H;
    this.nowS = nowS;
    this.applyTransitions(nowS, true);
    for (const fc of this.feeChanges) {
      if (!fc.applied && fc.scheduledS <= nowS) {
        fc.applied = true;
        const ser = this.series[fc.series] as SeriesRec;
        ser.feeType = fc.feeType;
        ser.feeMultiplier = fc.feeMultiplier;
      }
    }
    const r = this.rates;
    const active = this.count > 0 ? this.activeMarkets() : [];
    if (r.price_change_per_hour > 0)
      this.changePrices(active, this.rng.count(active.length * Math.min(1, r.price_change_per_hour * hours)));
    if (r.metadata_change_per_hour > 0)
      this.changeMetadata(active, this.rng.count(active.length * Math.min(1, r.metadata_change_per_hour * hours)));
    if (r.pause_per_hour > 0) this.togglePauses(this.rng.count(active.length * Math.min(1, r.pause_per_hour * hours)));
    if (r.new_markets_per_hour > 0) this.createMarkets(this.rng.count(r.new_markets_per_hour * hours));
    if (r.vanish_per_hour > 0) this.vanishRandom(this.rng.count(r.vanish_per_hour * hours), true);
  }

  /** Visible active markets, ascending (cached per `version`; callers must not mutate it). */
  activeMarkets(): readonly number[] {
    if (this.activeCache?.version === this.version) return this.activeCache.ids;
    const out: number[] = [];
    const { status, flags } = this.cols;
    for (let m = 0; m < this.count; m++)
      if (status[m] === S_ACTIVE && ((flags[m] as number) & F_VANISHED) === 0) out.push(m);
    this.activeCache = { version: this.version, ids: out };
    return out;
  }

  applyTransitions(nowS: number, notify: boolean): void {
    if (nowS < this.nextDueS) return;
    const c = this.cols;
    let nextDue = Number.MAX_SAFE_INTEGER;
    for (let m = 0; m < this.count; m++) {
      let st = c.status[m] as number;
      for (;;) {
        if (st === S_INITIALIZED) {
          const at = c.openS[m] as number;
          if (nowS < at) {
            nextDue = Math.min(nextDue, at);
            break;
          }
          // docs/kalshi-wire.md Q14: initialized → active at open_time with no lifecycle message.
          st = S_ACTIVE;
          c.updatedS[m] = Math.max(c.updatedS[m] as number, at);
          // Opening quotes from a per-market stream, so results do not depend on scan order.
          if ((c.bid[m] as number) === 0 && (c.ask[m] as number) === 0)
            this.quote(
              m,
              this.fairP(this.events[c.ev[m] as number] as EventRec, c.ord[m] as number, m),
              new Rng(hash32(this.seed, m, 0x6f70656e)),
            );
        } else if (st === S_ACTIVE || st === S_INACTIVE) {
          const at = c.closeS[m] as number;
          if (nowS < at) {
            nextDue = Math.min(nextDue, at);
            break;
          }
          st = S_CLOSED;
          c.updatedS[m] = Math.max(c.updatedS[m] as number, at);
          c.bid[m] = 0;
          c.ask[m] = 0;
          c.bidSz[m] = 0;
          c.askSz[m] = 0;
        } else if (st === S_CLOSED) {
          const at = (c.closeS[m] as number) + this.determinationDelay(m);
          if (nowS < at) {
            nextDue = Math.min(nextDue, at);
            break;
          }
          st = S_DETERMINED;
          c.determinedS[m] = at;
          c.updatedS[m] = Math.max(c.updatedS[m] as number, at);
          c.result[m] = this.resolve(m);
          if (notify) {
            c.status[m] = st;
            this.emit({ kind: "market", type: "determined", market: m, atS: at });
          }
        } else if (st === S_DETERMINED) {
          const at = (c.determinedS[m] as number) + (c.settleTimer[m] as number);
          if (nowS < at) {
            nextDue = Math.min(nextDue, at);
            break;
          }
          st = S_FINALIZED;
          c.settledS[m] = at;
          c.updatedS[m] = Math.max(c.updatedS[m] as number, at);
          c.oi[m] = 0;
          if (notify) {
            c.status[m] = st;
            this.emit({ kind: "market", type: "settled", market: m, atS: at });
          }
        } else break;
        c.status[m] = st;
        this.version++;
      }
    }
    this.nextDueS = nextDue;
  }

  private resolve(m: number): number {
    const c = this.cols;
    const ev = this.events[c.ev[m] as number] as EventRec;
    const ord = c.ord[m] as number;
    switch (ev.kind) {
      case "threshold":
        return ev.outcome > this.floorStrike(ev, ord) ? R_YES : R_NO;
      case "range": {
        const { lo, hi } = this.rangeBounds(ev, ord);
        return (lo === null || ev.outcome >= lo) && (hi === null || ev.outcome < hi) ? R_YES : R_NO;
      }
      case "categorical":
        return ord === ev.winner ? R_YES : R_NO;
      default:
        return unit(this.seed, m, 0x726573) < this.fairP(ev, ord, m) ? R_YES : R_NO;
    }
  }

  /** Force the next transition scan (after a mutation moved a time). */
  private touchSchedule(): void {
    this.nextDueS = 0;
  }

  // ---------------------------------------------------------------- mutations

  /** Trading-only change: quotes, last price, volume, open interest. `updated_time` does not move. */
  changePrices(candidates: readonly number[], n: number): number[] {
    const c = this.cols;
    const out: number[] = [];
    if (candidates.length === 0) return out;
    for (let i = 0; i < n; i++) {
      const m = candidates[this.rng.int(candidates.length)] as number;
      const st = this.structure(m);
      const mid = ((c.bid[m] as number) + (c.ask[m] as number)) / 2 / 10000;
      const p = Math.min(0.99, Math.max(0.01, (mid > 0 && mid < 1 ? mid : 0.5) + (this.rng.next() - 0.5) * 0.1));
      this.quote(m, p, this.rng);
      c.last[m] = snap(st, p * 10000);
      const frac = (c.flags[m] as number) & F_FRACTIONAL;
      const add = (1 + this.rng.int(200)) * 100 + (frac ? this.rng.int(100) : 0);
      c.vol[m] = (c.vol[m] as number) + add;
      c.vol24[m] = (c.vol24[m] as number) + add;
      c.oi[m] = Math.max(0, (c.oi[m] as number) + (this.rng.chance(0.6) ? add : -add));
      out.push(m);
    }
    return out;
  }

  /** Metadata change: close time moved (close_date_updated) or rules revised (metadata_updated). */
  changeMetadata(candidates: readonly number[], n: number): number[] {
    const c = this.cols;
    const out: number[] = [];
    for (let i = 0; i < n && candidates.length > 0; i++) {
      const m = candidates[this.rng.int(candidates.length)] as number;
      if (this.rng.chance(0.5)) {
        c.closeS[m] = (c.closeS[m] as number) + this.rng.between(1, 48) * H;
        this.emit({ kind: "market", type: "close_date_updated", market: m, atS: this.nowS });
      } else {
        c.metaRev[m] = Math.min(255, (c.metaRev[m] as number) + 1);
        this.emit({ kind: "market", type: "metadata_updated", market: m, atS: this.nowS });
      }
      c.updatedS[m] = this.nowS;
      out.push(m);
    }
    this.touchSchedule();
    return out;
  }

  private togglePauses(n: number): void {
    const c = this.cols;
    for (let i = 0; i < n; i++) {
      const m = this.rng.int(this.count);
      const st = c.status[m];
      if (!this.visible(m)) continue;
      if (st === S_ACTIVE || st === S_INACTIVE) this.version++;
      if (st === S_ACTIVE) {
        c.status[m] = S_INACTIVE;
        c.updatedS[m] = this.nowS;
        this.emit({ kind: "market", type: "deactivated", market: m, atS: this.nowS });
      } else if (st === S_INACTIVE) {
        c.status[m] = S_ACTIVE;
        c.updatedS[m] = this.nowS;
        this.emit({ kind: "market", type: "activated", market: m, atS: this.nowS });
      }
    }
  }

  /** Create `n` markets: about half in new events of recurring series, the rest added to open events. */
  createMarkets(n: number): number[] {
    const out: number[] = [];
    while (out.length < n) {
      const addToExisting = this.rng.chance(0.5);
      if (addToExisting) {
        const ev = this.events[this.rng.int(this.events.length)] as EventRec;
        const open = ev.markets.length > 0 && (this.cols.status[ev.markets[0] as number] as number) <= S_INACTIVE;
        // Ranges are a closed partition (tails), categorical outcomes fixed: only ladders and combos grow.
        if (open && (ev.kind === "threshold" || ev.kind === "mve")) {
          const m = this.addMarket(ev, this.rng, this.nowS, false);
          if (ev.kind === "mve") this.assignLegs(m, this.rng);
          this.announce(m);
          out.push(m);
          continue;
        }
      }
      const ser = this.series[this.rng.int(this.series.length)] as SeriesRec;
      const t = ser.tpl;
      // The series' next free slot, at least one open-lead ahead: the event is new and opens soon.
      const minS = this.nowS + t.openLeadS;
      const lastIdx = ser.events[ser.events.length - 1];
      const lastS = lastIdx === undefined ? 0 : (this.events[lastIdx] as EventRec).strikeS;
      const strikeS = Math.max(lastS + t.periodS, Math.ceil(minS / t.periodS) * t.periodS);
      let k = this.rng.between(t.markets[0], t.markets[1]);
      if (t.kind === "categorical") k = Math.min(k, this.outcomePoolSize(t));
      k = Math.min(k, n - out.length);
      if (t.kind === "binary") k = 1;
      const ev = this.addEvent(ser, strikeS, this.rng, this.nowS, k);
      ev.createdS = this.nowS;
      this.emit({ kind: "event", event: ev.idx, atS: this.nowS });
      for (let i = 0; i < k; i++) {
        const m = this.addMarket(ev, this.rng, this.nowS, false);
        if (ev.kind === "mve") this.assignLegs(m, this.rng);
        this.announce(m);
        out.push(m);
      }
    }
    this.touchSchedule();
    return out;
  }

  private announce(m: number): void {
    const c = this.cols;
    c.bid[m] = 0;
    c.ask[m] = 0;
    c.bidSz[m] = 0;
    c.askSz[m] = 0;
    this.emit({ kind: "market", type: "created", market: m, atS: this.nowS });
    if (this.nowS >= (c.openS[m] as number)) this.applyTransitions(this.nowS, true);
  }

  /**
   * Delete markets (Kalshi deletes provisional markets without activity). Picks open provisional
   * markets first; unless `onlyProvisional`, falls back to any visible market.
   */
  vanishRandom(n: number, onlyProvisional = false): number[] {
    const c = this.cols;
    const out: number[] = [];
    const provisional: number[] = [];
    for (let m = 0; m < this.count; m++)
      if (
        ((c.flags[m] as number) & (F_PROVISIONAL | F_VANISHED)) === F_PROVISIONAL &&
        (c.status[m] as number) <= S_INACTIVE
      )
        provisional.push(m);
    for (let i = 0; i < n; i++) {
      let m: number;
      if (provisional.length > 0) m = provisional.splice(this.rng.int(provisional.length), 1)[0] as number;
      else if (onlyProvisional) break;
      else {
        m = this.rng.int(this.count);
        if (!this.visible(m)) continue;
      }
      c.flags[m] = (c.flags[m] as number) | F_VANISHED;
      this.version++;
      out.push(m);
    }
    return out;
  }

  vanish(ms: number[]): number[] {
    const out: number[] = [];
    for (const m of ms) {
      if (!this.visible(m)) continue;
      this.cols.flags[m] = (this.cols.flags[m] as number) | F_VANISHED;
      this.version++;
      out.push(m);
    }
    return out;
  }

  /**
   * Serve markets in the unknown status word (`on`) or in their lifecycle status again (`!on`).
   * A status change moves `updated_time`, as the clock's transitions do.
   */
  setUnknownStatus(ms: number[], on: boolean): number[] {
    const out: number[] = [];
    for (const m of ms) {
      if (!this.visible(m) || this.hasUnknownStatus(m) === on) continue;
      this.cols.flags[m] = on
        ? (this.cols.flags[m] as number) | F_UNKNOWN_STATUS
        : (this.cols.flags[m] as number) & ~F_UNKNOWN_STATUS;
      this.cols.updatedS[m] = Math.max(this.cols.updatedS[m] as number, this.nowS);
      this.version++;
      out.push(m);
    }
    return out;
  }

  reappear(ms: number[]): number[] {
    const out: number[] = [];
    for (const m of ms) {
      if (this.visible(m)) continue;
      this.cols.flags[m] = (this.cols.flags[m] as number) & ~F_VANISHED;
      this.version++;
      out.push(m);
    }
    return out;
  }

  /** Record a trade's effect on market state (used by the WebSocket feed). */
  recordTrade(m: number, yesPriceUnits: number, countH: number): void {
    const c = this.cols;
    c.last[m] = yesPriceUnits;
    c.lastSz[m] = countH;
    c.vol[m] = (c.vol[m] as number) + countH;
    c.vol24[m] = (c.vol24[m] as number) + countH;
    c.oi[m] = (c.oi[m] as number) + countH;
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

  categoryOf(ev: EventRec): string {
    return (this.series[ev.series] as SeriesRec).tpl.category;
  }
}

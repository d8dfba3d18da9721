/**
 * Prices: the strike geometry of an event's markets, each market's fair probability, and the
 * quotes, sizes and volume drawn around it. Prices are in units of 1/10000 $.
 */
import type { PriceStructure } from "../catalog";
import { type Rng, unit } from "../prng";
import { D, type EventRec, F_FRACTIONAL, type SeriesRec, type WorldState } from "./columns";

/** Standard normal from two uniforms (Box–Muller). */
export function gauss(u1: number, u2: number): number {
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

/**
 * Bounds of a range market, [lo, hi); null = open-ended. With k ≥ 3 markets the first and last
 * are tails ("below X", "Y or above") around k − 2 buckets, so exactly one market resolves YES.
 */
export function rangeBounds(w: WorldState, ev: EventRec, ord: number): { lo: number | null; hi: number | null } {
  const t = (w.series[ev.series] as SeriesRec).tpl;
  const r = (x: number) => Number(x.toFixed(t.decimals ?? 2));
  if (ev.k < 3) return { lo: r(ev.strikeBase + ord * ev.strikeStep), hi: r(ev.strikeBase + (ord + 1) * ev.strikeStep) };
  if (ord === 0) return { lo: null, hi: r(ev.strikeBase) };
  if (ord >= ev.k - 1) return { lo: r(ev.strikeBase + (ev.k - 2) * ev.strikeStep), hi: null };
  return { lo: r(ev.strikeBase + (ord - 1) * ev.strikeStep), hi: r(ev.strikeBase + ord * ev.strikeStep) };
}

export function floorStrike(w: WorldState, ev: EventRec, ord: number): number {
  const t = (w.series[ev.series] as SeriesRec).tpl;
  const raw = ev.strikeBase + ord * ev.strikeStep + (t.strikeOffset ?? 0);
  return Number(raw.toFixed(t.decimals ?? 2));
}

/** Fair probability of YES for market ordinal `ord` of `ev` (pre-determination). */
export function fairP(w: WorldState, ev: EventRec, ord: number, m: number): number {
  switch (ev.kind) {
    case "threshold": {
      const strike = floorStrike(w, ev, ord);
      return logistic((ev.mean - strike) / (0.6 * ev.sd));
    }
    case "range": {
      const { lo, hi } = rangeBounds(w, ev, ord);
      const F = (x: number | null, dflt: number) => (x === null ? dflt : logistic((x - ev.mean) / (0.6 * ev.sd)));
      return Math.max(0.01, F(hi, 1) - F(lo, 0));
    }
    case "categorical": {
      let total = 0;
      const n = ev.codes.length;
      for (let i = 0; i < n; i++) total += 0.2 + unit(w.seed, ev.idx, i, 0x77);
      return (0.2 + unit(w.seed, ev.idx, ord, 0x77)) / total;
    }
    case "mve":
      return 0.02 + 0.3 * unit(w.seed, m, 0x6d7665);
    default:
      return 0.03 + 0.94 * unit(w.seed, ev.idx, 0x62696e);
  }
}

/** The price-level structure (tick rule) of a market's series. */
export function structure(w: WorldState, m: number): PriceStructure {
  return (w.series[(w.events[w.cols.ev[m] as number] as EventRec).series] as SeriesRec).tpl.tick;
}

/** Set bid/ask/sizes around probability p. */
export function quote(w: WorldState, m: number, p: number, rng: Rng): void {
  const c = w.cols;
  const st = structure(w, m);
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

/** Initial quotes and traded volume for a market that has been open `openForS` seconds. */
export function seedQuotes(w: WorldState, m: number, rng: Rng, openForS: number): void {
  const c = w.cols;
  const ev = w.events[c.ev[m] as number] as EventRec;
  const st = structure(w, m);
  const frac = (c.flags[m] as number) & F_FRACTIONAL;
  if (openForS > 0) {
    quote(w, m, fairP(w, ev, c.ord[m] as number, m), rng);
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

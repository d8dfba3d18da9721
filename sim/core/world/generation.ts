/**
 * Generation: the world at its start (series, a grid of events per series, their markets, multivariate
 * legs, fee changes), and the adding of one series, event or market that the clock's mutations reuse.
 * Everything is drawn from a seeded stream, so a seed and a size give the same world every time.
 */
import { CATEGORIES, type SeriesTemplate, TEMPLATES } from "../catalog";
import { dateCode } from "../format";
import { hash32, Rng, unit, uuidFrom } from "../prng";
import { S_INITIALIZED } from "../status";
import {
  D,
  type EventRec,
  F_CAN_CLOSE_EARLY,
  F_FRACTIONAL,
  F_MVE,
  F_NO_SIDE_OMITTED,
  F_PROVISIONAL,
  F_UNKNOWN_STATUS,
  type FeeType,
  H,
  type SeriesRec,
  type WorldOptions,
  type WorldState,
} from "./columns";
import { gauss, seedQuotes } from "./pricing";

const DAY60 = 60 * D;

export function generate(w: WorldState, opts: WorldOptions): void {
  const rng = new Rng(hash32(w.seed, 0x67656e));
  const M = Math.max(0, Math.floor(opts.markets));
  const nSeries = Math.max(CATEGORIES.length + 3, opts.series ?? Math.round(M / 50));
  const weighted = TEMPLATES.map((t) => [t, t.weight] as const);
  const used = new Set<string>();
  for (let i = 0; i < nSeries; i++) {
    // The first round covers every category so small worlds are still varied.
    const tpl =
      i < CATEGORIES.length ? rng.pick(TEMPLATES.filter((t) => t.category === CATEGORIES[i])) : rng.weighted(weighted);
    addSeries(w, tpl, rng, used);
  }

  // Pass 1: decide (series, market count) per event until the market total is reached.
  const avgTplK = TEMPLATES.reduce((s, t) => s + (t.markets[0] + t.markets[1]) / 2, 0) / TEMPLATES.length;
  const scaleK = opts.events ? M / opts.events / avgTplK : 1;
  const plan: [number, number][] = [];
  const perSeries = new Array<number>(w.series.length).fill(0);
  let remaining = M,
    s = 0;
  while (remaining > 0) {
    const ser = w.series[s % w.series.length] as SeriesRec;
    s++;
    const t = ser.tpl;
    let k = rng.between(t.markets[0], t.markets[1]);
    if (t.kind === "categorical") k = Math.min(k, outcomePoolSize(t));
    else if (t.markets[1] > 1) k = Math.max(1, Math.round(k * scaleK));
    k = Math.min(k, remaining);
    plan.push([ser.idx, k]);
    perSeries[ser.idx] = (perSeries[ser.idx] as number) + 1;
    remaining -= k;
  }

  // Pass 2: lay out each series' events on a time grid over [now − ≤60d, now + futureS].
  for (const ser of w.series) {
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
    const first = Math.floor((w.nowS - pastS) / t.periodS) * t.periodS + t.periodS * (1 + rng.int(slack + 1));
    ser.stepS = stepS;
    ser.nextSlotS = first;
  }
  for (const [si, k] of plan) {
    const ser = w.series[si] as SeriesRec;
    const strikeS = ser.nextSlotS;
    ser.nextSlotS += ser.stepS;
    const ev = addEvent(w, ser, strikeS, rng, w.nowS, k);
    for (let i = 0; i < k; i++) addMarket(w, ev, rng, w.nowS, true);
  }
  fillMveLegs(w, rng);
  generateFeeChanges(w, rng);
}

export function outcomePoolSize(t: SeriesTemplate): number {
  if (t.game) return t.draw ? 3 : 2;
  return t.outcomes?.length ?? 1;
}

function addSeries(w: WorldState, tpl: SeriesTemplate, rng: Rng, used: Set<string>): SeriesRec {
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
    idx: w.series.length,
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
  w.series.push(ser);
  w.seriesByTicker.set(ticker, ser.idx);
  return ser;
}

/** `k`: planned market count; a non-game categorical event lists exactly k outcomes (one wins). */
export function addEvent(w: WorldState, ser: SeriesRec, strikeS: number, rng: Rng, nowS: number, k: number): EventRec {
  const t = ser.tpl;
  const idx = w.events.length;
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
  if (w.eventByTicker.has(ticker)) ticker = `${ticker}${idx.toString(36).toUpperCase()}`;
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
  w.events.push(ev);
  w.eventByTicker.set(ticker, idx);
  ser.events.push(idx);
  return ev;
}

export function addMarket(w: WorldState, ev: EventRec, rng: Rng, nowS: number, initial: boolean): number {
  const c = w.cols;
  const m = w.count;
  c.grow(m + 1);
  w.count++;
  w.version++;
  const ser = w.series[ev.series] as SeriesRec;
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
  if (w.unknownShare > 0 && unit(w.seed, m, 0x756e6b) < w.unknownShare) flags |= F_UNKNOWN_STATUS;
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
  if (t.kind === "categorical" && ord === 0) ev.winner = pickWinner(w, ev);
  if (t.game && t.kind === "categorical") w.legPool.push(m);
  seedQuotes(w, m, rng, initial ? Math.max(0, Math.min(nowS, closeS) - c.openS[m]!) : 0);
  return m;
}

function pickWinner(w: WorldState, ev: EventRec): number {
  const n = ev.codes.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += 0.2 + unit(w.seed, ev.idx, i, 0x77);
  let r = unit(w.seed, ev.idx, 0x77696e) * total;
  for (let i = 0; i < n; i++) {
    r -= 0.2 + unit(w.seed, ev.idx, i, 0x77);
    if (r < 0) return i;
  }
  return n - 1;
}

function fillMveLegs(w: WorldState, rng: Rng): void {
  for (let m = 0; m < w.count; m++) if ((w.cols.flags[m] as number) & F_MVE) assignLegs(w, m, rng);
}

export function assignLegs(w: WorldState, m: number, rng: Rng): void {
  const n = rng.between(2, 4);
  const legs: number[] = [];
  for (let i = 0; i < n && w.legPool.length > 0; i++) legs.push(rng.pick(w.legPool) * 2 + (rng.chance(0.8) ? 0 : 1));
  w.mveLegs.set(m, legs);
}

function generateFeeChanges(w: WorldState, rng: Rng): void {
  let n = 0;
  for (const ser of w.series) {
    const u = rng.next();
    if (u < 0.25) {
      // A past change: the series' current fee settings came from it.
      const at = w.nowS - rng.between(D, 300 * D);
      pushFeeChange(w, ser, ser.feeType, ser.feeMultiplier, Math.floor(at / H) * H, true, n++, rng);
    } else if (u < 0.3) {
      const nextType = rng.weighted<FeeType>([
        ["quadratic", 1],
        ["quadratic_with_maker_fees", 1],
      ]);
      const at = w.nowS + rng.between(H, 30 * D);
      pushFeeChange(w, ser, nextType, rng.pick([1, 0.5, 2]), Math.floor(at / H) * H, false, n++, rng);
    }
  }
}

function pushFeeChange(
  w: WorldState,
  ser: SeriesRec,
  feeType: FeeType,
  mult: number,
  scheduledS: number,
  applied: boolean,
  n: number,
  rng: Rng,
): void {
  w.feeChanges.push({
    id: uuidFrom(w.seed, 0xfee, n),
    series: ser.idx,
    feeType,
    feeMultiplier: mult,
    scheduledS,
    applied,
  });
  // docs/kalshi-wire.md Q17: the feed sometimes repeats a change (same series + scheduled_ts) under another id.
  if (rng.chance(0.15))
    w.feeChanges.push({
      id: uuidFrom(w.seed, 0xfee, n, 1),
      series: ser.idx,
      feeType,
      feeMultiplier: mult,
      scheduledS,
      applied,
    });
}

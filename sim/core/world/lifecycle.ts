/**
 * Lifecycle: the clock. Status transitions that fall due (initialized → active → closed →
 * determined → finalized, docs/kalshi-wire.md Q14), fee changes coming into effect, and the random
 * mutations per simulated hour (prices, metadata, pauses, new markets, deletions), each announced
 * through the world's lifecycle listeners.
 */
import { Rng, hash32, unit } from "../prng";
import { S_ACTIVE, S_CLOSED, S_DETERMINED, S_FINALIZED, S_INACTIVE, S_INITIALIZED } from "../status";
import {
  D,
  type EventRec,
  F_FRACTIONAL,
  F_PROVISIONAL,
  F_UNKNOWN_STATUS,
  F_VANISHED,
  H,
  hasUnknownStatus,
  isVisible,
  R_NO,
  R_YES,
  type SeriesRec,
  type WorldState,
} from "./columns";
import { addEvent, addMarket, assignLegs, outcomePoolSize } from "./generation";
import { fairP, floorStrike, quote, rangeBounds, snap, structure } from "./pricing";

/**
 * Bring every market to its status at the world's start through the same transitions the clock
 * uses, then pause a few active ones.
 */
export function startAt(w: WorldState): void {
  // Bring every market to its status at `now` through the same transitions the clock uses.
  applyTransitions(w, w.nowS, false);
  // A few active markets are paused at start.
  for (let m = 0; m < w.count; m++) {
    if (w.cols.status[m] === S_ACTIVE && unit(w.seed, m, 0x70617573) < 0.015) {
      w.cols.status[m] = S_INACTIVE;
      w.version++;
      w.cols.updatedS[m] = Math.max(w.cols.openS[m] as number, w.nowS - Math.floor(unit(w.seed, m, 9) * 6 * H));
    }
  }
}

/**
 * Move the clock to `nowS`: apply status transitions that fell due (each stamped with its
 * scheduled time, so the result does not depend on how the advance is chunked), apply fee
 * changes that came into effect, then the configured random mutation rates.
 */
export function advanceTo(w: WorldState, nowS: number): void {
  nowS = Math.floor(nowS);
  // Long advances run in steps ending on whole hours, so mutations are spread over the interval
  // (markets created early in a day open and trade later that day) rather than all at its end.
  while (w.nowS < nowS) step(w, Math.min(nowS, (Math.floor(w.nowS / H) + 1) * H));
}

function step(w: WorldState, nowS: number): void {
  const hours = (nowS - w.nowS) / H;
  w.nowS = nowS;
  applyTransitions(w, nowS, true);
  for (const fc of w.feeChanges) {
    if (!fc.applied && fc.scheduledS <= nowS) {
      fc.applied = true;
      const ser = w.series[fc.series] as SeriesRec;
      ser.feeType = fc.feeType;
      ser.feeMultiplier = fc.feeMultiplier;
    }
  }
  const r = w.rates;
  const active = w.count > 0 ? activeMarkets(w) : [];
  if (r.price_change_per_hour > 0)
    changePrices(w, active, w.rng.count(active.length * Math.min(1, r.price_change_per_hour * hours)));
  if (r.metadata_change_per_hour > 0)
    changeMetadata(w, active, w.rng.count(active.length * Math.min(1, r.metadata_change_per_hour * hours)));
  if (r.pause_per_hour > 0) togglePauses(w, w.rng.count(active.length * Math.min(1, r.pause_per_hour * hours)));
  if (r.new_markets_per_hour > 0) createMarkets(w, w.rng.count(r.new_markets_per_hour * hours));
  if (r.vanish_per_hour > 0) vanishRandom(w, w.rng.count(r.vanish_per_hour * hours), true);
}

/** Visible active markets, ascending (cached per `version`; callers must not mutate it). */
export function activeMarkets(w: WorldState): readonly number[] {
  if (w.activeCache?.version === w.version) return w.activeCache.ids;
  const out: number[] = [];
  const { status, flags } = w.cols;
  for (let m = 0; m < w.count; m++)
    if (status[m] === S_ACTIVE && ((flags[m] as number) & F_VANISHED) === 0) out.push(m);
  w.activeCache = { version: w.version, ids: out };
  return out;
}

function applyTransitions(w: WorldState, nowS: number, notify: boolean): void {
  if (nowS < w.nextDueS) return;
  const c = w.cols;
  let nextDue = Number.MAX_SAFE_INTEGER;
  for (let m = 0; m < w.count; m++) {
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
          quote(
            w,
            m,
            fairP(w, w.events[c.ev[m] as number] as EventRec, c.ord[m] as number, m),
            new Rng(hash32(w.seed, m, 0x6f70656e)),
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
        const at = (c.closeS[m] as number) + determinationDelay(w, m);
        if (nowS < at) {
          nextDue = Math.min(nextDue, at);
          break;
        }
        st = S_DETERMINED;
        c.determinedS[m] = at;
        c.updatedS[m] = Math.max(c.updatedS[m] as number, at);
        c.result[m] = resolve(w, m);
        if (notify) {
          c.status[m] = st;
          w.emit({ kind: "market", type: "determined", market: m, atS: at });
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
          w.emit({ kind: "market", type: "settled", market: m, atS: at });
        }
      } else break;
      c.status[m] = st;
      w.version++;
    }
  }
  w.nextDueS = nextDue;
}

function resolve(w: WorldState, m: number): number {
  const c = w.cols;
  const ev = w.events[c.ev[m] as number] as EventRec;
  const ord = c.ord[m] as number;
  switch (ev.kind) {
    case "threshold":
      return ev.outcome > floorStrike(w, ev, ord) ? R_YES : R_NO;
    case "range": {
      const { lo, hi } = rangeBounds(w, ev, ord);
      return (lo === null || ev.outcome >= lo) && (hi === null || ev.outcome < hi) ? R_YES : R_NO;
    }
    case "categorical":
      return ord === ev.winner ? R_YES : R_NO;
    default:
      return unit(w.seed, m, 0x726573) < fairP(w, ev, ord, m) ? R_YES : R_NO;
  }
}

/** Force the next transition scan (after a mutation moved a time). */
function touchSchedule(w: WorldState): void {
  w.nextDueS = 0;
}

/** Trading-only change: quotes, last price, volume, open interest. `updated_time` does not move. */
export function changePrices(w: WorldState, candidates: readonly number[], n: number): number[] {
  const c = w.cols;
  const out: number[] = [];
  if (candidates.length === 0) return out;
  for (let i = 0; i < n; i++) {
    const m = candidates[w.rng.int(candidates.length)] as number;
    const st = structure(w, m);
    const mid = ((c.bid[m] as number) + (c.ask[m] as number)) / 2 / 10000;
    const p = Math.min(0.99, Math.max(0.01, (mid > 0 && mid < 1 ? mid : 0.5) + (w.rng.next() - 0.5) * 0.1));
    quote(w, m, p, w.rng);
    c.last[m] = snap(st, p * 10000);
    const frac = (c.flags[m] as number) & F_FRACTIONAL;
    const add = (1 + w.rng.int(200)) * 100 + (frac ? w.rng.int(100) : 0);
    c.vol[m] = (c.vol[m] as number) + add;
    c.vol24[m] = (c.vol24[m] as number) + add;
    c.oi[m] = Math.max(0, (c.oi[m] as number) + (w.rng.chance(0.6) ? add : -add));
    out.push(m);
  }
  return out;
}

/** Metadata change: close time moved (close_date_updated) or rules revised (metadata_updated). */
export function changeMetadata(w: WorldState, candidates: readonly number[], n: number): number[] {
  const c = w.cols;
  const out: number[] = [];
  for (let i = 0; i < n && candidates.length > 0; i++) {
    const m = candidates[w.rng.int(candidates.length)] as number;
    if (w.rng.chance(0.5)) {
      c.closeS[m] = (c.closeS[m] as number) + w.rng.between(1, 48) * H;
      w.emit({ kind: "market", type: "close_date_updated", market: m, atS: w.nowS });
    } else {
      c.metaRev[m] = Math.min(255, (c.metaRev[m] as number) + 1);
      w.emit({ kind: "market", type: "metadata_updated", market: m, atS: w.nowS });
    }
    c.updatedS[m] = w.nowS;
    out.push(m);
  }
  touchSchedule(w);
  return out;
}

function togglePauses(w: WorldState, n: number): void {
  const c = w.cols;
  for (let i = 0; i < n; i++) {
    const m = w.rng.int(w.count);
    const st = c.status[m];
    if (!isVisible(w, m)) continue;
    if (st === S_ACTIVE || st === S_INACTIVE) w.version++;
    if (st === S_ACTIVE) {
      c.status[m] = S_INACTIVE;
      c.updatedS[m] = w.nowS;
      w.emit({ kind: "market", type: "deactivated", market: m, atS: w.nowS });
    } else if (st === S_INACTIVE) {
      c.status[m] = S_ACTIVE;
      c.updatedS[m] = w.nowS;
      w.emit({ kind: "market", type: "activated", market: m, atS: w.nowS });
    }
  }
}

/** Create `n` markets: about half in new events of recurring series, the rest added to open events. */
export function createMarkets(w: WorldState, n: number): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const addToExisting = w.rng.chance(0.5);
    if (addToExisting) {
      const ev = w.events[w.rng.int(w.events.length)] as EventRec;
      const open = ev.markets.length > 0 && (w.cols.status[ev.markets[0] as number] as number) <= S_INACTIVE;
      // Ranges are a closed partition (tails), categorical outcomes fixed: only ladders and combos grow.
      if (open && (ev.kind === "threshold" || ev.kind === "mve")) {
        const m = addMarket(w, ev, w.rng, w.nowS, false);
        if (ev.kind === "mve") assignLegs(w, m, w.rng);
        announce(w, m);
        out.push(m);
        continue;
      }
    }
    const ser = w.series[w.rng.int(w.series.length)] as SeriesRec;
    const t = ser.tpl;
    // The series' next free slot, at least one open-lead ahead: the event is new and opens soon.
    const minS = w.nowS + t.openLeadS;
    const lastIdx = ser.events[ser.events.length - 1];
    const lastS = lastIdx === undefined ? 0 : (w.events[lastIdx] as EventRec).strikeS;
    const strikeS = Math.max(lastS + t.periodS, Math.ceil(minS / t.periodS) * t.periodS);
    let k = w.rng.between(t.markets[0], t.markets[1]);
    if (t.kind === "categorical") k = Math.min(k, outcomePoolSize(t));
    k = Math.min(k, n - out.length);
    if (t.kind === "binary") k = 1;
    const ev = addEvent(w, ser, strikeS, w.rng, w.nowS, k);
    ev.createdS = w.nowS;
    w.emit({ kind: "event", event: ev.idx, atS: w.nowS });
    for (let i = 0; i < k; i++) {
      const m = addMarket(w, ev, w.rng, w.nowS, false);
      if (ev.kind === "mve") assignLegs(w, m, w.rng);
      announce(w, m);
      out.push(m);
    }
  }
  touchSchedule(w);
  return out;
}

function announce(w: WorldState, m: number): void {
  const c = w.cols;
  c.bid[m] = 0;
  c.ask[m] = 0;
  c.bidSz[m] = 0;
  c.askSz[m] = 0;
  w.emit({ kind: "market", type: "created", market: m, atS: w.nowS });
  if (w.nowS >= (c.openS[m] as number)) {
    // Already open: activate it now. The schedule must be rescanned first — the last scan's next
    // due time does not know this market, and skipping the scan left it `initialized` past its open time.
    touchSchedule(w);
    applyTransitions(w, w.nowS, true);
  }
}

/**
 * Delete markets (Kalshi deletes provisional markets without activity). Picks open provisional
 * markets first; unless `onlyProvisional`, falls back to any visible market.
 */
export function vanishRandom(w: WorldState, n: number, onlyProvisional = false): number[] {
  const c = w.cols;
  const out: number[] = [];
  const provisional: number[] = [];
  for (let m = 0; m < w.count; m++)
    if (
      ((c.flags[m] as number) & (F_PROVISIONAL | F_VANISHED)) === F_PROVISIONAL &&
      (c.status[m] as number) <= S_INACTIVE
    )
      provisional.push(m);
  for (let i = 0; i < n; i++) {
    let m: number;
    if (provisional.length > 0) m = provisional.splice(w.rng.int(provisional.length), 1)[0] as number;
    else if (onlyProvisional) break;
    else {
      m = w.rng.int(w.count);
      if (!isVisible(w, m)) continue;
    }
    c.flags[m] = (c.flags[m] as number) | F_VANISHED;
    w.version++;
    out.push(m);
  }
  return out;
}

export function vanish(w: WorldState, ms: number[]): number[] {
  const out: number[] = [];
  for (const m of ms) {
    if (!isVisible(w, m)) continue;
    w.cols.flags[m] = (w.cols.flags[m] as number) | F_VANISHED;
    w.version++;
    out.push(m);
  }
  return out;
}

/**
 * Serve markets in the unknown status word (`on`) or in their lifecycle status again (`!on`).
 * A status change moves `updated_time`, as the clock's transitions do.
 */
export function setUnknownStatus(w: WorldState, ms: number[], on: boolean): number[] {
  const out: number[] = [];
  for (const m of ms) {
    if (!isVisible(w, m) || hasUnknownStatus(w, m) === on) continue;
    w.cols.flags[m] = on
      ? (w.cols.flags[m] as number) | F_UNKNOWN_STATUS
      : (w.cols.flags[m] as number) & ~F_UNKNOWN_STATUS;
    w.cols.updatedS[m] = Math.max(w.cols.updatedS[m] as number, w.nowS);
    w.version++;
    out.push(m);
  }
  return out;
}

export function reappear(w: WorldState, ms: number[]): number[] {
  const out: number[] = [];
  for (const m of ms) {
    if (isVisible(w, m)) continue;
    w.cols.flags[m] = (w.cols.flags[m] as number) & ~F_VANISHED;
    w.version++;
    out.push(m);
  }
  return out;
}

/** Record a trade's effect on market state (used by the WebSocket feed). */
export function recordTrade(w: WorldState, m: number, yesPriceUnits: number, countH: number): void {
  const c = w.cols;
  c.last[m] = yesPriceUnits;
  c.lastSz[m] = countH;
  c.vol[m] = (c.vol[m] as number) + countH;
  c.vol24[m] = (c.vol24[m] as number) + countH;
  c.oi[m] = (c.oi[m] as number) + countH;
}

/** close → determined delay (seconds), stable per market. */
function determinationDelay(w: WorldState, m: number): number {
  const u = unit(w.seed, m, 0x646574);
  if (u < 0.1) return Math.floor(D + unit(w.seed, m, 0x64) * 4 * D);
  return 30 + Math.floor(unit(w.seed, m, 0x65) * 1800);
}

/**
 * Names: market tickers (the event's ticker plus a suffix from the market's strike or outcome),
 * the ticker → market lookup, ids, titles and the status word a market is served with.
 */
import { humanDate, humanDateTime } from "../format";
import { hash32, uuidFrom } from "../prng";
import { MARKET_STATUSES } from "../status";
import { type EventRec, hasUnknownStatus, type SeriesRec, type WorldState } from "./columns";
import { floorStrike, rangeBounds } from "./pricing";

function marketSuffix(w: WorldState, m: number): string {
  const c = w.cols;
  const ev = w.events[c.ev[m] as number] as EventRec;
  const ord = c.ord[m] as number;
  const t = (w.series[ev.series] as SeriesRec).tpl;
  switch (ev.kind) {
    case "threshold": {
      const s = floorStrike(w, ev, ord).toFixed(t.decimals ?? 2);
      return t.game ? `${ev.codes[0]}${s}` : `T${s}`;
    }
    case "range": {
      const { lo, hi } = rangeBounds(w, ev, ord);
      if (lo === null) return `T${hi}`;
      if (hi === null) return `T${lo}`;
      return `B${Number(((lo + hi) / 2).toFixed((t.decimals ?? 2) + 1))}`;
    }
    case "categorical":
      return ev.codes[ord] ?? `O${ord}`;
    case "mve":
      return `S${hash32(w.seed, m, 0x5e).toString(36).toUpperCase().padStart(7, "0")}`;
    default:
      return "";
  }
}

export function marketTicker(w: WorldState, m: number): string {
  const ev = w.events[w.cols.ev[m] as number] as EventRec;
  const s = marketSuffix(w, m);
  return s ? `${ev.ticker}-${s}` : ev.ticker;
}

/** Market id for a ticker, including vanished ones (callers decide visibility). */
export function findMarket(w: WorldState, ticker: string): number | null {
  const whole = w.eventByTicker.get(ticker);
  if (whole !== undefined) {
    const ev = w.events[whole] as EventRec;
    if (ev.kind === "binary" && ev.markets.length > 0) return ev.markets[0] as number;
  }
  const cut = ticker.lastIndexOf("-");
  if (cut <= 0) return null;
  const e = w.eventByTicker.get(ticker.slice(0, cut));
  if (e === undefined) return null;
  const suffix = ticker.slice(cut + 1);
  for (const m of (w.events[e] as EventRec).markets) if (marketSuffix(w, m) === suffix) return m;
  return null;
}

/** The raw status a market is served with: its lifecycle status, or the unknown word when flagged. */
export function statusName(w: WorldState, m: number): string {
  return hasUnknownStatus(w, m) ? w.unknownStatus : (MARKET_STATUSES[w.cols.status[m] as number] as string);
}

export function marketId(w: WorldState, m: number): string {
  return uuidFrom(w.seed, 0x6d6b74, m);
}

export function eventTitle(w: WorldState, ev: EventRec): string {
  const ser = w.series[ev.series] as SeriesRec;
  const t = ser.tpl;
  const d = t.precision === "hour" || t.precision === "minute" ? humanDateTime(ev.strikeS) : humanDate(ev.strikeS);
  return t.eventTitle.replace("{v}", ser.label).replace("{d}", d).replace("{g}", ev.gameLabel);
}

export function seriesTitle(ser: SeriesRec): string {
  return ser.tpl.title.replace("{v}", ser.label);
}

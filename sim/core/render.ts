/**
 * Wire JSON rendering of world records, in Kalshi's current format (docs/kalshi-wire.md §2.9–2.12):
 * dollar strings with 4 dp, fixed-point counts with 2 dp, RFC 3339 times, no integer legacy
 * fields unless `legacy` is set (then the spec's legacy set as in rest-market-legacy-2026-01.json).
 */
import { dollars, fp, groupNumber, humanDate, isoMicros, isoSeconds } from "./format";
import { unit } from "./prng";
import { S_DETERMINED, S_FINALIZED } from "./status";
import {
  F_CAN_CLOSE_EARLY,
  F_FRACTIONAL,
  F_MVE,
  F_NO_SIDE_OMITTED,
  F_PROVISIONAL,
  R_NO,
  R_YES,
  type EventRec,
  type SeriesRec,
  type World,
} from "./world";

export type Json = Record<string, unknown>;

const PRICE_RANGES: Record<string, { start: string; end: string; step: string }[]> = {
  linear_cent: [{ start: "0.0000", end: "1.0000", step: "0.0100" }],
  deci_cent: [{ start: "0.0000", end: "1.0000", step: "0.0010" }],
  tapered_deci_cent: [
    { start: "0.0000", end: "0.1000", step: "0.0010" },
    { start: "0.1000", end: "0.9000", step: "0.0100" },
    { start: "0.9000", end: "1.0000", step: "0.0010" },
  ],
};

function micros(w: World, m: number, salt: number, s: number): number {
  return Math.floor(unit(w.seed, m, salt, s) * 1_000_000);
}

function unitText(u: string | undefined, x: string): string {
  if (u === "$") return `$${x}`;
  if (u === "%") return `${x}%`;
  if (u === "°") return `${x}°`;
  return x;
}

/** Human description of a market's strike ("$65,499.99 or above", "53° to 54°", "Boston"). */
export function strikeText(w: World, m: number): string {
  const ev = w.events[w.cols.ev[m] as number] as EventRec;
  const ser = w.series[ev.series] as SeriesRec;
  const t = ser.tpl;
  const ord = w.cols.ord[m] as number;
  const dec = t.decimals ?? 2;
  switch (ev.kind) {
    case "threshold": {
      const s = unitText(t.unit, groupNumber(w.floorStrike(ev, ord), dec));
      return t.game ? `${ev.gameLabel.split(" vs ")[0]} wins by over ${s}` : `${s} or above`;
    }
    case "range": {
      const { lo, hi } = w.rangeBounds(ev, ord);
      if (lo === null) return `below ${unitText(t.unit, groupNumber(hi as number, dec))}`;
      if (hi === null) return `${unitText(t.unit, groupNumber(lo, dec))} or above`;
      return `${unitText(t.unit, groupNumber(lo, dec))} to ${unitText(t.unit, groupNumber(hi - 10 ** -dec, dec))}`;
    }
    case "categorical": {
      const code = ev.codes[ord];
      if (code === "TIE") return "Tie";
      const found = t.outcomes?.find(([c]) => c === code);
      return found ? found[1] : String(code);
    }
    case "mve": {
      const legs = w.mveLegs.get(m) ?? [];
      return legs.map((l) => `${l % 2 === 0 ? "yes" : "no"} ${strikeText(w, Math.floor(l / 2))}`).join(",");
    }
    default:
      return ser.label;
  }
}

/**
 * Event-level strings, memoised for the last event rendered: listings walk markets in id order,
 * and an event's markets are mostly consecutive, so one entry hits almost always.
 */
interface EventStrings {
  world: World;
  idx: number;
  title: string;
  rulesTemplate: string;
}
let lastEvent: EventStrings | null = null;

function eventStrings(w: World, ev: EventRec, ser: SeriesRec): EventStrings {
  if (lastEvent && lastEvent.world === w && lastEvent.idx === ev.idx) return lastEvent;
  const d = isoSeconds(ev.strikeS).replace("T", " ").replace("Z", " UTC");
  const rulesTemplate = ser.tpl.rules.replaceAll("{v}", ser.label).replaceAll("{d}", d).replaceAll("{g}", ev.gameLabel);
  lastEvent = { world: w, idx: ev.idx, title: w.eventTitle(ev), rulesTemplate };
  return lastEvent;
}

function rules(w: World, m: number, ev: EventRec, ser: SeriesRec, o: string): string {
  const t = ser.tpl;
  const value =
    ev.kind === "threshold"
      ? unitText(t.unit, groupNumber(w.floorStrike(ev, w.cols.ord[m] as number), t.decimals ?? 2))
      : o;
  return eventStrings(w, ev, ser).rulesTemplate.replaceAll("{s}", value).replaceAll("{o}", o);
}

function expirationValue(w: World, ev: EventRec, m: number): string {
  const t = (w.series[ev.series] as SeriesRec).tpl;
  if (ev.kind === "threshold" || ev.kind === "range") return ev.outcome.toFixed(t.decimals ?? 2);
  if (ev.kind === "categorical") {
    const code = ev.codes[ev.winner];
    if (code === "TIE") return "Tie";
    return t.outcomes?.find(([c]) => c === code)?.[1] ?? String(code);
  }
  return w.cols.result[m] === R_YES ? "Yes" : "No";
}

const cents = (u: number) => Math.round(u / 100);

export function renderMarket(w: World, m: number, legacy: boolean): Json {
  const c = w.cols;
  const ev = w.events[c.ev[m] as number] as EventRec;
  const ser = w.series[ev.series] as SeriesRec;
  const t = ser.tpl;
  const flags = c.flags[m] as number;
  const st = c.status[m] as number;
  const bid = c.bid[m] as number,
    ask = c.ask[m] as number,
    last = c.last[m] as number;
  const closeS = c.closeS[m] as number;
  const sub = strikeText(w, m);
  const title = eventStrings(w, ev, ser).title;
  const o: Json = {
    ticker: w.marketTicker(m),
    event_ticker: ev.ticker,
    market_type: "binary",
    title,
    subtitle: sub,
    yes_sub_title: sub,
    no_sub_title: sub,
    created_time: isoMicros(c.createdS[m] as number, micros(w, m, 1, 0)),
    updated_time: isoMicros(c.updatedS[m] as number, micros(w, m, 2, c.updatedS[m] as number)),
    open_time: isoSeconds(c.openS[m] as number),
    close_time: isoSeconds(closeS),
    expected_expiration_time: isoSeconds(closeS + 300),
    expiration_time: isoSeconds(closeS + 7 * 86400),
    latest_expiration_time: isoSeconds(closeS + 7 * 86400),
    settlement_timer_seconds: c.settleTimer[m] as number,
    status: w.statusName(m),
  };
  if (legacy) o.response_price_units = "usd_cent";
  const noBid = bid === 0 && ask === 0 ? 0 : 10000 - ask;
  const noAsk = bid === 0 && ask === 0 ? 0 : 10000 - bid;
  if (legacy) o.yes_bid = cents(bid);
  o.yes_bid_dollars = dollars(bid);
  if (legacy) o.yes_ask = cents(ask);
  o.yes_ask_dollars = dollars(ask);
  if (!(flags & F_NO_SIDE_OMITTED) || legacy) {
    if (legacy) o.no_bid = cents(noBid);
    o.no_bid_dollars = dollars(noBid);
    if (legacy) o.no_ask = cents(noAsk);
    o.no_ask_dollars = dollars(noAsk);
  }
  if (legacy) o.last_price = cents(last);
  o.last_price_dollars = dollars(last);
  if (legacy) o.previous_yes_bid = cents(c.pbid[m] as number);
  o.previous_yes_bid_dollars = dollars(c.pbid[m] as number);
  if (legacy) o.previous_yes_ask = cents(c.pask[m] as number);
  o.previous_yes_ask_dollars = dollars(c.pask[m] as number);
  if (legacy) o.previous_price = cents(c.plast[m] as number);
  o.previous_price_dollars = dollars(c.plast[m] as number);
  if (legacy) o.volume = Math.floor((c.vol[m] as number) / 100);
  o.volume_fp = fp(c.vol[m] as number);
  if (legacy) o.volume_24h = Math.floor((c.vol24[m] as number) / 100);
  o.volume_24h_fp = fp(c.vol24[m] as number);
  if (legacy) {
    o.liquidity = 0;
    o.liquidity_dollars = "0.0000";
    o.open_interest = Math.floor((c.oi[m] as number) / 100);
  }
  o.open_interest_fp = fp(c.oi[m] as number);
  if (legacy) o.notional_value = 100;
  o.notional_value_dollars = "1.0000";
  const res = c.result[m] as number;
  const determined = st >= S_DETERMINED;
  o.result = determined ? (res === R_YES ? "yes" : res === R_NO ? "no" : "") : "";
  o.can_close_early = (flags & F_CAN_CLOSE_EARLY) !== 0;
  o.fractional_trading_enabled = (flags & F_FRACTIONAL) !== 0;
  o.expiration_value = determined ? expirationValue(w, ev, m) : "";
  if (o.can_close_early) o.early_close_condition = "This market will close and expire early if the event occurs.";
  o.rules_primary = rules(w, m, ev, ser, sub);
  const rev = c.metaRev[m] as number;
  o.rules_secondary = `Refer to the contract terms for the settlement source.${rev > 0 ? ` Revision ${rev}.` : ""}`;
  if (legacy) o.tick_size = 1;
  o.price_level_structure = t.tick;
  o.price_ranges = PRICE_RANGES[t.tick];
  if (ev.kind === "threshold") {
    o.strike_type = "greater";
    o.floor_strike = w.floorStrike(ev, c.ord[m] as number);
  } else if (ev.kind === "range") {
    const { lo, hi } = w.rangeBounds(ev, c.ord[m] as number);
    if (lo === null) {
      o.strike_type = "less";
      o.cap_strike = hi;
    } else if (hi === null) {
      o.strike_type = "greater";
      o.floor_strike = lo;
    } else {
      o.strike_type = "between";
      o.floor_strike = lo;
      o.cap_strike = Number((hi - 10 ** -(t.decimals ?? 2)).toFixed(t.decimals ?? 2));
    }
  } else if (ev.kind === "categorical") {
    o.strike_type = "structured";
    o.custom_strike = { outcome: ev.codes[c.ord[m] as number] };
  } else if (ev.kind === "mve") {
    o.strike_type = "custom";
  }
  if (determined) {
    if (legacy) o.settlement_value = res === R_YES ? 100 : 0;
    o.settlement_value_dollars = res === R_YES ? "1.0000" : "0.0000";
  }
  if (st === S_FINALIZED) {
    const s = c.settledS[m] as number;
    o.settlement_ts = isoMicros(s, micros(w, m, 2, s));
  }
  if (flags & F_MVE) {
    o.mve_collection_ticker = `${ser.ticker}-R`;
    o.mve_selected_legs = (w.mveLegs.get(m) ?? []).map((l) => {
      const leg = Math.floor(l / 2);
      return {
        event_ticker: (w.events[c.ev[leg] as number] as EventRec).ticker,
        market_ticker: w.marketTicker(leg),
        side: l % 2 === 0 ? "yes" : "no",
      };
    });
  }
  if (flags & F_PROVISIONAL) o.is_provisional = true;
  o.yes_bid_size_fp = fp(c.bidSz[m] as number);
  o.yes_ask_size_fp = fp(c.askSz[m] as number);
  o.settlement_bounds_type = "default";
  return o;
}

export function renderEvent(w: World, ev: EventRec, nested: Json[] | null): Json {
  const ser = w.series[ev.series] as SeriesRec;
  const t = ser.tpl;
  const me = ev.kind === "categorical" || ev.kind === "range";
  const o: Json = {
    event_ticker: ev.ticker,
    series_ticker: ser.ticker,
    sub_title:
      t.precision === "hour" || t.precision === "minute"
        ? `On ${humanDate(ev.strikeS)} at ${isoSeconds(ev.strikeS).slice(11, 16)} UTC`
        : `On ${humanDate(ev.strikeS)}`,
    title: w.eventTitle(ev),
    collateral_return_type: me ? t.collateral : "",
    mutually_exclusive: me,
    category: t.category,
    available_on_brokers: ev.kind !== "mve",
    product_metadata: null,
  };
  if (t.strikePeriod) o.strike_period = t.strikePeriod;
  else o.strike_date = isoSeconds(ev.strikeS);
  if (nested) o.markets = nested;
  return o;
}

export function renderSeries(w: World, ser: SeriesRec, volumeH: number | null, legacy: boolean): Json {
  const t = ser.tpl;
  const o: Json = {
    ticker: ser.ticker,
    frequency: t.frequency,
    title: w.seriesTitle(ser),
    category: t.category,
    tags: [...t.tags],
    settlement_sources: [{ name: t.source[0], url: t.source[1] }],
    contract_url: `https://kalshi-public-docs.s3.amazonaws.com/regulatory/product-certifications/${ser.ticker.replace(/^KX/, "")}.pdf`,
    contract_terms_url: `https://kalshi-public-docs.s3.amazonaws.com/contract_terms/${ser.ticker.replace(/^KX/, "")}.pdf`,
    fee_type: ser.feeType,
    fee_multiplier: ser.feeMultiplier,
    additional_prohibitions: [],
  };
  if (volumeH !== null) {
    if (legacy) o.volume = Math.floor(volumeH / 100);
    o.volume_fp = fp(volumeH);
  }
  return o;
}

/**
 * The feed's data messages rendered from the world's state: `ticker` (a market's quote, volume and
 * open interest) and the lifecycle messages (`event_lifecycle`, `market_lifecycle_v2`).
 */
import { dollars, fp, isoMillis } from "../format";
import { renderEvent, renderMarket } from "../render";
import { type EventRec, type LifecycleEvent, R_YES, type SeriesRec, type World } from "../world";
import type { Json } from "./protocol";

/** A streamed market's ticker and id (the feed memoises them: rendering them is its hot path). */
export interface MarketName {
  ticker: string;
  id: string;
}

/** The `ticker` message of market `m` at `nowMs` (`legacy`: with the cents and integer-count fields too). */
export function tickerMsg(w: World, m: number, name: MarketName, nowMs: number, legacy: boolean): Json {
  const c = w.cols;
  const last = c.last[m] as number;
  const volH = c.vol[m] as number,
    oiH = c.oi[m] as number;
  const o: Json = {
    market_ticker: name.ticker,
    market_id: name.id,
    price_dollars: last === 0 && volH === 0 ? "" : dollars(last),
    yes_bid_dollars: dollars(c.bid[m] as number),
    yes_ask_dollars: dollars((c.ask[m] as number) || 10000),
    volume_fp: fp(volH),
    open_interest_fp: fp(oiH),
    dollar_volume: Math.round((volH / 100) * (last / 10000)),
    dollar_open_interest: Math.round((oiH / 100) * (last / 10000)),
    yes_bid_size_fp: fp(c.bidSz[m] as number),
    yes_ask_size_fp: fp(c.askSz[m] as number),
    last_trade_size_fp: fp(c.lastSz[m] as number),
    ts: Math.floor(nowMs / 1000),
    ts_ms: nowMs,
    time: isoMillis(nowMs).replace("Z", "000Z"),
  };
  if (legacy)
    Object.assign(o, {
      price: Math.round(last / 100),
      yes_bid: Math.round((c.bid[m] as number) / 100),
      yes_ask: Math.round(((c.ask[m] as number) || 10000) / 100),
      volume: Math.floor(volH / 100),
      open_interest: Math.floor(oiH / 100),
    });
  return o;
}

/** The `event_lifecycle` message of a new event. */
export function eventLifecycleMsg(w: World, ev: EventRec): Json {
  const ser = w.series[ev.series] as SeriesRec;
  const wire = renderEvent(w, ev, null);
  return {
    event_ticker: ev.ticker,
    title: wire.title,
    sub_title: wire.sub_title,
    collateral_return_type: wire.collateral_return_type,
    series_ticker: ser.ticker,
    strike_date: ev.strikeS,
  };
}

/** The `market_lifecycle_v2` message of a market's lifecycle event. */
export function marketLifecycleMsg(w: World, e: Extract<LifecycleEvent, { kind: "market" }>): Json {
  const m = e.market;
  const c = w.cols;
  const msg: Json = { market_ticker: w.marketTicker(m), event_type: e.type };
  switch (e.type) {
    case "created": {
      const full = renderMarket(w, m, false);
      msg.open_ts = c.openS[m];
      msg.close_ts = c.closeS[m];
      msg.additional_metadata = {
        name: full.title,
        title: full.title,
        yes_sub_title: full.yes_sub_title,
        no_sub_title: full.no_sub_title,
        rules_primary: full.rules_primary,
        rules_secondary: full.rules_secondary,
        can_close_early: full.can_close_early,
        event_ticker: full.event_ticker,
        expected_expiration_ts: (c.closeS[m] as number) + 300,
        ...(full.strike_type !== undefined ? { strike_type: full.strike_type } : {}),
        ...(full.floor_strike !== undefined ? { floor_strike: full.floor_strike } : {}),
        ...(full.cap_strike !== undefined ? { cap_strike: full.cap_strike } : {}),
      };
      break;
    }
    case "activated":
      msg.is_deactivated = false;
      break;
    case "deactivated":
      msg.is_deactivated = true;
      break;
    case "close_date_updated":
      msg.close_ts = c.closeS[m];
      break;
    case "determined":
      msg.determination_ts = e.atS;
      msg.result = c.result[m] === R_YES ? "yes" : "no";
      msg.settlement_value = c.result[m] === R_YES ? "1.0000" : "0.0000";
      break;
    case "settled":
      msg.settled_ts = e.atS;
      break;
    default:
      break;
  }
  return msg;
}

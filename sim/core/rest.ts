/**
 * Kalshi REST v2 public endpoints over a World (docs/kalshi-wire.md §2): exact envelopes, filter
 * vocabularies, limits and key-based cursors. Pure: takes a path and query, returns a status
 * and a JSON body; HTTP framing, rate limits and faults live in simulator.ts.
 */
import { getCandlesticks } from "./candlesticks";
import { isoSeconds } from "./format";
import { renderEvent, renderMarket, renderSeries, type Json } from "./render";
import { EVENT_STATUS_FILTERS, FILTER_TO_STATUS_CODES, STATUS_FILTERS, bucketOf, type StatusFilter } from "./status";
import {
  decodeTradeCursor,
  encodeTradeCursor,
  renderTrade,
  tradeTape,
  TRADES_DEFAULT_LIMIT,
  TRADES_MAX_LIMIT,
} from "./trades";
import { F_MVE, F_UNKNOWN_STATUS, F_VANISHED, type EventRec, type World } from "./world";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }
  /** The wrapped form observed from Kalshi (fixture rest-error-400.json). */
  body(): Json {
    const error: Json = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    error.service = "exchange";
    return { error };
  }
}

const badRequest = (details: string) => new ApiError(400, "bad_request", "invalid parameters", details);

export interface RestResult {
  status: number;
  body: Json;
  /** Envelope key holding the item list (for schema-drift / malformed faults). */
  listKey?: string;
  /** Envelope key holding a single item. */
  itemKey?: string;
}

export interface RestContext {
  world: World;
  legacy: boolean;
  incompatible: "error" | "empty";
  /** Markets settled before this (Unix s) are served only by /historical/markets; null = no split. */
  historicalCutoffS: number | null;
}

/** Is market m on the historical side of the cutoff? */
function isHistorical(ctx: RestContext, m: number): boolean {
  if (ctx.historicalCutoffS === null) return false;
  const s = ctx.world.cols.settledS[m] as number;
  return s !== 0 && s < ctx.historicalCutoffS;
}

// ------------------------------------------------------------ cursors

/** Opaque, key-based cursor: base64url("<scope>:<last id>"). Stable under inserts and deletes. */
export function encodeCursor(scope: string, lastId: number): string {
  return btoa(`${scope}:${lastId}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(scope: string, cursor: string | null): number {
  if (!cursor) return -1;
  let raw: string;
  try {
    raw = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw badRequest("invalid cursor");
  }
  const [s, id] = raw.split(":");
  if (s !== scope || id === undefined || !/^\d+$/.test(id)) throw badRequest("invalid cursor");
  return Number(id);
}

// ------------------------------------------------------------ params

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`${name} must be an integer`);
  return Number(v);
}

function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === "") return false;
  if (v === "true") return true;
  if (v === "false") return false;
  throw badRequest(`${name} must be true or false`);
}

function limitParam(q: URLSearchParams, def: number, max: number): number {
  const v = intParam(q, "limit");
  if (v === undefined) return def;
  if (v < 1 || v > max) throw badRequest(`limit must be between 1 and ${max}`);
  return v;
}

function listParam(q: URLSearchParams, name: string): string[] | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  return v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

// ------------------------------------------------------------ /markets

interface MarketFilters {
  statusCodes: readonly number[] | null;
  minCreated?: number;
  maxCreated?: number;
  minClose?: number;
  maxClose?: number;
  minSettled?: number;
  maxSettled?: number;
  minUpdated?: number;
  mve: "only" | "exclude" | null;
}

/**
 * Validates the filter combination per the documented compatibility table (docs/kalshi-wire.md §2.1). Returns a reason
 * string when the combination is incompatible, null when it is fine.
 */
export function incompatibility(q: URLSearchParams): string | null {
  const has = (k: string) => q.get(k) !== null && q.get(k) !== "";
  const status = q.get("status") || null;
  const families = [
    ["created", has("min_created_ts") || has("max_created_ts")],
    ["close", has("min_close_ts") || has("max_close_ts")],
    ["settled", has("min_settled_ts") || has("max_settled_ts")],
    ["updated", has("min_updated_ts")],
  ]
    .filter(([, on]) => on)
    .map(([f]) => f as string);
  if (families.length > 1) return `timestamp filters ${families.join(" and ")} cannot be combined`;
  const fam = families[0];
  if (fam === "created" && status && status !== "unopened" && status !== "open")
    return `min/max_created_ts is not compatible with status=${status}`;
  if (fam === "close" && status && status !== "closed")
    return `${has("min_close_ts") ? "min_close_ts" : "max_close_ts"} is not compatible with status=${status}`;
  if (fam === "settled" && status && status !== "settled")
    return `min/max_settled_ts is not compatible with status=${status}`;
  if (fam === "updated") {
    for (const k of ["status", "tickers", "event_ticker", "series_ticker"])
      if (has(k)) return `min_updated_ts is not compatible with ${k}`;
    if (has("mve_filter") && q.get("mve_filter") !== "exclude")
      return "min_updated_ts is only compatible with mve_filter=exclude";
  }
  return null;
}

function marketFilters(q: URLSearchParams): MarketFilters {
  const status = q.get("status") || null;
  if (status !== null && !(STATUS_FILTERS as readonly string[]).includes(status))
    throw badRequest(`status must be one of ${STATUS_FILTERS.join(", ")}`);
  const mve = q.get("mve_filter") || null;
  if (mve !== null && mve !== "only" && mve !== "exclude") throw badRequest("mve_filter must be only or exclude");
  return {
    statusCodes: status ? FILTER_TO_STATUS_CODES[status as StatusFilter] : null,
    minCreated: intParam(q, "min_created_ts"),
    maxCreated: intParam(q, "max_created_ts"),
    minClose: intParam(q, "min_close_ts"),
    maxClose: intParam(q, "max_close_ts"),
    minSettled: intParam(q, "min_settled_ts"),
    maxSettled: intParam(q, "max_settled_ts"),
    minUpdated: intParam(q, "min_updated_ts"),
    mve: mve as MarketFilters["mve"],
  };
}

function marketMatches(w: World, m: number, f: MarketFilters): boolean {
  const c = w.cols;
  const flags = c.flags[m] as number;
  if (flags & F_VANISHED) return false;
  // A market in a status outside the filter vocabulary is selected by no `status` filter.
  if (f.statusCodes && (flags & F_UNKNOWN_STATUS || !f.statusCodes.includes(c.status[m] as number))) return false;
  if (f.mve === "only" && !(flags & F_MVE)) return false;
  if (f.mve === "exclude" && flags & F_MVE) return false;
  const created = c.createdS[m] as number;
  if (f.minCreated !== undefined && created < f.minCreated) return false;
  if (f.maxCreated !== undefined && created > f.maxCreated) return false;
  const close = c.closeS[m] as number;
  if (f.minClose !== undefined && close < f.minClose) return false;
  if (f.maxClose !== undefined && close > f.maxClose) return false;
  if (f.minSettled !== undefined || f.maxSettled !== undefined) {
    const s = c.settledS[m] as number;
    if (s === 0) return false;
    if (f.minSettled !== undefined && s < f.minSettled) return false;
    if (f.maxSettled !== undefined && s > f.maxSettled) return false;
  }
  if (f.minUpdated !== undefined && (c.updatedS[m] as number) < f.minUpdated) return false;
  return true;
}

/** Ascending candidate ids for the ticker/event/series scoping params, or null for "all markets". */
function marketCandidates(w: World, q: URLSearchParams): number[] | null {
  const tickers = listParam(q, "tickers");
  const events = listParam(q, "event_ticker");
  const series = q.get("series_ticker") || null;
  if (events && events.length > 10) throw badRequest("event_ticker accepts at most 10 event tickers");
  let ids: number[] | null = null;
  const intersect = (next: number[]) => {
    if (ids === null) ids = next;
    else {
      const set = new Set(next);
      ids = ids.filter((x) => set.has(x));
    }
  };
  if (tickers) {
    const found: number[] = [];
    for (const t of tickers) {
      const m = w.findMarket(t);
      if (m !== null) found.push(m);
    }
    intersect(found);
  }
  if (events) {
    const found: number[] = [];
    for (const e of events) {
      const idx = w.eventByTicker.get(e);
      if (idx !== undefined) found.push(...(w.events[idx] as EventRec).markets);
    }
    intersect(found);
  }
  if (series) {
    const s = w.seriesByTicker.get(series);
    const found: number[] = [];
    if (s !== undefined) for (const e of w.series[s]!.events) found.push(...(w.events[e] as EventRec).markets);
    intersect(found);
  }
  if (ids === null) return null;
  return [...new Set(ids as number[])].sort((a, b) => a - b);
}

function getMarkets(ctx: RestContext, q: URLSearchParams, historical: boolean): RestResult {
  const w = ctx.world;
  const limit = limitParam(q, 100, 1000);
  const scope = historical ? "h" : "m";
  const after = decodeCursor(scope, q.get("cursor"));
  if (historical) {
    for (const k of [
      "status",
      "series_ticker",
      "min_created_ts",
      "max_created_ts",
      "min_close_ts",
      "max_close_ts",
      "min_settled_ts",
      "max_settled_ts",
      "min_updated_ts",
    ]) {
      if (q.get(k)) throw badRequest(`${k} is not supported by /historical/markets`);
    }
    if (q.get("mve_filter") && q.get("mve_filter") !== "exclude")
      throw badRequest("/historical/markets only supports mve_filter=exclude");
  }
  const f = marketFilters(q);
  const bad = incompatibility(q);
  if (bad) {
    if (ctx.incompatible === "error") throw new ApiError(400, "bad_request", "invalid parameters", bad);
    return { status: 200, body: { markets: [], cursor: "" }, listKey: "markets" };
  }
  const candidates = marketCandidates(w, q);
  const out: number[] = [];
  let more = false;
  const visit = (m: number): boolean => {
    if (m <= after || isHistorical(ctx, m) !== historical || !marketMatches(w, m, f)) return true;
    if (out.length === limit) {
      more = true;
      return false;
    }
    out.push(m);
    return true;
  };
  if (candidates) {
    for (const m of candidates) if (!visit(m)) break;
  } else {
    for (let m = after + 1; m < w.count; m++) if (!visit(m)) break;
  }
  const markets = out.map((m) => renderMarket(w, m, ctx.legacy));
  const cursor = more ? encodeCursor(scope, out[out.length - 1] as number) : "";
  return { status: 200, body: { markets, cursor }, listKey: "markets" };
}

function getMarket(ctx: RestContext, ticker: string, historical: boolean): RestResult {
  const m = ctx.world.findMarket(ticker);
  if (m === null || !ctx.world.visible(m) || isHistorical(ctx, m) !== historical)
    throw new ApiError(404, "not_found", "market not found", ticker);
  return { status: 200, body: { market: renderMarket(ctx.world, m, ctx.legacy) }, itemKey: "market" };
}

// ------------------------------------------------------------ /markets/trades (tape in trades.ts)

function getTrades(ctx: RestContext, q: URLSearchParams): RestResult {
  const limit = limitParam(q, TRADES_DEFAULT_LIMIT, TRADES_MAX_LIMIT);
  let beforeSeq: number | null;
  try {
    beforeSeq = decodeTradeCursor(q.get("cursor"));
  } catch {
    throw badRequest("invalid cursor");
  }
  const { trades, more } = tradeTape(ctx.world).query({
    ticker: q.get("ticker") || null,
    minTs: intParam(q, "min_ts") ?? null,
    maxTs: intParam(q, "max_ts") ?? null,
    limit,
    beforeSeq,
  });
  const cursor = more ? encodeTradeCursor(trades[trades.length - 1]!.seq) : "";
  return { status: 200, body: { trades: trades.map((t) => renderTrade(t, ctx.legacy)), cursor }, listKey: "trades" };
}

// ------------------------------------------------------------ /events

/**
 * Derived event status (events have none on the wire): any open → open, else any closed → closed,
 * else settled. Markets in an unknown status count for none (so an event of only such markets has
 * no status and the `/events` status filter never selects it, as for markets).
 */
export function eventStatus(w: World, ev: EventRec): "open" | "closed" | "settled" | null {
  let closed = false,
    settled = false;
  for (const m of ev.markets) {
    if (!w.visible(m) || w.hasUnknownStatus(m)) continue;
    const b = bucketOf(w.cols.status[m] as number);
    if (b === "open") return "open";
    if (b === "closed") closed = true;
    else settled = true;
  }
  return closed ? "closed" : settled ? "settled" : null;
}

function nestedMarkets(ctx: RestContext, ev: EventRec): Json[] {
  return ev.markets.filter((m) => ctx.world.visible(m)).map((m) => renderMarket(ctx.world, m, ctx.legacy));
}

function listEvents(ctx: RestContext, q: URLSearchParams, multivariate: boolean): RestResult {
  const w = ctx.world;
  const limit = limitParam(q, multivariate ? 100 : 200, 200);
  const after = decodeCursor(multivariate ? "mve" : "e", q.get("cursor"));
  const nested = boolParam(q, "with_nested_markets");
  const series = q.get("series_ticker") || null;
  let collection: string | null = null;
  let status: string | null = null;
  let minClose: number | undefined;
  if (multivariate) {
    collection = q.get("collection_ticker") || null;
    if (collection && series) throw badRequest("collection_ticker cannot be combined with series_ticker");
  } else {
    status = q.get("status") || null;
    if (status !== null && !(EVENT_STATUS_FILTERS as readonly string[]).includes(status))
      throw badRequest(`status must be one of ${EVENT_STATUS_FILTERS.join(", ")}`);
    minClose = intParam(q, "min_close_ts");
  }
  const withMilestones = !multivariate && boolParam(q, "with_milestones");
  let candidates: number[] | null = null;
  if (series) {
    const s = w.seriesByTicker.get(series);
    candidates = s === undefined ? [] : [...w.series[s]!.events];
  } else if (collection) {
    const s = w.seriesByTicker.get(collection.replace(/-R$/, ""));
    candidates = s === undefined ? [] : [...w.series[s]!.events];
  }
  const out: EventRec[] = [];
  let more = false;
  const visit = (i: number): boolean => {
    if (i <= after) return true;
    const ev = w.events[i] as EventRec;
    // GET /events excludes multivariate events; /events/multivariate has only them.
    if ((ev.kind === "mve") !== multivariate) return true;
    if (status && eventStatus(w, ev) !== status) return true;
    if (minClose !== undefined && !ev.markets.some((m) => w.visible(m) && (w.cols.closeS[m] as number) >= minClose!))
      return true;
    if (out.length === limit) {
      more = true;
      return false;
    }
    out.push(ev);
    return true;
  };
  if (candidates) {
    for (const i of candidates) if (!visit(i)) break;
  } else {
    for (let i = after + 1; i < w.events.length; i++) if (!visit(i)) break;
  }
  const events = out.map((ev) => renderEvent(w, ev, nested ? nestedMarkets(ctx, ev) : null));
  const body: Json = {
    events,
    cursor: more ? encodeCursor(multivariate ? "mve" : "e", (out[out.length - 1] as EventRec).idx) : "",
  };
  if (withMilestones) body.milestones = [];
  return { status: 200, body, listKey: "events" };
}

function getEvent(ctx: RestContext, ticker: string, q: URLSearchParams): RestResult {
  const idx = ctx.world.eventByTicker.get(ticker);
  if (idx === undefined) throw new ApiError(404, "not_found", "event not found", ticker);
  const ev = ctx.world.events[idx] as EventRec;
  const nested = boolParam(q, "with_nested_markets");
  const markets = nestedMarkets(ctx, ev);
  return {
    status: 200,
    body: { event: renderEvent(ctx.world, ev, nested ? markets : null), markets },
    itemKey: "event",
  };
}

// ------------------------------------------------------------ /series

function listSeries(ctx: RestContext, q: URLSearchParams): RestResult {
  const w = ctx.world;
  const category = q.get("category") || null;
  const tags = listParam(q, "tags");
  const withVolume = boolParam(q, "include_volume");
  boolParam(q, "include_product_metadata");
  const volumes = withVolume ? w.seriesVolumes() : null;
  const series = w.series
    .filter((s) => (!category || s.tpl.category === category) && (!tags || tags.some((t) => s.tpl.tags.includes(t))))
    .map((s) => renderSeries(w, s, volumes ? (volumes[s.idx] as number) : null, ctx.legacy));
  return { status: 200, body: { series }, listKey: "series" };
}

function getSeries(ctx: RestContext, ticker: string, q: URLSearchParams): RestResult {
  const w = ctx.world;
  const s = w.seriesByTicker.get(ticker);
  if (s === undefined) throw new ApiError(404, "not_found", "series not found", ticker);
  const withVolume = boolParam(q, "include_volume");
  const volumes = withVolume ? w.seriesVolumes() : null;
  return {
    status: 200,
    body: { series: renderSeries(w, w.series[s]!, volumes ? (volumes[s] as number) : null, ctx.legacy) },
    itemKey: "series",
  };
}

function feeChanges(ctx: RestContext, q: URLSearchParams): RestResult {
  const w = ctx.world;
  const series = q.get("series_ticker") || null;
  const historical = boolParam(q, "show_historical");
  const arr = w.feeChanges
    .filter((fc) => (!series || w.series[fc.series]!.ticker === series) && (historical || fc.scheduledS > w.nowS))
    .sort((a, b) => a.scheduledS - b.scheduledS || a.series - b.series)
    .map((fc) => ({
      id: fc.id,
      series_ticker: w.series[fc.series]!.ticker,
      fee_type: fc.feeType,
      fee_multiplier: fc.feeMultiplier,
      scheduled_ts: isoSeconds(fc.scheduledS),
    }));
  return { status: 200, body: { series_fee_change_arr: arr }, listKey: "series_fee_change_arr" };
}

// ------------------------------------------------------------ /exchange

/** Weekly maintenance: Thursdays 08:00–10:00 UTC (Kalshi's is early Thursday morning ET; UNCONFIRMED exact hours). */
function maintenanceWindows(nowS: number, count: number): [number, number][] {
  const day = 86400;
  const d = new Date(nowS * 1000);
  const dow = d.getUTCDay();
  let start = Math.floor(nowS / day) * day + ((4 - dow + 7) % 7) * day + 8 * 3600;
  if (start + 2 * 3600 <= nowS) start += 7 * day;
  const out: [number, number][] = [];
  for (let i = 0; i < count; i++) out.push([start + i * 7 * day, start + i * 7 * day + 2 * 3600]);
  return out;
}

function historicalCutoff(ctx: RestContext): RestResult {
  const c = ctx.historicalCutoffS ?? 0;
  return {
    status: 200,
    body: { market_settled_ts: isoSeconds(c), trades_created_ts: isoSeconds(c), orders_updated_ts: isoSeconds(c) },
  };
}

function exchangeStatus(ctx: RestContext): RestResult {
  const now = ctx.world.nowS;
  const [win] = maintenanceWindows(now, 1);
  const inMaintenance = win !== undefined && now >= win[0] && now < win[1];
  return {
    status: 200,
    body: {
      exchange_active: !inMaintenance,
      trading_active: !inMaintenance,
      exchange_estimated_resume_time: inMaintenance ? isoSeconds(win[1]) : null,
    },
  };
}

function exchangeSchedule(ctx: RestContext): RestResult {
  const day = [{ open_time: "00:00", close_time: "23:59" }];
  const standard = {
    start_time: "2025-01-01T00:00:00Z",
    end_time: "2100-01-01T00:00:00Z",
    monday: day,
    tuesday: day,
    wednesday: day,
    thursday: day,
    friday: day,
    saturday: day,
    sunday: day,
  };
  return {
    status: 200,
    body: {
      schedule: {
        standard_hours: [standard],
        maintenance_windows: maintenanceWindows(ctx.world.nowS, 2).map(([a, b]) => ({
          start_datetime: isoSeconds(a),
          end_datetime: isoSeconds(b),
        })),
      },
    },
  };
}

// ------------------------------------------------------------ router

/** Route template for stats ("/markets/{ticker}"), or null when the path is not a served endpoint. */
export function routeOf(path: string): string | null {
  const s = path.split("/").filter(Boolean);
  if (s.length === 1 && ["markets", "events", "series"].includes(s[0] as string)) return `/${s[0]}`;
  if (s.length === 2 && s[0] === "events" && s[1] === "multivariate") return "/events/multivariate";
  if (s.length === 2 && s[0] === "markets" && s[1] === "trades") return "/markets/trades";
  if (s.length === 2 && s[0] === "series" && s[1] === "fee_changes") return "/series/fee_changes";
  if (s.length === 2 && s[0] === "exchange" && (s[1] === "status" || s[1] === "schedule")) return `/exchange/${s[1]}`;
  if (s.length === 5 && s[0] === "series" && s[2] === "markets" && s[4] === "candlesticks")
    return "/series/{series_ticker}/markets/{ticker}/candlesticks";
  if (s.length === 4 && s[0] === "historical" && s[1] === "markets" && s[3] === "candlesticks")
    return "/historical/markets/{ticker}/candlesticks";
  if (s[0] === "historical") {
    if (s.length === 2 && (s[1] === "cutoff" || s[1] === "markets")) return `/historical/${s[1]}`;
    if (s.length === 3 && s[1] === "markets") return "/historical/markets/{ticker}";
    return null;
  }
  if (s.length === 2 && ["markets", "events", "series"].includes(s[0] as string)) return `/${s[0]}/{ticker}`;
  return null;
}

export function handleRest(ctx: RestContext, method: string, path: string, q: URLSearchParams): RestResult {
  const route = routeOf(path);
  if (route === null) throw new ApiError(404, "not_found", "not found", path);
  if (method !== "GET" && method !== "HEAD")
    throw new ApiError(405, "method_not_allowed", "method not allowed", `${method} ${path}`);
  const seg = path.split("/").filter(Boolean);
  const arg = decodeURIComponent(seg[seg.length - 1] ?? "");
  switch (route) {
    case "/markets":
      return getMarkets(ctx, q, false);
    case "/markets/trades":
      return getTrades(ctx, q);
    case "/markets/{ticker}":
      return getMarket(ctx, arg, false);
    case "/historical/markets":
      return getMarkets(ctx, q, true);
    case "/historical/markets/{ticker}":
      return getMarket(ctx, arg, true);
    case "/historical/cutoff":
      return historicalCutoff(ctx);
    case "/series/{series_ticker}/markets/{ticker}/candlesticks":
    case "/historical/markets/{ticker}/candlesticks": {
      const historical = seg[0] === "historical";
      const ticker = decodeURIComponent(seg[historical ? 2 : 3] ?? "");
      const fail = (status: number, code: string, details: string): never => {
        throw new ApiError(status, code, status === 404 ? "not found" : "invalid parameters", details);
      };
      const route = { series: decodeURIComponent(seg[1] ?? ""), ticker, historical, fail };
      return getCandlesticks(ctx.world, q, { ...route, isHistorical: (m) => isHistorical(ctx, m) });
    }
    case "/events":
      return listEvents(ctx, q, false);
    case "/events/multivariate":
      return listEvents(ctx, q, true);
    case "/events/{ticker}":
      return getEvent(ctx, arg, q);
    case "/series":
      return listSeries(ctx, q);
    case "/series/fee_changes":
      return feeChanges(ctx, q);
    case "/series/{ticker}":
      return getSeries(ctx, arg, q);
    case "/exchange/status":
      return exchangeStatus(ctx);
    case "/exchange/schedule":
      return exchangeSchedule(ctx);
    default:
      throw new ApiError(404, "not_found", "not found", path);
  }
}

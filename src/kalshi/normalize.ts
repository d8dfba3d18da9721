/**
 * Kalshi wire objects → ssmd rows (types from src/db/schema.ts), losslessly:
 * - every wire field with a column goes into it verbatim (dollar/count strings untouched,
 *   timestamps as the RFC 3339 text sent, objects/arrays as JSON text);
 * - every wire field without a column (unknown new fields, deprecated integer cents/counts,
 *   `liquidity*`, ...) goes into `extra` as a JSON object, so the wire object can be rebuilt
 *   (`marketToWire`). `""` dollar strings are the one documented exception: they mean "no value"
 *   and become NULL.
 * Derivations (documented in docs/data-model.md):
 * - legacy integer cents/counts fill `*_dollars`/`*_fp` only when the string field is absent;
 * - a missing NO side is derived from the YES side (no_bid = 1 − yes_ask, no_ask = 1 − yes_bid) and
 *   flagged with `no_side_derived`;
 * - `open_ts`/`close_ts` are Unix ms parsed from `open_time`/`close_time`.
 */
import type { EventContent, MarketContent, SeriesContent } from "../domain/content";
import { centsToDollars, complementDollars, intCountToFp } from "../lib/decimal";
import type { Event, Market, Series } from "./schemas";
import { normalizeMarketStatus } from "../domain/status";

type Kind = "text" | "json" | "bool" | "number";

/** Wire key → column of the same name, and how the value is stored. */
const MARKET_COLUMNS = {
  ticker: "text",
  event_ticker: "text",
  market_type: "text",
  title: "text",
  subtitle: "text",
  yes_sub_title: "text",
  no_sub_title: "text",
  created_time: "text",
  updated_time: "text",
  open_time: "text",
  close_time: "text",
  expected_expiration_time: "text",
  expiration_time: "text",
  latest_expiration_time: "text",
  settlement_timer_seconds: "number",
  settlement_ts: "text",
  fee_waiver_expiration_time: "text",
  yes_bid_dollars: "text",
  yes_ask_dollars: "text",
  no_bid_dollars: "text",
  no_ask_dollars: "text",
  last_price_dollars: "text",
  previous_yes_bid_dollars: "text",
  previous_yes_ask_dollars: "text",
  previous_price_dollars: "text",
  yes_bid_size_fp: "text",
  yes_ask_size_fp: "text",
  volume_fp: "text",
  volume_24h_fp: "text",
  open_interest_fp: "text",
  notional_value_dollars: "text",
  result: "text",
  expiration_value: "text",
  settlement_value_dollars: "text",
  can_close_early: "bool",
  fractional_trading_enabled: "bool",
  early_close_condition: "text",
  price_level_structure: "text",
  price_ranges: "json",
  strike_type: "text",
  floor_strike: "number",
  cap_strike: "number",
  functional_strike: "text",
  custom_strike: "json",
  rules_primary: "text",
  rules_secondary: "text",
  mve_collection_ticker: "text",
  mve_selected_legs: "json",
  primary_participant_key: "text",
  is_provisional: "bool",
} as const satisfies Partial<Record<keyof MarketContent, Kind>>;

/** Wire `status` goes to `status_raw` (the normalized value to `status`). */
const MARKET_RENAMED = { status: "status_raw" } as const;

/** Legacy integer-cent fields and the dollar column they fill when that column's string is absent. */
const LEGACY_CENTS: ReadonlyArray<readonly [legacy: keyof Market, column: keyof MarketContent]> = [
  ["yes_bid", "yes_bid_dollars"],
  ["yes_ask", "yes_ask_dollars"],
  ["no_bid", "no_bid_dollars"],
  ["no_ask", "no_ask_dollars"],
  ["last_price", "last_price_dollars"],
  ["previous_yes_bid", "previous_yes_bid_dollars"],
  ["previous_yes_ask", "previous_yes_ask_dollars"],
  ["previous_price", "previous_price_dollars"],
  ["notional_value", "notional_value_dollars"],
  ["settlement_value", "settlement_value_dollars"],
];

/** Legacy integer counts and the `_fp` column they fill when absent. */
const LEGACY_COUNTS: ReadonlyArray<readonly [legacy: keyof Market, column: keyof MarketContent]> = [
  ["volume", "volume_fp"],
  ["volume_24h", "volume_24h_fp"],
  ["open_interest", "open_interest_fp"],
];

function store(kind: Kind, v: unknown): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  switch (kind) {
    case "json":
      return JSON.stringify(v);
    case "text":
      return String(v);
    case "bool":
    case "number":
      return v as number | boolean;
  }
}

function load(kind: Kind, v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  return kind === "json" ? JSON.parse(v as string) : v;
}

/**
 * Keys of `obj` that are not in `known`, as a JSON object string; null when there are none.
 * Built as text (no intermediate object, no entries array): the same string as
 * `JSON.stringify({...unknown keys})`, which the stored `extra` must stay byte-identical to.
 */
function extraOf(obj: Record<string, unknown>, known: ReadonlySet<string>): string | null {
  let out = "";
  for (const k in obj) {
    if (known.has(k) || !Object.hasOwn(obj, k)) continue;
    const json = JSON.stringify(obj[k]); // undefined for undefined (and functions): left out, as JSON.stringify does
    if (json === undefined) continue;
    out += `${out === "" ? "{" : ","}${JSON.stringify(k)}:${json}`;
  }
  return out === "" ? null : `${out}}`;
}

const MARKET_KNOWN = new Set<string>([...Object.keys(MARKET_COLUMNS), ...Object.keys(MARKET_RENAMED)]);

/** A legacy integer that has no exact decimal form (e.g. 1e21) fills nothing; it stays in `extra`. */
function orNull(convert: (n: number) => string, n: number): string | null {
  try {
    return convert(n);
  } catch {
    return null;
  }
}

/** Column tables as arrays, built once (normalizers run per item: ~1000 per page). */
function entries<K extends string>(columns: Record<K, Kind>): ReadonlyArray<readonly [K, Kind]> {
  return Object.entries(columns) as Array<[K, Kind]>;
}

/** RFC 3339 → Unix ms (null when absent). The schema already rejected unparseable strings. */
export function isoToMs(s: string | null | undefined): number | null {
  if (s == null || s === "") return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

const MARKET_ENTRIES = entries(MARKET_COLUMNS);
/**
 * Every key of a market row, in the order normalizeMarket fills them: each row starts as a copy of
 * this (one object shape for all rows, no per-key shape transitions).
 */
const MARKET_ROW_TEMPLATE: Readonly<Record<string, unknown>> = Object.fromEntries(
  [...Object.keys(MARKET_COLUMNS), "no_side_derived", "status_raw", "status", "open_ts", "close_ts", "extra"].map(
    (k) => [k, null],
  ),
);

export function normalizeMarket(m: Market): MarketContent {
  const wire = m as Record<string, unknown>;
  const row: Record<string, unknown> = { ...MARKET_ROW_TEMPLATE };
  for (let i = 0; i < MARKET_ENTRIES.length; i++) {
    const [key, kind] = MARKET_ENTRIES[i]!;
    row[key] = store(kind, wire[key]);
  }
  // Legacy integers fill a missing string column; the integers themselves stay in `extra`.
  for (let i = 0; i < LEGACY_CENTS.length; i++) {
    const [legacy, column] = LEGACY_CENTS[i]!;
    const cents = wire[legacy];
    if (typeof cents === "number" && row[column] == null) row[column] = orNull(centsToDollars, cents);
  }
  for (let i = 0; i < LEGACY_COUNTS.length; i++) {
    const [legacy, column] = LEGACY_COUNTS[i]!;
    const n = wire[legacy];
    if (typeof n === "number" && row[column] == null) row[column] = orNull(intCountToFp, n);
  }
  // NO side from the YES side when Kalshi omitted it (a YES bid at p is a NO ask at 1 − p).
  let noSideDerived = false;
  if (
    row.no_bid_dollars == null &&
    row.no_ask_dollars == null &&
    (row.yes_ask_dollars != null || row.yes_bid_dollars != null)
  ) {
    row.no_bid_dollars = row.yes_ask_dollars != null ? complementDollars(row.yes_ask_dollars as string) : null;
    row.no_ask_dollars = row.yes_bid_dollars != null ? complementDollars(row.yes_bid_dollars as string) : null;
    noSideDerived = true;
  }
  row.no_side_derived = noSideDerived;
  row.status_raw = m.status;
  row.status = normalizeMarketStatus(m.status);
  row.open_ts = isoToMs(m.open_time);
  row.close_ts = isoToMs(m.close_time);
  row.extra = extraOf(wire, MARKET_KNOWN);
  return row as MarketContent;
}

/**
 * Rebuild the Kalshi wire object from a row (inverse of normalizeMarket): the wire columns plus
 * `extra`. A derived NO side is left out (`no_side_derived`); `*_dollars`/`*_fp` strings that were
 * filled from legacy integers are returned beside those integers (which come back from `extra`).
 */
export function marketToWire(row: MarketContent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, kind] of MARKET_ENTRIES) {
    const v = load(kind, row[key]);
    if (v !== undefined) out[key] = v;
  }
  out.status = row.status_raw;
  if (row.no_side_derived) {
    delete out.no_bid_dollars;
    delete out.no_ask_dollars;
  }
  const extra = row.extra ? (JSON.parse(row.extra) as Record<string, unknown>) : {};
  return { ...out, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Events and series

const EVENT_COLUMNS = {
  event_ticker: "text",
  series_ticker: "text",
  title: "text",
  sub_title: "text",
  collateral_return_type: "text",
  mutually_exclusive: "bool",
  available_on_brokers: "bool",
  product_metadata: "json",
  strike_date: "text",
  strike_period: "text",
} as const satisfies Partial<Record<keyof EventContent, Kind>>;

/** `category` has a column; nested `markets` are normalized as markets of their own. */
const EVENT_KNOWN = new Set<string>([...Object.keys(EVENT_COLUMNS), "category", "markets"]);
const EVENT_ENTRIES = entries(EVENT_COLUMNS);

/** `category`: the event's own (deprecated) category when non-empty, else its series' category. */
export function normalizeEvent(e: Event, seriesCategory?: string | null): EventContent {
  const row: Record<string, unknown> = {};
  for (const [key, kind] of EVENT_ENTRIES) row[key] = store(kind, (e as Record<string, unknown>)[key]);
  row.category = e.category ? e.category : seriesCategory ? seriesCategory : null;
  row.extra = extraOf(e, EVENT_KNOWN);
  return row as EventContent;
}

const SERIES_COLUMNS = {
  ticker: "text",
  title: "text",
  category: "text",
  frequency: "text",
  tags: "json",
  settlement_sources: "json",
  contract_url: "text",
  contract_terms_url: "text",
  fee_type: "text",
  fee_multiplier: "number",
  additional_prohibitions: "json",
  product_metadata: "json",
  volume_fp: "text",
} as const satisfies Partial<Record<keyof SeriesContent, Kind>>;

const SERIES_KNOWN = new Set<string>(Object.keys(SERIES_COLUMNS));
const SERIES_ENTRIES = entries(SERIES_COLUMNS);

export function normalizeSeries(s: Series): SeriesContent {
  const row: Record<string, unknown> = {};
  for (const [key, kind] of SERIES_ENTRIES) row[key] = store(kind, (s as Record<string, unknown>)[key]);
  // Legacy integer `volume` (docs/kalshi-wire.md Q13) fills volume_fp only when the string is absent; it stays in extra.
  const volume = s.volume;
  if (row.volume_fp == null && typeof volume === "number") row.volume_fp = orNull(intCountToFp, volume);
  row.extra = extraOf(s, SERIES_KNOWN);
  return row as SeriesContent;
}

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
import type { ColumnKind as Kind, ContentShape } from "../domain/content";
import { centsToDollars, complementDollars, intCountToFp } from "../lib/decimal";
import type { KalshiEvent, KalshiMarket, KalshiSeries } from "./wire/rest";
import { normalizeMarketStatus } from "../domain/status";

/**
 * Which wire field fills which column, and how, is read from the table (a `ContentShape` from
 * src/db/shape.ts, handed in by src/sync): every content column is filled from the wire field of the
 * same name, except the columns below, which the normalizers derive. A column added to the table is
 * therefore filled (and its field leaves `extra`) with no edit here.
 */
const MARKET_DERIVED = ["status_raw", "status", "open_ts", "close_ts", "no_side_derived", "extra"] as const;
const EVENT_DERIVED = ["category", "extra"] as const;
const SERIES_DERIVED = ["extra"] as const;

/** Wire `status` goes to `status_raw` (the normalized value to `status`). */
const MARKET_RENAMED = { status: "status_raw" } as const;

/** The columns the market derivations write: a market table must have them (checked where the shape is passed). */
type MarketDerivations = {
  status_raw: string;
  status: string;
  open_ts: number | null;
  close_ts: number | null;
  no_side_derived: boolean;
  extra: string | null;
} & Record<(typeof LEGACY_CENTS)[number][1] | (typeof LEGACY_COUNTS)[number][1], string | null>;
type EventDerivations = { category: string | null; extra: string | null };
type SeriesDerivations = { volume_fp: string | null; extra: string | null };

/** Legacy integer-cent fields and the dollar column they fill when that column's string is absent. */
const LEGACY_CENTS = [
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
] as const satisfies ReadonlyArray<readonly [legacy: keyof KalshiMarket, column: string]>;

/** Legacy integer counts and the `_fp` column they fill when absent. */
const LEGACY_COUNTS = [
  ["volume", "volume_fp"],
  ["volume_24h", "volume_24h_fp"],
  ["open_interest", "open_interest_fp"],
] as const satisfies ReadonlyArray<readonly [legacy: keyof KalshiMarket, column: string]>;

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

/** A legacy integer that has no exact decimal form (e.g. 1e21) fills nothing; it stays in `extra`. */
function orNull(convert: (n: number) => string, n: number): string | null {
  try {
    return convert(n);
  } catch {
    return null;
  }
}

/** The columns filled from the wire field of the same name: the shape's, minus the derived ones. */
function wireColumns<R>(shape: ContentShape<R>, derived: readonly string[]): ReadonlyArray<readonly [string, Kind]> {
  return shape.columns.filter(([name]) => !derived.includes(name));
}

/** RFC 3339 → Unix ms (null when absent). The schema already rejected unparseable strings. */
export function isoToMs(s: string | null | undefined): number | null {
  if (s == null || s === "") return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * The market normalizer for a table shape: `normalize` (wire → row) and `toWire`, its inverse. The
 * column list is built once (normalizers run per item: ~1000 per page).
 */
export function marketNormalizer<R extends MarketDerivations>(shape: ContentShape<R>) {
  const ENTRIES = wireColumns(shape, MARKET_DERIVED);
  const KNOWN = new Set<string>([...ENTRIES.map(([k]) => k), ...Object.keys(MARKET_RENAMED)]);
  /**
   * Every key of a market row, in the order normalize fills them: each row starts as a copy of this
   * (one object shape for all rows, no per-key shape transitions).
   */
  const ROW_TEMPLATE: Readonly<Record<string, unknown>> = Object.fromEntries(
    [...ENTRIES.map(([k]) => k), ...MARKET_DERIVED].map((k) => [k, null]),
  );

  function normalize(m: KalshiMarket): R {
    const wire = m as Record<string, unknown>;
    const row: Record<string, unknown> = { ...ROW_TEMPLATE };
    for (let i = 0; i < ENTRIES.length; i++) {
      const [key, kind] = ENTRIES[i]!;
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
    row.extra = extraOf(wire, KNOWN);
    return row as R;
  }

  /**
   * Rebuild the Kalshi wire object from a row (inverse of normalize): the wire columns plus
   * `extra`. A derived NO side is left out (`no_side_derived`); `*_dollars`/`*_fp` strings that were
   * filled from legacy integers are returned beside those integers (which come back from `extra`).
   */
  function toWire(row: R): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const r = row as Record<string, unknown>;
    for (const [key, kind] of ENTRIES) {
      const v = load(kind, r[key]);
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

  return { normalize, toWire };
}

// ---------------------------------------------------------------------------------------------
// Events and series

/** `category` is derived; nested `markets` are normalized as markets of their own. */
const EVENT_NESTED = ["markets"];

/** The event normalizer for a table shape. `category`: the event's own (deprecated) category when non-empty, else its series' category. */
export function eventNormalizer<R extends EventDerivations>(shape: ContentShape<R>) {
  const ENTRIES = wireColumns(shape, EVENT_DERIVED);
  const KNOWN = new Set<string>([...ENTRIES.map(([k]) => k), "category", ...EVENT_NESTED]);
  return (e: KalshiEvent, seriesCategory?: string | null): R => {
    const row: Record<string, unknown> = {};
    for (const [key, kind] of ENTRIES) row[key] = store(kind, (e as Record<string, unknown>)[key]);
    row.category = e.category ? e.category : seriesCategory ? seriesCategory : null;
    row.extra = extraOf(e, KNOWN);
    return row as R;
  };
}

/** The series normalizer for a table shape. */
export function seriesNormalizer<R extends SeriesDerivations>(shape: ContentShape<R>) {
  const ENTRIES = wireColumns(shape, SERIES_DERIVED);
  const KNOWN = new Set<string>(ENTRIES.map(([k]) => k));
  return (s: KalshiSeries): R => {
    const row: Record<string, unknown> = {};
    for (const [key, kind] of ENTRIES) row[key] = store(kind, (s as Record<string, unknown>)[key]);
    // Legacy integer `volume` (docs/kalshi-wire.md Q13) fills volume_fp only when the string is absent; it stays in extra.
    const volume = s.volume;
    if (row.volume_fp == null && typeof volume === "number") row.volume_fp = orNull(intCountToFp, volume);
    row.extra = extraOf(s, KNOWN);
    return row as R;
  };
}

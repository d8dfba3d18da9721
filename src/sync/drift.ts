/**
 * Drift counters of a sync run: what Kalshi sent that ssmd's wire schemas or status table do not
 * know. Kalshi adds fields and statuses without notice (docs/kalshi-wire.md §2.12, §3); the sync keeps
 * such data (unknown statuses as `status_raw` with status `unknown`, unknown fields in `extra`) and
 * counts it here, so the drift is visible (GET /healthz, the run record) instead of silent.
 *
 * Counts are of items as Kalshi returned them: a market returned by two listings of one run counts
 * twice. Examples and per-value maps are bounded (a handful of tickers, at most MAX_KEYS distinct
 * values or field names, the rest under OTHER), so a run record stays small whatever Kalshi sends.
 */
import type { SkippedItem } from "../kalshi/client";
import {
  KalshiEventSchema,
  KalshiMarketSchema,
  KalshiSeriesSchema,
  type KalshiEvent,
  type KalshiMarket,
  type KalshiSeries,
} from "../kalshi/wire/rest";
import { normalizeMarketStatus } from "../domain/status";
import type { DriftCounts, DriftObjectType } from "./types";

/** Distinct raw statuses / field names recorded per map; further ones are counted under OTHER. */
export const MAX_KEYS = 20;
export const OTHER = "(other)";
/** Example tickers kept per counter. */
export const MAX_EXAMPLES = 5;
const MAX_ISSUES_CHARS = 160;

/** Keys each wire schema declares (deprecated ones included): anything else is an unknown field. */
const DECLARED: Record<DriftObjectType, ReadonlySet<string>> = {
  market: new Set(Object.keys(KalshiMarketSchema.shape)),
  event: new Set(Object.keys(KalshiEventSchema.shape)),
  series: new Set(Object.keys(KalshiSeriesSchema.shape)),
};

export function emptyDrift(): DriftCounts {
  const fields = () => ({ items: 0, fields: {}, examples: [] });
  return {
    unknown_status: { items: 0, values: {}, examples: [] },
    unknown_fields: { market: fields(), event: fields(), series: fields() },
    malformed: { items: 0, examples: [] },
  };
}

function bump(map: Record<string, number>, key: string, by = 1): void {
  if (Object.hasOwn(map, key)) map[key]! += by;
  else if (Object.keys(map).filter((k) => k !== OTHER).length < MAX_KEYS) map[key] = by;
  else map[OTHER] = (map[OTHER] ?? 0) + by;
}

function example<T>(list: T[], item: T, same: (a: T) => boolean = (a) => a === item): void {
  if (list.length < MAX_EXAMPLES && !list.some(same)) list.push(item);
}

function noteFields(d: DriftCounts, type: DriftObjectType, obj: Record<string, unknown>, ticker: string): void {
  const declared = DECLARED[type];
  let unknown = false;
  for (const k in obj) {
    if (!Object.hasOwn(obj, k) || declared.has(k)) continue;
    unknown = true;
    bump(d.unknown_fields[type].fields, k);
  }
  if (unknown) {
    d.unknown_fields[type].items += 1;
    example(d.unknown_fields[type].examples, ticker);
  }
}

/** Markets as validated by the client: unknown statuses and unknown fields. */
export function noteMarkets(d: DriftCounts, items: readonly KalshiMarket[]): void {
  for (const m of items) {
    if (normalizeMarketStatus(m.status) === "unknown") {
      d.unknown_status.items += 1;
      bump(d.unknown_status.values, m.status);
      example(d.unknown_status.examples, m.ticker);
    }
    noteFields(d, "market", m, m.ticker);
  }
}

export function noteEvents(d: DriftCounts, items: readonly KalshiEvent[]): void {
  for (const e of items) {
    // Nested markets are markets (the sync lists markets on their own; none are nested here).
    const { markets: _nested, ...rest } = e;
    noteFields(d, "event", rest, e.event_ticker);
  }
}

export function noteSeries(d: DriftCounts, items: readonly KalshiSeries[]): void {
  for (const s of items) noteFields(d, "series", s, s.ticker);
}

/** Malformed items the client skipped (ticker null when the item had none). */
export function noteSkipped(d: DriftCounts, skipped: readonly SkippedItem[]): void {
  for (const s of skipped) {
    d.malformed.items += 1;
    const ex = { kind: s.kind ?? "item", ticker: s.ticker, issues: s.issues.slice(0, MAX_ISSUES_CHARS) };
    example(d.malformed.examples, ex, (a) => a.kind === ex.kind && a.ticker === ex.ticker);
  }
}

/** `into` += `from` (totals over runs; maps and examples stay bounded). */
export function addDrift(into: DriftCounts, from: DriftCounts): DriftCounts {
  into.unknown_status.items += from.unknown_status.items;
  for (const [k, n] of Object.entries(from.unknown_status.values)) bump(into.unknown_status.values, k, n);
  for (const t of from.unknown_status.examples) example(into.unknown_status.examples, t);
  for (const type of ["market", "event", "series"] as const) {
    const a = into.unknown_fields[type];
    const b = from.unknown_fields[type];
    a.items += b.items;
    for (const [k, n] of Object.entries(b.fields)) bump(a.fields, k, n);
    for (const t of b.examples) example(a.examples, t);
  }
  into.malformed.items += from.malformed.items;
  for (const ex of from.malformed.examples)
    example(into.malformed.examples, ex, (a) => a.kind === ex.kind && a.ticker === ex.ticker);
  return into;
}

/** A stored or mirrored drift record with every counter present (older runs have none). */
export function completeDrift(d: Partial<DriftCounts> | null | undefined): DriftCounts {
  return addDrift(emptyDrift(), { ...emptyDrift(), ...(d ?? {}) } as DriftCounts);
}

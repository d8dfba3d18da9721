/**
 * Market statuses: Kalshi's raw words → ssmd's vocabulary (open | closed | settled, plus
 * `unknown`), and the words of ssmd's `status` filter — one table each, used by the normalizer, the
 * route schemas (src/api/params.ts), the SQL (src/db/queries.ts), the agent tools' descriptions,
 * the CLI and the docs test (test/api/status-filters.test.ts; docs/api.md lists the same table).
 *
 * Kalshi's response enum (docs/kalshi-wire.md §3): initialized, inactive, active, closed, determined, disputed, amended,
 * finalized. Its *filter* vocabulary (unopened, open, paused, closed, settled) has appeared in
 * payloads of other clients too, so it is mapped as well. Matching is exact (case-sensitive): a
 * value not in the table is `unknown` — never guessed — and the caller stores the raw value beside
 * it (markets.status_raw). The table is documented in docs/data-model.md.
 *
 * It lives in src/domain, not src/kalshi, because it is ssmd's own vocabulary and every layer needs
 * it: the wire layer normalizes with it, src/db builds the status SQL and derives event statuses
 * from it, the API validates with it — and src/db and src/api may not import src/kalshi
 * (.dependency-cruiser.cjs).
 */

/** ssmd's normalized statuses (the seed's three, plus `unknown`). */
export const NORMALIZED_STATUSES = ["open", "closed", "settled", "unknown"] as const;
export type NormalizedStatus = (typeof NORMALIZED_STATUSES)[number];

/**
 * Where a known market is in its life, in Kalshi's own filter words (docs/kalshi-wire.md §3) —
 * except `active` for Kalshi's `open` (tradeable now), because ssmd's `open` keeps the seed's wider
 * meaning (not yet closed).
 */
export type TradingPhase = "unopened" | "active" | "paused" | "closed" | "settled";

/** Every raw status ssmd knows: its normalized status and its trading phase. */
export const RAW_STATUSES: Readonly<
  Record<string, { status: Exclude<NormalizedStatus, "unknown">; phase: TradingPhase }>
> = Object.freeze({
  // Not yet open, open, or paused: the market is listed and will (again) trade.
  initialized: { status: "open", phase: "unopened" },
  active: { status: "open", phase: "active" },
  inactive: { status: "open", phase: "paused" },
  // Kalshi's filter words, if ever sent as a status: `open` is its word for tradeable.
  unopened: { status: "open", phase: "unopened" },
  open: { status: "open", phase: "active" },
  paused: { status: "open", phase: "paused" },
  // Trading over; result pending, known, disputed or amended, payout not final.
  closed: { status: "closed", phase: "closed" },
  determined: { status: "closed", phase: "closed" },
  disputed: { status: "closed", phase: "closed" },
  amended: { status: "closed", phase: "closed" },
  // Payout done.
  finalized: { status: "settled", phase: "settled" },
  settled: { status: "settled", phase: "settled" },
});

/** Raw status → normalized status (derived from RAW_STATUSES). */
export const MARKET_STATUS_MAP: Readonly<Record<string, Exclude<NormalizedStatus, "unknown">>> = Object.freeze(
  Object.fromEntries(Object.entries(RAW_STATUSES).map(([raw, v]) => [raw, v.status])),
);

export function normalizeMarketStatus(raw: string): NormalizedStatus {
  return Object.hasOwn(RAW_STATUSES, raw) ? RAW_STATUSES[raw]!.status : "unknown";
}

/**
 * The words of ssmd's market `status` filter: the seed's normalized words (meanings unchanged:
 * `open` is every market not yet closed — before open_time, trading or paused) plus `unknown` and
 * three narrower words for "where in its life", after Kalshi's filter words.
 */
export const MARKET_STATUS_FILTER_WORDS = [
  "open",
  "closed",
  "settled",
  "unknown",
  "unopened",
  "active",
  "paused",
] as const;
export type MarketStatusFilterWord = (typeof MARKET_STATUS_FILTER_WORDS)[number];

/**
 * Event status filter words: an event's status is derived from its markets' normalized ones (docs/data-model.md).
 * @alias — deliberately the same list as NORMALIZED_STATUSES, named for its use (knip: not a duplicate).
 */
export const EVENT_STATUS_FILTER_WORDS = NORMALIZED_STATUSES;
export type EventStatusFilterWord = (typeof EVENT_STATUS_FILTER_WORDS)[number];

export interface StatusFilterRow {
  word: MarketStatusFilterWord;
  /** The normalized status every selected market has (SQL: `status = ?`, served by the status indexes). */
  status: NormalizedStatus;
  /**
   * The raw statuses it selects; null for `unknown`: every raw status not in RAW_STATUSES
   * (whatever Kalshi adds).
   */
  raw: readonly string[] | null;
  /** True when `raw` is a strict subset of `status`'s raw statuses (SQL adds `status_raw IN (…)`). */
  narrows: boolean;
  /** Kalshi's own `status` filter word that selects the same markets on Kalshi, if any. */
  kalshi: string | null;
  meaning: string;
}

const MEANINGS: Record<MarketStatusFilterWord, string> = {
  open: "not yet closed: before open_time, trading or paused (the seed's meaning)",
  closed: "trading over, payout pending: result pending, known, disputed or amended",
  settled: "paid out",
  unknown: "a raw status ssmd does not know, e.g. one Kalshi added",
  unopened: "listed, before open_time",
  active: "tradeable now",
  paused: "trading paused, will resume",
};

/** Kalshi's filter word for each ssmd word, where one selects the same markets (docs/kalshi-wire.md §3). */
const KALSHI_WORDS: Record<MarketStatusFilterWord, string | null> = {
  open: null, // Kalshi has no one word for it: its unopened + open + paused
  closed: "closed",
  settled: "settled",
  unknown: null, // no Kalshi filter word selects a status Kalshi's filter does not know
  unopened: "unopened",
  active: "open",
  paused: "paused",
};

const rawWhere = (pred: (v: { status: string; phase: string }) => boolean) =>
  Object.freeze(
    Object.entries(RAW_STATUSES)
      .filter(([, v]) => pred(v))
      .map(([raw]) => raw),
  );

/** One row per filter word: the table docs/api.md lists. */
export const MARKET_STATUS_FILTERS: Readonly<Record<MarketStatusFilterWord, StatusFilterRow>> = Object.freeze(
  Object.fromEntries(
    MARKET_STATUS_FILTER_WORDS.map((word): [MarketStatusFilterWord, StatusFilterRow] => {
      const normalized = (NORMALIZED_STATUSES as readonly string[]).includes(word);
      const status: NormalizedStatus = normalized
        ? (word as NormalizedStatus)
        : RAW_STATUSES[rawWhere((v) => v.phase === word)[0]!]!.status;
      const raw =
        word === "unknown" ? null : normalized ? rawWhere((v) => v.status === word) : rawWhere((v) => v.phase === word);
      const narrows = raw !== null && raw.length < rawWhere((v) => v.status === status).length;
      return [word, Object.freeze({ word, status, raw, narrows, kalshi: KALSHI_WORDS[word], meaning: MEANINGS[word] })];
    }),
  ) as Record<MarketStatusFilterWord, StatusFilterRow>,
);

/** Does a filter word select a market with this raw status? (The SQL's predicate, in JS.) */
export function filterSelects(word: MarketStatusFilterWord, raw: string): boolean {
  const row = MARKET_STATUS_FILTERS[word];
  return row.raw === null ? normalizeMarketStatus(raw) === "unknown" : row.raw.includes(raw);
}

/** `word → raw|raw: meaning` per word, for parameter descriptions (route schema, tools, CLI help). */
export function describeStatusFilters(words: readonly MarketStatusFilterWord[] = MARKET_STATUS_FILTER_WORDS): string {
  return words
    .map((w) => {
      const r = MARKET_STATUS_FILTERS[w];
      return `${w} → ${r.raw === null ? "any other raw status" : r.raw.join("|")}: ${r.meaning}`;
    })
    .join("; ");
}

/** What each event status filter word selects (events carry no status of their own, docs/kalshi-wire.md §2.10). */
export const EVENT_STATUS_MEANINGS: Readonly<Record<EventStatusFilterWord, string>> = Object.freeze({
  open: "some market open",
  closed: "none open, some closed",
  settled: "every market settled",
  unknown: "no markets, or settled ones mixed with unknown ones",
});

export function describeEventStatusFilters(): string {
  return EVENT_STATUS_FILTER_WORDS.map((w) => `${w}: ${EVENT_STATUS_MEANINGS[w]}`).join("; ");
}

/**
 * Event status from its markets' normalized statuses (Kalshi's REST events carry none — docs/kalshi-wire.md Q6):
 * any open → open; else any closed → closed; else all settled (non-empty) → settled; else unknown
 * (no markets, or only unknown/settled mixes that include unknown).
 */
export function deriveEventStatus(normalizedStatuses: Iterable<string>): NormalizedStatus {
  let any = false;
  let anyClosed = false;
  let allSettled = true;
  for (const s of normalizedStatuses) {
    any = true;
    if (s === "open") return "open";
    if (s === "closed") anyClosed = true;
    if (s !== "settled") allSettled = false;
  }
  if (anyClosed) return "closed";
  return any && allSettled ? "settled" : "unknown";
}

/**
 * One bounded step of a sync run (called from the coordinator's alarm). A step pages until its
 * budget (pages fetched, wall time) is used, committing after every page, then returns what the
 * coordinator should do next. Phases, each resumable from its committed position:
 *
 *   listings  every listing of the plan (series + fee changes first, then the rest concurrently in
 *             `lanes`, each lane prefetching its next page while the current one is written)
 *   fixup     events referenced by markets but absent from D1 (multivariate events, events created
 *             after the events listing) and series referenced by events: first the multivariate
 *             events listing (when many are missing), then whatever is still missing one by one
 *   scan      (only if every listing completed with no skipped item) stored live markets the window
 *             must contain that no listing returned → suspects
 *   verify    suspects checked with GET /markets?tickers=: returned → upserted, absent → soft-deleted
 *   finalize  outcome, counters; the coordinator then bumps cache generations
 */
import { liveMustContain, scanCandidates, softDeleteMarkets, type CandidateKey } from "../db/softdelete";
import {
  denormalizeMarkets,
  deriveEventStatuses,
  marketRowText,
  missingEvents,
  missingSeries,
  seriesCategories,
  upsertEvents,
  upsertFeeChanges,
  upsertMarketTexts,
  upsertSeries,
} from "../db/upsert";
import {
  KalshiHttpError,
  KalshiMalformedItemError,
  KalshiQueryError,
  MAX_EVENTS_PAGE,
  MAX_MARKETS_PAGE,
  type KalshiClient,
  type Page,
  type SkippedItem,
} from "../kalshi/client";
import { normalizeEvent, normalizeMarket, normalizeSeries } from "../kalshi/normalize";
import { mapLimit } from "../lib/async";
import { RETRY_POLICIES } from "../lib/backoff";
import { errorMessage } from "../lib/errors";
import type { Event, Market } from "../kalshi/schemas";
import { emptyDrift, noteEvents, noteMarkets, noteSeries, noteSkipped } from "./drift";
import { buildPlan, type Listing, type SyncPlan } from "./plan";
import { encodeSeen, hash53, SeenSet } from "./seen";
import type { ListingRow, RunRow, SyncStore } from "./store";

const MAX_LISTING_ATTEMPTS = RETRY_POLICIES.syncListingMaxAttempts;
/** Backoff before a failed listing is tried again from its committed cursor (attempt 1, 2, …). */
const LISTING_RETRY_MS = RETRY_POLICIES.syncListingRetryMs;
/** Stored candidates read from D1 per scan query (index entries), and suspects verified per request. */
export const SCAN_CHUNK = 50_000;
export const VERIFY_BATCH = 100;
/** Missing events/series looked up per D1 query (each query scans the markets/events table). */
const FIXUP_BATCH = 200;
/**
 * Fix-up lists `GET /events/multivariate` (which `GET /events` leaves out) when at least this many
 * events are missing: ~5 requests of 200 events at 200k markets instead of ~870 single GETs on a
 * first load. Below it, fetching them one by one is cheaper than the listing.
 */
export const MVE_LISTING_MIN_MISSING = 10;
/** Upper bound on the missing event tickers loaded to filter the multivariate listing. */
const MVE_MISSING_MAX = 100_000;
/** `phase_cursor` of the fix-up phase: `mve:<cursor>` while listing, MVE_DONE afterwards. */
const MVE_CURSOR = "mve:";
const MVE_DONE = "mve-done";
const MAX_ERRORS = 50;

/**
 * Market content an incremental run has already written, by ticker hash → hash of the row's JSON
 * text. Its listings overlap heavily (a market created, opened or settled within the day is also
 * in `min_updated_ts`; ~40 % of the items at 200k markets): an item whose row text equals what this
 * run already wrote is validated and counted as seen like any other, but not sent to D1 again —
 * D1 already holds exactly that content (nothing else writes markets while a run's listings go).
 * Kept in memory across the run's steps (an eviction only loses the saving). A 53-bit hash
 * collision could hide a change until the next run; ~1e-16 per comparison.
 */
export interface WrittenCache {
  runId: string;
  rows: Map<number, number>;
}
/** Entries per run at most (~40–60 bytes each in V8): beyond it, rows are simply written again. */
export const WRITTEN_CACHE_MAX = 300_000;

export interface StepLimits {
  /** Kalshi requests per step. */
  maxPages: number;
  /** Wall time after which no new request is started. */
  maxMs: number;
  /** Listings paged concurrently. */
  lanes: number;
}

export type StepResult = { next: "more" } | { next: "wait"; at: number } | { next: "done" };

/** Reconcile scan position: index into the plan's `mustContain` and the last key read in it. */
interface ScanPosition {
  pred: number;
  after: CandidateKey | null;
}

export type CacheScopeName = "markets" | "events" | "series" | "fees";

export interface RunnerDeps {
  db: D1Database;
  client: KalshiClient;
  store: SyncStore;
  now?: () => number;
}

class Budget {
  private used = 0;
  constructor(
    private readonly max: number,
    private readonly deadline: number,
    private readonly now: () => number,
  ) {}
  take(): boolean {
    if (this.used >= this.max || this.now() >= this.deadline) return false;
    this.used++;
    return true;
  }
  get exhausted(): boolean {
    return this.used >= this.max || this.now() >= this.deadline;
  }
}

/** A failure retrying cannot fix (a 4xx other than 429, a query Kalshi would refuse). */
function isPermanent(e: unknown): boolean {
  if (e instanceof KalshiQueryError) return true;
  return e instanceof KalshiHttpError && e.status !== null && e.status >= 400 && e.status < 500 && e.status !== 429;
}

export class SyncRunner {
  private readonly db: D1Database;
  private readonly client: KalshiClient;
  private readonly store: SyncStore;
  private readonly now: () => number;
  private readonly plan: SyncPlan;
  private budget!: Budget;

  constructor(
    private readonly run: RunRow,
    deps: RunnerDeps,
    private readonly limits: StepLimits,
    /** Seen set cached across steps of the same run (rebuilt from storage after an eviction). */
    private seenCache: { runId: string; pages: number; set: SeenSet } | null = null,
    /** Rows written by this run (incremental only; see WrittenCache). */
    private writtenCache: WrittenCache | null = null,
  ) {
    this.db = deps.db;
    this.client = deps.client;
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
    this.plan = buildPlan(run.mode, run.plan_now_ms, { shards: run.options.shards });
  }

  /**
   * Now on Kalshi's clock: the run's window anchor plus the wall time since the run started. In
   * production the anchor is (about) the start, so this is the wall clock; against a simulator
   * world started at another instant it is the world's clock. Data-dependent decisions (the fee in
   * effect when a series was served) use it; bookkeeping and step budgets use the wall clock.
   */
  private sourceNow(): number {
    return this.run.plan_now_ms + Math.max(0, this.now() - this.run.started_at);
  }

  get seen(): { runId: string; pages: number; set: SeenSet } | null {
    return this.seenCache;
  }

  get written(): WrittenCache | null {
    return this.writtenCache;
  }

  /** The run's WrittenCache: incremental runs only (a full sync's listings hardly overlap). */
  private writtenRows(): Map<number, number> | null {
    if (this.run.mode !== "incremental") return null;
    if (!this.writtenCache || this.writtenCache.runId !== this.run.id)
      this.writtenCache = { runId: this.run.id, rows: new Map() };
    return this.writtenCache.rows;
  }

  async step(): Promise<StepResult> {
    this.budget = new Budget(this.limits.maxPages, this.now() + this.limits.maxMs, this.now);
    switch (this.run.phase) {
      case "listings":
        return this.listingsPhase();
      case "fixup":
        return this.fixupPhase();
      case "scan":
        return this.scanPhase();
      case "verify":
        return this.verifyPhase();
      case "finalize":
        return this.finalizePhase();
      case "done":
        return { next: "done" };
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Bookkeeping

  private note(error: string): void {
    const errors = this.run.progress.errors;
    if (errors.length < MAX_ERRORS) errors.push(error);
    else if (errors.length === MAX_ERRORS) errors.push("… further errors omitted");
  }

  private scope(...scopes: CacheScopeName[]): void {
    for (const s of scopes) if (!this.run.scopes.includes(s)) this.run.scopes.push(s);
  }

  private count(table: "markets" | "events" | "series" | "series_fees", written: number, changed: number): void {
    const p = this.run.progress;
    p.rows_written += written;
    p.rows_written_by_table![table] += written;
    p.rows_changed![table] += changed;
  }

  /** The run's drift counters (runs started by an older version have none yet). */
  private get drift() {
    return (this.run.progress.drift ??= emptyDrift());
  }

  private skipped(skipped: readonly SkippedItem[]): void {
    if (skipped.length > 0) noteSkipped(this.drift, skipped);
  }

  private setPhase(phase: RunRow["phase"]): void {
    this.run.phase = phase;
    this.run.phase_cursor = "";
    this.store.saveRun(this.run);
  }

  // ---------------------------------------------------------------------------------------------
  // Applying data to D1 (idempotent: a replayed page writes nothing)

  /** Upserts the items' rows; `dedupe`: leave out rows this run already wrote unchanged (WrittenCache). */
  private async applyMarkets(items: readonly Market[], dedupe = false): Promise<void> {
    if (items.length === 0) return;
    noteMarkets(this.drift, items);
    const now = this.now();
    let texts = items.map((m) => marketRowText(normalizeMarket(m)));
    const written = dedupe ? this.writtenRows() : null;
    const keys: number[] = [];
    const hashes: number[] = [];
    if (written) {
      const keep: string[] = [];
      for (let i = 0; i < texts.length; i++) {
        const key = hash53(items[i]!.ticker);
        const h = hash53(texts[i]!);
        if (written.get(key) === h) continue;
        keep.push(texts[i]!);
        keys.push(key);
        hashes.push(h);
      }
      this.run.progress.already_written = (this.run.progress.already_written ?? 0) + (texts.length - keep.length);
      texts = keep;
      if (texts.length === 0) return;
    }
    const r = await upsertMarketTexts(this.db, texts, now);
    if (written) {
      // Only after D1 acknowledged the rows: an upsert that failed leaves nothing to skip.
      for (let i = 0; i < keys.length; i++)
        if (written.size < WRITTEN_CACHE_MAX || written.has(keys[i]!)) written.set(keys[i]!, hashes[i]!);
    }
    this.count("markets", r.rows_written, r.changed.length);
    this.run.progress.undeleted += r.undeleted.length;
    if (r.changed.length > 0) {
      this.scope("markets");
      await this.deriveEvents(r.events, now);
    }
  }

  private async deriveEvents(eventTickers: readonly string[], now: number): Promise<void> {
    if (eventTickers.length === 0) return;
    const d = await deriveEventStatuses(this.db, eventTickers, now);
    this.count("events", d.rows_written, d.changed);
    if (d.changed > 0) this.scope("events");
  }

  private async applyEvents(items: readonly Event[]): Promise<void> {
    if (items.length === 0) return;
    noteEvents(this.drift, items);
    const now = this.now();
    const cats = await seriesCategories(
      this.db,
      items.map((e) => e.series_ticker),
    );
    const r = await upsertEvents(
      this.db,
      items.map((e) => normalizeEvent(e, cats.get(e.series_ticker))),
      now,
    );
    this.count("events", r.rows_written, r.changed.length);
    if (r.changed.length === 0) return;
    this.scope("events");
    const d = await denormalizeMarkets(this.db, r.changed, now);
    this.count("markets", d.rows_written, d.changed);
    if (d.changed > 0) this.scope("markets");
    await this.deriveEvents(r.changed, now);
  }

  private async applySeries(items: Parameters<typeof normalizeSeries>[0][]): Promise<void> {
    if (items.length === 0) return;
    noteSeries(this.drift, items);
    const r = await upsertSeries(this.db, items.map(normalizeSeries), this.now(), undefined, this.sourceNow());
    this.count("series", r.rows_written, r.changed.length);
    this.count("series_fees", r.fee_rows_written, r.fee_rows_written > 0 ? 1 : 0);
    if (r.changed.length > 0) this.scope("series");
    if (r.fee_rows_written > 0) this.scope("fees");
  }

  // ---------------------------------------------------------------------------------------------
  // Listings

  private async listingsPhase(): Promise<StepResult> {
    const all = this.store.listings(this.run.id);
    const pending = all.filter((l) => l.state === "pending");
    if (pending.length === 0) {
      this.run.progress.listings_done = all.length;
      this.setPhase("fixup");
      return { next: "more" };
    }
    // Stages: series and fee changes first (events take their series' category). Then events and
    // markets concurrently — except on a first load (D1 without events), where events go first: a
    // market written before its event is written a second time to denormalize series/category,
    // which on a first load would be nearly every market.
    const eventsFirst = this.run.options.eventsFirst === true;
    const stageOf = (l: ListingRow) =>
      l.listing.kind === "series" || l.listing.kind === "fee_changes"
        ? 0
        : l.listing.kind === "events" && eventsFirst
          ? 1
          : 2;
    const first = Math.min(...pending.map(stageOf));
    const stage = pending.filter((l) => stageOf(l) === first);
    const now = this.now();
    const queue = stage.filter((l) => l.retry_at <= now);
    if (queue.length === 0) return { next: "wait", at: Math.min(...stage.map((l) => l.retry_at)) };

    await mapLimit(
      queue,
      this.limits.lanes,
      (l) => this.runListing(l),
      () => this.budget.exhausted,
    );
    this.run.progress.listings_done = this.store.listings(this.run.id).filter((l) => l.state !== "pending").length;
    this.store.saveRun(this.run);
    return { next: "more" };
  }

  private listingFailed(l: ListingRow, e: unknown): void {
    l.attempts += 1;
    l.error = errorMessage(e);
    const giveUp = isPermanent(e) || l.attempts >= MAX_LISTING_ATTEMPTS;
    if (giveUp) l.state = "failed";
    else {
      const waits = this.run.options.listingRetryMs ?? LISTING_RETRY_MS;
      l.retry_at = this.now() + (waits[Math.min(l.attempts - 1, waits.length - 1)] ?? 0);
    }
    this.note(
      `${l.id}: ${giveUp ? "failed" : `attempt ${l.attempts} failed, will resume from its cursor`}: ${l.error}`,
    );
    this.store.commitPage(this.run, l, null);
  }

  private async runListing(l: ListingRow): Promise<void> {
    const listing = l.listing;
    try {
      if (listing.kind === "series" || listing.kind === "fee_changes") {
        if (!this.budget.take()) return;
        const page =
          listing.kind === "series"
            ? await this.client.listSeries()
            : await this.client.getSeriesFeeChanges({ show_historical: true });
        if (listing.kind === "series") await this.applySeries(page.items as Parameters<typeof normalizeSeries>[0][]);
        else {
          const r = await upsertFeeChanges(this.db, page.items as Parameters<typeof upsertFeeChanges>[1], this.now());
          this.count("series_fees", r.rows_written, r.changed_series.length);
          if (r.rows_written > 0) this.scope("fees");
        }
        this.finishPage(l, page, null, null);
        return;
      }
      await this.pageListing(l, listing);
    } catch (e) {
      this.listingFailed(l, e);
    }
  }

  private fetchPage(
    listing: Extract<Listing, { kind: "markets" | "events" }>,
    cursor: string | undefined,
  ): Promise<Page<Market> | Page<Event>> {
    const size = this.run.options.pageSize;
    if (listing.kind === "markets") {
      return this.client.getMarketsPage({
        ...listing.query,
        cursor,
        limit: Math.min(size ?? MAX_MARKETS_PAGE, MAX_MARKETS_PAGE),
      });
    }
    return this.client.getEventsPage({
      ...listing.query,
      cursor,
      limit: Math.min(size ?? MAX_EVENTS_PAGE, MAX_EVENTS_PAGE),
    });
  }

  /** Pages one cursor listing, prefetching page n+1 while page n is written. */
  private async pageListing(l: ListingRow, listing: Extract<Listing, { kind: "markets" | "events" }>): Promise<void> {
    if (!this.budget.take()) return;
    let next: Promise<Page<Market> | Page<Event>> | null = this.fetchPage(listing, l.cursor ?? undefined);
    try {
      while (next) {
        const page: Page<Market> | Page<Event> = await next;
        next = null;
        if (page.cursor !== null && page.cursor === l.cursor)
          throw new Error(`Kalshi returned cursor ${page.cursor} for itself`);
        if (page.cursor !== null && this.budget.take()) {
          next = this.fetchPage(listing, page.cursor);
          next.catch(() => {}); // awaited (and its error handled) on the next iteration
        }
        let blob: ArrayBuffer | null = null;
        if (listing.kind === "markets") {
          const items = page.items as Market[];
          await this.applyMarkets(items, true);
          blob = encodeSeen(items.map((m) => m.ticker));
        } else {
          await this.applyEvents(page.items as Event[]);
        }
        this.finishPage(l, page, page.cursor, blob);
      }
    } catch (e) {
      if (next) await next.catch(() => {});
      throw e;
    }
  }

  /** Counters + the durable commit for one applied page. */
  private finishPage(l: ListingRow, page: Page<unknown>, cursor: string | null, blob: ArrayBuffer | null): void {
    const p = this.run.progress;
    l.pages += 1;
    l.items += page.items.length;
    l.skipped += page.skipped.length;
    l.cursor = cursor;
    if (cursor === null) l.state = "done";
    p.pages += 1;
    p.items_seen += page.items.length;
    p.skipped_items += page.skipped.length;
    this.skipped(page.skipped);
    for (const s of page.skipped)
      this.note(`${l.id}: skipped malformed item ${s.ticker ?? `#${s.index}`}: ${s.issues}`);
    this.store.commitPage(this.run, l, blob);
  }

  // ---------------------------------------------------------------------------------------------
  // Fix-up: referenced but missing events and series

  private async fixupPhase(): Promise<StepResult> {
    const eventsListing = this.store.listings(this.run.id).find((l) => l.listing.kind === "events");
    if (eventsListing?.state === "failed") {
      // Without the events listing nearly every event would be "missing": fetching them one by one
      // would cost a request each. The next run repairs them.
      this.note("fixup: skipped because the events listing failed");
      this.finishFixup();
      return { next: "more" };
    }
    // True when this step has just found no missing event (nothing writes events in between).
    let noneMissing = false;
    if (this.run.phase_cursor !== MVE_DONE) {
      const r = await this.listMultivariateEvents();
      if (r === "more") return { next: "more" };
      noneMissing = r === "none-missing";
    }
    while (!this.budget.exhausted) {
      const events = noneMissing
        ? []
        : await missingEvents(this.db, FIXUP_BATCH, this.store.triedKeys(this.run.id, "e:"));
      noneMissing = false;
      const series = events.length
        ? []
        : await missingSeries(this.db, FIXUP_BATCH, this.store.triedKeys(this.run.id, "s:"));
      if (events.length === 0 && series.length === 0) {
        this.finishFixup();
        return { next: "more" };
      }
      await this.pool(events, (t) => this.fetchEvent(t));
      await this.pool(series, (t) => this.fetchSeries(t));
      this.store.saveRun(this.run);
    }
    return { next: "more" };
  }

  /**
   * Pages `GET /events/multivariate` from the committed cursor and writes the listed events that
   * live markets reference but D1 lacks (others are outside the window). "done" when done (listed to
   * the end, skipped as not worth it, or failed: the one-by-one fetches below cover what is still
   * missing), "none-missing" when nothing was missing to begin with; "more" when the step's budget
   * ran out first.
   */
  private async listMultivariateEvents(): Promise<"done" | "none-missing" | "more"> {
    const missing = new Set(await missingEvents(this.db, MVE_MISSING_MAX, this.store.triedKeys(this.run.id, "e:")));
    const done = (): "done" => {
      this.run.phase_cursor = MVE_DONE;
      this.store.saveRun(this.run);
      return "done";
    };
    const resuming = this.run.phase_cursor.startsWith(MVE_CURSOR);
    if (missing.size === 0) {
      done();
      return "none-missing";
    }
    // The threshold decides whether to start; a listing already under way goes on while anything is missing.
    if (missing.size < (resuming ? 1 : MVE_LISTING_MIN_MISSING)) return done();
    let cursor = resuming ? this.run.phase_cursor.slice(MVE_CURSOR.length) : undefined;
    const limit = Math.min(this.run.options.pageSize ?? MAX_EVENTS_PAGE, MAX_EVENTS_PAGE);
    try {
      while (this.budget.take()) {
        const page = await this.client.getMultivariateEventsPage({ cursor, limit });
        this.run.progress.pages += 1;
        this.skipped(page.skipped);
        for (const s of page.skipped)
          this.note(`fixup: multivariate events: skipped malformed item ${s.ticker ?? `#${s.index}`}: ${s.issues}`);
        const wanted = page.items.filter((e) => missing.has(e.event_ticker));
        if (wanted.length > 0) {
          // Series first, as for a single event: an event takes its series' category.
          const known = await seriesCategories(
            this.db,
            wanted.map((e) => e.series_ticker),
          );
          for (const t of new Set(wanted.map((e) => e.series_ticker))) if (!known.has(t)) await this.fetchSeries(t);
          await this.applyEvents(wanted);
        }
        if (page.cursor === null) return done();
        if (page.cursor === cursor) throw new Error(`Kalshi returned cursor ${page.cursor} for itself`);
        cursor = page.cursor;
        this.run.phase_cursor = MVE_CURSOR + cursor;
        this.store.saveRun(this.run);
      }
    } catch (e) {
      this.note(`fixup: multivariate events listing: ${errorMessage(e)}; fetching the missing events one by one`);
      return done();
    }
    return "more";
  }

  /** Runs `f` over `items` with `lanes` concurrent workers, none started once the budget is exhausted. */
  private pool<T>(items: readonly T[], f: (item: T) => Promise<void>): Promise<void> {
    return mapLimit(items, this.limits.lanes, f, () => this.budget.exhausted);
  }

  /** Soft deletes only after a complete window: every listing done and none with skipped items. */
  private finishFixup(): void {
    const blocked = this.store.listings(this.run.id).filter((l) => l.state === "failed" || l.skipped > 0);
    if (blocked.length > 0) {
      this.run.progress.soft_delete =
        "skipped: incomplete listings " +
        blocked.map((l) => `${l.id} (${l.state === "failed" ? "failed" : `${l.skipped} skipped items`})`).join(", ");
      this.setPhase("finalize");
    } else this.setPhase("scan");
  }

  private async fetchSeries(ticker: string): Promise<void> {
    if (!this.store.markTried(this.run.id, `s:${ticker}`)) return;
    this.budget.take();
    try {
      const s = await this.client.getSeries(ticker);
      this.run.progress.pages += 1;
      if (s) await this.applySeries([s]);
      else this.note(`fixup: series ${ticker} referenced by events is unknown to Kalshi`);
    } catch (e) {
      if (e instanceof KalshiMalformedItemError)
        this.skipped([{ ticker: e.ticker ?? ticker, index: 0, issues: e.issues, kind: "series" }]);
      this.note(`fixup: series ${ticker}: ${errorMessage(e)}`);
    }
  }

  private async fetchEvent(ticker: string): Promise<void> {
    if (!this.store.markTried(this.run.id, `e:${ticker}`)) return;
    this.budget.take();
    try {
      const r = await this.client.getEvent(ticker);
      this.run.progress.pages += 1;
      if (!r) {
        this.note(`fixup: event ${ticker} referenced by markets is unknown to Kalshi`);
        return;
      }
      this.skipped(r.skipped);
      const known = await seriesCategories(this.db, [r.event.series_ticker]);
      if (!known.has(r.event.series_ticker)) await this.fetchSeries(r.event.series_ticker);
      await this.applyEvents([r.event]);
    } catch (e) {
      if (e instanceof KalshiMalformedItemError)
        this.skipped([{ ticker: e.ticker ?? ticker, index: 0, issues: e.issues, kind: "event" }]);
      this.note(`fixup: event ${ticker}: ${errorMessage(e)}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reconcile: soft deletes

  private seenSet(): SeenSet {
    const pages = this.store.seenPageCount(this.run.id);
    if (!this.seenCache || this.seenCache.runId !== this.run.id || this.seenCache.pages !== pages) {
      this.seenCache = { runId: this.run.id, pages, set: new SeenSet(this.store.seenBlobs(this.run.id)) };
    }
    return this.seenCache.set;
  }

  /**
   * Reads the soft-delete candidates predicate by predicate from the covering index, keeps those no
   * listing returned, and checks only those against the exact predicate (live, status_raw). The
   * position (`phase_cursor`, JSON) is the predicate and the last index key read in it.
   */
  private async scanPhase(): Promise<StepResult> {
    const seen = this.seenSet();
    const preds = this.plan.mustContain;
    // A cursor that is not a position (empty, or a bare ticker saved by an older version mid-scan)
    // restarts the scan: re-reading candidates only re-adds the same suspects.
    const saved = this.run.phase_cursor;
    let pos: ScanPosition = saved.startsWith("{") ? (JSON.parse(saved) as ScanPosition) : { pred: 0, after: null };
    while (this.budget.take()) {
      const pred = preds[pos.pred];
      if (!pred) {
        this.setPhase("verify");
        return { next: "more" };
      }
      const chunk = this.run.options.scanChunk ?? SCAN_CHUNK;
      const keys = await scanCandidates(this.db, pred, pos.after, chunk);
      const unseen = keys.filter((k) => !seen.has(k.ticker)).map((k) => k.ticker);
      const suspects = unseen.length > 0 ? await liveMustContain(this.db, preds, unseen) : [];
      const next: ScanPosition =
        keys.length < chunk ? { pred: pos.pred + 1, after: null } : { pred: pos.pred, after: keys[keys.length - 1]! };
      this.store.tx(() => {
        this.store.addSuspects(this.run.id, suspects);
        this.run.phase_cursor = JSON.stringify(next);
        this.store.saveRun(this.run);
      });
      pos = next;
    }
    return { next: "more" };
  }

  private async verifyPhase(): Promise<StepResult> {
    while (this.budget.take()) {
      const batch = this.store.suspectsAfter(this.run.id, this.run.phase_cursor, VERIFY_BATCH);
      if (batch.length === 0) {
        const n = this.run.progress.verified ?? 0;
        this.run.progress.soft_delete = `done: ${n} unlisted market${n === 1 ? "" : "s"} verified, ${this.run.progress.soft_deleted} soft-deleted`;
        this.setPhase("finalize");
        return { next: "more" };
      }
      const returned = new Set<string>();
      const skipped = new Set<string>();
      try {
        let cursor: string | undefined;
        for (;;) {
          const page = await this.client.getMarketsPage({ tickers: batch, cursor, limit: MAX_MARKETS_PAGE });
          this.run.progress.pages += 1;
          await this.applyMarkets(page.items);
          for (const m of page.items) returned.add(m.ticker);
          this.skipped(page.skipped);
          for (const s of page.skipped) skipped.add(s.ticker ?? "");
          if (page.skipped.some((s) => s.ticker === null)) {
            // An unidentifiable malformed item could be any of them: delete none of this batch.
            for (const t of batch) skipped.add(t);
          }
          if (page.cursor === null || page.cursor === cursor) break;
          cursor = page.cursor;
        }
      } catch (e) {
        this.note(`verify: ${errorMessage(e)}`);
        this.run.progress.soft_delete = `aborted during verification: ${errorMessage(e)}`;
        this.run.error = `soft-delete verification failed: ${errorMessage(e)}`;
        this.setPhase("finalize");
        return { next: "more" };
      }
      const gone = batch.filter((t) => !returned.has(t) && !skipped.has(t));
      const now = this.now();
      const del = await softDeleteMarkets(this.db, gone, now);
      this.count("markets", del.rows_written, del.deleted.length);
      if (del.deleted.length > 0) {
        this.scope("markets");
        await this.deriveEvents([...new Set(del.deleted.map((d) => d.event_ticker))], now);
      }
      this.run.progress.soft_deleted += del.deleted.length;
      this.run.progress.verified = (this.run.progress.verified ?? 0) + batch.length;
      this.run.phase_cursor = batch[batch.length - 1]!;
      this.store.saveRun(this.run);
    }
    return { next: "more" };
  }

  // ---------------------------------------------------------------------------------------------

  private finalizePhase(): StepResult {
    const listings = this.store.listings(this.run.id);
    const failed = listings.filter((l) => l.state === "failed");
    this.run.progress.listings_done = listings.filter((l) => l.state !== "pending").length;
    if (failed.length > 0) {
      this.run.status = "failed";
      this.run.error = `listings failed: ${failed.map((l) => `${l.id} (${l.error})`).join("; ")}`;
    } else if (this.run.error) {
      this.run.status = "failed";
    } else {
      this.run.status = "succeeded";
    }
    this.run.finished_at = this.now();
    // The run's drift joins the totals in the same synchronous stretch as the run's last save.
    this.store.finishDrift(this.run);
    this.store.clearScratch(this.run.id);
    this.setPhase("done");
    return { next: "done" };
  }
}

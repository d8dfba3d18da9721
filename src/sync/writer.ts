/**
 * The sync's writer: wire items of one page → normalized rows → the changed-rows-only upserts of
 * src/db/upsert-*.ts, with what follows a change (markets take their event's series and category,
 * events their status from their markets), the run's counters, drift and touched cache scopes.
 * Idempotent: a replayed page writes nothing. The normalizers (bound to the tables' shapes) are
 * handed in by the runner.
 */
import { seriesCategories } from "../db/references";
import { deriveEventStatuses, upsertEvents } from "../db/upsert-events";
import { upsertFeeChanges } from "../db/upsert-fees";
import { denormalizeMarkets, marketRowText, upsertMarketTexts } from "../db/upsert-markets";
import { upsertSeries } from "../db/upsert-series";
import type { KalshiEvent, KalshiMarket, KalshiSeries } from "../kalshi/wire/rest";
import { noteEvents, noteMarkets, noteSeries } from "./drift";
import { hash53 } from "./seen";
import type { StepContext } from "./step-context";

export interface Normalizers {
  market(m: KalshiMarket): Parameters<typeof marketRowText>[0];
  event(e: KalshiEvent, seriesCategory: string | undefined): Parameters<typeof upsertEvents>[1][number];
  series(s: KalshiSeries): Parameters<typeof upsertSeries>[1][number];
}

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
/** Pending events repaired per D1 round (see SyncWriter.repairPending). */
const PENDING_BATCH = 1000;
/** Entries per run at most (~40–60 bytes each in V8): beyond it, rows are simply written again. */
const WRITTEN_CACHE_MAX = 300_000;

export class SyncWriter {
  constructor(
    private readonly ctx: StepContext,
    private readonly normalize: Normalizers,
    /** Rows written by this run (incremental only; see WrittenCache). */
    private writtenCache: WrittenCache | null,
  ) {}

  get written(): WrittenCache | null {
    return this.writtenCache;
  }

  /** The run's WrittenCache: incremental runs only (a full sync's listings hardly overlap). */
  private writtenRows(): Map<number, number> | null {
    const run = this.ctx.run;
    if (run.mode !== "incremental") return null;
    if (!this.writtenCache || this.writtenCache.runId !== run.id)
      this.writtenCache = { runId: run.id, rows: new Map() };
    return this.writtenCache.rows;
  }

  /** Upserts the items' rows; `dedupe`: leave out rows this run already wrote unchanged (WrittenCache). */
  async markets(items: readonly KalshiMarket[], dedupe = false): Promise<void> {
    if (items.length === 0) return;
    const ctx = this.ctx;
    noteMarkets(ctx.drift, items);
    const now = ctx.now();
    let texts = items.map((m) => marketRowText(this.normalize.market(m)));
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
      ctx.run.progress.already_written = (ctx.run.progress.already_written ?? 0) + (texts.length - keep.length);
      texts = keep;
      if (texts.length === 0) return;
    }
    const r = await ctx.d1("upsert markets", (db) => upsertMarketTexts(db, texts, now));
    if (written) {
      // Only after D1 acknowledged the rows: an upsert that failed leaves nothing to skip.
      for (let i = 0; i < keys.length; i++)
        if (written.size < WRITTEN_CACHE_MAX || written.has(keys[i]!)) written.set(keys[i]!, hashes[i]!);
    }
    ctx.count("markets", r.rows_written, r.changed.length);
    ctx.run.progress.undeleted += r.undeleted.length;
    if (r.changed.length > 0) {
      ctx.scope("markets");
      await this.deriveEvents(r.events, now);
    }
  }

  /**
   * Re-derives the status of these events from their markets. The events are noted as pending in
   * the coordinator's storage until it is done: the market write that asked for it is already in
   * D1, and a replay of its page would find nothing changed and not ask again — so a failure (or a
   * crash) here leaves them for `repairPending`, at the next step of this run or the next run.
   */
  async deriveEvents(eventTickers: readonly string[], now: number): Promise<void> {
    if (eventTickers.length === 0) return;
    const store = this.ctx.store;
    const token = store.notePendingEvents(eventTickers);
    const d = await this.ctx.d1("derive event statuses", (db) => deriveEventStatuses(db, eventTickers, now));
    store.clearPendingEvents(token);
    this.ctx.count("events", d.rows_written, d.changed);
    if (d.changed > 0) this.ctx.scope("events");
  }

  /**
   * Finishes what earlier writes left undone (`deriveEvents`, `events`): their markets'
   * series/category copied again and their status derived. Called before each step's work.
   */
  async repairPending(): Promise<void> {
    const ctx = this.ctx;
    for (;;) {
      const pending = ctx.store.pendingEvents(PENDING_BATCH);
      if (!pending) return;
      const now = ctx.now();
      const d = await ctx.d1("denormalize markets", (db) => denormalizeMarkets(db, pending.events, now));
      ctx.count("markets", d.rows_written, d.changed);
      if (d.changed > 0) ctx.scope("markets");
      await this.deriveEvents(pending.events, now);
      ctx.store.clearPendingEventsUpTo(pending.events, pending.upTo);
      ctx.run.progress.repaired_events = (ctx.run.progress.repaired_events ?? 0) + pending.events.length;
    }
  }

  async events(items: readonly KalshiEvent[]): Promise<void> {
    if (items.length === 0) return;
    const ctx = this.ctx;
    noteEvents(ctx.drift, items);
    const now = ctx.now();
    const cats = await ctx.d1("read series categories", (db) =>
      seriesCategories(
        db,
        items.map((e) => e.series_ticker),
      ),
    );
    const r = await ctx.d1("upsert events", (db) =>
      upsertEvents(
        db,
        items.map((e) => this.normalize.event(e, cats.get(e.series_ticker))),
        now,
      ),
    );
    ctx.count("events", r.rows_written, r.changed.length);
    if (r.changed.length === 0) return;
    ctx.scope("events");
    // Pending until their markets have the events' series/category (see deriveEvents).
    const token = ctx.store.notePendingEvents(r.changed);
    const d = await ctx.d1("denormalize markets", (db) => denormalizeMarkets(db, r.changed, now));
    ctx.count("markets", d.rows_written, d.changed);
    if (d.changed > 0) ctx.scope("markets");
    await this.deriveEvents(r.changed, now);
    ctx.store.clearPendingEvents(token);
  }

  async series(items: readonly KalshiSeries[]): Promise<void> {
    if (items.length === 0) return;
    const ctx = this.ctx;
    noteSeries(ctx.drift, items);
    const r = await ctx.d1("upsert series", (db) =>
      upsertSeries(
        db,
        items.map((s) => this.normalize.series(s)),
        ctx.now(),
        undefined,
        ctx.sourceNow(),
      ),
    );
    ctx.count("series", r.rows_written, r.changed.length);
    ctx.count("series_fees", r.fee_rows_written, r.fee_rows_written > 0 ? 1 : 0);
    if (r.changed.length > 0) ctx.scope("series");
    if (r.fee_rows_written > 0) ctx.scope("fees");
  }

  async feeChanges(items: Parameters<typeof upsertFeeChanges>[1]): Promise<void> {
    const ctx = this.ctx;
    const r = await ctx.d1("upsert fee changes", (db) => upsertFeeChanges(db, items, ctx.now()));
    ctx.count("series_fees", r.rows_written, r.changed_series.length);
    if (r.rows_written > 0) ctx.scope("fees");
  }
}

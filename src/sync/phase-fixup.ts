/**
 * Sync phase `fixup`: events referenced by markets but absent from D1 (multivariate events, events
 * created after the events listing) and series referenced by events — first the multivariate
 * events listing (when many are missing), then whatever is still missing one by one. It ends by
 * choosing the next phase: the reconcile scan after a complete window, else finalize.
 */
import { missingEvents, missingSeries, seriesCategories } from "../db/references";
import { KalshiMalformedItemError, MAX_EVENTS_PAGE } from "../kalshi/client";
import { errorMessage } from "../lib/errors";
import type { StepContext, StepResult } from "./step-context";
import type { SyncWriter } from "./writer";

/** Missing events/series looked up per D1 query (each query scans the markets/events table). */
const FIXUP_BATCH = 200;
/**
 * Fix-up lists `GET /events/multivariate` (which `GET /events` leaves out) when at least this many
 * events are missing: ~5 requests of 200 events at 200k markets instead of ~870 single GETs on a
 * first load. Below it, fetching them one by one is cheaper than the listing.
 */
const MVE_LISTING_MIN_MISSING = 10;
/** Upper bound on the missing event tickers loaded to filter the multivariate listing. */
const MVE_MISSING_MAX = 100_000;
/** `phase_cursor` of the fix-up phase: `mve:<cursor>` while listing, MVE_DONE afterwards. */
const MVE_CURSOR = "mve:";
const MVE_DONE = "mve-done";

export async function fixupPhase(ctx: StepContext, writer: SyncWriter): Promise<StepResult> {
  const eventsListing = ctx.store.listings(ctx.run.id).find((l) => l.listing.kind === "events");
  if (eventsListing?.state === "failed") {
    // Without the events listing nearly every event would be "missing": fetching them one by one
    // would cost a request each. The next run repairs them.
    ctx.note("fixup: skipped because the events listing failed");
    finishFixup(ctx);
    return { next: "more" };
  }
  const fetcher = new MissingFetcher(ctx, writer);
  // True when this step has just found no missing event (nothing writes events in between).
  let noneMissing = false;
  if (ctx.run.phase_cursor !== MVE_DONE) {
    const r = await fetcher.listMultivariateEvents();
    if (r === "more") return { next: "more" };
    noneMissing = r === "none-missing";
  }
  while (!ctx.budget.exhausted) {
    const events = noneMissing
      ? []
      : await ctx.d1("find missing events", (db) =>
          missingEvents(db, FIXUP_BATCH, ctx.store.triedKeys(ctx.run.id, "e:")),
        );
    noneMissing = false;
    const series = events.length
      ? []
      : await ctx.d1("find missing series", (db) =>
          missingSeries(db, FIXUP_BATCH, ctx.store.triedKeys(ctx.run.id, "s:")),
        );
    if (events.length === 0 && series.length === 0) {
      finishFixup(ctx);
      return { next: "more" };
    }
    await ctx.pool(events, (t) => fetcher.event(t));
    await ctx.pool(series, (t) => fetcher.series(t));
    ctx.store.saveRun(ctx.run);
  }
  return { next: "more" };
}

/** Soft deletes only after a complete window: every listing done and none with skipped items. */
function finishFixup(ctx: StepContext): void {
  const blocked = ctx.store.listings(ctx.run.id).filter((l) => l.state === "failed" || l.skipped > 0);
  if (blocked.length > 0) {
    ctx.run.progress.soft_delete =
      "skipped: incomplete listings " +
      blocked.map((l) => `${l.id} (${l.state === "failed" ? "failed" : `${l.skipped} skipped items`})`).join(", ");
    ctx.setPhase("finalize");
  } else ctx.setPhase("scan");
}

/** Fetches what is missing: each event and series at most once per run (`markTried`). */
class MissingFetcher {
  constructor(
    private readonly ctx: StepContext,
    private readonly writer: SyncWriter,
  ) {}

  /**
   * Pages `GET /events/multivariate` from the committed cursor and writes the listed events that
   * live markets reference but D1 lacks (others are outside the window). "done" when done (listed to
   * the end, skipped as not worth it, or failed: the one-by-one fetches cover what is still
   * missing), "none-missing" when nothing was missing to begin with; "more" when the step's budget
   * ran out first.
   */
  async listMultivariateEvents(): Promise<"done" | "none-missing" | "more"> {
    const ctx = this.ctx;
    const run = ctx.run;
    const missing = new Set(
      await ctx.d1("find missing events", (db) =>
        missingEvents(db, MVE_MISSING_MAX, ctx.store.triedKeys(run.id, "e:")),
      ),
    );
    const done = (): "done" => {
      run.phase_cursor = MVE_DONE;
      ctx.store.saveRun(run);
      return "done";
    };
    const resuming = run.phase_cursor.startsWith(MVE_CURSOR);
    if (missing.size === 0) {
      done();
      return "none-missing";
    }
    // The threshold decides whether to start; a listing already under way goes on while anything is missing.
    if (missing.size < (resuming ? 1 : MVE_LISTING_MIN_MISSING)) return done();
    let cursor = resuming ? run.phase_cursor.slice(MVE_CURSOR.length) : undefined;
    const limit = Math.min(run.options.pageSize ?? MAX_EVENTS_PAGE, MAX_EVENTS_PAGE);
    try {
      while (ctx.budget.take()) {
        const page = await ctx.client.getMultivariateEventsPage({ cursor, limit });
        run.progress.pages += 1;
        ctx.skipped(page.skipped);
        for (const s of page.skipped)
          ctx.note(`fixup: multivariate events: skipped malformed item ${s.ticker ?? `#${s.index}`}: ${s.issues}`);
        const wanted = page.items.filter((e) => missing.has(e.event_ticker));
        if (wanted.length > 0) {
          // Series first, as for a single event: an event takes its series' category.
          const known = await ctx.d1("read series categories", (db) =>
            seriesCategories(
              db,
              wanted.map((e) => e.series_ticker),
            ),
          );
          for (const t of new Set(wanted.map((e) => e.series_ticker))) if (!known.has(t)) await this.series(t);
          await this.writer.events(wanted);
        }
        if (page.cursor === null) return done();
        if (page.cursor === cursor) throw new Error(`Kalshi returned cursor ${page.cursor} for itself`);
        cursor = page.cursor;
        run.phase_cursor = MVE_CURSOR + cursor;
        ctx.store.saveRun(run);
      }
    } catch (e) {
      ctx.note(`fixup: multivariate events listing: ${errorMessage(e)}; fetching the missing events one by one`);
      return done();
    }
    return "more";
  }

  async series(ticker: string): Promise<void> {
    const ctx = this.ctx;
    if (!ctx.store.markTried(ctx.run.id, `s:${ticker}`)) return;
    ctx.budget.take();
    try {
      const s = await ctx.client.getSeries(ticker);
      ctx.run.progress.pages += 1;
      if (s) await this.writer.series([s]);
      else ctx.note(`fixup: series ${ticker} referenced by events is unknown to Kalshi`);
    } catch (e) {
      if (e instanceof KalshiMalformedItemError)
        ctx.skipped([{ ticker: e.ticker ?? ticker, index: 0, issues: e.issues, kind: "series" }]);
      ctx.note(`fixup: series ${ticker}: ${errorMessage(e)}`);
    }
  }

  async event(ticker: string): Promise<void> {
    const ctx = this.ctx;
    if (!ctx.store.markTried(ctx.run.id, `e:${ticker}`)) return;
    ctx.budget.take();
    try {
      const r = await ctx.client.getEvent(ticker);
      ctx.run.progress.pages += 1;
      if (!r) {
        ctx.note(`fixup: event ${ticker} referenced by markets is unknown to Kalshi`);
        return;
      }
      ctx.skipped(r.skipped);
      const known = await ctx.d1("read series categories", (db) => seriesCategories(db, [r.event.series_ticker]));
      if (!known.has(r.event.series_ticker)) await this.series(r.event.series_ticker);
      await this.writer.events([r.event]);
    } catch (e) {
      if (e instanceof KalshiMalformedItemError)
        ctx.skipped([{ ticker: e.ticker ?? ticker, index: 0, issues: e.issues, kind: "event" }]);
      ctx.note(`fixup: event ${ticker}: ${errorMessage(e)}`);
    }
  }
}

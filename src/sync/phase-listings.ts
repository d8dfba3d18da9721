/**
 * Sync phase `listings`: every listing of the plan — series and fee changes first, then the rest
 * concurrently in `lanes`, each lane prefetching its next page while the current one is written —
 * committing the cursor after every page; a failed listing is retried from its committed cursor.
 */
import {
  KalshiHttpError,
  KalshiQueryError,
  MAX_EVENTS_PAGE,
  MAX_MARKETS_PAGE,
  type KalshiPage,
} from "../kalshi/client";
import type { KalshiEvent, KalshiMarket } from "../kalshi/wire/rest";
import { RETRY_POLICIES } from "../lib/backoff";
import { errorMessage } from "../lib/errors";
import type { Listing } from "./plan";
import { encodeSeen } from "./seen";
import type { StepContext, StepResult } from "./step-context";
import type { ListingRow } from "./store";
import type { SyncWriter } from "./writer";

const MAX_LISTING_ATTEMPTS = RETRY_POLICIES.syncListingMaxAttempts;
/** Backoff before a failed listing is tried again from its committed cursor (attempt 1, 2, …). */
const LISTING_RETRY_MS = RETRY_POLICIES.syncListingRetryMs;

type CursorListing = Extract<Listing, { kind: "markets" | "events" }>;

/** A failure retrying cannot fix (a 4xx other than 429, a query Kalshi would refuse). */
function isPermanent(e: unknown): boolean {
  if (e instanceof KalshiQueryError) return true;
  return e instanceof KalshiHttpError && e.status !== null && e.status >= 400 && e.status < 500 && e.status !== 429;
}

export async function listingsPhase(ctx: StepContext, writer: SyncWriter): Promise<StepResult> {
  const all = ctx.store.listings(ctx.run.id);
  const pending = all.filter((l) => l.state === "pending");
  if (pending.length === 0) {
    ctx.run.progress.listings_done = all.length;
    ctx.setPhase("fixup");
    return { next: "more" };
  }
  // Stages: series and fee changes first (events take their series' category). Then events and
  // markets concurrently — except on a first load (D1 without events), where events go first: a
  // market written before its event is written a second time to denormalize series/category,
  // which on a first load would be nearly every market.
  const eventsFirst = ctx.run.options.eventsFirst === true;
  const stageOf = (l: ListingRow) =>
    l.listing.kind === "series" || l.listing.kind === "fee_changes"
      ? 0
      : l.listing.kind === "events" && eventsFirst
        ? 1
        : 2;
  const first = Math.min(...pending.map(stageOf));
  const stage = pending.filter((l) => stageOf(l) === first);
  const now = ctx.now();
  const queue = stage.filter((l) => l.retry_at <= now);
  if (queue.length === 0) return { next: "wait", at: Math.min(...stage.map((l) => l.retry_at)) };

  await ctx.pool(queue, (l) => runListing(ctx, writer, l));
  ctx.run.progress.listings_done = ctx.store.listings(ctx.run.id).filter((l) => l.state !== "pending").length;
  ctx.store.saveRun(ctx.run);
  return { next: "more" };
}

function listingFailed(ctx: StepContext, l: ListingRow, e: unknown): void {
  l.attempts += 1;
  l.error = errorMessage(e);
  const giveUp = isPermanent(e) || l.attempts >= MAX_LISTING_ATTEMPTS;
  if (giveUp) l.state = "failed";
  else {
    const waits = ctx.run.options.listingRetryMs ?? LISTING_RETRY_MS;
    l.retry_at = ctx.now() + (waits[Math.min(l.attempts - 1, waits.length - 1)] ?? 0);
  }
  ctx.note(`${l.id}: ${giveUp ? "failed" : `attempt ${l.attempts} failed, will resume from its cursor`}: ${l.error}`);
  ctx.store.commitPage(ctx.run, l, null);
}

async function runListing(ctx: StepContext, writer: SyncWriter, l: ListingRow): Promise<void> {
  const listing = l.listing;
  try {
    if (listing.kind === "series" || listing.kind === "fee_changes") {
      if (!ctx.budget.take()) return;
      if (listing.kind === "series") {
        const page = await ctx.client.listSeries();
        await writer.series(page.items);
        finishPage(ctx, l, page, null, null);
      } else {
        const page = await ctx.client.getSeriesFeeChanges({ show_historical: true });
        await writer.feeChanges(page.items);
        finishPage(ctx, l, page, null, null);
      }
      return;
    }
    await pageListing(ctx, writer, l, listing);
  } catch (e) {
    listingFailed(ctx, l, e);
  }
}

function fetchPage(
  ctx: StepContext,
  listing: CursorListing,
  cursor: string | undefined,
): Promise<KalshiPage<KalshiMarket> | KalshiPage<KalshiEvent>> {
  const size = ctx.run.options.pageSize;
  if (listing.kind === "markets") {
    return ctx.client.getMarketsPage({
      ...listing.query,
      cursor,
      limit: Math.min(size ?? MAX_MARKETS_PAGE, MAX_MARKETS_PAGE),
    });
  }
  return ctx.client.getEventsPage({
    ...listing.query,
    cursor,
    limit: Math.min(size ?? MAX_EVENTS_PAGE, MAX_EVENTS_PAGE),
  });
}

/** Pages one cursor listing, prefetching page n+1 while page n is written. */
async function pageListing(ctx: StepContext, writer: SyncWriter, l: ListingRow, listing: CursorListing): Promise<void> {
  if (!ctx.budget.take()) return;
  let next: Promise<KalshiPage<KalshiMarket> | KalshiPage<KalshiEvent>> | null = fetchPage(
    ctx,
    listing,
    l.cursor ?? undefined,
  );
  try {
    while (next) {
      const page: KalshiPage<KalshiMarket> | KalshiPage<KalshiEvent> = await next;
      next = null;
      if (page.cursor !== null && page.cursor === l.cursor)
        throw new Error(`Kalshi returned cursor ${page.cursor} for itself`);
      if (page.cursor !== null && ctx.budget.take()) {
        next = fetchPage(ctx, listing, page.cursor);
        next.catch(() => {}); // awaited (and its error handled) on the next iteration
      }
      let blob: ArrayBuffer | null = null;
      if (listing.kind === "markets") {
        const items = page.items as KalshiMarket[];
        await writer.markets(items, true);
        blob = encodeSeen(items.map((m) => m.ticker));
      } else {
        await writer.events(page.items as KalshiEvent[]);
      }
      finishPage(ctx, l, page, page.cursor, blob);
    }
  } catch (e) {
    if (next) await next.catch(() => {});
    throw e;
  }
}

/** Counters + the durable commit for one applied page. */
function finishPage(
  ctx: StepContext,
  l: ListingRow,
  page: KalshiPage<unknown>,
  cursor: string | null,
  blob: ArrayBuffer | null,
): void {
  const p = ctx.run.progress;
  l.pages += 1;
  l.items += page.items.length;
  l.skipped += page.skipped.length;
  l.cursor = cursor;
  if (cursor === null) l.state = "done";
  p.pages += 1;
  p.items_seen += page.items.length;
  p.skipped_items += page.skipped.length;
  ctx.skipped(page.skipped);
  for (const s of page.skipped) ctx.note(`${l.id}: skipped malformed item ${s.ticker ?? `#${s.index}`}: ${s.issues}`);
  ctx.store.commitPage(ctx.run, l, blob);
}

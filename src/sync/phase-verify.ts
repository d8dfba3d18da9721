/**
 * Sync phase `verify`: the scan's suspects checked with `GET /markets?tickers=` — returned → written
 * like any listed market, absent → soft-deleted (their events' status derived again). A malformed
 * item that cannot be told apart keeps its whole batch; a failed request aborts the soft deletes.
 */
import { softDeleteMarkets } from "../db/softdelete";
import { MAX_MARKETS_PAGE } from "../kalshi/client";
import { errorMessage } from "../lib/errors";
import type { StepContext, StepResult } from "./step-context";
import type { SyncWriter } from "./writer";

/** Suspects verified per request. */
const VERIFY_BATCH = 100;

export async function verifyPhase(ctx: StepContext, writer: SyncWriter): Promise<StepResult> {
  const run = ctx.run;
  while (ctx.budget.take()) {
    const batch = ctx.store.suspectsAfter(run.id, run.phase_cursor, VERIFY_BATCH);
    if (batch.length === 0) {
      const n = run.progress.verified ?? 0;
      run.progress.soft_delete = `done: ${n} unlisted market${n === 1 ? "" : "s"} verified, ${run.progress.soft_deleted} soft-deleted`;
      ctx.setPhase("finalize");
      return { next: "more" };
    }
    const returned = new Set<string>();
    const skipped = new Set<string>();
    try {
      let cursor: string | undefined;
      for (;;) {
        const page = await ctx.client.getMarketsPage({ tickers: batch, cursor, limit: MAX_MARKETS_PAGE });
        run.progress.pages += 1;
        await writer.markets(page.items);
        for (const m of page.items) returned.add(m.ticker);
        ctx.skipped(page.skipped);
        for (const s of page.skipped) skipped.add(s.ticker ?? "");
        if (page.skipped.some((s) => s.ticker === null)) {
          // An unidentifiable malformed item could be any of them: delete none of this batch.
          for (const t of batch) skipped.add(t);
        }
        if (page.cursor === null || page.cursor === cursor) break;
        cursor = page.cursor;
      }
    } catch (e) {
      ctx.note(`verify: ${errorMessage(e)}`);
      run.progress.soft_delete = `aborted during verification: ${errorMessage(e)}`;
      run.error = `soft-delete verification failed: ${errorMessage(e)}`;
      ctx.setPhase("finalize");
      return { next: "more" };
    }
    const gone = batch.filter((t) => !returned.has(t) && !skipped.has(t));
    const now = ctx.now();
    const del = await ctx.d1("soft-delete markets", (db) => softDeleteMarkets(db, gone, now));
    ctx.count("markets", del.rows_written, del.deleted.length);
    // Counted before the follow-up write: should it fail, the retried batch finds them deleted already.
    run.progress.soft_deleted += del.deleted.length;
    if (del.deleted.length > 0) {
      ctx.scope("markets");
      await writer.deriveEvents([...new Set(del.deleted.map((d) => d.event_ticker))], now);
    }
    run.progress.verified = (run.progress.verified ?? 0) + batch.length;
    run.phase_cursor = batch[batch.length - 1]!;
    ctx.store.saveRun(run);
  }
  return { next: "more" };
}

/**
 * One bounded step of a sync run (called from the coordinator's alarm). A step pages until its
 * budget (pages fetched, wall time) is used, committing after every page, then returns what the
 * coordinator should do next. Phases, one module each, each resumable from its committed position:
 *
 *   listings  every listing of the plan (./phase-listings.ts)
 *   fixup     events and series referenced but missing from D1 (./phase-fixup.ts)
 *   scan      stored live markets the window must contain that no listing returned → suspects (./phase-scan.ts)
 *   verify    suspects checked by ticker: returned → upserted, absent → soft-deleted (./phase-verify.ts)
 *   finalize  outcome, counters; the coordinator then bumps cache generations (./phase-finalize.ts)
 *
 * What they share is ./step-context.ts (run, budget, bookkeeping) and the writer (./writer.ts).
 */
import { normalizeEvent, normalizeMarket, normalizeSeries } from "./normalizers";
import { finalizePhase } from "./phase-finalize";
import { fixupPhase } from "./phase-fixup";
import { listingsPhase } from "./phase-listings";
import { scanPhase } from "./phase-scan";
import { verifyPhase } from "./phase-verify";
import { buildPlan, type SyncPlan } from "./plan";
import { SeenSet } from "./seen";
import { type RunnerDeps, StepContext, type StepLimits, type StepResult } from "./step-context";
import type { RunRow } from "./store";
import { type Normalizers, SyncWriter, type WrittenCache } from "./writer";

const NORMALIZERS: Normalizers = { market: normalizeMarket, event: normalizeEvent, series: normalizeSeries };

export class SyncRunner {
  private readonly plan: SyncPlan;

  constructor(
    private readonly run: RunRow,
    private readonly deps: RunnerDeps,
    private readonly limits: StepLimits,
    /** Seen set cached across steps of the same run (rebuilt from storage after an eviction). */
    private seenCache: { runId: string; pages: number; set: SeenSet } | null = null,
    /** Rows written by this run (incremental only; see WrittenCache). */
    private writtenCache: WrittenCache | null = null,
  ) {
    this.plan = buildPlan(run.mode, run.plan_now_ms, { shards: run.options.shards });
  }

  get seen(): { runId: string; pages: number; set: SeenSet } | null {
    return this.seenCache;
  }

  get written(): WrittenCache | null {
    return this.writtenCache;
  }

  async step(): Promise<StepResult> {
    const ctx = new StepContext(this.run, this.plan, this.deps, this.limits);
    const writer = new SyncWriter(ctx, NORMALIZERS, this.writtenCache);
    try {
      // What an earlier failed write left undone is finished first (this run's or an earlier one's).
      if (this.run.phase !== "done") await writer.repairPending();
      switch (this.run.phase) {
        case "listings":
          return await listingsPhase(ctx, writer);
        case "fixup":
          return await fixupPhase(ctx, writer);
        case "scan":
          return await scanPhase(ctx, this.seenSet());
        case "verify":
          return await verifyPhase(ctx, writer);
        case "finalize":
          return finalizePhase(ctx);
        case "done":
          return { next: "done" };
      }
    } finally {
      this.writtenCache = writer.written;
    }
  }

  /** The run's seen set: rebuilt from the committed pages when this runner's copy is of another run or older. */
  private seenSet(): SeenSet {
    const store = this.deps.store;
    const pages = store.seenPageCount(this.run.id);
    if (!this.seenCache || this.seenCache.runId !== this.run.id || this.seenCache.pages !== pages) {
      this.seenCache = { runId: this.run.id, pages, set: new SeenSet(store.seenBlobs(this.run.id)) };
    }
    return this.seenCache.set;
  }
}

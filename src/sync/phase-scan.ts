/**
 * Sync phase `scan` (only after a complete window: every listing done, no skipped item): reads the
 * soft-delete candidates predicate by predicate from the covering index, keeps those no listing
 * returned (the run's seen set), and checks only those against the exact predicate (live,
 * status_raw) → suspects for `verify`. The position (`phase_cursor`, JSON) is the predicate and the
 * last index key read in it.
 */
import { type CandidateKey, liveMustContain, scanCandidates } from "../db/softdelete";
import type { SeenSet } from "./seen";
import type { StepContext, StepResult } from "./step-context";

/** Stored candidates read from D1 per scan query (index entries). */
const SCAN_CHUNK = 50_000;

/** Reconcile scan position: index into the plan's `mustContain` and the last key read in it. */
interface ScanPosition {
  pred: number;
  after: CandidateKey | null;
}

export async function scanPhase(ctx: StepContext, seen: SeenSet): Promise<StepResult> {
  const run = ctx.run;
  const preds = ctx.plan.mustContain;
  // A cursor that is not a position (empty, or a bare ticker saved by an older version mid-scan)
  // restarts the scan: re-reading candidates only re-adds the same suspects.
  const saved = run.phase_cursor;
  let pos: ScanPosition = saved.startsWith("{") ? (JSON.parse(saved) as ScanPosition) : { pred: 0, after: null };
  while (ctx.budget.take()) {
    const pred = preds[pos.pred];
    if (!pred) {
      ctx.setPhase("verify");
      return { next: "more" };
    }
    const chunk = run.options.scanChunk ?? SCAN_CHUNK;
    const keys = await ctx.d1("scan soft-delete candidates", (db) => scanCandidates(db, pred, pos.after, chunk));
    const unseen = keys.filter((k) => !seen.has(k.ticker)).map((k) => k.ticker);
    const suspects =
      unseen.length > 0 ? await ctx.d1("check soft-delete candidates", (db) => liveMustContain(db, preds, unseen)) : [];
    const next: ScanPosition =
      keys.length < chunk ? { pred: pos.pred + 1, after: null } : { pred: pos.pred, after: keys[keys.length - 1]! };
    ctx.store.tx(() => {
      ctx.store.addSuspects(run.id, suspects);
      run.phase_cursor = JSON.stringify(next);
      ctx.store.saveRun(run);
    });
    pos = next;
  }
  return { next: "more" };
}

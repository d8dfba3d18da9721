/**
 * Sync phase `finalize`: the run's outcome (failed when a listing failed or the verification
 * aborted) and its drift joined to the totals; the coordinator then bumps the cache generations
 * of the scopes the run touched.
 */
import type { StepContext, StepResult } from "./step-context";

export function finalizePhase(ctx: StepContext): StepResult {
  const run = ctx.run;
  const listings = ctx.store.listings(run.id);
  const failed = listings.filter((l) => l.state === "failed");
  run.progress.listings_done = listings.filter((l) => l.state !== "pending").length;
  if (failed.length > 0) {
    run.status = "failed";
    run.error = `listings failed: ${failed.map((l) => `${l.id} (${l.error})`).join("; ")}`;
  } else if (run.error) {
    run.status = "failed";
  } else {
    run.status = "succeeded";
  }
  run.finished_at = ctx.now();
  // The run's drift joins the totals in the same synchronous stretch as the run's last save.
  ctx.store.finishDrift(run);
  ctx.store.clearScratch(run.id);
  ctx.setPhase("done");
  return { next: "done" };
}

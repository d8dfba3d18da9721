/** Cron Trigger dispatch: cronAction() decides, the Durable Objects do the work. */
import { cronAction } from "./cron";
import { log } from "./lib/log";

export async function runScheduled(cron: string, scheduledTime: number, env: Env): Promise<void> {
  const action = cronAction(cron, scheduledTime);
  const jobs: Promise<void>[] = [];
  if (action.sync) {
    const mode = action.sync;
    jobs.push(
      env.SYNC.get(env.SYNC.idFromName("global"))
        // The window is anchored at the time the cron was scheduled for, not when this invocation
        // got to run: a late invocation covers the same window (a little more, never less).
        .start(mode, "cron", Number.isFinite(scheduledTime) && scheduledTime > 0 ? { nowMs: scheduledTime } : {})
        // An incremental run that meets a running full sync is covered by it: logged, not an error.
        .then((r) => log("info", "cron sync", { cron, mode, outcome: r.outcome, run_id: r.run.run_id })),
    );
  }
  if (action.ensureIngest) {
    jobs.push(
      env.INGEST.get(env.INGEST.idFromName("kalshi"))
        .ensureRunning()
        .then((h) => log("info", "cron ingest", { cron, connected: h.connected })),
    );
  }
  if (jobs.length === 0) log("info", "cron no-op", { cron });
  // One failing job must not hide the other's outcome; the failure still fails the invocation.
  const results = await Promise.allSettled(jobs);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  for (const f of failed) log("error", "cron job failed", { cron, error: String(f.reason) });
  if (failed.length > 0) throw new Error(`cron ${cron}: ${failed.length} job(s) failed`);
}

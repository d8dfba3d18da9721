/**
 * Worker entry: the Hono app answers HTTP, `scheduled()` runs the Cron Triggers, and the
 * Durable Object classes are exported for their bindings in wrangler.toml.
 */
import { app } from "./api/app";
import { bumpGenerations } from "./cache/generation";
import { runScheduled } from "./scheduled";
import { IngestObject as StreamIngestObject } from "./stream/ingest";

export { SyncCoordinator } from "./sync/coordinator";
export { TickerObject } from "./stream/ticker";

/**
 * The ingest object with its cache invalidation injected (src/stream does not import src/cache): a
 * ticker appearing on a day makes cached `has_stream_on` answers stale, so the `tickers` scope gets
 * a new generation — one KV write per registry flush at most.
 */
export class IngestObject extends StreamIngestObject {
  protected override onNewTickerDays(): Promise<void> {
    return bumpGenerations(this.env.CACHE, ["tickers"]);
  }
}

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller.cron, controller.scheduledTime, env));
  },
} satisfies ExportedHandler<Env>;

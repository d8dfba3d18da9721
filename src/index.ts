/**
 * Worker entry: the Hono app answers HTTP, `scheduled()` runs the Cron Triggers, and the
 * Durable Object classes are exported for their bindings in wrangler.toml.
 */
import { app } from "./api/app";
import { runScheduled } from "./scheduled";

export { SyncCoordinator } from "./sync/coordinator";
export { IngestObject } from "./stream/ingest";
export { TickerObject } from "./stream/ticker";

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller.cron, controller.scheduledTime, env));
  },
} satisfies ExportedHandler<Env>;

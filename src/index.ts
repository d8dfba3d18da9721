import { Hono } from "hono";
import { DurableObject } from "cloudflare:workers";

const app = new Hono<{ Bindings: Env }>();
app.get("/healthz", (c) => c.json({ ok: true, version: c.env.SSMD_VERSION }));

export class SyncCoordinator extends DurableObject<Env> {}
export class IngestObject extends DurableObject<Env> {}
export class TickerObject extends DurableObject<Env> {
  async ping() { return "pong"; }
}

export default {
  fetch: app.fetch,
  async scheduled() {},
} satisfies ExportedHandler<Env>;

/** Helpers for the simulator's own tests: worlds on the Node sim server and in-process simulators. */
import { env } from "cloudflare:test";
import { Simulator, type SimConfig } from "../../sim/core/index";
import { PINNED_START_MS } from "../instants";

/** Fixed start so generated data is identical on every run (2026-11-20T12:00:00Z, test/instants.ts). */
export const START_MS = PINNED_START_MS;

export interface World {
  id: string;
  base: string;
  ws: string;
  control: string;
}

export async function createWorld(config: SimConfig): Promise<World> {
  const res = await fetch(`${env.SIM_ORIGIN}/_sim/worlds`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ start_time_ms: START_MS, ...config }),
  });
  if (res.status !== 201) throw new Error(`create world: HTTP ${res.status} ${await res.text()}`);
  const w = (await res.json()) as { id: string; base_url: string; ws_url: string; control_url: string };
  return { id: w.id, base: w.base_url, ws: w.ws_url, control: w.control_url };
}

export async function control(w: World, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(
    `${w.control}${path}`,
    body === undefined
      ? {}
      : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
  );
  if (!res.ok) throw new Error(`control ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

export type Wire = Record<string, unknown> & { ticker: string; status: string };

/** In-process GET against a Simulator. */
export async function get(
  sim: Simulator,
  pathAndQuery: string,
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await sim.fetch(
    new Request(`http://sim${pathAndQuery.startsWith("/_sim") ? "" : "/trade-api/v2"}${pathAndQuery}`),
  );
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

/** Follows cursors of a listing (in-process), returning every item and the number of pages. */
export async function listAll(
  sim: Simulator,
  path: string,
  key: string,
  query: Record<string, string> = {},
): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let cursor = "";
  let pages = 0;
  for (;;) {
    const q = new URLSearchParams(query);
    if (cursor) q.set("cursor", cursor);
    const r = await get(sim, `${path}?${q}`);
    if (r.status !== 200) throw new Error(`${path}?${q}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    items.push(...r.body[key]);
    pages++;
    cursor = r.body.cursor;
    if (!cursor) return { items, pages };
  }
}

/** All true markets of an in-process simulator (wire JSON). */
export async function truth(sim: Simulator): Promise<Wire[]> {
  const out: Wire[] = [];
  let cursor = "";
  for (;;) {
    const r = await get(sim, `/_sim/truth/markets?limit=10000${cursor ? `&cursor=${cursor}` : ""}`);
    out.push(...r.body.markets);
    cursor = r.body.cursor;
    if (!cursor) return out;
  }
}

export function newSim(config: SimConfig = {}, opts: ConstructorParameters<typeof Simulator>[1] = {}): Simulator {
  return new Simulator({ seed: 7, markets: 600, start_time_ms: START_MS, ...config }, opts);
}

export const DOLLARS = /^\d\.\d{4}$/;
export const FP = /^\d+\.\d{2}$/;
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** First ticker whose wire JSON differs between two market lists (null when identical). */
export function firstDiff(a: Wire[], b: Wire[]): string | null {
  if (a.length !== b.length) return `length ${a.length} ≠ ${b.length}`;
  for (let i = 0; i < a.length; i++)
    if (JSON.stringify(a[i]) !== JSON.stringify(b[i]))
      return `${a[i]?.ticker}: ${JSON.stringify(a[i]).slice(0, 200)} ≠ ${JSON.stringify(b[i]).slice(0, 200)}`;
  return null;
}

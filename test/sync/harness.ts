/**
 * Test harness for sync tests: isolated simulator worlds, driving the coordinator's alarms, and
 * comparing D1 with the simulator's truth field by field.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { expect } from "vitest";
import { contentColumns } from "../../src/db/upsert";
import { markets } from "../../src/db/schema";
import { normalizeMarket } from "../../src/sync/normalizers";
import { KalshiMarketSchema, type KalshiMarket } from "../../src/kalshi/wire/rest";
import { deriveEventStatus } from "../../src/domain/status";
import type { SyncCoordinator } from "../../src/sync/coordinator";
import type { SyncRunStatus } from "../../src/sync/types";
import { PINNED_START_MS } from "../instants";

export const DAY_MS = 86_400_000;

export interface SimWorld {
  id: string;
  base: string;
  control: string;
}

async function ok(res: Response, what: string): Promise<unknown> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/**
 * A new simulator world. Its clock starts at `config.start_time_ms`, or at PINNED_START_MS when the
 * config names none — never at the wall clock (test/instants.ts).
 */
export async function createWorld(config: Record<string, unknown>): Promise<SimWorld> {
  const res = await fetch(`${env.SIM_ORIGIN}/_sim/worlds`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ start_time_ms: PINNED_START_MS, ...config }),
  });
  const w = (await ok(res, "create world")) as { id: string; base_url: string };
  const base = new URL(w.base_url, env.SIM_ORIGIN).toString().replace(/\/+$/, "");
  const rest = base.endsWith("/trade-api/v2") ? base : `${base}/trade-api/v2`;
  return { id: w.id, base: rest, control: rest.replace(/\/trade-api\/v2$/, "/_sim") };
}

export async function control(w: SimWorld, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(
    `${w.control}${path}`,
    body === undefined
      ? {}
      : {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        },
  );
  return (await ok(res, `sim ${path}`)) as Record<string, unknown>;
}

export async function simNow(w: SimWorld): Promise<number> {
  return (await control(w, "/state")).now_ms as number;
}

export function coordinator(name: string): DurableObjectStub<SyncCoordinator> {
  return env.SYNC.get(env.SYNC.idFromName(name));
}

/**
 * Runs the coordinator's alarms until the run is finished (or `deadlineMs` passes). A stub broken
 * by abortAllDurableObjects() (a simulated crash) is replaced by a fresh one for the same object.
 */
export async function drive(
  initial: DurableObjectStub<SyncCoordinator>,
  runId: string,
  opts: { deadlineMs?: number; beforeStep?: (step: number) => Promise<void> } = {},
): Promise<SyncRunStatus> {
  let stub = initial;
  const deadline = Date.now() + (opts.deadlineMs ?? 25_000);
  const retrying = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (!String(e).includes("abortAllDurableObjects")) throw e;
      stub = env.SYNC.get(stub.id);
      return f();
    }
  };
  for (let step = 0; Date.now() < deadline; step++) {
    const run = (await retrying(() => stub.getRun(runId))) as SyncRunStatus | null;
    if (!run) throw new Error(`run ${runId} not found`);
    if (run.status !== "running") return run;
    await opts.beforeStep?.(step);
    const ran = await retrying(() => runDurableObjectAlarm(stub));
    if (!ran) await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`run ${runId} did not finish in time: ${JSON.stringify(await stub.getRun(runId))}`);
}

/** One admin-triggered sync of `w` at `nowMs` on the named coordinator, driven to its end; it must succeed. */
export async function syncSucceeded(
  w: SimWorld,
  name: string,
  mode: "full" | "incremental",
  nowMs: number,
): Promise<SyncRunStatus> {
  const stub = coordinator(name);
  const started = await stub.start(mode, "admin", { baseUrl: w.base, nowMs, pageSize: 50, readsPerSecond: 1000 });
  const run = await drive(stub, started.run.run_id);
  expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
  return run;
}

/** All of a world's true markets (wire JSON), including vanished ones when asked. */
export async function truthMarkets(
  w: SimWorld,
  includeVanished = false,
): Promise<Array<KalshiMarket & { _vanished?: boolean }>> {
  const out: Array<KalshiMarket & { _vanished?: boolean }> = [];
  let cursor = "";
  for (;;) {
    const q = new URLSearchParams({ limit: "10000" });
    if (cursor) q.set("cursor", cursor);
    if (includeVanished) q.set("include_vanished", "true");
    const page = (await ok(await fetch(`${w.control}/truth/markets?${q}`), "truth")) as {
      markets: KalshiMarket[];
      cursor: string;
    };
    out.push(...page.markets);
    if (!page.cursor) return out;
    cursor = page.cursor;
  }
}

const OPEN_RAW = ["initialized", "active", "inactive"];

/** Is a true market inside the 30-day window anchored at nowMs (§ the full sync's definition)? */
export function inFullWindow(m: KalshiMarket, nowMs: number): boolean {
  const start = nowMs - 30 * DAY_MS;
  if (OPEN_RAW.includes(m.status)) return true;
  if (m.status === "finalized") {
    const settled = m.settlement_ts ? Date.parse(m.settlement_ts) : NaN;
    return settled >= start;
  }
  return m.close_time ? Date.parse(m.close_time) >= start : false;
}

export type D1Market = Record<string, unknown>;

export async function d1Markets(): Promise<Map<string, D1Market>> {
  const r = await env.DB.prepare("SELECT * FROM markets").all<D1Market>();
  return new Map(r.results.map((m) => [m.ticker as string, m]));
}

const COLUMNS = contentColumns(markets, ["series_ticker", "category"]);

/**
 * Field-by-field differences between D1 and the truth for every true market in the window
 * (expected live in D1 with exactly the normalized content). Returns human-readable mismatches.
 */
export async function diffWindow(w: SimWorld, nowMs: number, limit = 20): Promise<string[]> {
  const truth = await truthMarkets(w);
  const d1 = await d1Markets();
  const problems: string[] = [];
  for (const wire of truth) {
    if (!inFullWindow(wire, nowMs)) continue;
    const expected = normalizeMarket(KalshiMarketSchema.parse(wire)) as Record<string, unknown>;
    const row = d1.get(wire.ticker);
    if (!row) problems.push(`${wire.ticker} (${wire.status}) missing from D1`);
    else if (row.deleted_at !== null) problems.push(`${wire.ticker} live on Kalshi but soft-deleted in D1`);
    else {
      if (row.series_ticker === null) problems.push(`${wire.ticker}: series_ticker not denormalized`);
      for (const c of COLUMNS) {
        const want = typeof expected[c] === "boolean" ? (expected[c] ? 1 : 0) : expected[c];
        if (row[c] !== want)
          problems.push(`${wire.ticker}.${c}: D1 ${JSON.stringify(row[c])} ≠ truth ${JSON.stringify(want)}`);
      }
    }
    if (problems.length >= limit) break;
  }
  return problems;
}

/** Events whose stored status differs from the status derived from D1's live markets' truth. */
export async function eventStatusProblems(): Promise<string[]> {
  const r = await env.DB.prepare(
    "SELECT e.event_ticker AS t, e.status AS s, (SELECT json_group_array(m.status) FROM markets m WHERE m.event_ticker = e.event_ticker AND m.deleted_at IS NULL) AS ms FROM events e",
  ).all<{ t: string; s: string; ms: string }>();
  return r.results
    .filter((e) => deriveEventStatus(JSON.parse(e.ms) as string[]) !== e.s)
    .map((e) => `${e.t}: status ${e.s}, markets ${e.ms}`);
}

/**
 * Events whose stored market_count (migration 0006's triggers) differs from the count GET /events
 * served before it: a correlated count of the event's markets that are not soft-deleted.
 */
export async function marketCountProblems(): Promise<string[]> {
  const r = await env.DB.prepare(
    "SELECT e.event_ticker AS t, e.market_count AS stored, (SELECT count(*) FROM markets m WHERE m.event_ticker = e.event_ticker AND m.deleted_at IS NULL) AS counted FROM events e WHERE stored IS NOT counted",
  ).all<{ t: string; stored: number; counted: number }>();
  return r.results.map((e) => `${e.t}: market_count ${e.stored}, counted ${e.counted}`);
}

export async function clearD1(): Promise<void> {
  await env.DB.batch(
    ["markets", "events", "series", "series_fees", "sync_runs"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)),
  );
}

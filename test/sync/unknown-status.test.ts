/**
 * No market lost because of its status: markets the simulator serves in a status outside Kalshi's
 * vocabulary (`unknown_status_share`, returned only by listings without a status filter) go
 * sim → sync (full and incremental) → D1 → every read route, are never soft-deleted because of
 * their status, and move the drift counters (run record, totals, GET /healthz).
 */
import { applyD1Migrations, env, SELF } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { normalizeMarket } from "../../src/sync/normalizers";
import { KalshiMarketSchema, type KalshiMarket } from "../../src/kalshi/wire/rest";
import type { StartSyncOptions } from "../../src/sync/coordinator";
import type { SyncRunStatus } from "../../src/sync/types";
import {
  clearD1,
  control,
  coordinator,
  createWorld,
  d1Markets,
  DAY_MS,
  diffWindow,
  drive,
  eventStatusProblems,
  marketCountProblems,
  simNow,
  truthMarkets,
  type SimWorld,
} from "./harness";

const START_MS = Date.UTC(2026, 10, 20, 12);
const WORD = "frozen";
const QUIET = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};

const worldConfig = (seed: number) => ({
  seed,
  markets: 400,
  start_time_ms: START_MS,
  reads_per_second: null,
  mutation_rates: QUIET,
  unknown_status_share: 0.08,
  unknown_status: WORD,
});

function opts(w: SimWorld, nowMs: number, extra: StartSyncOptions = {}): StartSyncOptions {
  return { baseUrl: w.base, nowMs, pageSize: 50, readsPerSecond: 1000, maxPagesPerStep: 20, ...extra };
}

let n = 0;
const fresh = () => coordinator(`unknown-status-${++n}`);

async function sync(
  stub: ReturnType<typeof coordinator>,
  mode: "full" | "incremental",
  o: StartSyncOptions,
): Promise<SyncRunStatus> {
  const started = await stub.start(mode, "admin", o);
  expect(started.outcome).toBe("started");
  const run = await drive(stub, started.run.run_id);
  expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
  expect(run.progress.soft_delete).toMatch(/^done/);
  return run;
}

async function get(path: string): Promise<any> {
  const res = await SELF.fetch(`https://ssmd.test${path}`, { headers: { "Cache-Control": "no-cache" } });
  expect(res.status, path).toBe(200);
  return res.json();
}

async function listAll(query: string): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams(query);
    q.set("limit", "1000");
    if (cursor) q.set("cursor", cursor);
    const body = await get(`/markets?${q}`);
    out.push(...body.markets);
    cursor = body.cursor;
  } while (cursor);
  return out;
}

/** In the full window: closing in or after it, or settled in it (whatever the status). */
const inWindow = (m: KalshiMarket, nowMs: number) => {
  const start = nowMs - 30 * DAY_MS;
  return Date.parse(m.close_time!) >= start || (m.settlement_ts != null && Date.parse(m.settlement_ts) >= start);
};

/** D1 row ≠ the truth's normalized content, field by field (null when equal). */
function rowDiff(row: Record<string, unknown> | undefined, wire: KalshiMarket): string | null {
  if (!row) return `${wire.ticker} missing from D1`;
  if (row.deleted_at !== null) return `${wire.ticker} soft-deleted`;
  const want = normalizeMarket(KalshiMarketSchema.parse(wire)) as Record<string, unknown>;
  for (const [k, v] of Object.entries(want)) {
    const expected = typeof v === "boolean" ? (v ? 1 : 0) : v;
    if (row[k] !== expected)
      return `${wire.ticker}.${k}: D1 ${JSON.stringify(row[k])} ≠ truth ${JSON.stringify(expected)}`;
  }
  return null;
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});
beforeEach(clearD1);

describe("markets in a status no Kalshi filter selects", () => {
  it("full sync stores them (status_raw kept, status unknown) and every route serves them", async () => {
    const w = await createWorld(worldConfig(41));
    const now = await simNow(w);
    expect(now).toBe(START_MS);
    const truth = await truthMarkets(w);
    const frozen = truth.filter((m) => m.status === WORD && inWindow(m, now));
    expect(frozen.length).toBeGreaterThan(10);
    // The simulator really hides them from every status filter (what made the old plan lose them).
    for (const status of ["unopened", "open", "paused", "closed", "settled"]) {
      const page = (await (await fetch(`${w.base}/markets?status=${status}&limit=1000`)).json()) as {
        markets: KalshiMarket[];
      };
      expect(
        page.markets.some((m) => m.status === WORD),
        status,
      ).toBe(false);
    }

    const stub = fresh();
    const run = await sync(stub, "full", opts(w, now));
    expect(run.progress.soft_deleted).toBe(0);
    expect(await diffWindow(w, now)).toEqual([]);
    expect(await eventStatusProblems()).toEqual([]);
    expect(await marketCountProblems()).toEqual([]);
    const d1 = await d1Markets();
    for (const m of frozen) expect(rowDiff(d1.get(m.ticker), m)).toBeNull();
    for (const m of frozen) expect(d1.get(m.ticker)).toMatchObject({ status_raw: WORD, status: "unknown" });
    // D1 holds exactly the window, every status included.
    expect([...d1.values()].filter((r) => r.deleted_at === null).length).toBe(
      truth.filter((m) => inWindow(m, now)).length,
    );

    // GET /markets: unfiltered, and status=unknown selects exactly them.
    const all = await listAll("");
    const listed = new Set(all.map((m) => m.ticker));
    for (const m of frozen) expect(listed.has(m.ticker), m.ticker).toBe(true);
    const unknown = await listAll("status=unknown");
    expect(unknown.map((m) => m.ticker).sort()).toEqual(frozen.map((m) => m.ticker).sort());
    for (const m of unknown) expect(m).toMatchObject({ status: "unknown", status_raw: WORD });
    // No other status word selects them.
    for (const status of ["open", "closed", "settled"]) {
      expect(
        (await listAll(`status=${status}`)).some((m) => m.status_raw === WORD),
        status,
      ).toBe(false);
    }

    // GET /markets/{ticker}, GET /events/{t} and the event's market_count.
    const one = frozen[0]!;
    const detail = await get(`/markets/${encodeURIComponent(one.ticker)}`);
    expect(detail.market).toMatchObject({
      ticker: one.ticker,
      status: "unknown",
      status_raw: WORD,
      yes_bid_dollars: one.yes_bid_dollars ?? null,
    });
    expect(detail.market.event.event_ticker).toBe(one.event_ticker);
    for (const m of frozen.slice(0, 8)) {
      const ev = await get(`/events/${encodeURIComponent(m.event_ticker)}`);
      const tickers = ev.markets.map((x: { ticker: string }) => x.ticker);
      expect(tickers).toContain(m.ticker);
      const expected = truth.filter((t) => t.event_ticker === m.event_ticker && inWindow(t, now)).length;
      expect(ev.markets.length).toBe(expected);
      expect(ev.event.market_count).toBe(expected);
      const listedEvent = (
        await get(`/events?series=${encodeURIComponent(ev.event.series_ticker)}&limit=1000`)
      ).events.find((e: { event_ticker: string }) => e.event_ticker === m.event_ticker);
      expect(listedEvent.market_count).toBe(expected);
    }

    // Drift counters: the run record, the totals, and /healthz.
    const drift = run.progress.drift!;
    expect(drift.unknown_status.items).toBeGreaterThanOrEqual(frozen.length);
    expect(drift.unknown_status.values[WORD]).toBe(drift.unknown_status.items);
    expect(drift.unknown_status.examples.length).toBeGreaterThan(0);
    for (const t of drift.unknown_status.examples) expect(frozen.map((m) => m.ticker)).toContain(t);
    // Every field the simulator sends on a market is declared (settlement_bounds_type included,
    // docs/kalshi-wire.md §2.12): a synced simulator world counts no unknown market field. The test
    // below shows the counters do count one.
    expect(drift.unknown_fields.market).toEqual({ items: 0, fields: {}, examples: [] });
    expect(drift.malformed.items).toBe(0);
    expect(run.progress.drift_total).toMatchObject({ runs: 1, unknown_status: { items: drift.unknown_status.items } });

    const health = await get("/healthz");
    expect(health.drift.last_run).toMatchObject({
      run_id: run.run_id,
      mode: "full",
      unknown_status: { items: drift.unknown_status.items },
    });
    expect(health.drift.total).toMatchObject({ runs: 1 });

    // A second full run: nothing deleted, the totals add up and survive in the coordinator's storage.
    const again = await sync(stub, "full", opts(w, now));
    expect(again.progress.soft_deleted).toBe(0);
    expect(again.progress.drift_total!.runs).toBe(2);
    expect(again.progress.drift_total!.unknown_status.items).toBe(
      drift.unknown_status.items + again.progress.drift!.unknown_status.items,
    );
    const health2 = await get("/healthz");
    expect(health2.drift.last_run.run_id).toBe(again.run_id);
    expect(health2.drift.total.runs).toBe(2);
  });

  it("incremental sync keeps them current, stores new ones, deletes one only when it is gone", async () => {
    const w = await createWorld(worldConfig(42));
    const t0 = await simNow(w);
    const stub = fresh();
    await sync(stub, "full", opts(w, t0));

    // An hour later: every active market's quotes moved (frozen ones trade too), one stored open
    // market moves into the unknown status, one frozen market vanishes.
    await control(w, "/clock", { advance_ms: 3_600_000 });
    const t1 = await simNow(w);
    await control(w, "/mutate", { change_fraction: 1 });
    let truth = await truthMarkets(w);
    const d1Before = await d1Markets();
    const becoming = truth.find((m) => m.status === "active" && d1Before.get(m.ticker)?.status_raw === "active")!;
    await control(w, "/mutate", { set_unknown_status: [becoming.ticker] });
    const start1 = t1 - DAY_MS;
    const frozenOpen = truth.filter(
      (m) => m.status === WORD && Date.parse(m.close_time!) >= start1 && m.ticker !== becoming.ticker,
    );
    const gone = frozenOpen[frozenOpen.length - 1]!;
    await control(w, "/mutate", { vanish: [gone.ticker] });
    truth = await truthMarkets(w);
    const byTicker = new Map(truth.map((m) => [m.ticker, m]));

    const run = await sync(stub, "incremental", opts(w, t1));
    // Listed by the window listing (no status filter): only the vanished one needed verifying.
    expect(run.progress.verified).toBe(1);
    expect(run.progress.soft_deleted).toBe(1);
    const d1 = await d1Markets();
    for (const m of frozenOpen) {
      if (m.ticker === gone.ticker) continue;
      expect(rowDiff(d1.get(m.ticker), byTicker.get(m.ticker)!)).toBeNull();
    }
    expect(d1.get(becoming.ticker)).toMatchObject({ status_raw: WORD, status: "unknown", deleted_at: null });
    expect(rowDiff(d1.get(becoming.ticker), byTicker.get(becoming.ticker)!)).toBeNull();
    expect(d1.get(gone.ticker)!.deleted_at).not.toBeNull();
    expect(run.progress.drift!.unknown_status.items).toBeGreaterThanOrEqual(frozenOpen.length);
    expect(await eventStatusProblems()).toEqual([]);
    expect(await marketCountProblems()).toEqual([]);
    // Everything closing in the day equals the truth, whatever its status.
    for (const m of truth) if (Date.parse(m.close_time!) >= start1) expect(rowDiff(d1.get(m.ticker), m)).toBeNull();
    // Served: the vanished one only with include_deleted.
    const unknown = (await get("/markets?status=unknown&limit=1000")).markets.map((m: { ticker: string }) => m.ticker);
    expect(unknown).toContain(becoming.ticker);
    expect(unknown).not.toContain(gone.ticker);
    expect(
      (await get("/markets?status=unknown&include_deleted=true&limit=1000")).markets.map(
        (m: { ticker: string }) => m.ticker,
      ),
    ).toContain(gone.ticker);
  });

  it("counts unknown fields per object type and malformed items, with examples", async () => {
    const w = await createWorld({ ...worldConfig(44), unknown_status_share: 0 });
    const now = await simNow(w);
    await control(w, "/faults", {
      rules: [
        // A field Kalshi added (renamed here): kept in `extra`, counted as unknown.
        {
          type: "schema_drift",
          path: "/events",
          drift: { field: "sub_title", action: "rename", to: "sub_title_v2", item: 0, items: 3 },
        },
        {
          type: "schema_drift",
          path: "/series",
          drift: { field: "contract_url", action: "rename", to: "contract_link", item: 0, items: 2 },
        },
        {
          type: "schema_drift",
          path: "/markets",
          nth: 1,
          drift: { field: "rules_secondary", action: "rename", to: "rules_secondary_v2", item: 0, items: 2 },
        },
        // A market without its status: malformed, skipped.
        { type: "schema_drift", path: "/markets", nth: 2, drift: { field: "status", action: "remove" } },
      ],
    });
    const stub = fresh();
    const started = await stub.start("full", "admin", opts(w, now));
    const run = await drive(stub, started.run.run_id);
    expect(run.status).toBe("succeeded");
    const drift = run.progress.drift!;
    expect(drift.unknown_status.items).toBe(0);
    expect(drift.unknown_fields.event.fields.sub_title_v2).toBeGreaterThanOrEqual(3);
    expect(drift.unknown_fields.event.examples.length).toBeGreaterThan(0);
    expect(drift.unknown_fields.series.fields).toEqual({ contract_link: 2 });
    expect(drift.unknown_fields.series.items).toBe(2);
    expect(drift.unknown_fields.market.fields).toEqual({ rules_secondary_v2: 2 });
    expect(drift.unknown_fields.market.items).toBe(2);
    expect(drift.malformed.items).toBe(1);
    expect(drift.malformed.examples).toEqual([
      { kind: "market", ticker: expect.any(String), issues: expect.stringContaining("status") },
    ]);
    // Kept losslessly: the renamed field is in the event's `extra`.
    const ev = await env.DB.prepare("SELECT extra FROM events WHERE extra LIKE '%sub_title_v2%' LIMIT 1").first<{
      extra: string;
    }>();
    expect(ev).not.toBeNull();
    const health = await get("/healthz");
    expect(health.drift.last_run.malformed.items).toBe(1);
    expect(health.drift.last_run.unknown_fields.series.fields).toEqual({ contract_link: 2 });
  });
});

/**
 * The streaming routes (src/api/tickers.ts, src/api/ingest-admin.ts) over real Durable Objects
 * and D1: HTTP ingest → ticker objects → reads; the per-day registry; 400/401/404 paths.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { PriceHistoryBuilder, VolumeProfileBuilder } from "../../src/builders";
import { adminAuth } from "../../src/api/admin";
import { handleError } from "../../src/api/errors";
import { createApiApp } from "../../src/api/factory";
import { ingestAdminApp } from "../../src/api/ingest-admin";
import { parseDuration, tickersApp } from "../../src/api/tickers";
import { toBuilderTrade } from "../../src/stream/normalize";
import { MAX_TRADES_PER_BATCH } from "../../src/stream/forwarder";
import { makeTrades, T0 } from "./helpers";

const app = createApiApp();
app.use("/admin/*", adminAuth);
app.onError(handleError);
app.route("/", tickersApp).route("/", ingestAdminApp);

// SSMD_ADMIN_TOKEN as set for tests in vitest.config.ts.
const AUTH = { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" };
const get = (path: string) => app.request(path, {}, env);
const post = (path: string, body: unknown, headers: Record<string, string> = AUTH) =>
  app.request(path, { method: "POST", headers, body: JSON.stringify(body) }, env);

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

describe("POST /admin/ingest/trades → GET /tickers/*", () => {
  const a = makeTrades("KXAPI-A", 240, { seed: 1 });
  const b = makeTrades("KXAPI-B", 60, { seed: 2, start: T0 + 86_400_000 });

  it("forwards one RPC per ticker and reports duplicates on a replay", async () => {
    const mixed = [...a, ...b].sort((x, y) => x.trade_id.localeCompare(y.trade_id));
    const res = await post("/admin/ingest/trades", { trades: mixed });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      received: 300,
      tickers: 2,
      rpc_calls: 2,
      added: 300,
      duplicates: 0,
      failed: [],
      registry_rows: 2,
    });
    const again = await post("/admin/ingest/trades", { trades: a.slice(0, 40) });
    expect(await again.json()).toMatchObject({ received: 40, added: 0, duplicates: 40 });
  });

  it("serves both builders, equal to the builders run over the same trades", async () => {
    const res = await get("/tickers/KXAPI-A");
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    const body = (await res.json()) as {
      price_history: unknown;
      volume_profile: unknown;
      stats: { trades_retained: number };
    };
    const bt = a.map(toBuilderTrade);
    expect(body.price_history).toEqual(PriceHistoryBuilder.of(bt).snapshot());
    expect(body.volume_profile).toEqual(VolumeProfileBuilder.of(bt).snapshot());
    expect(body.stats.trades_retained).toBe(240);

    const ph = (await (await get("/tickers/KXAPI-A/price_history?window=25")).json()) as { price_history: unknown };
    expect(ph.price_history).toEqual(PriceHistoryBuilder.of(bt, 25).snapshot());
    const vp = (await (await get("/tickers/KXAPI-A/volume_profile?window=90s")).json()) as { volume_profile: unknown };
    expect(vp.volume_profile).toEqual(VolumeProfileBuilder.of(bt, 90_000).snapshot());
    const vp2 = (await (await get("/tickers/KXAPI-A/volume_profile?window_ms=90000")).json()) as {
      volume_profile: unknown;
    };
    expect(vp2.volume_profile).toEqual(vp.volume_profile);
  });

  it("lists the day's tickers from the registry (written in batches)", async () => {
    const day = new Date(T0).toISOString().slice(0, 10);
    const res = await get(`/tickers?feed=kalshi&date=${day}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      tickers: { ticker: string; messages: number; first_ts: number; last_ts: number }[];
    };
    // 240 + 40 replayed messages for A that day; B's trades are on the next day.
    expect(body.tickers).toEqual([
      { ticker: "KXAPI-A", first_ts: a[0]!.ts, last_ts: a[a.length - 1]!.ts, messages: 280 },
    ]);
    const next = (await (
      await get(`/tickers?date=${new Date(T0 + 86_400_000).toISOString().slice(0, 10)}`)
    ).json()) as { tickers: { ticker: string }[] };
    expect(next.tickers.map((t) => t.ticker)).toEqual(["KXAPI-B"]);
    const empty = (await (await get("/tickers?date=2020-01-01")).json()) as { tickers: unknown[]; cursor: null };
    expect(empty).toMatchObject({ tickers: [], cursor: null });
  });

  it("pages the registry with a cursor", async () => {
    const day = "2026-04-01";
    const trades = ["KXP-1", "KXP-2", "KXP-3"].map((t, i) => ({
      ...makeTrades(t, 1)[0]!,
      ts: Date.parse(`${day}T12:00:0${i}Z`),
    }));
    await post("/admin/ingest/trades", { trades });
    const p1 = (await (await get(`/tickers?date=${day}&limit=2`)).json()) as {
      tickers: { ticker: string }[];
      cursor: string;
    };
    expect(p1.tickers.map((t) => t.ticker)).toEqual(["KXP-1", "KXP-2"]);
    const p2 = (await (await get(`/tickers?date=${day}&limit=2&cursor=${p1.cursor}`)).json()) as {
      tickers: { ticker: string }[];
      cursor: null;
    };
    expect(p2).toMatchObject({ tickers: [{ ticker: "KXP-3" }], cursor: null });
  });
});

describe("errors", () => {
  it("unknown ticker → 404 JSON", async () => {
    for (const path of ["/tickers/NOPE-1", "/tickers/NOPE-1/price_history", "/tickers/NOPE-1/volume_profile"]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    }
  });

  it("bad windows → 400 naming the parameter", async () => {
    const cases: [string, string][] = [
      ["/tickers/KXAPI-A/price_history?window=0", "window"],
      ["/tickers/KXAPI-A/price_history?window=1001", "window"],
      ["/tickers/KXAPI-A/price_history?window=abc", "window"],
      ["/tickers/KXAPI-A/volume_profile?window=5x", "window"],
      ["/tickers/KXAPI-A/volume_profile?window=2h", "window"],
      ["/tickers/KXAPI-A/volume_profile?window_ms=0", "window_ms"],
      ["/tickers/KXAPI-A/volume_profile?window=5m&window_ms=1000", "window"],
      ["/tickers/KXAPI-A/volume_profile?bogus=1", "bogus"],
      ["/tickers?date=2026-02-31", "date"],
      ["/tickers?date=2026-02-01&feed=nyse", "feed"],
      ["/tickers", "date"],
    ];
    for (const [path, param] of cases) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { error: { details: { parameter: string }[] } };
      expect(body.error.details[0]!.parameter, path).toBe(param);
    }
  });

  it("ingest admin routes need the token and a valid body", async () => {
    expect(
      (await post("/admin/ingest/trades", { trades: makeTrades("X", 1) }, { "Content-Type": "application/json" }))
        .status,
    ).toBe(401);
    expect((await app.request("/admin/ingest/health", {}, env)).status).toBe(401);
    const bad = await post("/admin/ingest/trades", { trades: [{ ...makeTrades("X", 1)[0]!, price_dollars: "1.5" }] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: "invalid_body", details: [{ parameter: "trades.0.price_dollars" }] },
    });
    expect((await post("/admin/ingest/trades", { trades: [] })).status).toBe(400);
    const one = makeTrades("X", 1)[0]!;
    const tooMany = await post("/admin/ingest/trades", {
      trades: Array.from({ length: MAX_TRADES_PER_BATCH + 1 }, () => one),
    });
    expect(tooMany.status).toBe(413);
    expect(JSON.stringify(await tooMany.json())).toContain(`at most ${MAX_TRADES_PER_BATCH} trades per request`);
    const health = await app.request("/admin/ingest/health", { headers: AUTH }, env);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      running: false,
      connected: false,
      http: { batches: expect.any(Number) },
    });
  });

  it("parses durations", () => {
    expect([
      parseDuration("5m"),
      parseDuration("90s"),
      parseDuration("250ms"),
      parseDuration("1h"),
      parseDuration("5"),
      parseDuration("m"),
    ]).toEqual([300_000, 90_000, 250, 3_600_000, null, null]);
  });
});

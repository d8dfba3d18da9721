/**
 * The real KalshiClient (src/kalshi/client.ts) against the simulator's Node server with each
 * fault injected: every listing completes with every market exactly once (a drifted item is
 * reported as skipped with its ticker instead), and the simulator's output parses with the
 * client's wire schemas.
 */
import { describe, expect, it } from "vitest";
import { KalshiClient, type ClientEvent } from "../../src/kalshi/client";
import type { FaultRule } from "../../sim/core/index";
import { control, createWorld, type World } from "./helpers";

const MARKETS = 1200;
const PAGE = 100;

/** A client with a virtual clock for backoff/Retry-After waits (real time only for request timeouts). */
function client(w: World, opts: { timeoutMs?: number; events?: ClientEvent[] } = {}): KalshiClient {
  let t = 0;
  return new KalshiClient({
    baseUrl: w.base,
    readsPerSecond: 1000,
    timeoutMs: opts.timeoutMs ?? 5000,
    maxRetries: 5,
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    random: () => 0.5,
    onEvent: (e) => opts.events?.push(e),
  });
}

async function listing(c: KalshiClient): Promise<{ tickers: string[]; skipped: { ticker: string | null }[] }> {
  const tickers: string[] = [];
  const skipped: { ticker: string | null }[] = [];
  for await (const page of c.listMarkets({ limit: PAGE })) {
    tickers.push(...page.items.map((m) => m.ticker));
    skipped.push(...page.skipped);
  }
  return { tickers, skipped };
}

async function truthTickers(w: World): Promise<string[]> {
  const r = (await (await fetch(`${w.control}/truth/markets?limit=10000`)).json()) as { markets: { ticker: string }[] };
  return r.markets.map((m) => m.ticker);
}

async function worldWith(rules: FaultRule[]): Promise<World> {
  const w = await createWorld({
    seed: 17,
    markets: MARKETS,
    clock: "manual",
    mutation_rates: {
      price_change_per_hour: 0,
      metadata_change_per_hour: 0,
      new_markets_per_hour: 0,
      vanish_per_hour: 0,
      pause_per_hour: 0,
    },
  });
  await control(w, "/faults", { rules });
  return w;
}

function expectExactlyOnce(got: string[], truth: string[]): void {
  expect(new Set(got).size).toBe(got.length);
  expect([...got].sort()).toEqual([...truth].sort());
}

const retries = (events: ClientEvent[]) =>
  events.filter((e): e is Extract<ClientEvent, { type: "retry" }> => e.type === "retry");

describe("KalshiClient against injected faults", () => {
  it("rides out a 429 burst honouring Retry-After", async () => {
    const w = await worldWith([{ type: "rate_limit", path: "/markets", nth: 3, times: 4, retry_after_s: 2 }]);
    const events: ClientEvent[] = [];
    const { tickers } = await listing(client(w, { events }));
    expectExactlyOnce(tickers, await truthTickers(w));
    const r = retries(events);
    expect(r.map((e) => e.status)).toEqual([429, 429, 429, 429]);
    for (const e of r) expect(e.delayMs).toBeGreaterThanOrEqual(2000);
  });

  it("completes with 10% of requests failing with 5xx", async () => {
    const w = await worldWith([{ type: "server_error", path: "/markets", fraction: 0.1, status: 503 }]);
    const events: ClientEvent[] = [];
    const { tickers } = await listing(client(w, { events }));
    expectExactlyOnce(tickers, await truthTickers(w));
    expect(retries(events).length).toBeGreaterThan(0);
    const stats = await control(w, "/stats");
    expect((stats.faults_fired as any).server_error).toBe(retries(events).length);
  });

  it("times out slow pages and retries them", async () => {
    const w = await worldWith([{ type: "slow", path: "/markets", nth: [2, 5], delay_ms: 3000 }]);
    const events: ClientEvent[] = [];
    const { tickers } = await listing(client(w, { timeoutMs: 400, events }));
    expectExactlyOnce(tickers, await truthTickers(w));
    expect(retries(events).map((e) => e.reason)).toEqual([
      expect.stringContaining("timeout"),
      expect.stringContaining("timeout"),
    ]);
  });

  it("retries malformed pages (invalid JSON, wrong envelope, truncated body)", async () => {
    const w = await worldWith([
      { type: "malformed", path: "/markets", nth: 2, mode: "invalid_json" },
      { type: "malformed", path: "/markets", nth: 5, mode: "wrong_envelope" },
      { type: "malformed", path: "/markets", nth: 8, mode: "truncated_json" },
    ]);
    const events: ClientEvent[] = [];
    const { tickers } = await listing(client(w, { events }));
    expectExactlyOnce(tickers, await truthTickers(w));
    expect(retries(events)).toHaveLength(3);
  });

  it("skips a drifted item and reports it with its ticker", async () => {
    const w = await worldWith([
      {
        type: "schema_drift",
        path: "/markets",
        nth: 4,
        drift: { field: "status", action: "rename", to: "market_status", item: 7 },
      },
    ]);
    const { tickers, skipped } = await listing(client(w));
    expect(skipped).toHaveLength(1);
    const lost = skipped[0]!.ticker;
    expect(lost).toBeTypeOf("string");
    expect(tickers).not.toContain(lost);
    expectExactlyOnce([...tickers, lost as string], await truthTickers(w));
  });

  it("recovers from connections dropped before the headers and mid-body", async () => {
    const w = await worldWith([
      { type: "drop", path: "/markets", nth: 2, at: "mid_body" },
      { type: "drop", path: "/markets", nth: 6, at: "before_headers" },
    ]);
    const events: ClientEvent[] = [];
    const { tickers } = await listing(client(w, { events }));
    expectExactlyOnce(tickers, await truthTickers(w));
    expect(retries(events)).toHaveLength(2);
    for (const e of retries(events)) expect(e.status).toBeNull();
  });

  it("completes with every fault at once, the real rate limit included", async () => {
    const w = await worldWith([
      { type: "rate_limit", path: "/markets", nth: 2, times: 2, retry_after_s: 1 },
      { type: "server_error", path: "/markets", fraction: 0.1 },
      { type: "malformed", path: "/markets", nth: 6 },
      { type: "drop", path: "/markets", nth: 9 },
      { type: "slow", path: "/markets", nth: 11, delay_ms: 1500 },
    ]);
    await control(w, "/config", { reads_per_second: 15 });
    // Real time here: the simulator's own token bucket runs on the wall clock.
    const c = new KalshiClient({
      baseUrl: w.base,
      readsPerSecond: 12,
      timeoutMs: 600,
      maxRetries: 6,
      backoffBaseMs: 20,
      backoffMaxMs: 200,
    });
    const { tickers } = await listing(c);
    expectExactlyOnce(tickers, await truthTickers(w));
  });
});

describe("simulator output vs the client's wire schemas", () => {
  it("parses every market, event and series of a world without skips", async () => {
    const w = await createWorld({ seed: 23, markets: 1500 });
    const c = client(w);
    const { skipped } = await listing(c);
    expect(skipped).toEqual([]);
    for await (const page of c.listEvents({ with_nested_markets: true })) expect(page.skipped).toEqual([]);
    const series = await c.listSeries({ include_volume: true });
    expect(series.skipped).toEqual([]);
    expect(series.items.length).toBeGreaterThan(0);
    const fees = await c.getSeriesFeeChanges({ show_historical: true });
    expect(fees.skipped).toEqual([]);
    expect((await c.getExchangeStatus()).exchange_active).toBeTypeOf("boolean");
    const legacy = await createWorld({ seed: 23, markets: 300, legacy_fields: true });
    expect((await listing(client(legacy))).skipped).toEqual([]);
  });
});

/**
 * Fills under the per-isolate budget (docs/decisions/0096-deferred-cache-fills.md): a steady
 * spread of more distinct URLs than the budget fills at once converges to hits — each answer read
 * from D1 reaches KV once, by a later hit of it when the bucket has a token — without ever writing
 * faster than the budget, and without writing any key twice.
 */
import { env } from "cloudflare:test";
import { afterAll, describe, expect, it } from "vitest";
import { gunzip } from "../../src/cache/content-encoding";
import {
  cacheStats,
  FILL_BURST,
  FILL_RATE_PER_SECOND,
  forgetMemoryCache,
  readThrough,
  resetFillBudget,
} from "../../src/cache/read-through";
import { PINNED_START_MS } from "../instants";

afterAll(() => resetFillBudget(Date.now()));

describe("a steady spread of distinct URLs", () => {
  it("converges to KV hits at the fill rate, each answer written once", async () => {
    const n = 400;
    const perRequestMs = 10; // 100 requests/s: five times the fill rate
    let now = PINNED_START_MS + 86_400_000;
    resetFillBudget(now);
    forgetMemoryCache();
    const loads = new Map<string, number>();
    const read = (i: number) =>
      readThrough({
        kv: env.CACHE,
        key: `/spread?i=${i}`,
        scopes: ["markets"],
        ttlSeconds: 3600,
        load: async () => {
          loads.set(String(i), (loads.get(String(i)) ?? 0) + 1);
          return JSON.stringify({ i, pad: "x".repeat(2000) });
        },
        acceptEncoding: "gzip",
        now,
      });
    const fills0 = cacheStats.fills;
    const start = now;
    let rounds = 0;
    // Round-robin over the spread until every answer is in KV (bounded: the budget fills all in
    // (n - burst) / rate seconds, 15 s here, i.e. 4 rounds of 4 s).
    while (cacheStats.fills - fills0 < n && rounds < 10) {
      for (let i = 0; i < n; i++) {
        const got = await read(i);
        const json = got.encoding === "gzip" ? await gunzip(got.body) : got.body;
        expect(JSON.parse(new TextDecoder().decode(json)).i).toBe(i);
        now += perRequestMs;
        // Never faster than the budget.
        expect(cacheStats.fills - fills0).toBeLessThanOrEqual(
          FILL_BURST + ((now - start) / 1000) * FILL_RATE_PER_SECOND,
        );
      }
      rounds += 1;
    }
    expect(cacheStats.fills - fills0).toBe(n);
    expect(rounds).toBeLessThanOrEqual(
      Math.ceil((n - FILL_BURST) / ((FILL_RATE_PER_SECOND * n * perRequestMs) / 1000)) + 1,
    );
    // Every answer was read from D1 once: the spread lived in memory meanwhile.
    expect([...loads.values()].every((c) => c === 1)).toBe(true);

    // Another isolate (an empty memory tier): every URL is a KV hit, none goes to D1 again.
    forgetMemoryCache();
    const tiers = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const got = await read(i);
      tiers.set(`${got.status}/${got.tier}`, (tiers.get(`${got.status}/${got.tier}`) ?? 0) + 1);
      now += perRequestMs;
    }
    expect(Object.fromEntries(tiers)).toEqual({ "hit/kv": n });
    expect(cacheStats.fills - fills0).toBe(n);
  });
});

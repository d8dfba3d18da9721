import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../src/kalshi/ratelimit";
import { parseRetryAfter, retryDelayMs, isRetryableStatus } from "../../src/kalshi/retry";

/** A fake clock whose sleep advances time. */
function fakeClock(start = 1_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    advance: (ms: number) => void (t += ms),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

describe("TokenBucket", () => {
  it("paces sequential callers at the rate", async () => {
    const c = fakeClock();
    const b = new TokenBucket({ ratePerSecond: 20, now: c.now, sleep: c.sleep });
    const start = c.now();
    for (let i = 0; i < 21; i++) await b.acquire();
    // First token is free, the next 20 each wait 50 ms: 21 requests in exactly 1 s.
    expect(c.now() - start).toBe(1000);
    expect(c.sleeps).toEqual(Array(20).fill(50));
  });

  it("paces concurrent callers into distinct slots", async () => {
    let t = 0;
    const waits: number[] = [];
    const b = new TokenBucket({ ratePerSecond: 10, now: () => t, sleep: async (ms) => void waits.push(ms) });
    const got = await Promise.all([b.acquire(), b.acquire(), b.acquire(), b.acquire()]);
    expect(got).toEqual([0, 100, 200, 300]);
    expect(waits).toEqual([100, 200, 300]);
  });

  it("refills while idle up to capacity, never beyond", async () => {
    const c = fakeClock();
    const b = new TokenBucket({ ratePerSecond: 5, capacity: 3, now: c.now, sleep: c.sleep });
    for (let i = 0; i < 3; i++) expect(await b.acquire()).toBe(0);
    expect(await b.acquire()).toBe(200);
    c.advance(60_000);
    for (let i = 0; i < 3; i++) expect(await b.acquire()).toBe(0);
    expect(await b.acquire()).toBe(200);
  });

  it("pause holds every caller", async () => {
    const c = fakeClock();
    const b = new TokenBucket({ ratePerSecond: 100, now: c.now, sleep: c.sleep });
    await b.acquire();
    b.pause(3000);
    expect(await b.acquire()).toBe(3000);
    expect(await b.acquire()).toBe(10);
  });

  it("rejects a non-positive rate", () => {
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow(/positive/);
  });
});

describe("retry policy", () => {
  it("parses Retry-After seconds and HTTP dates", () => {
    expect(parseRetryAfter("5", 0)).toBe(5000);
    expect(parseRetryAfter("0.25", 0)).toBe(250);
    const now = Date.parse("2026-03-13T17:00:00Z");
    expect(parseRetryAfter("Fri, 13 Mar 2026 17:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfter("Fri, 13 Mar 2026 16:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it("full-jitter exponential backoff, capped", () => {
    const top = () => 0.999999;
    expect(retryDelayMs(0, null, { random: top })).toBe(249);
    expect(retryDelayMs(1, null, { random: top })).toBe(499);
    expect(retryDelayMs(3, null, { random: top })).toBe(1999);
    expect(retryDelayMs(20, null, { random: top })).toBe(9999);
    expect(retryDelayMs(5, null, { random: () => 0 })).toBe(0);
  });

  it("Retry-After is a floor (plus small jitter), capped at maxRetryAfterMs", () => {
    expect(retryDelayMs(0, 5000, { random: () => 0 })).toBe(5000);
    const d = retryDelayMs(4, 5000, { random: () => 0.5 });
    expect(d).toBeGreaterThanOrEqual(5000);
    expect(d).toBeLessThan(6000);
    expect(retryDelayMs(0, 3_600_000, { random: () => 0, maxRetryAfterMs: 60_000 })).toBe(60_000);
  });

  it("retryable statuses", () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 422].some(isRetryableStatus)).toBe(false);
  });
});

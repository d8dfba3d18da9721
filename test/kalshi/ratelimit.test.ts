import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BACKFILL_READS_PER_SECOND,
  RATE_WINDOW_MS,
  ReadBudget,
  RemotePacer,
  TokenBucket,
} from "../../src/kalshi/ratelimit";
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
    const t = 0;
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

  it("recovers up to capacity − 1 missed slots back to back, then paces", async () => {
    const c = fakeClock();
    const b = new TokenBucket({ ratePerSecond: 20, capacity: 4, now: c.now, sleep: c.sleep });
    expect(await b.acquire()).toBe(0);
    c.advance(200); // slots at +50, +100, +150 were missed: no caller was ready
    const waits = [];
    for (let i = 0; i < 6; i++) waits.push(await b.acquire());
    expect(waits).toEqual([0, 0, 0, 0, 50, 50]);
    // Capacity 1 (the default) loses them.
    const d = fakeClock();
    const one = new TokenBucket({ ratePerSecond: 20, now: d.now, sleep: d.sleep });
    await one.acquire();
    d.advance(200);
    const evenly = [];
    for (let i = 0; i < 3; i++) evenly.push(await one.acquire());
    expect(evenly).toEqual([0, 50, 50]);
  });

  it("a burst never takes more than the rate in a 1-s window (continuous demand after idling)", async () => {
    const c = fakeClock();
    const b = new TokenBucket({ ratePerSecond: 20, capacity: 4, now: c.now, sleep: c.sleep });
    const slots: number[] = [];
    for (let i = 0; i < 60; i++) {
      await b.acquire();
      slots.push(c.now());
    }
    // The full bucket gives 4 at once; the window then holds the 21st until a second after the 1st.
    expect(slots.slice(0, 5).map((t) => t - slots[0]!)).toEqual([0, 0, 0, 0, 50]);
    expect(slots[20]! - slots[0]!).toBe(1000);
    for (let i = 0; i + 20 < slots.length; i++)
      expect(slots[i + 20]! - slots[i]!).toBeGreaterThanOrEqual(RATE_WINDOW_MS);
    // Long-run rate: still 20 per second.
    expect(slots[59]! - slots[0]!).toBeLessThanOrEqual(3000);
  });

  it("property: any arrival pattern gets at most ceil(rate) slots per 1-s window and at most capacity beyond the even pace", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 8 })), {
          minLength: 1,
          maxLength: 60,
        }),
        (rate, capacity, pattern) => {
          // Concurrent callers: `k` reservations at the same instant, then the clock moves on.
          let t = 0;
          const b = new TokenBucket({ ratePerSecond: rate, capacity, now: () => t, sleep: async () => {} });
          const slots: number[] = [];
          const reserve = (b as unknown as { reserve(): number }).reserve.bind(b);
          for (const [gap, k] of pattern) {
            t += gap;
            for (let i = 0; i < k; i++) slots.push(t + reserve());
          }
          const n = Math.ceil(rate);
          const interval = 1000 / rate;
          for (let i = 0; i < slots.length; i++) {
            if (i > 0) expect(slots[i]!).toBeGreaterThanOrEqual(slots[i - 1]!);
            if (i + n < slots.length) expect(slots[i + n]! - slots[i]!).toBeGreaterThanOrEqual(RATE_WINDOW_MS - 1e-6);
            // GCRA: j − i + 1 slots in [slots[i], slots[j]] ≤ capacity + span / interval.
            for (let j = i + 1; j < Math.min(slots.length, i + 3 * n + capacity); j++) {
              expect(j - i + 1).toBeLessThanOrEqual(capacity + (slots[j]! - slots[i]!) / interval + 1e-6);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
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

/** Virtual time: sleeps are timers the driver fires in order (concurrent callers, deterministic). */
function virtualTime() {
  let t = 0;
  const timers: { at: number; fire: () => void }[] = [];
  return {
    now: () => t,
    sleep: (ms: number) => new Promise<void>((fire) => timers.push({ at: t + ms, fire })),
    /** Runs until every caller is done: fires the earliest timer, lets the callers react, repeats. */
    async run(done: Promise<unknown>) {
      let finished = false;
      void done.then(() => (finished = true));
      for (let i = 0; !finished && i < 1_000_000; i++) {
        for (let k = 0; k < 20; k++) await Promise.resolve();
        if (finished) break;
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift();
        if (!next) continue;
        t = Math.max(t, next.at);
        next.fire();
      }
    },
  };
}

describe("ReadBudget (the sync and every backfill of one REST base)", () => {
  it("never grants more than the rate in any 1-s window; backfills get their share, the sync the rest", async () => {
    const v = virtualTime();
    const rate = 20;
    const budget = new ReadBudget(rate, 4, v.now, v.sleep);
    const grants: { cls: "sync" | "backfill"; at: number }[] = [];
    const caller = async (cls: "sync" | "backfill", n: number) => {
      for (let i = 0; i < n; i++) {
        await budget.permit(cls);
        grants.push({ cls, at: v.now() });
      }
    };
    // Three sync lanes and twelve backfills (twelve ticker objects) at once.
    const all = Promise.all([
      ...Array.from({ length: 3 }, () => caller("sync", 100)),
      ...Array.from({ length: 12 }, () => caller("backfill", 10)),
    ]);
    await v.run(all);
    await all;
    expect(grants.length).toBe(420);
    const inWindow = (at: number, cls?: string) =>
      grants.filter((g) => g.at >= at && g.at < at + RATE_WINDOW_MS && (!cls || g.cls === cls)).length;
    for (const g of grants) {
      expect(inWindow(g.at)).toBeLessThanOrEqual(rate);
      expect(inWindow(g.at, "backfill")).toBeLessThanOrEqual(BACKFILL_READS_PER_SECOND);
    }
    // While both run the sync keeps at least the rate left over by the backfills' share.
    const lastBackfill = Math.max(...grants.filter((g) => g.cls === "backfill").map((g) => g.at));
    for (let at = 0; at + RATE_WINDOW_MS <= lastBackfill; at += RATE_WINDOW_MS)
      expect(inWindow(at, "sync")).toBeGreaterThanOrEqual(rate - BACKFILL_READS_PER_SECOND - 1);
    expect(budget.granted).toEqual({ sync: 300, backfill: 120 });
  });

  it("a remote pacer falls back to its own bucket when the holder cannot be reached", async () => {
    const c = fakeClock();
    const holder = {
      readPermit: async () => {
        throw new Error("unreachable");
      },
      pauseReads: async () => {},
    };
    const p = new RemotePacer(
      holder,
      "https://x",
      "backfill",
      new TokenBucket({ ratePerSecond: 10, now: c.now, sleep: c.sleep }),
    );
    for (let i = 0; i < 3; i++) await p.acquire();
    expect(p.failures).toBe(3);
    expect(c.sleeps).toEqual([100, 100]);
  });
});

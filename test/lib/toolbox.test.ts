import { afterEach, describe, expect, it, vi } from "vitest";
import { mapLimit } from "../../src/lib/async";
import { backoffDelayMs, RETRY_POLICIES } from "../../src/lib/backoff";
import { errorMessage } from "../../src/lib/errors";
import { log } from "../../src/lib/log";
import { retryDelayMs } from "../../src/kalshi/retry";

afterEach(() => vi.restoreAllMocks());

describe("src/lib toolbox", () => {
  it("mapLimit: every item once, at most `limit` in flight, none started after stop()", async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n % 3));
      seen.push(n);
      inFlight--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
    const ran: number[] = [];
    await mapLimit(
      [1, 2, 3, 4],
      0,
      async (n) => void ran.push(n),
      () => ran.length >= 2,
    );
    expect(ran).toEqual([1, 2]); // limit 0 still runs one worker
    await mapLimit([], 4, async () => expect.unreachable());
  });

  it("backoffDelayMs: full jitter in [0, ceiling), equal jitter in [ceiling/2, ceiling), capped", () => {
    const full = RETRY_POLICIES.kalshiRequest;
    expect(backoffDelayMs(full, 0, () => 0)).toBe(0);
    expect(backoffDelayMs(full, 2, () => 0.5)).toBe(500);
    expect(backoffDelayMs(full, 30, () => 0.999)).toBeLessThan(full.maxMs);
    const eq = RETRY_POLICIES.streamReconnect;
    expect(backoffDelayMs(eq, 0, () => 0)).toBe(500);
    expect(backoffDelayMs(eq, 3, () => 1)).toBe(8_000);
    expect(backoffDelayMs(eq, 20, () => 0)).toBe(30_000);
    // The Kalshi client's policy, as before: floor(random · min(10 s, 250 ms · 2^attempt)); Retry-After is a floor.
    expect(retryDelayMs(3, null, { random: () => 0.5 })).toBe(1_000);
    expect(retryDelayMs(0, 5_000, { random: () => 0 })).toBe(5_000);
  });

  it("errorMessage and the JSON logger", () => {
    expect(errorMessage(new RangeError("boom"))).toBe("boom");
    expect(errorMessage("plain")).toBe("plain");
    expect(errorMessage(42)).toBe("42");
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const info = vi.spyOn(console, "log").mockImplementation(() => {});
    log("error", "e", { a: 1 });
    log("warn", "w");
    log("info", "i", { msg: "fields cannot hide the level", level: "x" });
    expect(JSON.parse(err.mock.calls[0]![0] as string)).toEqual({ level: "error", msg: "e", a: 1 });
    expect(JSON.parse(warn.mock.calls[0]![0] as string)).toEqual({ level: "warn", msg: "w" });
    expect(JSON.parse(info.mock.calls[0]![0] as string).level).toBe("info");
  });
});

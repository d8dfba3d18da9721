import { describe, expect, it } from "vitest";
import { cronAction, FULL_SYNC_CRONS, newYorkTime } from "../../src/cron";
import { DAY_MS, INSTANTS, utcDayOf, utcMidnight } from "../instants";

/** The UTC ms at which each full-sync cron fires on the UTC day starting at `midnight` ("30 13 * * *" → 13:30). */
const firings = (midnight: number) =>
  FULL_SYNC_CRONS.map((cron) => {
    const [minute, hour] = cron.split(" ").map(Number);
    return { cron, at: midnight + hour! * 3_600_000 + minute! * 60_000 };
  });

/** New York's UTC offset in hours at `ms`, from the US rule (2nd Sunday of March to 1st Sunday of November, 02:00 local). */
function nyOffsetHours(ms: number): number {
  const y = new Date(ms).getUTCFullYear();
  const nthSunday = (month: number, n: number) => {
    const first = new Date(Date.UTC(y, month, 1)).getUTCDay();
    return 1 + ((7 - first) % 7) + 7 * (n - 1);
  };
  const start = Date.UTC(y, 2, nthSunday(2, 2), 7); // 02:00 EST
  const end = Date.UTC(y, 10, nthSunday(10, 1), 6); // 02:00 EDT
  return ms >= start && ms < end ? -4 : -5;
}

describe("cronAction", () => {
  it("runs the full sync at 09:30 New York in winter (14:30 UTC) but not at 13:30 UTC", () => {
    const winter1430 = Date.UTC(2026, 0, 15, 14, 30);
    const winter1330 = Date.UTC(2026, 0, 15, 13, 30);
    expect(newYorkTime(winter1430)).toEqual({ hour: 9, minute: 30 });
    expect(cronAction("30 14 * * *", winter1430)).toEqual({ sync: "full", ensureIngest: false });
    expect(cronAction("30 13 * * *", winter1330)).toEqual({ sync: null, ensureIngest: false });
  });

  it("runs the full sync at 09:30 New York in summer (13:30 UTC) but not at 14:30 UTC", () => {
    const summer1330 = Date.UTC(2026, 6, 15, 13, 30);
    const summer1430 = Date.UTC(2026, 6, 15, 14, 30);
    expect(cronAction("30 13 * * *", summer1330).sync).toBe("full");
    expect(cronAction("30 14 * * *", summer1430).sync).toBe(null);
  });

  it("runs the incremental sync and checks the ingest object every 15 minutes", () => {
    expect(cronAction("*/15 * * * *", Date.UTC(2026, 2, 1, 10, 45))).toEqual({
      sync: "incremental",
      ensureIngest: true,
    });
  });

  it("every day from 2026 to 2030, exactly one of the two crons runs the full sync, at 09:30 New York (DST changes included)", () => {
    for (let day = Date.UTC(2026, 0, 1); day < Date.UTC(2031, 0, 1); day += DAY_MS) {
      const full = firings(day).filter(({ cron, at }) => cronAction(cron, at).sync === "full");
      expect(full.length, utcDayOf(day)).toBe(1);
      const { at } = full[0]!;
      expect(newYorkTime(at), utcDayOf(day)).toEqual({ hour: 9, minute: 30 });
      expect(new Date(at).getUTCHours() + nyOffsetHours(at), utcDayOf(day)).toBe(9);
    }
  });

  it.each(INSTANTS)(
    "on the day of $name ($iso): New York's wall clock and the full sync around the instant",
    ({ ms }) => {
      // The instant itself and an hour either side (DST changes at 06:00 / 07:00 UTC fall inside).
      for (const t of [ms - 3_600_000, ms, ms + 3_600_000]) {
        const ny = newYorkTime(t);
        const local = new Date(t + nyOffsetHours(t) * 3_600_000);
        expect(ny, new Date(t).toISOString()).toEqual({ hour: local.getUTCHours(), minute: local.getUTCMinutes() });
      }
      const full = firings(utcMidnight(ms)).filter(({ cron, at }) => cronAction(cron, at).sync === "full");
      expect(full.map((f) => f.cron)).toEqual([
        nyOffsetHours(utcMidnight(ms) + 12 * 3_600_000) === -4 ? "30 13 * * *" : "30 14 * * *",
      ]);
    },
  );

  it("ignores a cron it does not know", () => {
    expect(cronAction("0 0 1 1 *", 0)).toEqual({ sync: null, ensureIngest: false });
  });
});

import wranglerToml from "../../wrangler.toml?raw";
import { INCREMENTAL_CRON } from "../../src/cron";

describe("wrangler.toml", () => {
  it("declares exactly the crons that cronAction understands", () => {
    const line = wranglerToml.match(/^\s*crons\s*=\s*\[([^\]]*)\]/m)?.[1] ?? "";
    const crons = [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(crons)).toEqual(new Set([...FULL_SYNC_CRONS, INCREMENTAL_CRON]));
  });
});

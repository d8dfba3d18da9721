import { describe, expect, it } from "vitest";
import { cronAction, newYorkTime } from "../../src/cron";

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
    expect(cronAction("*/15 * * * *", Date.UTC(2026, 2, 1, 10, 45))).toEqual({ sync: "incremental", ensureIngest: true });
  });

  it("ignores a cron it does not know", () => {
    expect(cronAction("0 0 1 1 *", 0)).toEqual({ sync: null, ensureIngest: false });
  });
});

import wranglerToml from "../../wrangler.toml?raw";
import { FULL_SYNC_CRONS, INCREMENTAL_CRON } from "../../src/cron";

describe("wrangler.toml", () => {
  it("declares exactly the crons that cronAction understands", () => {
    const line = wranglerToml.match(/^\s*crons\s*=\s*\[([^\]]*)\]/m)?.[1] ?? "";
    const crons = [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(crons)).toEqual(new Set([...FULL_SYNC_CRONS, INCREMENTAL_CRON]));
  });
});

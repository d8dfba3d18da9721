import { describe, expect, it } from "vitest";
import { deriveEventStatus, MARKET_STATUS_MAP, normalizeMarketStatus } from "../../src/domain/status";

describe("normalizeMarketStatus", () => {
  const expected: Record<string, string> = {
    initialized: "open",
    active: "open",
    inactive: "open",
    unopened: "open",
    open: "open",
    paused: "open",
    closed: "closed",
    determined: "closed",
    disputed: "closed",
    amended: "closed",
    finalized: "settled",
    settled: "settled",
  };

  for (const [raw, norm] of Object.entries(expected)) {
    it(`${raw} → ${norm}`, () => expect(normalizeMarketStatus(raw)).toBe(norm));
  }

  it("the table has exactly these entries", () => {
    expect({ ...MARKET_STATUS_MAP }).toEqual(expected);
  });

  it("unknown values are unknown, never guessed", () => {
    for (const raw of ["frozen", "", "Active", " active", "toString", "__proto__", "constructor"]) {
      expect(normalizeMarketStatus(raw), raw).toBe("unknown");
    }
  });
});

describe("deriveEventStatus", () => {
  it.each([
    [["open", "closed", "settled"], "open"],
    [["unknown", "open"], "open"],
    [["closed", "settled"], "closed"],
    [["closed", "unknown"], "closed"],
    [["settled", "settled"], "settled"],
    [["settled", "unknown"], "unknown"],
    [["unknown"], "unknown"],
    [[], "unknown"],
  ])("%j → %s", (statuses, want) => {
    expect(deriveEventStatus(statuses)).toBe(want);
  });

  it("works from raw statuses through the mapping", () => {
    expect(deriveEventStatus(["finalized", "determined"].map(normalizeMarketStatus))).toBe("closed");
    expect(deriveEventStatus(["finalized", "frozen"].map(normalizeMarketStatus))).toBe("unknown");
  });
});

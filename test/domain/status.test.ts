import { describe, expect, it } from "vitest";
import dataModel from "../../docs/data-model.md?raw";
import { bucketOf, MARKET_STATUSES } from "../../sim/core/status";
import { deriveEventStatus, MARKET_STATUS_MAP, normalizeMarketStatus } from "../../src/domain/status";

/**
 * The spec this table is held to, written apart from the code: the "Market status" table of
 * docs/data-model.md (raw word → normalized), one row per group of raw words.
 */
function documentedStatuses(): Record<string, string> {
  const section = dataModel.slice(dataModel.indexOf("## Market status"), dataModel.indexOf("## Event status"));
  const out: Record<string, string> = {};
  for (const row of section.matchAll(/^\| ((?:`[^`]+`(?:, )?)+) \| [^|]* \| `(\w+)` \|$/gm))
    for (const word of row[1]!.matchAll(/`([^`]+)`/g)) out[word[1]!] = row[2]!;
  return out;
}

describe("normalizeMarketStatus", () => {
  const documented = documentedStatuses();

  it("follows docs/data-model.md's table, entry for entry, and knows no other word", () => {
    expect(Object.keys(documented).length).toBeGreaterThanOrEqual(12);
    for (const [raw, norm] of Object.entries(documented)) expect(normalizeMarketStatus(raw), raw).toBe(norm);
    expect({ ...MARKET_STATUS_MAP }).toEqual(documented);
  });

  it("puts every status the simulator serves in the simulator's own bucket", () => {
    expect(MARKET_STATUSES.length).toBeGreaterThan(0);
    for (const [code, raw] of MARKET_STATUSES.entries()) expect(normalizeMarketStatus(raw), raw).toBe(bucketOf(code));
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

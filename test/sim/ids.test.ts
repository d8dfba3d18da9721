/** The simulator's deterministic ids: Kalshi's trade and market ids are unique UUIDs, so are these. */
import { describe, expect, it } from "vitest";
import { uuidFrom } from "../../sim/core/index";

describe("uuidFrom", () => {
  it("gives distinct v4-shaped ids for 300,000 trade numbers (ids repeated every ~20,000 before)", () => {
    const seen = new Set<string>();
    for (let n = 1; n <= 300_000; n++) seen.add(uuidFrom(5, 0x7472, n));
    expect(seen.size).toBe(300_000);
    expect(
      [...seen]
        .slice(0, 3)
        .every((u) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)),
    ).toBe(true);
  });

  it("is deterministic and depends on every key", () => {
    expect(uuidFrom(1, 2, 3)).toBe(uuidFrom(1, 2, 3));
    expect(
      new Set([uuidFrom(1, 2, 3), uuidFrom(1, 2, 4), uuidFrom(1, 3, 3), uuidFrom(2, 2, 3), uuidFrom(1, 2, 3, 1)]).size,
    ).toBe(5);
  });
});

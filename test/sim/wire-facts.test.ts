/**
 * The simulator keeps its own copy of the wire facts it shares with the client (sim/ imports nothing
 * from src/, .dependency-cruiser.cjs); test/ may import both, so the copies are compared here —
 * and with the docs they come from (docs/kalshi-wire.md §6.2).
 */
import { describe, expect, it } from "vitest";
import wireDoc from "../../docs/kalshi-wire.md?raw";
import { WS_ERRORS } from "../../sim/core/ws";
import { KALSHI_WS_ERROR_CODES } from "../../src/kalshi/wire/ws";

describe("wire facts: simulator and client agree", () => {
  it("WebSocket error codes: sim/core/ws/protocol.ts WS_ERRORS = src/kalshi/wire/ws.ts KALSHI_WS_ERROR_CODES", () => {
    expect(WS_ERRORS).toEqual(KALSHI_WS_ERROR_CODES);
  });

  it("WebSocket error codes match docs/kalshi-wire.md §6.2", () => {
    const section = wireDoc.slice(wireDoc.indexOf("### 6.2 Replies"), wireDoc.indexOf("### 6.3"));
    const list = section.slice(section.indexOf("Error codes:"), section.indexOf("(One other client"));
    const documented: Record<number, string> = {};
    for (const m of list.replace(/\s+/g, " ").matchAll(/(\d+) ([a-z ]+?)(?: \(observed\))?(?= ·|\. |$)/g)) {
      documented[Number(m[1])] = m[2]!;
    }
    const lower = Object.fromEntries(
      Object.entries(KALSHI_WS_ERROR_CODES).map(([k, v]) => [Number(k), v.toLowerCase()]),
    );
    expect(documented).toEqual(lower);
  });
});

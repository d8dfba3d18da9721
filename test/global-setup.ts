/**
 * Starts the real Kalshi simulator (sim/server.ts) for the vitest run and provides its origin to
 * the Workers pool as `simOrigin` (→ env.SIM_ORIGIN / KALSHI_BASE_URL / KALSHI_WS_URL).
 * Default world: small, fixed seed, fixed start time, manual clock, no rate limit, no faults —
 * tests needing their own data, clock, limits or faults create a world with POST /_sim/worlds.
 */
import type { TestProject } from "vitest/node";
import { startSimServer } from "../sim/server";
import { PINNED_START_MS } from "./instants";

/** 2026-11-20T12:00:00Z (test/instants.ts): fixed so generated data is identical on every run. */
export const TEST_SIM_START_MS = PINNED_START_MS;

export default async function setup(project: TestProject) {
  const server = await startSimServer({
    host: "127.0.0.1",
    port: 0,
    config: { seed: 1, markets: 500, start_time_ms: TEST_SIM_START_MS, clock: "manual", trade_rate_per_s: 0 },
  });
  project.provide("simOrigin", server.origin);
  return async () => {
    await server.close();
  };
}

// TEMPORARY (until test/global-setup.ts starts the real simulator): starts sim/server.ts.
import type { TestProject } from "vitest/node";
import { startSimServer } from "../../sim/server";

export default async function setup(project: TestProject) {
  const server = await startSimServer({ host: "127.0.0.1", port: 0, config: { markets: 100, seed: 1 } });
  project.provide("simOrigin", server.origin);
  return async () => server.close();
}

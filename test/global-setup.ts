import type { TestProject } from "vitest/node";
import { createServer } from "node:http";

export default async function setup(project: TestProject) {
  const server = createServer((req, res) => { res.end("sim-placeholder " + req.url); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("no address");
  project.provide("simOrigin", `http://127.0.0.1:${addr.port}`);
  return async () => { await new Promise((r) => server.close(r)); };
}

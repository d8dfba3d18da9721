/**
 * `npm start` runs scripts/start.mjs under `sh -c`, which does not forward a SIGTERM sent to npm:
 * the service used to keep running, orphaned, after `kill <npm pid>` (or `timeout … npm start`).
 * Here an intermediate process stands in for npm/sh and is killed outright; start.mjs must notice
 * and stop the simulator and the Worker.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { portOpen } from "./net.mjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const port = 19787 + Math.floor(Math.random() * 500);
const simPort = port + 1000;

test("the service stops when the process that started it dies", async () => {
  const persist = mkdtempSync(join(tmpdir(), "ssmd-orphan-"));
  // The stand-in for npm: starts start.mjs with inherited stdio and then just waits.
  const launcher = `const c = require("node:child_process").spawn(process.execPath, [${JSON.stringify(join(root, "scripts", "start.mjs"))}], { stdio: "inherit" }); setInterval(() => {}, 1000);`;
  const parent = spawn(process.execPath, ["-e", launcher], {
    cwd: root,
    env: {
      ...process.env,
      SSMD_PORT: String(port),
      SSMD_SIM_PORT: String(simPort),
      SSMD_SIM_MARKETS: "500",
      SSMD_PERSIST_DIR: persist,
      SSMD_SKIP_FIRST_SYNC: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  parent.stdout.on("data", (d) => (output += d));
  parent.stderr.on("data", (d) => (output += d));
  try {
    const deadline = Date.now() + 180_000;
    while (!output.includes("[ssmd] ready")) {
      if (parent.exitCode !== null) assert.fail(`launcher exited ${parent.exitCode}:\n${output}`);
      if (Date.now() > deadline) assert.fail(`service not ready in 180s:\n${output}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(await portOpen(port), true);
    parent.kill("SIGKILL");
    const stopBy = Date.now() + 15_000;
    while ((await portOpen(port)) || (await portOpen(simPort))) {
      if (Date.now() > stopBy) assert.fail(`a port is still open 15 s after the launcher died:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.match(output, /the process that started ssmd exited: stopping/);
  } finally {
    try {
      if (parent.pid !== undefined) process.kill(-parent.pid, "SIGKILL");
    } catch {}
    rmSync(persist, { recursive: true, force: true });
  }
});

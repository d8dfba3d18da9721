/**
 * Starts the service exactly as `npm start` does (scripts/start.mjs: simulator + migrations + the
 * Worker bundle under Miniflare + first sync + ingest), on ports of its own and a throw-away local
 * state directory. Shared by the end-to-end tests (test/e2e) and the browser tests (test/browser).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * @typedef {object} Service
 * @property {import("node:child_process").ChildProcess} child  `npm start`'s process (its own process group)
 * @property {number} port      the Worker's port on 127.0.0.1
 * @property {number} simPort   the simulator's port on 127.0.0.1
 * @property {string} origin    http://127.0.0.1:<port>
 * @property {string} token     the admin token
 * @property {() => string} output  everything the service printed so far
 * @property {() => void} stop  SIGTERM to the whole process group; removes the state directory
 */

/**
 * @param {object} [o]
 * @param {string} [o.token]     admin token (SSMD_ADMIN_TOKEN)
 * @param {number} [o.markets]   simulator markets (SSMD_SIM_MARKETS)
 * @param {number} [o.port]     the Worker's port (default: random in 18787…19286); the simulator's is +1000
 * @param {Record<string, string>} [o.env]  more environment for scripts/start.mjs
 * @returns {Promise<Service>}  once the service printed "[ssmd] ready"
 */
export async function startService(o = {}) {
  const port = o.port ?? 18787 + Math.floor(Math.random() * 500);
  const simPort = port + 1000;
  const token = o.token ?? "e2e-admin-token";
  const persist = mkdtempSync(join(tmpdir(), "ssmd-e2e-"));
  const child = spawn(process.execPath, [join(root, "scripts", "start.mjs")], {
    cwd: root,
    env: {
      ...process.env,
      SSMD_PORT: String(port),
      SSMD_SIM_PORT: String(simPort),
      SSMD_SIM_MARKETS: String(o.markets ?? 3000),
      SSMD_PERSIST_DIR: persist,
      SSMD_ADMIN_TOKEN: token,
      // The e2e and browser tests are not throttled by the read rate limit (decision 0089); its own
      // e2e test (read-rate-limit.test.mjs) runs it on.
      SSMD_READ_RATE_LIMIT: "off",
      ...o.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const stop = () => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
    }
    rmSync(persist, { recursive: true, force: true });
  };
  const deadline = Date.now() + 180_000;
  while (!output.includes("[ssmd] ready")) {
    if (child.exitCode !== null) {
      stop();
      throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
    }
    if (Date.now() > deadline) {
      stop();
      throw new Error(`service not ready in 180s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { child, port, simPort, origin: `http://127.0.0.1:${port}`, token, output: () => output, stop };
}

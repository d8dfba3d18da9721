// `npm start` routes the API's paths to the Worker directly, past the Static Assets router
// (scripts/serve-worker.mjs, docs/decisions/0094-api-paths-skip-the-assets-router-locally.md): the
// prefixes cover every API route, and none of them can reach a path the web app takes.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { WORKER_PATH_PREFIXES, workerRoutes } from "../../scripts/serve-worker.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
const runWorkerFirst = JSON.parse(/^run_worker_first = (.*)$/m.exec(toml)?.[1] ?? "null");

test("every API route lies under one of the Worker's route prefixes", () => {
  const apiDir = join(ROOT, "src/api");
  const paths = readdirSync(apiDir)
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) => [
      ...readFileSync(join(apiDir, f), "utf8").matchAll(/(?:path: |\.(?:get|post|on|all)\([^"]*)"(\/[^"]*)"/g),
    ])
    .map((m) => /** @type {string} */ (m[1]));
  assert.ok(
    paths.includes("/markets") && paths.includes("/openapi.json") && paths.includes("/docs"),
    "found the routes",
  );
  for (const p of paths) {
    const under = WORKER_PATH_PREFIXES.some((x) => p === x || p.startsWith(`${x}/`));
    assert.ok(under, `API route ${p}: add its first segment to WORKER_PATH_PREFIXES (scripts/serve-worker.mjs)`);
  }
});

test("the routes are the prefixes, none of which run_worker_first would send to the app", () => {
  assert.deepEqual(
    workerRoutes(WORKER_PATH_PREFIXES, runWorkerFirst),
    WORKER_PATH_PREFIXES.map((p) => `*${p}*`),
  );
});

test("a prefix that could reach an app path is refused; another run_worker_first form gets no routes", () => {
  const rules = ["/*", "!/", "!/assets/*", "!/market/*", "!/ops"];
  assert.throws(() => workerRoutes(["/mark"], rules), /reaches the app's path \/market\/\*/);
  assert.throws(() => workerRoutes(["/assets/x"], rules), /\/assets\/\*/);
  assert.throws(() => workerRoutes(["/o"], rules), /\/ops/);
  assert.deepEqual(workerRoutes(["/markets", "/opsx"], rules), ["*/markets*", "*/opsx*"]);
  assert.deepEqual(workerRoutes(["/markets"], true), []);
  assert.deepEqual(workerRoutes(["/markets"], ["/api/*"]), []);
  assert.deepEqual(workerRoutes(["/markets"], ["/*", "!/a*b"]), []);
});

// How the Worker tells the web app from the API (docs/decisions/0086-web-app-routing.md): wrangler.toml's
// [assets] runs the Worker first for every path ("/*") except the app's own pages and its bundle;
// the pages are rewritten to index.html (app/public/_redirects), nothing else falls back to it. The
// exceptions and the rewrites are exactly the app router's paths, and no API route lies under one of them.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
const assets = /\n\[assets\]\n([\s\S]*?)\n\n/.exec(toml)?.[1] ?? "";

/** @param {string} key */
const value = (key) => new RegExp(`^${key} = (.*)$`, "m").exec(assets)?.[1];

/** "/market/*" → a RegExp over paths (`*` any characters, as run_worker_first's patterns). @param {string} p */
const pattern = (p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);

test("[assets]: the app's build, no fallback, the Worker first for all but the app's paths, which answer index.html", () => {
  assert.equal(value("directory"), '"./app/dist"');
  // No SPA fallback: a missing /assets/* file (a stale bundle name) is a 404, not index.html (decision 0105).
  assert.equal(value("not_found_handling"), '"none"');
  const first = JSON.parse(value("run_worker_first") ?? "null");
  assert.equal(first[0], "/*");
  const exempt = first.slice(1).map((/** @type {string} */ p) => {
    assert.ok(p.startsWith("!"), p);
    return p.slice(1);
  });
  const router = readFileSync(join(ROOT, "app/src/router.tsx"), "utf8");
  const appPaths = JSON.parse((/const APP_PATHS = (\[[^\]]*\])/.exec(router)?.[1] ?? "null").replace(/,\s*\]/, "]"));
  // The router's pages and the bundle's folder (Vite's assetsDir, app/vite.config.ts).
  assert.deepEqual(exempt.sort(), [...appPaths, "/assets/*"].sort());
  assert.match(readFileSync(join(ROOT, "app/vite.config.ts"), "utf8"), /assetsDir: "assets"/);
  // Each page but "/" (index.html itself) is rewritten to "/" with status 200 by app/public/_redirects
  // (Vite copies app/public into the build).
  const rewrites = readFileSync(join(ROOT, "app/public/_redirects"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => l.trim().split(/\s+/));
  for (const r of rewrites) assert.deepEqual(r.slice(1), ["/", "200"], r.join(" "));
  assert.deepEqual(rewrites.map((r) => r[0]).sort(), appPaths.filter((/** @type {string} */ p) => p !== "/").sort());
});

test("no API route lies under a path the web app takes", () => {
  const first = JSON.parse(value("run_worker_first") ?? "[]");
  const exempt = first.slice(1).map((/** @type {string} */ p) => pattern(p.slice(1)));
  const apiDir = join(ROOT, "src/api");
  const paths = readdirSync(apiDir)
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) => [
      ...readFileSync(join(apiDir, f), "utf8").matchAll(/(?:path: |\.(?:get|post|on)\([^"]*)"(\/[^"]*)"/g),
    ])
    .map((m) => /** @type {string} */ (m[1]).replace(/\{[^}]+\}|:[a-z_]+/g, "X"));
  assert.ok(paths.includes("/markets") && paths.includes("/tickers/X/live"), "found the API's routes");
  for (const p of paths) for (const re of exempt) assert.doesNotMatch(p, re, `API route ${p}`);
});

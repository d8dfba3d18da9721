// Deploying is safe by default: `wrangler deploy` of the repository as it stands ships the
// [vars] of wrangler.toml, so they must name Kalshi's production endpoints — never the local
// simulator (a Worker syncing from 127.0.0.1 would serve an empty or fake security master).
// Local runs pass the simulator's URLs themselves (scripts/start.mjs, vitest.config.ts); this test
// also checks that they still do, so moving the URLs out of wrangler.toml cannot break them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { unstable_readConfig } from "wrangler";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TOML = `${ROOT}wrangler.toml`;
const PRODUCTION = {
  KALSHI_BASE_URL: "https://api.elections.kalshi.com/trade-api/v2",
  KALSHI_WS_URL: "wss://api.elections.kalshi.com/trade-api/ws/v2",
};

/** Hosts that only reach this machine (or nothing): 127.0.0.0/8, localhost, ::1, 0.0.0.0, ::. */
/** @param {string} hostname */
function isLoopbackHost(hostname) {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return (
    h === "localhost" ||
    h.endsWith(".localhost") ||
    /^127(\.\d{1,3}){3}$/.test(h) ||
    h === "0.0.0.0" ||
    h === "::1" ||
    h === "::" ||
    /^::ffff:127\./.test(h) ||
    /^0:0:0:0:0:0:0:1$/.test(h)
  );
}

/** Every URL inside a string value (anywhere in the value, e.g. a comma-separated list). */
/** @param {unknown} value */
function urlsIn(value) {
  return [...String(value).matchAll(/\b[a-z][a-z0-9+.-]*:\/\/[^\s,"']+/gi)].map((m) => m[0]);
}

/**
 * `NAME: url` for every loopback URL in a vars table.
 * @param {Record<string, unknown> | undefined} vars
 */
function loopbackVars(vars) {
  const bad = [];
  for (const [name, value] of Object.entries(vars ?? {})) {
    for (const u of urlsIn(typeof value === "string" ? value : JSON.stringify(value))) {
      let host;
      try {
        host = new URL(u).hostname;
      } catch {
        continue;
      }
      if (isLoopbackHost(host)) bad.push(`${name} = ${u}`);
    }
  }
  return bad;
}

test("isLoopbackHost", () => {
  for (const h of [
    "127.0.0.1",
    "127.1.2.3",
    "localhost",
    "LOCALHOST",
    "sim.localhost",
    "[::1]",
    "::1",
    "0.0.0.0",
    "[::]",
  ])
    assert.ok(isLoopbackHost(h), h);
  for (const h of ["api.elections.kalshi.com", "10.0.0.1", "128.0.0.1", "localhost.example.com"])
    assert.ok(!isLoopbackHost(h), h);
  assert.deepEqual(
    loopbackVars({ A: "http://127.0.0.1:8788/trade-api/v2", B: "https://ok.example, ws://localhost:1/x", C: "20" }),
    ["A = http://127.0.0.1:8788/trade-api/v2", "B = ws://localhost:1/x"],
  );
});

test("wrangler.toml [vars] (every environment) point at no loopback address", () => {
  const text = readFileSync(TOML, "utf8");
  const envs = [...new Set([...text.matchAll(/^\s*\[+\s*env\.([A-Za-z0-9_-]+)/gm)].map((m) => m[1]))];
  for (const env of [undefined, ...envs]) {
    const config = unstable_readConfig({ config: TOML, env }, { hideWarnings: true });
    assert.deepEqual(
      loopbackVars(config.vars),
      [],
      `wrangler.toml${env ? ` [env.${env}]` : ""} [vars] would deploy a Worker talking to this machine`,
    );
  }
  // Also any quoted value outside [vars] (routes, service URLs…), comments aside.
  const values = text
    .split("\n")
    .map((l) => l.replace(/#.*$/, ""))
    .join("\n");
  assert.deepEqual(loopbackVars({ "wrangler.toml": values }), []);
});

test("wrangler.toml [vars] name Kalshi's production endpoints", () => {
  const { vars } = unstable_readConfig({ config: TOML }, { hideWarnings: true });
  for (const [name, url] of Object.entries(PRODUCTION)) assert.equal(vars[name], url, name);
});

test("local runs keep passing the simulator's URLs explicitly", () => {
  const start = readFileSync(`${ROOT}scripts/start.mjs`, "utf8");
  assert.match(
    start,
    /KALSHI_BASE_URL:\$\{kalshiBase\}/,
    "scripts/start.mjs passes KALSHI_BASE_URL to the Worker (--var)",
  );
  assert.match(start, /KALSHI_WS_URL:\$\{kalshiWs\}/, "scripts/start.mjs passes KALSHI_WS_URL to the Worker (--var)");
  assert.match(
    start,
    /`http:\/\/127\.0\.0\.1:\$\{simPort\}\/trade-api\/v2`/,
    "scripts/start.mjs defaults to the simulator",
  );
  const vitest = readFileSync(`${ROOT}vitest.config.ts`, "utf8");
  assert.match(
    vitest,
    /KALSHI_BASE_URL: `\$\{simOrigin\}\/trade-api\/v2`/,
    "vitest.config.ts binds the simulator's REST URL",
  );
  assert.match(
    vitest,
    /KALSHI_WS_URL: `\$\{simOrigin\.replace/,
    "vitest.config.ts binds the simulator's WebSocket URL",
  );
});

test(".dev.vars is git-ignored and .dev.vars.example lists every secret and local setting", () => {
  const ignore = readFileSync(`${ROOT}.gitignore`, "utf8")
    .split("\n")
    .map((l) => l.trim());
  assert.ok(ignore.includes(".dev.vars"), ".gitignore has .dev.vars");
  const example = readFileSync(`${ROOT}.dev.vars.example`, "utf8");
  const names = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
  // Secrets (src/secrets.d.ts) and the vars a local run sets.
  const secrets = [...readFileSync(`${ROOT}src/secrets.d.ts`, "utf8").matchAll(/^\s*([A-Z][A-Z0-9_]+)\?:/gm)].map(
    (m) => m[1],
  );
  assert.ok(secrets.length >= 3, "secrets.d.ts lists the secrets");
  for (const n of [...secrets, "KALSHI_BASE_URL", "KALSHI_WS_URL"])
    assert.ok(names.includes(n), `.dev.vars.example lists ${n}`);
  // Every entry is explained by the comment line right above it.
  const lines = example.split("\n");
  lines.forEach((l, i) => {
    if (/^#?\s*[A-Z][A-Z0-9_]+=/.test(l))
      assert.match(lines[i - 1] ?? "", /^#\s*\S/, `${l.split("=")[0]} has a one-line explanation above it`);
  });
});

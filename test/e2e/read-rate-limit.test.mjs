/**
 * The read rate limit works the way `npm start` serves the Worker (scripts/serve-worker.mjs: the
 * deploy bundle under Miniflare, READ_LIMITER from wrangler.toml), keyed by the client address that
 * Miniflare puts in CF-Connecting-IP; SSMD_READ_RATE_LIMIT sets its limit (decision 0089).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { bundleWorker, serveWorker } from "../../scripts/serve-worker.mjs";
import { root } from "./start-service.mjs";

const LIMIT = 4;
/** @type {{ url: URL, dispose: () => Promise<void> } | undefined} */
let served;
let bundleDir = "";
const persistDir = mkdtempSync(join(tmpdir(), "ssmd-rl-"));

before(async () => {
  bundleDir = await bundleWorker(root);
  process.env.SSMD_READ_RATE_LIMIT = String(LIMIT);
  try {
    served = await serveWorker({ root, bundleDir, host: "127.0.0.1", port: 0, persistDir, vars: {} });
  } finally {
    delete process.env.SSMD_READ_RATE_LIMIT;
  }
});

after(async () => {
  await served?.dispose();
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(persistDir, { recursive: true, force: true });
});

test(`${LIMIT} requests per address and window, then 429 with Retry-After and the error body`, async () => {
  assert.ok(served);
  const statuses = [];
  /** @type {Response | undefined} */
  let refused;
  // Up to two windows' worth: the binding's windows are aligned to the clock, so a rollover may
  // reset the count once; a 429 must still come within 2 × LIMIT + 1 requests.
  for (let i = 0; i < 2 * LIMIT + 1 && !refused; i++) {
    const res = await fetch(new URL("/openapi.json", served.url));
    statuses.push(res.status);
    if (res.status === 429) refused = res;
    else await res.arrayBuffer();
  }
  assert.ok(refused, `no 429 in ${statuses.join(",")}`);
  assert.ok(statuses.filter((s) => s === 200).length >= LIMIT, statuses.join(","));
  assert.equal(refused.headers.get("retry-after"), "10");
  const body = /** @type {any} */ (await refused.json());
  assert.equal(body.error.code, "rate_limited");
  assert.equal(body.error.details.retry_after_s, 10);
});

/**
 * The request limits (src/api/limits.ts, decision 0108) the way `npm start` serves the Worker
 * (scripts/serve-worker.mjs: the deploy bundle under Miniflare, a real HTTP server): a body sent
 * with `Transfer-Encoding: chunked` and no Content-Length is counted as it arrives, a Content-Length
 * over the bound is refused from the header, and an overlong query string is a 414.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { bundleWorker, serveWorker } from "../../scripts/serve-worker.mjs";
import { root } from "./start-service.mjs";

// The figures of src/api/limits.ts (MAX_BODY_BYTES, MAX_QUERY_LENGTH), read from the document the service serves.
let maxBody = 0;
let maxQuery = 0;
/** @type {{ url: URL, dispose: () => Promise<void> } | undefined} */
let served;
let bundleDir = "";
const persistDir = mkdtempSync(join(tmpdir(), "ssmd-limits-"));

before(async () => {
  bundleDir = await bundleWorker(root);
  process.env.SSMD_READ_RATE_LIMIT = "off";
  try {
    served = await serveWorker({ root, bundleDir, host: "127.0.0.1", port: 0, persistDir, vars: {} });
  } finally {
    delete process.env.SSMD_READ_RATE_LIMIT;
  }
  const doc = /** @type {any} */ (await (await fetch(new URL("/openapi.json", served.url))).json());
  const post = doc.paths["/mcp"].post.responses;
  maxBody = post["413"].content["application/json"].example.error.details.max_bytes;
  maxQuery = post["414"].content["application/json"].example.error.details.max_query_length;
  assert.ok(maxBody > 0 && maxQuery > 0);
});

after(async () => {
  await served?.dispose();
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(persistDir, { recursive: true, force: true });
});

/**
 * POSTs `chunks` to /mcp over HTTP/1.1 chunked transfer (no Content-Length); a ping needs no D1.
 * @param {string[]} chunks
 * @returns {Promise<{ status: number | undefined, text: string }>}
 */
function postChunked(chunks) {
  assert.ok(served);
  const url = new URL("/mcp", served.url);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "transfer-encoding": "chunked",
      },
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, text }));
    });
    // The server may answer (and close) before the whole body is sent.
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

test("a chunked body exactly at the bound is served; one byte more is 413 payload_too_large", async () => {
  const json = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
  const pad = maxBody - json.length;
  const at = await postChunked([json, " ".repeat(pad >> 1), " ".repeat(pad - (pad >> 1))]);
  assert.equal(at.status, 200, at.text.slice(0, 200));
  assert.equal(JSON.parse(at.text).id, 1);
  const over = await postChunked([json, " ".repeat(pad >> 1), " ".repeat(pad - (pad >> 1) + 1)]);
  assert.equal(over.status, 413);
  const body = JSON.parse(over.text);
  assert.equal(body.error.code, "payload_too_large");
  assert.equal(body.error.details.max_bytes, maxBody);
});

test("a Content-Length over the bound is refused from the header", async () => {
  assert.ok(served);
  const res = await fetch(new URL("/mcp", served.url), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: `{"jsonrpc":"2.0","id":1,"method":"ping"}${" ".repeat(maxBody)}`,
  });
  assert.equal(res.status, 413);
  assert.equal((await res.json()).error.code, "payload_too_large");
});

test("a query string at the bound reaches the route; one character more is 414 uri_too_long", async () => {
  assert.ok(served);
  const q = (/** @type {number} */ n) => `status_raw=${"x".repeat(n - "status_raw=".length)}`;
  const at = await fetch(new URL(`/markets?${q(maxQuery)}`, served.url));
  assert.equal(at.status, 400); // the route's own check (status_raw ≤ 64 characters)
  assert.equal((await at.json()).error.details[0].parameter, "status_raw");
  const over = await fetch(new URL(`/markets?${q(maxQuery + 1)}`, served.url));
  assert.equal(over.status, 414);
  assert.equal((await over.json()).error.code, "uri_too_long");
});

/**
 * Cached answers are stored and served gzip-compressed: compressed once at fill time, sent as is
 * to clients that accept gzip (memory and KV hits), decompressed for clients that do not, with
 * ETag/304 working across both representations and the no-cache (D1) path unchanged.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { acceptsGzip, gunzip, gzip, GZIP_MIN_BYTES } from "../../src/cache/content-encoding";
import { forgetMemoryCache } from "../../src/cache/read-through";
import { migrate, syntheticCatalog, writeCatalog } from "../api/helpers";

const GZ = { "Accept-Encoding": "gzip, deflate, br" };
const fetchPath = (path: string, headers: Record<string, string> = {}) =>
  SELF.fetch(`https://ssmd.test${path}`, { headers });

beforeAll(async () => {
  await migrate();
  await writeCatalog(syntheticCatalog(60, 5));
});

describe("Accept-Encoding", () => {
  it("allows gzip only with a non-zero weight, by name or through *", () => {
    expect(acceptsGzip("gzip")).toBe(true);
    expect(acceptsGzip("gzip, deflate, br")).toBe(true);
    expect(acceptsGzip("br;q=1.0, GZIP;q=0.5")).toBe(true);
    expect(acceptsGzip("x-gzip")).toBe(true);
    expect(acceptsGzip("*")).toBe(true);
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip("")).toBe(false);
    expect(acceptsGzip("identity")).toBe(false);
    expect(acceptsGzip("br, deflate")).toBe(false);
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("gzip;q=0.000")).toBe(false);
    expect(acceptsGzip("*, gzip;q=0")).toBe(false);
    expect(acceptsGzip("*;q=0")).toBe(false);
  });

  it("gzip/gunzip round-trip", async () => {
    const text = JSON.stringify({ markets: Array.from({ length: 200 }, (_, i) => ({ ticker: `T-${i}`, yes_bid: i })) });
    const bytes = new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;
    const packed = await gzip(bytes);
    expect(packed.byteLength).toBeLessThan(bytes.byteLength / 4);
    expect(new TextDecoder().decode(await gunzip(packed))).toBe(text);
  });
});

describe("compressed cache entries", () => {
  const path = "/markets?limit=40";

  it("a miss and its hits are sent gzip-compressed to a gzip client; identity clients get the same JSON", async () => {
    forgetMemoryCache();
    const plain = await fetchPath(path, { "Cache-Control": "no-cache" });
    expect(plain.headers.get("X-Cache")).toBe("BYPASS");
    // The D1 path is untouched: the Worker sends identity JSON (the edge may compress it).
    expect(plain.headers.get("Content-Encoding")).toBeNull();
    const json = await plain.text();
    expect(json.length).toBeGreaterThan(GZIP_MIN_BYTES);
    const strong = plain.headers.get("ETag")!;
    expect(strong).toMatch(/^"[0-9a-f]{32}"$/);

    const miss = await fetchPath(path, GZ);
    expect(miss.headers.get("X-Cache")).toBe("MISS");
    expect(miss.headers.get("Content-Encoding")).toBe("gzip");
    expect(miss.headers.get("Vary")).toContain("Accept-Encoding");
    expect(miss.headers.get("ETag")).toBe(`W/${strong}`);
    expect(await miss.text()).toBe(json); // decoded once by fetch: not compressed twice

    const hit = await fetchPath(path, GZ);
    expect(hit.headers.get("X-Cache")).toBe("HIT");
    expect(hit.headers.get("X-Cache-Tier")).toBe("memory");
    expect(hit.headers.get("Content-Encoding")).toBe("gzip");
    expect(await hit.text()).toBe(json);

    const identity = await fetchPath(path);
    expect(identity.headers.get("X-Cache")).toBe("HIT");
    expect(identity.headers.get("Content-Encoding")).toBeNull();
    expect(identity.headers.get("ETag")).toBe(strong);
    expect(await identity.text()).toBe(json);
  });

  it("KV holds the gzip bytes; a KV hit serves them to gzip clients and decompresses for others", async () => {
    const keys = (await env.CACHE.list({ prefix: "r2:" })).keys;
    expect(keys.length).toBeGreaterThan(0);
    let found = false;
    const json = await (await fetchPath(path, { "Cache-Control": "no-cache" })).text();
    for (const k of keys) {
      const got = await env.CACHE.getWithMetadata<{ encoding?: string; etag?: string }>(k.name, "arrayBuffer");
      if (got.metadata?.encoding !== "gzip") continue;
      const decoded = new TextDecoder().decode(await gunzip(new Uint8Array(got.value!)));
      if (decoded !== json) continue;
      found = true;
      expect(got.value!.byteLength).toBeLessThan(json.length / 2);
    }
    expect(found).toBe(true);

    forgetMemoryCache();
    const kvGz = await fetchPath(path, GZ);
    expect(kvGz.headers.get("X-Cache-Tier")).toBe("kv");
    expect(kvGz.headers.get("Content-Encoding")).toBe("gzip");
    expect(await kvGz.text()).toBe(json);

    forgetMemoryCache();
    const kvPlain = await fetchPath(path);
    expect(kvPlain.headers.get("X-Cache-Tier")).toBe("kv");
    expect(kvPlain.headers.get("Content-Encoding")).toBeNull();
    expect(await kvPlain.text()).toBe(json);
  });

  it("If-None-Match revalidates with either ETag form, whatever the client's coding", async () => {
    const strong = (await fetchPath(path)).headers.get("ETag")!;
    const weak = `W/${strong}`;
    for (const [tag, headers] of [
      [weak, GZ],
      [strong, GZ],
      [weak, {}],
      [strong, {}],
    ] as const) {
      const r = await fetchPath(path, { ...headers, "If-None-Match": tag });
      expect(r.status).toBe(304);
      expect(await r.text()).toBe("");
    }
    const other = await fetchPath(path, { ...GZ, "If-None-Match": 'W/"0000"' });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });

  it("small answers are cached uncompressed", async () => {
    const small = "/markets?series=NO-SUCH-SERIES";
    const one = await (await fetchPath(small, { "Cache-Control": "no-cache" })).text();
    expect(one.length).toBeLessThan(GZIP_MIN_BYTES);
    await (await fetchPath(small, GZ)).arrayBuffer();
    const hit = await fetchPath(small, GZ);
    expect(hit.headers.get("X-Cache")).toBe("HIT");
    expect(hit.headers.get("Content-Encoding")).toBeNull();
    expect(await hit.text()).toBe(one);
  });
});

/** KV read-through cache: hits, generation invalidation, ETag/304, bounded KV writes. */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { bumpGenerations, generationKey } from "../../src/cache/generation";
import { forgetMemoryCache } from "../../src/cache/read-through";
import { migrate, syntheticCatalog, writeCatalog, type Catalog } from "./helpers";

let cat: Catalog;
const ADMIN = { Authorization: "Bearer test-admin-token" };

const fetchPath = (path: string, headers: Record<string, string> = {}) =>
  SELF.fetch(`https://ssmd.test${path}`, { headers });

async function stats(): Promise<{ fills: number; hits: number; misses: number; generation_kv_writes: number }> {
  const res = await fetchPath("/admin/cache", ADMIN);
  expect(res.status).toBe(200);
  return ((await res.json()) as { isolate: any }).isolate;
}

async function kvKeyCount(prefix: string): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await env.CACHE.list({ prefix, cursor });
    n += page.keys.length;
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return n;
}

beforeAll(async () => {
  await migrate();
  cat = syntheticCatalog(30, 11);
  await writeCatalog(cat);
});

describe("read-through cache", () => {
  it("second read is a KV hit with the same body and ETag; If-None-Match → 304", async () => {
    const path = `/markets/${cat.markets[4]!.ticker}`;
    const a = await fetchPath(path);
    const bodyA = await a.text();
    expect(a.status).toBe(200);
    expect(a.headers.get("X-Cache")).toBe("MISS");
    expect(a.headers.get("Cache-Control")).toBe("public, max-age=10, must-revalidate");
    const tag = a.headers.get("ETag")!;
    expect(tag).toMatch(/^"[0-9a-f]{32}"$/);

    const b = await fetchPath(path);
    expect(b.headers.get("X-Cache")).toBe("HIT");
    expect(b.headers.get("X-Cache-Tier")).toBe("memory");
    expect(await b.text()).toBe(bodyA);
    expect(b.headers.get("ETag")).toBe(tag);

    // another isolate (no memory entry) reads the KV copy, with the ETag stored beside it
    forgetMemoryCache();
    const k = await fetchPath(path);
    expect(k.headers.get("X-Cache")).toBe("HIT");
    expect(k.headers.get("X-Cache-Tier")).toBe("kv");
    expect(await k.text()).toBe(bodyA);
    expect(k.headers.get("ETag")).toBe(tag);

    const c = await fetchPath(path, { "If-None-Match": tag });
    expect(c.status).toBe(304);
    expect(await c.text()).toBe("");
    expect(c.headers.get("ETag")).toBe(tag);

    const d = await fetchPath(path, { "If-None-Match": '"something-else"' });
    expect(d.status).toBe(200);
  });

  it("a change is invisible until its generation is bumped, then served at once", async () => {
    const m = cat.markets[9]!;
    const path = `/markets/${m.ticker}`;
    const first = (await (await fetchPath(path)).json()) as any;
    const tag = (await fetchPath(path)).headers.get("ETag")!;

    await env.DB.prepare(`UPDATE markets SET yes_bid_dollars = '0.1234', title = 'changed' WHERE ticker = ?1`)
      .bind(m.ticker)
      .run();
    // Without a bump the cached answer stands (this is what the cache is for) ...
    const stale = await fetchPath(path);
    expect(stale.headers.get("X-Cache")).toBe("HIT");
    expect(((await stale.json()) as any).market.title).toBe(first.market.title);
    // ... an unrelated scope's bump does not invalidate it ...
    await bumpGenerations(env.CACHE, ["series"]);
    expect((await fetchPath(path)).headers.get("X-Cache")).toBe("HIT");
    // ... and the sync's bump of "markets" does.
    await bumpGenerations(env.CACHE, ["markets"]);
    const fresh = await fetchPath(path);
    expect(fresh.headers.get("X-Cache")).toBe("MISS");
    const body = (await fresh.json()) as any;
    expect(body.market.title).toBe("changed");
    expect(body.market.yes_bid_dollars).toBe("0.1234");
    expect(body.market.yes_bid).toBe(12.34);
    // the old ETag no longer matches
    expect((await fetchPath(path, { "If-None-Match": tag })).status).toBe(200);
    // lists are invalidated by the same bump
    const list = (await (
      await fetchPath(`/markets?series=${encodeURIComponent(body.market.series_ticker)}&limit=1000`)
    ).json()) as any;
    expect(list.markets.find((x: any) => x.ticker === m.ticker).title).toBe("changed");
  });

  it("equivalent queries share one cache entry (canonical key)", async () => {
    await fetchPath("/markets?status=open&limit=100");
    const res = await fetchPath("/markets?limit=100&status=open");
    expect(res.headers.get("X-Cache")).toBe("HIT");
    const dflt = await fetchPath("/markets?status=open");
    expect(dflt.headers.get("X-Cache")).toBe("HIT");
  });

  it("KV writes are counted and bounded: one fill per distinct answer, one write per bumped scope", async () => {
    await bumpGenerations(env.CACHE, ["markets", "events"]);
    const before = await stats();
    const paths = ["/markets?limit=5", "/markets?limit=6", `/markets/${cat.markets[1]!.ticker}`];
    for (let i = 0; i < 4; i++) for (const p of paths) expect((await fetchPath(p)).status).toBe(200);
    const after = await stats();
    expect(after.fills - before.fills).toBe(paths.length);
    expect(after.misses - before.misses).toBe(paths.length);
    expect(after.hits - before.hits).toBe(paths.length * 3);

    await bumpGenerations(env.CACHE, ["markets", "markets", "events", "fees"]);
    const bumped = await stats();
    expect(bumped.generation_kv_writes - after.generation_kv_writes).toBe(3);
    expect(await kvKeyCount("gen:")).toBe(4); // markets, events, series, fees
    expect(await env.CACHE.get(generationKey("markets"))).toMatch(/^[0-9a-z]+-[0-9a-f]{12}$/);
  });

  it("Cache-Control: no-cache reads D1 and writes nothing", async () => {
    const path = `/markets/${cat.markets[2]!.ticker}`;
    await fetchPath(path);
    const before = await stats();
    const res = await fetchPath(path, { "Cache-Control": "no-cache" });
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Cache")).toBe("BYPASS");
    const after = await stats();
    expect(after.fills).toBe(before.fills);
    expect(after.hits).toBe(before.hits);
    expect((await fetchPath(path)).headers.get("X-Cache")).toBe("HIT");
  });

  it("a burst of distinct queries is served, but KV fills stop at the per-isolate budget", async () => {
    const before = (await (await fetchPath("/admin/cache", ADMIN)).json()) as { isolate: any };
    const t0 = Date.now();
    const n = 160;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => fetchPath(`/markets?limit=${i + 1}`)));
    const elapsedS = (Date.now() - t0) / 1000;
    for (const r of results) expect(r.status).toBe(200);
    const after = (await (await fetchPath("/admin/cache", ADMIN)).json()) as { isolate: any };
    const fills = after.isolate.fills - before.isolate.fills;
    const skipped = after.isolate.fills_skipped - before.isolate.fills_skipped;
    expect(fills + skipped).toBe(n);
    // The budget over the burst's span: what it did not allow was skipped. How many requests reach
    // the cache at the same instant depends on the machine (test/cache/fills.test.ts holds the
    // budget on a clock of its own).
    const budget = 100 + Math.ceil(elapsedS * 20) + 1;
    expect(fills).toBeLessThanOrEqual(budget);
    expect(skipped).toBeGreaterThanOrEqual(n - budget);
    expect(results.filter((r) => r.headers.get("X-Cache") === "BYPASS").length).toBe(skipped);
  });

  it("errors are not cached", async () => {
    const before = await stats();
    for (let i = 0; i < 3; i++) expect((await fetchPath("/markets/NOPE")).status).toBe(404);
    expect((await stats()).fills).toBe(before.fills);
  });
});

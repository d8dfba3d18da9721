/**
 * CPU per 1000-market page of the sync's isolate work, in Node with the real code: the client's
 * page parse (JSON.parse + envelope + per-item zod validation), `normalizeMarket`, and the upsert's
 * JSON batch serialization (`MARKETS.batches` inside upsertMarkets, reproduced with the same
 * buildUpsert spec). Pages come from the simulator (seed 1, 20,000 markets), so they have the same
 * shapes as in bench/sync.ts.
 *
 * zod runs jitless here by default, as in workerd (no `new Function` there, so zod cannot compile
 * its object fast path); `--jit true` measures Node's JIT path instead.
 *
 *   npx tsx bench/sync-page-cpu.ts [--pages 20] [--rounds 5] [--jit true]
 */
import { z } from "zod";
import type { KalshiMarket } from "../src/kalshi/wire/rest";

// src/db/upsert.ts names the Workers global `D1Database` in its signatures; this Node script only
// uses its pure serialization, so the type is borrowed from workers-types for the type check.
declare global {
  type D1Database = import("@cloudflare/workers-types").D1Database;
}

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const PAGES = Number(args.get("pages") ?? 20);
const ROUNDS = Number(args.get("rounds") ?? 5);
const JIT = args.get("jit") === "true";
// Before any schema is built: zod decides per schema, at construction, whether it may compile.
z.config({ jitless: !JIT });

async function main() {
  const { Simulator } = await import("../sim/core");
  const { contentColumns, buildUpsert, realColumns } = await import("../src/db/upsert");
  const { markets } = await import("../src/db/schema");
  const { KalshiClient } = await import("../src/kalshi/client");
  const { normalizeMarket } = await import("../src/sync/normalizers");
  const MARKETS_UPSERT = buildUpsert({
    table: "markets",
    pk: "ticker",
    columns: contentColumns(markets, ["series_ticker", "category"]),
    reals: realColumns(markets),
    returning: ["ticker"],
  });
  const sim = new Simulator({ seed: 1, markets: 20_000, reads_per_second: null });
  const base = "http://sim.local/trade-api/v2";
  // Fetch the page texts once from the simulator, then replay them from memory: the timing below is
  // the client's own work, not the simulator's rendering.
  const texts: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < PAGES; i++) {
    const res = await sim.fetch(new Request(`${base}/markets?limit=1000${cursor ? `&cursor=${cursor}` : ""}`));
    const text = await res.text();
    texts.push(text);
    cursor = (JSON.parse(text) as { cursor: string }).cursor || undefined;
    if (!cursor) break;
  }
  sim.dispose();
  let served = 0;
  const client = new KalshiClient({
    baseUrl: base,
    readsPerSecond: 1e9,
    fetch: async () => new Response(texts[served++ % texts.length]!, { status: 200 }),
  });

  // JSON.parse alone, for splitting "parse+validate".
  let jp = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const t0 = performance.now();
    for (const text of texts) JSON.parse(text);
    if (round >= 1) jp += performance.now() - t0;
  }
  console.log(
    `JSON.parse alone: ${(jp / ((ROUNDS - 1) * texts.length)).toFixed(1)} ms per page (${(texts[0]!.length / 1e6).toFixed(2)} MB text)`,
  );

  const t = { parse: 0, normalize: 0, serialize: 0 };
  let items = 0;
  let bytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const r = { parse: 0, normalize: 0, serialize: 0 };
    for (let p = 0; p < texts.length; p++) {
      let t0 = performance.now();
      const page = await client.getMarketsPage({});
      let t1 = performance.now();
      r.parse += t1 - t0;
      t0 = t1;
      const rows = (page.items as KalshiMarket[]).map(normalizeMarket);
      t1 = performance.now();
      r.normalize += t1 - t0;
      t0 = t1;
      const batches = MARKETS_UPSERT.batches(rows);
      r.serialize += performance.now() - t0;
      if (round === ROUNDS - 1) {
        items += page.items.length;
        bytes += batches.reduce((s, b) => s + b.length, 0);
        if (page.skipped.length) throw new Error(`unexpected skipped items: ${JSON.stringify(page.skipped[0])}`);
      }
    }
    const per = (x: number) => (x / texts.length).toFixed(1);
    console.log(
      `round ${round + 1}: per page: fetch+parse+validate ${per(r.parse)} ms, normalize ${per(r.normalize)} ms, serialize ${per(r.serialize)} ms, total ${per(r.parse + r.normalize + r.serialize)} ms`,
    );
    if (round >= 1) for (const k of Object.keys(t) as Array<keyof typeof t>) t[k] += r[k];
  }
  const n = (ROUNDS - 1) * texts.length;
  console.log(
    `mean of rounds 2..${ROUNDS} over ${texts.length} pages (${items / texts.length} markets/page, ${(bytes / texts.length / 1e6).toFixed(2)} MB batch/page): ` +
      `parse+validate ${(t.parse / n).toFixed(1)} ms, normalize ${(t.normalize / n).toFixed(1)} ms, serialize ${(t.serialize / n).toFixed(1)} ms, ` +
      `total ${((t.parse + t.normalize + t.serialize) / n).toFixed(1)} ms (zod ${JIT ? "jit" : "jitless"})`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * Simulator at scale: generate a 200k-market world, measure generation time and memory, then
 * page the full GET /markets listing in-process (limit 1000) and over HTTP (Node server),
 * plus a filtered listing and the events listing.
 *
 *   npx tsx --expose-gc bench/sim-scale.ts [--markets 200000] [--seed 1] [--http]
 */
import { Simulator } from "../sim/core/index";
import { startSimServer } from "../sim/server";

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : def;
};
const MARKETS = Number(arg("markets", "200000"));
const SEED = Number(arg("seed", "1"));
const HTTP = args.includes("--http");
const START = Date.UTC(2026, 10, 20, 12);

const gc = (globalThis as { gc?: () => void }).gc;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
function heap(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

async function pageAll(
  fetchFn: (url: string) => Promise<Response>,
  base: string,
  query: string,
  key: string,
): Promise<{ items: number; pages: number; bytes: number; ms: number }> {
  const t0 = performance.now();
  let cursor = "";
  let items = 0,
    pages = 0,
    bytes = 0;
  const seen = new Set<string>();
  for (;;) {
    const res = await fetchFn(`${base}?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    const text = await res.text();
    bytes += text.length;
    const body = JSON.parse(text) as Record<string, unknown> & { cursor: string };
    const list = body[key] as { ticker?: string; event_ticker?: string }[];
    for (const it of list) seen.add((it.ticker ?? it.event_ticker) as string);
    items += list.length;
    pages++;
    cursor = body.cursor;
    if (!cursor) break;
  }
  if (seen.size !== items) throw new Error(`duplicates: ${items} items, ${seen.size} distinct`);
  return { items, pages, bytes, ms: performance.now() - t0 };
}

const before = heap();
const t0 = performance.now();
const sim = new Simulator({ seed: SEED, markets: MARKETS, start_time_ms: START });
const genMs = performance.now() - t0;
const after = heap();
const counts = sim.state().counts as {
  markets: number;
  events: number;
  series: number;
  statuses: Record<string, number>;
};

console.log(
  `# sim-scale: ${MARKETS} markets, seed ${SEED}, node ${process.version}${gc ? "" : " (run with --expose-gc for exact heap figures)"}`,
);
console.log(
  `generation: ${genMs.toFixed(0)} ms — ${counts.markets} markets, ${counts.events} events, ${counts.series} series`,
);
console.log(`statuses: ${JSON.stringify(counts.statuses)}`);
console.log(
  `memory: world ≈ ${mb(after - before)} retained (market columns ${mb(sim.world.columnBytes())}, ${((after - before) / MARKETS).toFixed(0)} B/market); rss ${mb(process.memoryUsage().rss)}`,
);

const inproc = (url: string) => sim.fetch(new Request(url));
const full = await pageAll(inproc, "http://sim/trade-api/v2/markets", "limit=1000", "markets");
console.log(
  `in-process full listing: ${full.items} markets in ${full.pages} pages, ${full.ms.toFixed(0)} ms (${(full.ms / full.pages).toFixed(1)} ms/page, ${mb(full.bytes)} JSON)`,
);
const open = await pageAll(inproc, "http://sim/trade-api/v2/markets", "limit=1000&status=open", "markets");
console.log(`in-process status=open listing: ${open.items} markets in ${open.pages} pages, ${open.ms.toFixed(0)} ms`);
const evs = await pageAll(inproc, "http://sim/trade-api/v2/events", "limit=200", "events");
console.log(`in-process events listing: ${evs.items} events in ${evs.pages} pages, ${evs.ms.toFixed(0)} ms`);
const t1 = performance.now();
sim.advance(3600_000);
console.log(`clock advance 1 h (transitions + default mutation rates): ${(performance.now() - t1).toFixed(0)} ms`);

if (HTTP) {
  const srv = await startSimServer({ config: { seed: SEED, markets: MARKETS, start_time_ms: START } });
  const viaHttp = await pageAll((u) => fetch(u), `${srv.origin}/trade-api/v2/markets`, "limit=1000", "markets");
  console.log(
    `HTTP full listing: ${viaHttp.items} markets in ${viaHttp.pages} pages, ${viaHttp.ms.toFixed(0)} ms (${(viaHttp.ms / viaHttp.pages).toFixed(1)} ms/page)`,
  );
  await srv.close();
}

/**
 * Load test of the read API: throughput and latency (p50/p99) of GET /markets (several filter
 * mixes), GET /markets/{ticker} and GET /events (the list of bench/api-scenarios.ts), each
 * measured on the KV cache-hit path and on the D1 path (`Cache-Control: no-cache` makes the Worker
 * skip KV) in the same run, against a running service (e.g. `npm start` with SSMD_SIM_MARKETS=200000).
 *
 *   npx tsx bench/api-load.ts [--url=http://127.0.0.1:8787] [--seconds=10] [--connections=32] [--json]
 *        [--client=fetch|autocannon] [--path=both|cache-hit|d1] [--cpu [--pid=<workerd pid>]]
 *
 * `--cpu` also reads the workerd process behind the URL (bench/workerd-proc.ts) before and after
 * each row: its CPU time per request (every thread), and how long per request its main thread —
 * the one that runs the Worker's JavaScript — was runnable but waiting for a core (the scheduler's
 * run-queue time: what a shared machine adds to latency; it is not the Worker's work).
 *
 * A closed-loop generator: `connections` workers each send a request, read the whole body, record
 * the latency (to the last byte), and send the next. The client asks for gzip like a browser does
 * (undici's default Accept-Encoding) and decodes it. Prints a Markdown table (docs/performance.md ("Data API")).
 *
 * `--client=autocannon` drives the same scenarios with autocannon (the load generator the issue
 * names): its own HTTP/1.1 client with a pre-built request and no body decoding, so far less
 * client CPU per request than fetch — on a 2-core box the client shares the cores with the service,
 * and with fetch its own tail showed in every p99. It sends `Accept-Encoding: gzip` (what browsers
 * and fetch send) and counts bytes without decompressing; x-cache and Server-Timing are not
 * collected in this mode (autocannon does not expose response headers in its summary).
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";
import { errorMessage } from "../src/lib/errors";
import { FLOOR, getJson as getJsonAt, readScenarios, type Scenario } from "./api-scenarios";
import { cpuMs, listeningPid, mainThreadSched } from "./workerd-proc";

interface Result {
  scenario: string;
  path: "cache-hit" | "d1";
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Server-side read time from the Server-Timing header (excludes the runtime's HTTP overhead). */
  server_p50: number;
  server_p99: number;
  xcache: Record<string, number>;
  bytes: number;
  /** Requests over 50 ms (fetch client; autocannon: "-" unless its max is under 50). */
  over50: number;
  /** With --cpu: the workerd process's CPU ms per request, its main thread's run-queue wait ms per request. */
  cpu_ms: number;
  wait_ms: number;
}

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.SSMD_URL ?? "http://127.0.0.1:8787" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "32" },
    json: { type: "boolean", default: false },
    client: { type: "string", default: "fetch" },
    path: { type: "string", default: "both" },
    cpu: { type: "boolean", default: false },
    pid: { type: "string" },
  },
});
if (values.client !== "fetch" && values.client !== "autocannon")
  throw new Error(`--client must be fetch or autocannon, got ${values.client}`);
if (!["both", "cache-hit", "d1"].includes(values.path!)) throw new Error("--path must be both, cache-hit or d1");
const kinds = values.path === "both" ? (["cache-hit", "d1"] as const) : [values.path as "cache-hit" | "d1"];
const base = values.url!.replace(/\/+$/, "");
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const pid = values.cpu ? (values.pid ? Number(values.pid) : listeningPid(Number(new URL(base).port || 80))) : 0;

/** Runs one row, with the workerd process's CPU and run-queue wait per request when --cpu. */
async function measured(run: () => Promise<Result>): Promise<Result> {
  if (!values.cpu) return run();
  const cpu0 = cpuMs(pid);
  const sched0 = mainThreadSched(pid);
  const r = await run();
  const n = Math.max(1, r.requests);
  return { ...r, cpu_ms: (cpuMs(pid) - cpu0) / n, wait_ms: (mainThreadSched(pid).waitMs - sched0.waitMs) / n };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

const getJson = <T>(path: string) => getJsonAt<T>(base, path);

async function warm(scenario: Scenario): Promise<void> {
  // One request per path fills KV; a second confirms the hit.
  for (const p of scenario.paths) await (await fetch(base + p)).arrayBuffer();
  for (const p of scenario.paths) await (await fetch(base + p)).arrayBuffer();
}

async function loadAutocannon(scenario: Scenario, kind: "cache-hit" | "d1"): Promise<Result> {
  if (kind === "cache-hit") await warm(scenario);
  return measured(() => runAutocannon(scenario, kind));
}

async function runAutocannon(scenario: Scenario, kind: "cache-hit" | "d1"): Promise<Result> {
  const headers: Record<string, string> = {
    "accept-encoding": "gzip",
    ...(kind === "d1" ? { "cache-control": "no-cache" } : {}),
  };
  const r = await autocannon({
    url: base,
    connections,
    duration: seconds,
    // Each connection cycles through the paths.
    requests: scenario.paths.map((path) => ({ method: "GET" as const, path, headers })),
  });
  const errors = r.errors + r.timeouts + r.non2xx;
  return {
    scenario: scenario.name,
    path: kind,
    requests: r.requests.total,
    errors,
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    server_p50: NaN,
    server_p99: NaN,
    xcache: {},
    bytes: r.throughput.total,
    over50: r.latency.max < 50 ? 0 : NaN,
    cpu_ms: NaN,
    wait_ms: NaN,
  };
}

async function load(scenario: Scenario, kind: "cache-hit" | "d1"): Promise<Result> {
  if (values.client === "autocannon") return loadAutocannon(scenario, kind);
  if (kind === "cache-hit") await warm(scenario);
  return measured(() => loadFetch(scenario, kind));
}

async function loadFetch(scenario: Scenario, kind: "cache-hit" | "d1"): Promise<Result> {
  const headers: Record<string, string> = kind === "d1" ? { "Cache-Control": "no-cache" } : {};
  const latencies: number[] = [];
  const server: number[] = [];
  const xcache: Record<string, number> = {};
  let errors = 0;
  let bytes = 0;
  let next = 0;
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const path = scenario.paths[next++ % scenario.paths.length]!;
        const s = performance.now();
        try {
          const res = await fetch(base + path, { headers });
          const body = await res.arrayBuffer();
          latencies.push(performance.now() - s);
          bytes += body.byteLength;
          if (!res.ok) errors++;
          const st = /dur=([0-9.]+)/.exec(res.headers.get("server-timing") ?? "");
          if (st) server.push(Number(st[1]));
          const x = res.headers.get("x-cache") ?? "none";
          xcache[x] = (xcache[x] ?? 0) + 1;
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  server.sort((a, b) => a - b);
  return {
    scenario: scenario.name,
    path: kind,
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: quantile(latencies, 0.5),
    p90: quantile(latencies, 0.9),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? NaN,
    server_p50: quantile(server, 0.5),
    server_p99: quantile(server, 0.99),
    xcache,
    bytes,
    over50: latencies.filter((l) => l > 50).length,
    cpu_ms: NaN,
    wait_ms: NaN,
  };
}

// The scenario list is bench/api-scenarios.ts's (shared with bench/api-cpu.ts).
const scenarios = () => readScenarios(base);

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");

/**
 * p99 D1 / p99 cache-hit. autocannon records whole milliseconds (a value v means [v, v + 1) ms),
 * so its ratio is the conservative bound: D1's lower edge over the hit's upper edge.
 */
function p99Ratio(d1: number, hit: number): string {
  if (values.client === "autocannon") return `≥ ${(d1 / (hit + 1)).toFixed(1)}×`;
  return `${(d1 / hit).toFixed(1)}×`;
}

async function main() {
  const health = await getJson<{ version: string }>("/healthz");
  const load0 = loadavg().map((x) => x.toFixed(2));
  // Floor: a static route with no KV/D1 I/O shows the per-request cost of the runtime itself.
  const floor = await load(FLOOR, "d1");
  process.stderr.write(`floor: ${fmt(floor.rps)} req/s, p50 ${fmt(floor.p50)} ms, p99 ${fmt(floor.p99)} ms\n`);
  const all: Result[] = [];
  for (const s of await scenarios()) {
    for (const kind of kinds) {
      const r = await load(s, kind);
      all.push(r);
      process.stderr.write(
        `${s.name} [${kind}]: ${r.requests} req, ${fmt(r.rps)} req/s, p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, x-cache ${JSON.stringify(r.xcache)}\n`,
      );
    }
  }
  const load1 = loadavg().map((x) => x.toFixed(2));
  if (values.json) {
    console.log(
      JSON.stringify(
        { url: base, version: health.version, seconds, connections, load: [load0, load1], floor, results: all },
        null,
        2,
      ),
    );
    return;
  }
  console.log(
    `ssmd ${health.version} at ${base}: ${connections} connections, ${seconds} s per row, client ${values.client}${values.client === "autocannon" ? " (latencies in whole ms)" : ""}${values.cpu ? `, workerd pid ${pid}` : ""}; load average ${load0.join(" ")} before, ${load1.join(" ")} after\n`,
  );
  const cpuHead = values.cpu ? " CPU ms/req | run-queue wait ms/req |" : "";
  console.log(
    `| scenario | path | req/s | p50 ms | p90 ms | p99 ms | max ms | p99/p50 | > 50 ms | server p50 ms | server p99 ms |${cpuHead} errors | x-cache |`,
  );
  console.log(`|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|${values.cpu ? "---:|---:|" : ""}---:|---|`);
  for (const r of [floor, ...all]) {
    const cpu = values.cpu ? ` ${r.cpu_ms.toFixed(3)} | ${r.wait_ms.toFixed(3)} |` : "";
    const over = Number.isNaN(r.over50) ? "-" : String(r.over50);
    const xc = Object.entries(r.xcache)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    console.log(
      `| ${r.scenario} | ${r === floor ? "none" : r.path} | ${fmt(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${(r.p99 / r.p50).toFixed(1)} | ${over} | ${fmt(r.server_p50)} | ${fmt(r.server_p99)} |${cpu} ${r.errors} | ${xc || "-"} |`,
    );
  }
  if (kinds.length < 2) return;
  console.log("\n| scenario | p99 D1 / p99 cache-hit | server p99 D1 / cache-hit | req/s cache-hit / D1 |");
  console.log("|---|---:|---:|---:|");
  for (let i = 0; i < all.length; i += 2) {
    const hit = all[i]!;
    const d1 = all[i + 1]!;
    const serverRatio =
      hit.server_p99 > 0
        ? `${(d1.server_p99 / hit.server_p99).toFixed(1)}×`
        : `${fmt(d1.server_p99)} ms vs ${fmt(hit.server_p99)} ms`;
    console.log(
      `| ${hit.scenario} | ${p99Ratio(d1.p99, hit.p99)} | ${serverRatio} | ${(hit.rps / d1.rps).toFixed(1)}× |`,
    );
  }
}

main().catch((err) => {
  console.error(`bench/api-load: ${errorMessage(err)}`);
  process.exit(1);
});

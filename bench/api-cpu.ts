/**
 * CPU per request of the read API, per route, on the D1 path (`Cache-Control: no-cache`) and the
 * cache-hit path: the workerd process's CPU time (/proc/<pid>/stat utime + stime, every thread: the
 * Worker's isolate, and Miniflare's D1 and KV, which run in the same process) read before and
 * after a fixed number of requests of each scenario of bench/api-scenarios.ts. CPU time does not
 * grow when other processes share the cores (wall time and req/s do), so the figure holds on a
 * busy machine; req/s is printed beside it with the load average, for what it is worth there.
 *
 *   npx tsx bench/api-cpu.ts --url=http://127.0.0.1:8787 [--requests=600] [--connections=8]
 *        [--path=d1|cache-hit|both] [--only=<substring of a scenario name>] [--pid=<workerd pid>]
 *        [--profile --inspector=<inspector port>] [--json]
 *
 * The workerd process is the one listening on the URL's port (found through /proc; `--pid` to
 * name it). `--profile` also records a V8 CPU profile of the Worker's isolate (the service started
 * with SSMD_INSPECTOR_PORT) during each D1 row and prints its self time by category and by
 * function: what runs per request. Prints a Markdown table (docs/performance.md, "Data API").
 */
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { errorMessage } from "../src/lib/errors";
import { FLOOR, getJson, readScenarios, type Scenario } from "./api-scenarios";
import { connectInspector, type ProfileNode, startCpuProfile, stopCpuProfile, summarizeProfile } from "./inspector";
import { cpuMs, listeningPid } from "./workerd-proc";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.SSMD_URL ?? "http://127.0.0.1:8787" },
    requests: { type: "string", default: "600" },
    connections: { type: "string", default: "8" },
    path: { type: "string", default: "d1" },
    only: { type: "string" },
    pid: { type: "string" },
    profile: { type: "boolean", default: false },
    inspector: { type: "string" },
    json: { type: "boolean", default: false },
  },
});
const base = values.url!.replace(/\/+$/, "");
const requests = Number(values.requests);
const connections = Number(values.connections);
if (!["d1", "cache-hit", "both"].includes(values.path!)) throw new Error(`--path must be d1, cache-hit or both`);
const kinds = values.path === "both" ? (["cache-hit", "d1"] as const) : [values.path as "d1" | "cache-hit"];
const log = (...xs: unknown[]) => process.stderr.write(`${xs.join(" ")}\n`);

interface Row {
  scenario: string;
  path: "d1" | "cache-hit";
  requests: number;
  errors: number;
  cpu_ms_per_request: number;
  rps: number;
  x_cache: string;
}

function headersOf(kind: "d1" | "cache-hit"): Record<string, string> {
  return { "accept-encoding": "gzip", ...(kind === "d1" ? { "cache-control": "no-cache" } : {}) };
}

/** Checks that the path really is the one measured (X-Cache) and warms the route (and, for hits, the cache). */
async function prepare(s: Scenario, kind: "d1" | "cache-hit"): Promise<string> {
  const seen = new Set<string>();
  for (let round = 0; round < 2; round++)
    for (const p of s.paths) {
      const res = await fetch(base + p, { headers: headersOf(kind) });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET ${p} → HTTP ${res.status}`);
      if (round === 1) seen.add(res.headers.get("x-cache") ?? "none");
    }
  const want = s === FLOOR ? "none" : kind === "d1" ? "BYPASS" : "HIT";
  if (!seen.has(want) || seen.size !== 1) throw new Error(`${s.name} [${kind}]: X-Cache ${[...seen]} (want ${want})`);
  return want;
}

async function measure(pid: number, s: Scenario, kind: "d1" | "cache-hit"): Promise<Row> {
  const xcache = await prepare(s, kind);
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  // The last response's time, not the run's end: with `amount`, autocannon ends on its 1-s tick.
  let last = t0;
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url: base,
        connections,
        amount: requests,
        requests: s.paths.map((path) => ({ method: "GET" as const, path, headers: headersOf(kind) })),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    run.on("response", () => {
      last = performance.now();
    });
  });
  const cpu = cpuMs(pid) - cpu0;
  const wall = (last - t0) / 1000;
  const done = r.requests.total;
  return {
    scenario: s.name,
    path: kind,
    requests: done,
    errors: r.errors + r.timeouts + r.non2xx,
    cpu_ms_per_request: cpu / done,
    rps: done / wall,
    x_cache: xcache,
  };
}

/** What a profile sample's stack belongs to, by the functions on it (the bundle keeps function names). */
function apiCategory(stack: ProfileNode["callFrame"][]): string | undefined {
  if (stack[0]!.url.includes("d1-api")) return "D1 binding (its JS: request/response)";
  for (const { functionName: f, url } of stack) {
    if (url.includes("d1-api")) return "D1 binding (its JS: request/response)";
    if (f.includes("_zod") || /^(safeParse|parse|_parse)$/.test(f)) return "zod validation";
    if (/^(etagOf|sha256Hex|cacheKey|digest)$/.test(f)) return "hashing (ETag, cache key)";
    if (/^(present\w*|apply)$/.test(f) || f === "presenter") return "presenting (rows → API objects)";
    if (/Query|^(mapResultRow|escapeName|escapeParam|getSQL|toSQL|mapFromDriverValue|prepare\w*)$/.test(f))
      return "drizzle (SQL building, row mapping)";
    if (f === "stringify") return "JSON.stringify";
    if (/^(dispatch|compose|match|getPath|getQueryParams?|_getParamValue)$/.test(f)) return "Hono routing";
  }
  return undefined;
}

async function main() {
  const port = Number(new URL(base).port || 80);
  const pid = values.pid ? Number(values.pid) : listeningPid(port);
  const health = await getJson<{ version: string }>(base, "/healthz");
  const all = [FLOOR, ...(await readScenarios(base))].filter((s) => !values.only || s.name.includes(values.only));
  const inspector = values.profile
    ? await connectInspector(Number(values.inspector ?? 9229), /ssmd/, (...xs) => log(...xs))
    : null;
  const load = loadavg().map((x) => x.toFixed(2));
  const rows: Row[] = [];
  const profiles: string[] = [];
  for (const s of all) {
    for (const kind of s === FLOOR ? (["d1"] as const) : kinds) {
      if (inspector && kind === "d1") await startCpuProfile(inspector, 200);
      const row = await measure(pid, s, kind);
      if (inspector && kind === "d1") {
        const prof = await stopCpuProfile(inspector);
        if (prof)
          profiles.push(`### ${s.name} [${kind}], ${row.requests} requests\n${summarizeProfile(prof, apiCategory)}`);
      }
      rows.push(row);
      log(
        `${s.name} [${kind}]: ${row.cpu_ms_per_request.toFixed(3)} ms CPU/request, ${row.rps.toFixed(0)} req/s, ${row.errors} errors`,
      );
    }
  }
  inspector?.close();
  const loadAfter = loadavg().map((x) => x.toFixed(2));
  if (values.json) {
    console.log(
      JSON.stringify({ url: base, version: health.version, pid, requests, connections, load, loadAfter, rows }),
    );
    return;
  }
  console.log(
    `ssmd ${health.version} at ${base} (workerd pid ${pid}): ${requests} requests per row, ${connections} connections; load average ${load.join(" ")} before, ${loadAfter.join(" ")} after\n`,
  );
  console.log("| scenario | path | CPU ms/request | req/s | requests | errors |");
  console.log("|---|---|---:|---:|---:|---:|");
  for (const r of rows)
    console.log(
      `| ${r.scenario} | ${r.scenario === FLOOR.name ? "none" : r.path} | ${r.cpu_ms_per_request.toFixed(2)} | ${r.rps.toFixed(0)} | ${r.requests} | ${r.errors} |`,
    );
  for (const p of profiles) console.log(`\n${p}`);
}

main().catch((err) => {
  console.error(`bench/api-cpu: ${errorMessage(err)}`);
  process.exit(1);
});

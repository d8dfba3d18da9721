/**
 * Serves the Worker the way `npm start` runs it: the bundle `wrangler deploy` would upload
 * (`wrangler deploy --dry-run --outdir`), in workerd through Miniflare directly, with the bindings
 * of wrangler.toml and the same persisted state layout as `wrangler dev --persist-to` (so
 * `wrangler d1 migrations apply --local --persist-to` applies to the same database).
 *
 * Why not `wrangler dev`: it puts a second workerd (a proxy worker for hot reload and the
 * inspector) and a per-request log call into Node in front of the Worker, which dominated the
 * API's end-to-end latency locally (docs/decisions/0003-npm-start-through-miniflare.md). `npm run dev` keeps
 * `wrangler dev` for hot reload.
 *
 * As a command (what `npm start` runs as its child process):
 *   node scripts/serve-worker.mjs --port 8787 --persist-to .wrangler/state [--ip 127.0.0.1]
 *        [--inspector-port 9229] [--var NAME:VALUE]...
 * It exits (stopping workerd) on SIGINT/SIGTERM.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, matchesGlob, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";

const execFileP = promisify(execFile);

/**
 * Miniflare's trigger endpoint: `GET <origin>/cdn-cgi/local/scheduled?cron=…` runs scheduled() once.
 * (`wrangler dev` also accepts the legacy `/cdn-cgi/handler/scheduled`, rewriting it to this path;
 * Miniflare alone knows only this one.)
 */
export const SCHEDULED_PATH = "/cdn-cgi/local/scheduled";

/**
 * The first path segment of every route the Worker answers. `npm start` gives Miniflare these as
 * the Worker's own routes, so that its entry sends an API request to the Worker directly instead of
 * through the Static Assets router (two more JS Workers per request under Miniflare: ~0.3–0.6 ms,
 * docs/decisions/0094-api-paths-skip-the-assets-router-locally.md). A path under none of them still
 * reaches the Worker or the app through the router, as on Cloudflare: a prefix left out only costs
 * that hop. test/node/worker-routes.test.mjs checks the list against the API's routes.
 */
export const WORKER_PATH_PREFIXES = [
  "/admin",
  "/docs",
  "/events",
  "/fees",
  "/healthz",
  "/markets",
  "/mcp",
  "/openapi.json",
  "/screen",
  "/series",
  "/tickers",
  "/tools",
];

/**
 * Miniflare routes ("*" + prefix + "*", any host) for the prefixes that `run_worker_first` sends to the Worker
 * whatever follows them: its form here is `["/*", "!<path>", "!<path>/*", …]` (decision 0086). A
 * prefix that could reach one of the app's exceptions is an error, never a silent misroute; another
 * form of `run_worker_first` gets no routes (every request through the router).
 * @param {readonly string[]} prefixes
 * @param {unknown} runWorkerFirst  wrangler.toml's `assets.run_worker_first`
 * @returns {string[]}
 */
export function workerRoutes(prefixes, runWorkerFirst) {
  if (!Array.isArray(runWorkerFirst) || runWorkerFirst[0] !== "/*") return [];
  for (const rule of runWorkerFirst.slice(1)) {
    if (typeof rule !== "string" || !rule.startsWith("!")) return [];
    const glob = rule.slice(1);
    const wild = glob.endsWith("*");
    const literal = wild ? glob.slice(0, -1) : glob;
    if (literal.includes("*")) return [];
    for (const p of prefixes) {
      // Some path starting with p matches the exception: it is a prefix of p's paths, or p of its.
      if (literal.startsWith(p) || (wild && p.startsWith(literal)))
        throw new Error(`worker route prefix ${p} reaches the app's path ${glob} (run_worker_first)`);
    }
  }
  return prefixes.map((p) => `*${p}*`);
}

/**
 * Bundles the Worker with wrangler (esbuild, nodejs_compat polyfills, exactly the deploy bundle)
 * into a fresh temporary directory; returns it.
 * @param {string} root  project root (wrangler.toml)
 * @param {NodeJS.ProcessEnv} [env]  wrangler's environment
 * @returns {Promise<string>}
 */
export async function bundleWorker(root, env = process.env) {
  const outdir = mkdtempSync(join(tmpdir(), "ssmd-worker-"));
  try {
    await execFileP(join(root, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
      cwd: root,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    // execFile's rejection: an Error carrying the child's captured output.
    const e = /** @type {Error & { stdout?: string, stderr?: string }} */ (err);
    rmSync(outdir, { recursive: true, force: true });
    const detail = `${e.stderr ?? ""}${e.stdout ?? ""}`.trim().split("\n").slice(-20).join("\n");
    throw new Error(`wrangler deploy --dry-run failed: ${detail || e.message}`);
  }
  return outdir;
}

/**
 * The bundle's modules: index.js, and each file a Text rule of wrangler.toml matches (wrangler names
 * them `<hash>-<file>`); anything else is refused rather than loaded with a guessed type.
 * @param {string} dir
 * @param {{ type: string, include: string[] }[]} rules
 * @returns {{ type: "ESModule" | "Text", path: string }[]}
 */
function bundleModules(dir, rules) {
  const text = rules.filter((r) => r.type === "Text").flatMap((r) => r.include);
  /** @type {{ type: "ESModule" | "Text", path: string }[]} */
  const out = [{ type: "ESModule", path: join(dir, "index.js") }];
  for (const f of readdirSync(dir)) {
    if (f === "index.js" || f === "README.md" || f.endsWith(".map")) continue;
    if (!text.some((g) => matchesGlob(f, g)))
      throw new Error(`bundle module ${f}: no Text rule in wrangler.toml matches it`);
    out.push({ type: "Text", path: join(dir, f) });
  }
  return out;
}

/**
 * The bundle's module list for Miniflare's `modules` option, typed by wrangler.toml's [[rules]]
 * (the benches that start the bundle themselves: bench/sync.ts, bench/search.ts).
 * @param {string} root       project root (wrangler.toml)
 * @param {string} bundleDir  output of `wrangler deploy --dry-run --outdir`
 */
export async function bundleModuleList(root, bundleDir) {
  const { unstable_readConfig, unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const config = unstable_readConfig({ config: join(root, "wrangler.toml") });
  return bundleModules(bundleDir, unstable_getMiniflareWorkerOptions(config).workerOptions.modulesRules ?? []);
}

/**
 * Starts the bundled Worker in Miniflare.
 * @param {object} o
 * @param {string} o.root          project root (wrangler.toml)
 * @param {string} o.bundleDir     output of bundleWorker()
 * @param {string} o.host
 * @param {number} o.port
 * @param {string} o.persistDir    same directory as `wrangler dev --persist-to` (state lives in <dir>/v3)
 * @param {Record<string,string>} o.vars  vars/secrets overriding wrangler.toml [vars]
 * @param {number} [o.inspectorPort]      Chrome DevTools inspector port (omit: no inspector)
 * @returns {Promise<{ url: URL, dispose: () => Promise<void> }>}
 */
export async function serveWorker(o) {
  // Loaded lazily so `npm run dev` (wrangler dev) never pays for them.
  const { unstable_readConfig, unstable_getMiniflareWorkerOptions } = await import("wrangler");
  const { Miniflare, convertV4MiniflareOptions } = await import("miniflare");
  const config = unstable_readConfig({ config: join(o.root, "wrangler.toml") });
  // modulesRules describe how to bundle sources; the input here is already the bundle, whose only
  // other modules are the Text ones of wrangler.toml's [[rules]] (the /docs assets, src/api/docs.ts).
  const { modulesRules, ...workerOptions } = unstable_getMiniflareWorkerOptions(config).workerOptions;
  const modules = bundleModules(o.bundleDir, modulesRules ?? []);
  // SSMD_READ_RATE_LIMIT: READ_LIMITER's requests per address and period here instead of
  // wrangler.toml's, or "off" for none (the load benches; docs/decisions/0089-read-rate-limit.md).
  const readLimit = process.env.SSMD_READ_RATE_LIMIT;
  // wrangler's types leave `ratelimits` untyped here, as `bindings` below.
  const ratelimits = /** @type {Record<string, { simple: { limit: number } }>} */ (workerOptions.ratelimits ?? {});
  const limiter = ratelimits.READ_LIMITER;
  if (readLimit !== undefined && readLimit !== "off" && limiter) {
    if (!/^[1-9]\d*$/.test(readLimit))
      throw new Error(`SSMD_READ_RATE_LIMIT must be a positive integer, got '${readLimit}'`);
    limiter.simple.limit = Number(readLimit);
  }
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: o.host,
      port: o.port,
      inspectorPort: o.inspectorPort,
      // Offline, like wrangler dev: no fetch of request.cf data from the internet.
      cf: false,
      // GET /cdn-cgi/local/scheduled?cron=… runs scheduled() (SCHEDULED_PATH; scripts/local-cron.mjs).
      unsafeTriggerHandlers: true,
      // The same layout as `wrangler dev --persist-to <dir>`: <dir>/v3/{d1,kv,do,…}.
      resourcePersistencePath: join(o.persistDir, "v3"),
      // No per-request access log: it costs a call into Node for every request.
      logRequests: false,
      workers: [
        {
          ...workerOptions,
          // Durable Object storage is keyed by "<worker name>-<class>", as wrangler dev keys it.
          name: config.name,
          rootPath: o.root,
          modules,
          modulesRoot: o.bundleDir,
          routes: workerRoutes(WORKER_PATH_PREFIXES, config.assets?.run_worker_first),
          // wrangler's types leave `bindings` untyped here (its miniflare types are not this miniflare's).
          bindings: {
            .../** @type {Record<string, import("miniflare").Json> | undefined} */ (workerOptions.bindings),
            ...(readLimit === "off" ? { READ_RATE_LIMIT: "off" } : {}),
            ...o.vars,
          },
        },
      ],
    }),
  );
  let url;
  try {
    url = await mf.ready;
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw e;
  }
  return { url, dispose: () => mf.dispose() };
}

async function main() {
  const { values } = parseArgs({
    options: {
      ip: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8787" },
      "persist-to": { type: "string", default: ".wrangler/state" },
      "inspector-port": { type: "string" },
      var: { type: "string", multiple: true, default: [] },
    },
  });
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  /** @type {Record<string, string>} */
  const vars = {};
  for (const v of values.var) {
    const i = v.indexOf(":");
    if (i <= 0) throw new Error(`--var expects NAME:VALUE, got '${v}'`);
    vars[v.slice(0, i)] = v.slice(i + 1);
  }
  const bundleDir = await bundleWorker(root);
  process.on("exit", () => rmSync(bundleDir, { recursive: true, force: true }));
  const { url } = await serveWorker({
    root,
    bundleDir,
    host: values.ip,
    port: Number(values.port),
    persistDir: resolve(values["persist-to"]),
    vars,
    inspectorPort: values["inspector-port"] === undefined ? undefined : Number(values["inspector-port"]),
  });
  process.stderr.write(`[serve-worker] the Worker is listening on ${url.origin}\n`);
  // Miniflare's exit hook stops workerd on SIGINT/SIGTERM and exits.
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`[serve-worker] ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}

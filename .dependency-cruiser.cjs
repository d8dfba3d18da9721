/**
 * ssmd's layer rules, checked by `npm run lint:deps` (part of `npm test`). docs/architecture.md
 * ("Dependency rules") states exactly these rules; change both together.
 *
 * Imports are counted whether they carry values or only types (`tsPreCompilationDeps`), so a
 * `import type` across a forbidden edge fails as well. The SQL rule (all D1 SQL inside src/db)
 * cannot be seen in an import graph; scripts/check-sql.ts checks it in the same npm script.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "No import cycles anywhere in src, sim or cli.",
      from: { path: "^(src|sim|cli)/" },
      to: { circular: true },
    },
    {
      name: "lib-is-a-leaf",
      severity: "error",
      comment:
        "src/lib (the shared toolbox) may be imported by every layer and imports nothing from other src folders.",
      from: { path: "^src/lib/" },
      to: { path: "^src/", pathNot: "^src/lib/" },
    },
    {
      name: "domain-is-a-leaf",
      severity: "error",
      comment: "src/domain (ssmd's own content types and status rule) imports only src/lib.",
      from: { path: "^src/domain/" },
      to: { path: "^src/", pathNot: "^src/(domain|lib)/" },
    },
    {
      name: "kalshi-not-db",
      severity: "error",
      comment: "The Kalshi wire layer does not know the database: it produces src/domain content types.",
      from: { path: "^src/kalshi/" },
      to: { path: "^src/db/" },
    },
    {
      name: "db-not-upper-layers",
      severity: "error",
      comment: "src/db is below sync, kalshi and api (and stream, cache): it imports only src/domain and src/lib.",
      from: { path: "^src/db/" },
      to: { path: "^src/(sync|kalshi|api|stream|cache)/" },
    },
    {
      name: "api-not-kalshi",
      severity: "error",
      comment:
        "The API never calls Kalshi: it imports nothing from src/kalshi — not the wire client (client.ts), nor the wire schemas or parsers. The status tables it validates with are ssmd's vocabulary, in src/domain/status.ts.",
      from: { path: "^src/api/" },
      to: { path: "^src/kalshi/" },
    },
    {
      name: "pure-not-db",
      severity: "error",
      comment: "Builders and fee math are pure: no database.",
      from: { path: "^src/(builders|fees)/" },
      to: { path: "^src/db/" },
    },
    {
      name: "pure-not-runtime",
      severity: "error",
      comment:
        "Builders and fee math are pure: no Cloudflare runtime modules (cloudflare:*, @cloudflare/*, wrangler, miniflare).",
      from: { path: "^src/(builders|fees)/" },
      to: { path: "^(cloudflare:|(node_modules/)?(@cloudflare/|wrangler|miniflare))" },
    },
    {
      name: "stream-not-cache",
      severity: "error",
      comment:
        "The stream layer does not know the cache: invalidation is injected (src/index.ts overrides IngestObject.onNewTickerDays).",
      from: { path: "^src/stream/" },
      to: { path: "^src/cache/" },
    },
    {
      name: "sim-not-src",
      severity: "error",
      comment:
        "The simulator is the test oracle: it keeps its own copy of the wire facts (test/sim/wire-facts.test.ts compares them). It may use the toolbox src/lib (which imports nothing else from src) except src/lib/decimal.ts: the simulator formats the wire's decimals itself, so a decimal bug cannot hide on both sides.",
      from: { path: "^sim/" },
      to: { path: "^src/", pathNot: "^src/lib/(?!decimal\\.ts$)" },
    },
    {
      name: "app-only-the-client",
      severity: "error",
      comment:
        "The web app (browser code) reaches the Worker's code only through the typed client (src/api/client.ts) and the live messages' types (src/stream/live.ts, imported as types: the bundle gets none of it).",
      from: { path: "^app/" },
      to: { path: "^(src|sim|cli)/", pathNot: "^src/api/client\\.ts$|^src/stream/live\\.ts$" },
    },
    {
      name: "drizzle-only-in-db",
      severity: "error",
      comment: "Part of 'all SQL inside src/db': only src/db builds queries with drizzle.",
      from: { path: "^(src|sim|cli)/", pathNot: "^src/db/" },
      to: { path: "(^|/)node_modules/drizzle-(orm|kit)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    builtInModules: { add: ["cloudflare:workers", "cloudflare:sockets", "cloudflare:email"] },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".d.ts", ".js", ".mjs", ".cjs", ".json"] },
  },
};

/**
 * Answers a read route through the KV read-through cache, with the HTTP caching headers that fit
 * its staleness bound. `hono/etag` (mounted in app.ts) turns a matching If-None-Match into 304.
 */
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";
import type { CacheScope } from "../cache/generation";
import { readThrough } from "../cache/read-through";
import type { AppEnv } from "./factory";

/**
 * Browsers/CDNs may keep an answer 10 s, then must revalidate (cheap: ETag → 304). Together with
 * the KV staleness bound (~65 s, see src/cache/generation.ts) no client sees data older than
 * ~75 s after a sync finished.
 */
export const READ_CACHE_CONTROL = "public, max-age=10, must-revalidate";
/** KV expiration of cached answers; superseded generations simply expire. */
export const CACHE_TTL_SECONDS = 3600;

/** Key of the logical request: path + validated query with defaults applied, keys sorted. */
export function canonicalRequestKey(path: string, query: Record<string, unknown>): string {
  const entries = Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${path}?${JSON.stringify(entries)}`;
}

function waitUntilOf(c: Context): ((p: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return undefined; // no ExecutionContext (e.g. app.request in unit tests)
  }
}

/**
 * What the client itself accepts. Cloudflare's edge (and Miniflare, emulating it) rewrites the
 * request's Accept-Encoding to what the edge speaks and keeps the client's own header in
 * `request.cf.clientAcceptEncoding` ("" when the client sent none): a pre-compressed body must be
 * chosen from that, or a client without gzip support (curl by default) gets gzip bytes.
 */
export function clientAcceptEncoding(req: Request): string | null {
  const cf = (req as { cf?: { clientAcceptEncoding?: unknown } }).cf;
  if (typeof cf?.clientAcceptEncoding === "string") return cf.clientAcceptEncoding;
  return req.headers.get("Accept-Encoding");
}

export async function cachedJson<T>(
  c: Context<AppEnv>,
  opts: { scopes: readonly CacheScope[]; query: Record<string, unknown>; load: () => Promise<T> },
): Promise<TypedResponse<JSONParsed<T>, 200, "json">> {
  const t0 = performance.now();
  const cached = await readThrough({
    kv: c.env.CACHE,
    key: canonicalRequestKey(c.req.path, opts.query),
    scopes: opts.scopes,
    ttlSeconds: CACHE_TTL_SECONDS,
    load: async () => JSON.stringify(await opts.load()),
    waitUntil: waitUntilOf(c),
    // `Cache-Control: no-cache` (e.g. a hard refresh) asks for an answer checked with the origin: D1.
    bypass: /(^|,)\s*no-cache\s*(,|$)/i.test(c.req.header("Cache-Control") ?? ""),
    acceptEncoding: clientAcceptEncoding(c.req.raw),
  });
  // Server-side time of the read (KV/D1 I/O included; workerd's clock advances only across I/O, so
  // a pure in-memory hit reads 0).
  const source = cached.status === "hit" ? (cached.tier === "memory" ? "memory" : "kv") : "d1";
  const dur = (performance.now() - t0).toFixed(1);
  const headers: Record<string, string> = {
    "Server-Timing": `${source};dur=${dur}`,
    "Content-Type": "application/json; charset=UTF-8",
    ETag: cached.etag,
    "Cache-Control": READ_CACHE_CONTROL,
    // The body's coding depends on Accept-Encoding (a cached answer is served gzip-compressed).
    Vary: "Accept-Encoding",
    "X-Cache": cached.status.toUpperCase(),
    ...(cached.tier ? { "X-Cache-Tier": cached.tier } : {}),
  };
  // Already-compressed bytes: `encodeBody: "manual"` makes the runtime send them as they are.
  const res =
    cached.encoding === "gzip"
      ? new Response(cached.body, {
          status: 200,
          headers: { ...headers, "Content-Encoding": "gzip" },
          encodeBody: "manual",
        })
      : c.body(cached.body, 200, headers);
  // The body is exactly JSON.stringify of a T built by the typed loader (or a cached copy of it).
  return res as unknown as TypedResponse<JSONParsed<T>, 200, "json">;
}

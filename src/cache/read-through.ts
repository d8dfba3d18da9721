/**
 * Read-through JSON cache: KV first, D1 (the loader) on a miss, keyed by the logical request and
 * the generation tokens of the scopes the answer depends on (see generation.ts).
 *
 * KV writes are bounded: a key is written at most once per generation (keys embed generations),
 * and fills are rate-limited per isolate by a token bucket, so a scan of random query strings can
 * not turn into unbounded KV write cost; beyond the budget answers are served from D1 uncached.
 * Every read, miss, fill and skipped fill is counted (`cacheStats`).
 */
import { currentGenerations, type CacheScope } from "./generation";

export interface ReadThroughOptions {
  kv: KVNamespace;
  /** Logical identity of the answer, e.g. "/markets?{canonical query}". Hashed into the KV key. */
  key: string;
  scopes: readonly CacheScope[];
  /** KV expiration of a filled entry (seconds, ≥ 60). Entries of old generations just expire. */
  ttlSeconds: number;
  /** Builds the JSON body on a miss (D1). */
  load: () => Promise<string>;
  /** Keeps the KV write alive after the response is sent (ExecutionContext.waitUntil). */
  waitUntil?: (p: Promise<unknown>) => void;
  /** Skip KV entirely (the client asked for `Cache-Control: no-cache`): load from D1, write nothing. */
  bypass?: boolean;
  now?: number;
}

export interface CachedBody {
  body: string;
  etag: string;
  /** hit: served from KV; miss: loaded and written; bypass: loaded, not written (budget/size/KV error). */
  status: "hit" | "miss" | "bypass";
}

/** Entries larger than this are not cached (KV allows 25 MiB; big pages are rare and cheap to rebuild). */
export const MAX_CACHED_BYTES = 2 * 1024 * 1024;
/** Fill budget per isolate: sustained writes per second and burst. */
export const FILL_RATE_PER_SECOND = 20;
export const FILL_BURST = 100;

export const cacheStats = { hits: 0, misses: 0, bypasses: 0, fills: 0, fills_skipped: 0, fill_errors: 0, read_errors: 0 };

const bucket = { tokens: FILL_BURST, at: 0 };

function takeFillToken(now: number): boolean {
  const elapsed = Math.max(0, now - bucket.at) / 1000;
  bucket.tokens = Math.min(FILL_BURST, bucket.tokens + elapsed * FILL_RATE_PER_SECOND);
  bucket.at = now;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Strong ETag of a body: its SHA-256 (first 128 bits), quoted. */
export async function etagOf(body: string): Promise<string> {
  return `"${(await sha256Hex(body)).slice(0, 32)}"`;
}

export async function cacheKey(key: string, generations: readonly string[]): Promise<string> {
  return `r1:${generations.join(".")}:${await sha256Hex(key)}`;
}

export async function readThrough(o: ReadThroughOptions): Promise<CachedBody> {
  const now = o.now ?? Date.now();
  if (o.bypass) {
    cacheStats.bypasses += 1;
    const body = await o.load();
    return { body, etag: await etagOf(body), status: "bypass" };
  }
  let kvKey: string | null = null;
  try {
    kvKey = await cacheKey(o.key, await currentGenerations(o.kv, o.scopes, now));
    const got = await o.kv.getWithMetadata<{ etag?: string }>(kvKey, "text");
    if (got.value !== null) {
      cacheStats.hits += 1;
      const etag = got.metadata?.etag ?? (await etagOf(got.value));
      return { body: got.value, etag, status: "hit" };
    }
  } catch (err) {
    // KV unavailable: serve from D1 rather than fail the read.
    cacheStats.read_errors += 1;
    console.warn(JSON.stringify({ level: "warn", msg: "kv read failed", error: String(err) }));
    kvKey = null;
  }
  cacheStats.misses += 1;
  const body = await o.load();
  const etag = await etagOf(body);
  if (kvKey === null || body.length > MAX_CACHED_BYTES || !takeFillToken(now)) {
    cacheStats.fills_skipped += 1;
    return { body, etag, status: "bypass" };
  }
  const write = o.kv
    .put(kvKey, body, { expirationTtl: Math.max(60, o.ttlSeconds), metadata: { etag } })
    .then(() => {
      cacheStats.fills += 1;
    })
    .catch((err: unknown) => {
      // e.g. two isolates filling the same key within a second (KV's 1 write/s per key).
      cacheStats.fill_errors += 1;
      console.warn(JSON.stringify({ level: "warn", msg: "kv fill failed", error: String(err) }));
    });
  if (o.waitUntil) o.waitUntil(write);
  else await write;
  return { body, etag, status: "miss" };
}

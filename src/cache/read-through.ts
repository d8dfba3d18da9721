/**
 * Read-through JSON cache: a small in-isolate LRU (L1), then KV, then D1 (the loader) on a miss,
 * keyed by the logical request and the generation tokens of the scopes the answer depends on (see
 * generation.ts). L1 entries are keyed exactly like KV entries, so a bumped generation makes them
 * unreachable too: L1 adds no staleness beyond the generation memo.
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
  /** UTF-8 JSON. */
  body: Uint8Array<ArrayBuffer>;
  etag: string;
  /** hit: served from the isolate's memory or KV; miss: loaded and written; bypass: loaded, not written. */
  status: "hit" | "miss" | "bypass";
  /** Where a hit came from. */
  tier?: "memory" | "kv";
}

/** Entries larger than this are not cached (KV allows 25 MiB; big pages are rare and cheap to rebuild). */
export const MAX_CACHED_BYTES = 2 * 1024 * 1024;
/** Fill budget per isolate: sustained writes per second and burst. */
export const FILL_RATE_PER_SECOND = 20;
export const FILL_BURST = 100;

/** In-isolate LRU budget (an isolate has 128 MB) and the largest body it keeps. */
export const MEMORY_CACHE_BYTES = 16 * 1024 * 1024;
export const MEMORY_CACHE_MAX_ENTRY = 1024 * 1024;

export const cacheStats = {
  hits: 0,
  memory_hits: 0,
  misses: 0,
  bypasses: 0,
  fills: 0,
  fills_skipped: 0,
  fill_errors: 0,
  read_errors: 0,
};

interface MemoryEntry {
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}
/** Map iteration order is insertion order: re-inserting on use makes the first key the LRU one. */
const memory = new Map<string, MemoryEntry>();
let memoryBytes = 0;

function rememberInMemory(key: string, entry: MemoryEntry): void {
  if (entry.body.byteLength > MEMORY_CACHE_MAX_ENTRY) return;
  const old = memory.get(key);
  if (old) {
    memoryBytes -= old.body.byteLength;
    memory.delete(key);
  }
  memory.set(key, entry);
  memoryBytes += entry.body.byteLength;
  while (memoryBytes > MEMORY_CACHE_BYTES) {
    const oldest = memory.keys().next();
    if (oldest.done) break;
    memoryBytes -= memory.get(oldest.value)!.body.byteLength;
    memory.delete(oldest.value);
  }
}

function recallFromMemory(key: string): MemoryEntry | undefined {
  const e = memory.get(key);
  if (e) {
    memory.delete(key);
    memory.set(key, e);
  }
  return e;
}

/** Empties the in-isolate cache (tests). */
export function forgetMemoryCache(): void {
  memory.clear();
  memoryBytes = 0;
}

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
export async function etagOf(body: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", body);
  return `"${Array.from(new Uint8Array(digest).subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("")}"`;
}

export async function cacheKey(key: string, generations: readonly string[]): Promise<string> {
  return `r1:${generations.join(".")}:${await sha256Hex(key)}`;
}

export async function readThrough(o: ReadThroughOptions): Promise<CachedBody> {
  const now = o.now ?? Date.now();
  const load = async () => new TextEncoder().encode(await o.load()) as Uint8Array<ArrayBuffer>;
  if (o.bypass) {
    cacheStats.bypasses += 1;
    const body = await load();
    return { body, etag: await etagOf(body), status: "bypass" };
  }
  let kvKey: string | null = null;
  try {
    kvKey = await cacheKey(o.key, await currentGenerations(o.kv, o.scopes, now));
    const mem = recallFromMemory(kvKey);
    if (mem) {
      cacheStats.hits += 1;
      cacheStats.memory_hits += 1;
      return { body: mem.body, etag: mem.etag, status: "hit", tier: "memory" };
    }
    const got = await o.kv.getWithMetadata<{ etag?: string }>(kvKey, "arrayBuffer");
    if (got.value !== null) {
      cacheStats.hits += 1;
      const body = new Uint8Array(got.value);
      const etag = got.metadata?.etag ?? (await etagOf(body));
      rememberInMemory(kvKey, { body, etag });
      return { body, etag, status: "hit", tier: "kv" };
    }
  } catch (err) {
    // KV unavailable: serve from D1 rather than fail the read.
    cacheStats.read_errors += 1;
    console.warn(JSON.stringify({ level: "warn", msg: "kv read failed", error: String(err) }));
    kvKey = null;
  }
  cacheStats.misses += 1;
  const body = await load();
  const etag = await etagOf(body);
  if (kvKey !== null) rememberInMemory(kvKey, { body, etag }); // memory costs no KV write
  if (kvKey === null || body.byteLength > MAX_CACHED_BYTES || !takeFillToken(now)) {
    cacheStats.fills_skipped += 1;
    return { body, etag, status: "bypass" };
  }
  // Counted when issued (a KV write is billed whether or not it later fails).
  cacheStats.fills += 1;
  const write = o.kv
    .put(kvKey, body, { expirationTtl: Math.max(60, o.ttlSeconds), metadata: { etag } })
    .catch((err: unknown) => {
      // e.g. two isolates filling the same key within a second (KV's 1 write/s per key).
      cacheStats.fill_errors += 1;
      console.warn(JSON.stringify({ level: "warn", msg: "kv fill failed", error: String(err) }));
    });
  if (o.waitUntil) o.waitUntil(write);
  else await write;
  return { body, etag, status: "miss" };
}

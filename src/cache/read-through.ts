/**
 * Read-through JSON cache: a small in-isolate LRU (L1), then KV, then D1 (the loader) on a miss,
 * keyed by the logical request and the generation tokens of the scopes the answer depends on (see
 * generation.ts). L1 entries are keyed exactly like KV entries, so a bumped generation makes them
 * unreachable too: L1 adds no staleness beyond the generation memo.
 *
 * KV writes are bounded: a key is written at most once per generation (keys embed generations),
 * and fills are rate-limited per isolate by a token bucket, so a scan of random query strings can
 * not turn into unbounded KV write cost. A miss beyond the budget is still kept in memory, marked
 * unfilled, and written to KV by a later hit of it once the bucket has a token: an answer read
 * from D1 and asked for again reaches KV, so a steady spread of URLs converges to hits in every
 * isolate (docs/decisions/0096-deferred-cache-fills.md). Every read, miss, fill and skipped fill is
 * counted (`cacheStats`).
 *
 * The memory tier is keyed by the generations and the logical key as they are; only a memory miss
 * hashes them into the KV key (no SHA-256 per memory hit).
 *
 * Cached bodies of GZIP_MIN_BYTES or more are kept gzip-compressed (compressed once, at fill time):
 * KV stores the gzip bytes, and a hit is served as is to a client that accepts gzip — no
 * serialization, hashing or compression per hit. A client that does not accept gzip gets the
 * identity bytes (decompressed once per isolate and kept in memory beside the gzip copy).
 */
import { log } from "../lib/log";
import { acceptsGzip, gunzip, gzip, GZIP_MIN_BYTES } from "./content-encoding";
import { currentGenerations, memoizedGenerations, type CacheScope } from "./generation";

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
  /** The client's Accept-Encoding: a cached gzip body is returned as is when it allows gzip. */
  acceptEncoding?: string | null;
  now?: number;
}

export interface CachedBody {
  /** UTF-8 JSON, gzip-compressed when `encoding` is "gzip". */
  body: Uint8Array<ArrayBuffer>;
  encoding: "identity" | "gzip";
  /** Strong ETag of the JSON; the gzip representation carries its weak form (see `representation`). */
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
  /** Of `fills`: written by a later hit of an answer whose own fill the budget refused. */
  fills_deferred: 0,
  fills_skipped: 0,
  fill_errors: 0,
  read_errors: 0,
};

/** A cached answer: at least one of `identity` / `gzip` is set. */
interface MemoryEntry {
  identity: Uint8Array<ArrayBuffer> | null;
  gzip: Uint8Array<ArrayBuffer> | null;
  etag: string;
  /** The KV key of an answer loaded from D1 whose fill the budget refused; null once written (or from KV). */
  unfilled: string | null;
}

const entryBytes = (e: MemoryEntry) => (e.identity?.byteLength ?? 0) + (e.gzip?.byteLength ?? 0);
/** Map iteration order is insertion order: re-inserting on use makes the first key the LRU one. */
const memory = new Map<string, MemoryEntry>();
let memoryBytes = 0;

function rememberInMemory(key: string, entry: MemoryEntry): void {
  const old = memory.get(key);
  if (old) {
    memoryBytes -= entryBytes(old);
    memory.delete(key);
  }
  if (entryBytes(entry) > MEMORY_CACHE_MAX_ENTRY) return;
  memory.set(key, entry);
  memoryBytes += entryBytes(entry);
  while (memoryBytes > MEMORY_CACHE_BYTES) {
    const oldest = memory.keys().next();
    if (oldest.done) break;
    memoryBytes -= entryBytes(memory.get(oldest.value)!);
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

/** A full bucket as of `now` (tests that run on a clock of their own). */
export function resetFillBudget(now: number): void {
  bucket.tokens = FILL_BURST;
  bucket.at = now;
}

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

/** The memory tier's key: the same generations and logical key as the KV key, unhashed. */
function memoryKey(key: string, generations: readonly string[]): string {
  return `${generations.join(".")}\n${key}`;
}

/** `r2`: values are gzip bytes (metadata `encoding: "gzip"`) or identity JSON. */
export async function cacheKey(key: string, generations: readonly string[]): Promise<string> {
  return `r2:${generations.join(".")}:${await sha256Hex(key)}`;
}

interface KvMetadata {
  etag?: string;
  encoding?: "gzip" | "identity";
}

/**
 * The representation of a cached entry for this client: the gzip bytes as they are when it accepts
 * gzip, else the identity bytes (decompressed once and kept in the entry). The gzip representation
 * carries the weak form of the ETag, as Cloudflare's edge marks an ETag when it compresses:
 * If-None-Match compares weakly, so either form revalidates.
 */
async function representation(
  key: string | null,
  e: MemoryEntry,
  wantGzip: boolean,
): Promise<{ body: Uint8Array<ArrayBuffer>; encoding: "identity" | "gzip"; etag: string }> {
  if (e.gzip && (wantGzip || !e.identity)) {
    if (wantGzip) return { body: e.gzip, encoding: "gzip", etag: `W/${e.etag}` };
    e.identity = await gunzip(e.gzip);
    if (key !== null) rememberInMemory(key, e); // re-account the entry's size
  }
  return { body: e.identity!, encoding: "identity", etag: e.etag };
}

/** Writes an entry to KV (counted when issued: a KV write is billed whether or not it later fails). */
function fill(o: ReadThroughOptions, kvKey: string, e: MemoryEntry): Promise<void> {
  cacheStats.fills += 1;
  const metadata: KvMetadata = { etag: e.etag, encoding: e.gzip ? "gzip" : "identity" };
  const write = o.kv
    .put(kvKey, (e.gzip ?? e.identity)!, { expirationTtl: Math.max(60, o.ttlSeconds), metadata })
    .catch((err: unknown) => {
      // e.g. two isolates filling the same key within a second (KV's 1 write/s per key).
      cacheStats.fill_errors += 1;
      log("warn", "kv fill failed", { error: String(err) });
    });
  if (o.waitUntil) {
    o.waitUntil(write);
    return Promise.resolve();
  }
  return write;
}

export async function readThrough(o: ReadThroughOptions): Promise<CachedBody> {
  const now = o.now ?? Date.now();
  const load = async () => new TextEncoder().encode(await o.load()) as Uint8Array<ArrayBuffer>;
  if (o.bypass) {
    cacheStats.bypasses += 1;
    const body = await load();
    return { body, encoding: "identity", etag: await etagOf(body), status: "bypass" };
  }
  const wantGzip = acceptsGzip(o.acceptEncoding);
  let kvKey: string | null = null;
  let memKey: string | null = null;
  try {
    const generations = memoizedGenerations(o.scopes, now) ?? (await currentGenerations(o.kv, o.scopes, now));
    memKey = memoryKey(o.key, generations);
    const mem = recallFromMemory(memKey);
    if (mem) {
      cacheStats.hits += 1;
      cacheStats.memory_hits += 1;
      if (mem.unfilled !== null && takeFillToken(now)) {
        const key = mem.unfilled;
        mem.unfilled = null;
        cacheStats.fills_deferred += 1;
        await fill(o, key, mem);
      }
      return { ...(await representation(memKey, mem, wantGzip)), status: "hit", tier: "memory" };
    }
    kvKey = await cacheKey(o.key, generations);
    const got = await o.kv.getWithMetadata<KvMetadata>(kvKey, "arrayBuffer");
    if (got.value !== null) {
      cacheStats.hits += 1;
      const bytes = new Uint8Array(got.value);
      const gz = got.metadata?.encoding === "gzip";
      const entry: MemoryEntry = {
        identity: gz ? null : bytes,
        gzip: gz ? bytes : null,
        etag: got.metadata?.etag ?? "",
        unfilled: null,
      };
      if (!entry.etag) entry.etag = await etagOf(entry.identity ?? (entry.identity = await gunzip(bytes)));
      rememberInMemory(memKey, entry);
      return { ...(await representation(memKey, entry, wantGzip)), status: "hit", tier: "kv" };
    }
  } catch (err) {
    // KV unavailable: serve from D1 rather than fail the read.
    cacheStats.read_errors += 1;
    log("warn", "kv read failed", { error: String(err) });
    kvKey = null;
    memKey = null;
  }
  cacheStats.misses += 1;
  const body = await load();
  const etag = await etagOf(body);
  const cacheable = kvKey !== null && memKey !== null && body.byteLength <= MAX_CACHED_BYTES;
  // Compressed once here, so that no hit has to compress it again.
  const entry: MemoryEntry = {
    identity: body,
    gzip: cacheable && body.byteLength >= GZIP_MIN_BYTES ? await gzip(body) : null,
    etag,
    unfilled: null,
  };
  const answer = await representation(null, entry, wantGzip);
  if (!cacheable) {
    cacheStats.fills_skipped += 1;
    return { ...answer, status: "bypass" };
  }
  const filled = takeFillToken(now);
  // Kept in memory either way (memory costs no KV write); refused by the budget, it is filled later.
  if (!filled) entry.unfilled = kvKey;
  rememberInMemory(memKey!, entry);
  if (!filled) {
    cacheStats.fills_skipped += 1;
    return { ...answer, status: "bypass" };
  }
  await fill(o, kvKey!, entry);
  return { ...answer, status: "miss" };
}

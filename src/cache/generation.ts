/**
 * Generation-based invalidation. Each cache scope has a generation token in KV (`gen:<scope>`);
 * every cached entry's key embeds the tokens of the scopes it was built from. A sync that changed
 * rows calls `bumpGenerations` once with the scopes it touched: new tokens make every older entry
 * unreachable at once (old entries then expire on their own TTL), so a sync never deletes keys one
 * by one and costs at most one KV write per scope.
 *
 * Staleness bound (docs/decisions/0035-kv-cache-generations.md): after `bumpGenerations` resolves, a reader in another
 * isolate sees the new token once KV has propagated it (Cloudflare documents "up to 60 s") plus
 * this module's in-isolate memo (GENERATION_MEMO_MS). Readers in the isolate that bumped see it at
 * once. So no answer is staler than ~65 s after a finished sync.
 */

export type CacheScope = "markets" | "events" | "series" | "fees" | "tickers";
export const CACHE_SCOPES: readonly CacheScope[] = ["markets", "events", "series", "fees", "tickers"];

/** How long an isolate reuses generation tokens it read from KV before reading them again. */
export const GENERATION_MEMO_MS = 5_000;

const KEY_PREFIX = "gen:";
const INITIAL_GENERATION = "0";

interface Memo {
  value: string;
  until: number;
}
const memo = new Map<CacheScope, Memo>();

export const generationStats = { bumps: 0, kv_writes: 0, kv_reads: 0 };

export function generationKey(scope: CacheScope): string {
  return KEY_PREFIX + scope;
}

function newToken(now: number): string {
  const rnd = new Uint8Array(6);
  crypto.getRandomValues(rnd);
  return `${now.toString(36)}-${Array.from(rnd, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Gives each scope a fresh generation token (one KV write per distinct scope). Tokens are random,
 * not counters, so two concurrent bumps never need a read-modify-write and never collide.
 */
export async function bumpGenerations(kv: KVNamespace, scopes: CacheScope[], now = Date.now()): Promise<void> {
  const distinct = [...new Set(scopes)];
  if (distinct.length === 0) return;
  await Promise.all(
    distinct.map(async (scope) => {
      const value = newToken(now);
      await kv.put(generationKey(scope), value);
      memo.set(scope, { value, until: now + GENERATION_MEMO_MS });
    }),
  );
  generationStats.bumps += 1;
  generationStats.kv_writes += distinct.length;
}

/**
 * The tokens of `scopes` if every one is memoized and fresh, else undefined: the hit path's common
 * case, answered without a promise per scope.
 */
export function memoizedGenerations(scopes: readonly CacheScope[], now = Date.now()): string[] | undefined {
  const out: string[] = [];
  for (const scope of scopes) {
    const m = memo.get(scope);
    if (!m || m.until <= now) return undefined;
    out.push(m.value);
  }
  return out;
}

/** Current tokens of `scopes`, in order; a scope never bumped has the initial token. */
export async function currentGenerations(
  kv: KVNamespace,
  scopes: readonly CacheScope[],
  now = Date.now(),
): Promise<string[]> {
  return Promise.all(
    scopes.map(async (scope) => {
      const m = memo.get(scope);
      if (m && m.until > now) return m.value;
      generationStats.kv_reads += 1;
      const value = (await kv.get(generationKey(scope))) ?? INITIAL_GENERATION;
      memo.set(scope, { value, until: now + GENERATION_MEMO_MS });
      return value;
    }),
  );
}

/** Helpers shared by the tests that run the ingest object against simulator worlds. */
import { env } from "cloudflare:test";

export interface World {
  id: string;
  base_url: string;
  ws_url: string;
  control_url: string;
}

/** GET (or POST `body` as JSON to) a simulator URL; throws on a non-2xx answer. */
export async function sim<T>(url: string, body?: unknown): Promise<T> {
  const res = await fetch(
    url,
    body === undefined
      ? {}
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) },
  );
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export const ingest = (feed: string) => env.INGEST.get(env.INGEST.idFromName(feed));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every 50 ms until it returns a truthy value. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

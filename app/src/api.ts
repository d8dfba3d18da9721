/**
 * The app's one way to the API: the typed `hc` client (src/api/client.ts), so every path, query
 * parameter and answer is checked against the routes the Worker serves.
 */
import type { ClientResponse } from "hono/client";
import { createClient } from "../../src/api/client";
import { fetchTakingPreload } from "./first-markets";

/** The explorer's first GET /markets is the one index.html already started, if it did. */
export const api = createClient(location.origin, { fetch: fetchTakingPreload });

/** An admin client with the token of this tab (sessionStorage: never sent anywhere but here). */
export const adminApi = (token: string) => createClient(location.origin, { token });

/** An API error answer (`{"error": {code, message}}`) as an exception. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The 2xx body of a client call; anything else throws ApiFailure with the API's own message. */
// biome-ignore lint/suspicious/noExplicitAny: the union of a route's declared answers
export async function ok<R extends ClientResponse<any, any, any>>(
  call: Promise<R>,
): Promise<Awaited<ReturnType<Extract<R, { ok: true }>["json"]>>> {
  const res = await call;
  const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok) {
    throw new ApiFailure(res.status, body?.error?.code ?? "http", body?.error?.message ?? `HTTP ${res.status}`);
  }
  return body as never;
}

/**
 * Typed client for TypeScript users (Hono's `hc`): paths, query parameters and response bodies
 * are inferred from the same route definitions the server validates with.
 *
 *   import { createClient } from "ssmd/src/api/client";
 *   const api = createClient("http://127.0.0.1:8787");
 *   const res = await api.markets.$get({ query: { status: "open", limit: "10" } });
 *   if (res.ok) for (const m of (await res.json()).markets) console.log(m.ticker, m.yes_bid);
 */
import { hc } from "hono/client";
import type { app } from "./app";

export type AppType = typeof app;

export interface ClientOptions {
  /** Sent as `Authorization: Bearer …` (admin routes). */
  token?: string;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

export function createClient(baseUrl: string, opts: ClientOptions = {}) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  return hc<AppType>(baseUrl.replace(/\/+$/, ""), { headers, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
}

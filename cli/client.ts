/**
 * The CLI's HTTP calls: the typed `hc` client of src/api/client.ts (paths, query parameters and
 * answers inferred from the server's own routes), with the CLI's error handling around each call —
 * an unreachable server, a non-JSON body or an error answer becomes one-line `CliError`.
 */
import type { ClientResponse } from "hono/client";
import { createClient } from "../src/api/client";

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The HTTP status and parsed body of an error answer. */
    readonly status: number | null = null,
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = "CliError";
  }
}

const TIMEOUT_MS = 30_000;

export interface Api {
  baseUrl: string;
  client: ReturnType<typeof createClient>;
}

/** The client for `baseUrl`, every request with the bearer token (when set) and a timeout. */
export function connect(baseUrl: string, token: string | undefined, fetchImpl: typeof fetch): Api {
  const url = baseUrl.replace(/\/+$/, "");
  return {
    baseUrl: url,
    client: createClient(url, {
      token,
      fetch: (input, init) => fetchImpl(input, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) }),
    }),
  };
}

/** The body of a success answer (2xx) of a typed call. */
type Ok<R> = R extends ClientResponse<infer T, infer S, string> ? (S extends 200 | 201 | 202 ? T : never) : never;

function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "timed out";
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** Sends one typed request (`label`: "GET /markets", for messages) and returns its JSON answer. */
export async function call<R extends ClientResponse<unknown, number, string>>(
  api: Api,
  label: string,
  send: () => Promise<R>,
): Promise<Ok<R>> {
  let res: R;
  try {
    res = await send();
  } catch (err) {
    throw new CliError(
      `cannot reach ssmd at ${api.baseUrl} (${describeNetworkError(err)}); is it running? set SSMD_URL to point elsewhere`,
    );
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    throw new CliError(`${label}: HTTP ${res.status} with a non-JSON body from ${api.baseUrl}`);
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
    let msg = `${label} failed: HTTP ${res.status}${err?.code ? ` ${err.code}` : ""}: ${err?.message ?? res.statusText ?? "error"}`;
    if (res.status === 401) msg += " (set SSMD_TOKEN to the server's SSMD_ADMIN_TOKEN)";
    throw new CliError(msg, 1, res.status, data);
  }
  return data as Ok<R>;
}

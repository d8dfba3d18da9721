/**
 * HTTP calls of the CLI to the ssmd service. `fetch` is injected so the commands are testable
 * without a network; errors become one-line `CliError`s (unreachable server, error JSON).
 */

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  token?: string;
  fetch: typeof fetch;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
}

interface ErrorBody {
  error?: { code?: string; message?: string };
}

function describeNetworkError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "timed out";
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

export class ApiClient {
  readonly baseUrl: string;
  constructor(private readonly o: ApiClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, "");
  }

  async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<{ status: number; data: T }> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.o.token) headers.Authorization = `Bearer ${this.o.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let res: Response;
    try {
      res = await this.o.fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new CliError(
        `cannot reach ssmd at ${this.baseUrl} (${describeNetworkError(err)}); is it running? set SSMD_URL to point elsewhere`,
      );
    }
    const text = await res.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      throw new CliError(`${method} ${path}: HTTP ${res.status} with a non-JSON body from ${this.baseUrl}`);
    }
    if (!res.ok) {
      const err = (data as ErrorBody | null)?.error;
      let msg = `${method} ${path} failed: HTTP ${res.status}${err?.code ? ` ${err.code}` : ""}: ${err?.message ?? res.statusText ?? "error"}`;
      if (res.status === 401) msg += " (set SSMD_TOKEN to the server's SSMD_ADMIN_TOKEN)";
      const e = new CliError(msg);
      (e as CliError & { status?: number; body?: unknown }).status = res.status;
      (e as CliError & { status?: number; body?: unknown }).body = data;
      throw e;
    }
    return { status: res.status, data: data as T };
  }

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
    const qs = q.toString();
    return this.request<T>("GET", qs ? `${path}?${qs}` : path).then((r) => r.data);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, body).then((r) => r.data);
  }
}

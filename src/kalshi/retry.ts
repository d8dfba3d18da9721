/** Retry policy for Kalshi requests: which failures retry, and how long to wait before the next try (RETRY_POLICIES.kalshiRequest). */
import { backoffDelayMs, RETRY_POLICIES } from "../lib/backoff";

export interface BackoffOptions {
  /** First delay ceiling. Default 250 ms. */
  baseMs?: number;
  /** Largest delay ceiling. Default 10 s. */
  maxMs?: number;
  /** Longest Retry-After honoured (a larger one is capped). Default 60 s. */
  maxRetryAfterMs?: number;
  random?: () => number;
}

/** 429 (rate limited) and 5xx are transient; other statuses are answers. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/**
 * `Retry-After` header → milliseconds from `nowMs`: delta-seconds ("5", "0.5") or an HTTP-date.
 * null when absent or unparseable.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | null {
  if (header == null) return null;
  const t = header.trim();
  if (t === "") return null;
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const at = Date.parse(t);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * Delay before retry number `attempt` (0 = the first retry): "full jitter" exponential backoff,
 * random in [0, min(max, base·2^attempt)], so many clients never retry in lockstep. A server's
 * Retry-After is a floor: the wait is at least that long (plus a little jitter so a burst of
 * rate-limited callers does not return at the same instant).
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | null, opts: BackoffOptions = {}): number {
  const policy = RETRY_POLICIES.kalshiRequest;
  const base = opts.baseMs ?? policy.baseMs;
  const random = opts.random ?? Math.random;
  if (retryAfterMs == null)
    return Math.floor(backoffDelayMs({ ...policy, baseMs: base, maxMs: opts.maxMs ?? policy.maxMs }, attempt, random));
  const floor = Math.min(retryAfterMs, opts.maxRetryAfterMs ?? policy.maxRetryAfterMs);
  return floor + Math.floor(random() * Math.min(base, 1000));
}

/**
 * Backoff: the one jittered-exponential delay function, and every retry policy in ssmd listed
 * here with why it is what it is. Pure; imports nothing from other src folders.
 */

export interface ExponentialBackoff {
  /** Ceiling of the first delay (attempt 0). */
  baseMs: number;
  /** Largest ceiling. */
  maxMs: number;
  /**
   * Share of the ceiling that is random: 1 = "full jitter", uniform in [0, ceiling) — callers never
   * retry in lockstep; 0.5 = "equal jitter", in [ceiling/2, ceiling) — never retries immediately.
   */
  jitter: number;
}

/** Delay before retry number `attempt` (0 = the first): min(max, base·2^attempt), jittered. */
export function backoffDelayMs(
  policy: ExponentialBackoff,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  return ceiling * (1 - policy.jitter) + random() * ceiling * policy.jitter;
}

/** Every retry policy, in one place. */
export const RETRY_POLICIES = {
  /**
   * A Kalshi REST request (src/kalshi/client.ts, via src/kalshi/retry.ts): full jitter from 250 ms
   * to 10 s — a 429/5xx is usually gone within a second, and many callers sharing one rate limit
   * must not come back together. A server's Retry-After is a floor, capped at `maxRetryAfterMs`.
   */
  kalshiRequest: { baseMs: 250, maxMs: 10_000, jitter: 1, maxRetryAfterMs: 60_000 },
  /**
   * The market-data WebSocket reconnect (src/stream/connection.ts): equal jitter from 1 s to 60 s —
   * never reconnect instantly into an outage, never wait more than a minute of lost trades (the
   * REST backfill recovers the gap).
   */
  streamReconnect: { baseMs: 1_000, maxMs: 60_000, jitter: 0.5 },
  /**
   * A failed REST backfill job (src/stream/backfill-runner.ts): a flat 5 s, 3 tries — the job is re-queued whole,
   * and the alarm tick retries it; the client's own request retries already backed off.
   */
  backfillRetryMs: 5_000,
  backfillMaxAttempts: 3,
  /**
   * A failed trade forward to a ticker object (src/stream/forwarder.ts): no delay, the next flush
   * (tens of ms later) retries it, at most this many times before the batch is dropped (ticker
   * objects deduplicate, so a retry never double-counts).
   */
  forwardMaxAttempts: 5,
  /**
   * A failed sync listing (src/sync/phase-listings.ts), resumed from its committed cursor: 5 s, then 20 s,
   * `syncListingMaxAttempts` in all — the client already retried each request; what is left is a
   * longer outage, worth one quick and one slower retry before the run records the listing failed.
   */
  syncListingRetryMs: [5_000, 20_000] as readonly number[],
  syncListingMaxAttempts: 3,
  /**
   * A ticker Kalshi answered "not found" to on subscribe (src/stream/feed-session.ts): asked again
   * after 10 minutes — it may be listed later, but asking every tick would spam the socket.
   */
  subscribeNotFoundRetryMs: 10 * 60_000,
} as const;

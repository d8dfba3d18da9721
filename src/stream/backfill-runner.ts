/**
 * Runs the ingest's trade backfill (./backfill.ts has the queue and the fetch): one job at a time,
 * started once the trade subscription is complete again (so its window also covers what the
 * resubscription itself missed), its own Kalshi client paced below the sync's share of the rate
 * limit, a failed job retried BACKFILL_MAX_ATTEMPTS times BACKFILL_RETRY_MS apart, a job cut at
 * the page bound continued. The trades it fetches go to the forwarder like the stream's.
 */
import { KalshiClient } from "../kalshi/client";
import { type ReadBudgetHolder, RemotePacer, TokenBucket } from "../kalshi/ratelimit";
import { RETRY_POLICIES } from "../lib/backoff";
import { errorMessage } from "../lib/errors";
import { type BackfillJob, BackfillQueue, fetchBackfill } from "./backfill";
import type { FeedSession } from "./feed-session";
import type { IngestHealth } from "./health";
import type { StreamTrade } from "./messages";

/**
 * Backfill reads take their slots from the REST base's read budget shared with the sync
 * (src/kalshi/ratelimit.ts ReadBudget, decision 0100); without it they are paced alone at most this
 * fast (and never faster than KALSHI_READS_PER_SECOND).
 */
const BACKFILL_READS_PER_SECOND = 10;
/** A backfill job that failed (after the client's own retries) is tried again this much later, this many times. */
const BACKFILL_RETRY_MS = RETRY_POLICIES.backfillRetryMs;
const BACKFILL_MAX_ATTEMPTS = RETRY_POLICIES.backfillMaxAttempts;

/** `wss://host/trade-api/ws/v2` → `https://host/trade-api/v2` (same host; Kalshi's REST base). */
export function restBaseFromWs(wsUrl: string): string {
  const u = new URL(wsUrl.replace(/^ws(s?):\/\//i, "http$1://"));
  u.pathname = u.pathname.replace(/\/ws\/v2\/?$/, "/v2");
  u.search = "";
  return u.toString().replace(/\/+$/, "");
}

export interface BackfillDeps {
  /** Kalshi's REST base for this feed. */
  baseUrl(): string;
  /** KALSHI_READS_PER_SECOND (a cap on the runner's own rate). */
  envReadsPerSecond: number;
  /** The holder of a REST base's shared read budget (null: pace alone). */
  budget: ((baseUrl: string) => ReadBudgetHolder) | null;
  /** The live connection's protocol state (null while disconnected: nothing starts then). */
  session(): FeedSession | null;
  /** Trades fetched: forwarded like the stream's. */
  onTrades(trades: StreamTrade[]): void;
  /**
   * A job's end for these tickers: its window [fromS, toS] (Unix seconds) is read back
   * (`recovered`), or was given up (`unrecovered`); `upTo` is the highest loss number it covered.
   */
  onResolved(tickers: string[], outcome: "recovered" | "unrecovered", upTo: number | undefined, toS: number): void;
  waitUntil(p: Promise<unknown>): void;
}

export class BackfillRunner {
  private queue = new BackfillQueue();
  private running: Promise<void> | null = null;
  private attempts = 0;
  private retryAt = 0;
  private client: KalshiClient | null = null;
  private readonly counts = {
    backfills: 0,
    requests: 0,
    backfilled_trades: 0,
    invalid: 0,
    errors: 0,
    abandoned: 0,
    truncated: 0,
    last_error: null as string | null,
  };

  constructor(private readonly deps: BackfillDeps) {}

  /** Queues these tickers' trades from `fromS` (Unix seconds) on for loss `upTo`; merged with what is queued. */
  add(tickers: Iterable<string>, fromS: number, upTo?: number): void {
    this.queue.add(tickers, fromS, upTo);
  }

  /** Forgets the queue and the client (new feed or endpoint: the old window means nothing there). */
  reset(): void {
    this.queue = new BackfillQueue();
    this.client = null;
  }

  /** Starts the next queued job when none runs, the trade subscription is settled and no retry delay holds. */
  maybeStart(): void {
    const session = this.deps.session();
    if (this.running || !this.queue.pending || !session?.channelSettled("trade")) return;
    if (Date.now() < this.retryAt) return;
    const job = this.queue.take()!;
    this.running = this.run(job, session).finally(() => {
      this.running = null;
      this.maybeStart();
    });
    this.deps.waitUntil(this.running);
  }

  /** Waits for the running job and any it starts (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  health(): IngestHealth["backfill"] {
    return {
      ...this.counts,
      base_url: this.deps.baseUrl(),
      running: this.running !== null,
      pending_tickers: this.queue.pendingTickers,
    };
  }

  private kalshi(): KalshiClient {
    const baseUrl = this.deps.baseUrl();
    if (this.client?.baseUrl !== baseUrl.replace(/\/+$/, "")) {
      const envRate = this.deps.envReadsPerSecond;
      const rate = Math.min(BACKFILL_READS_PER_SECOND, envRate > 0 ? envRate : BACKFILL_READS_PER_SECOND);
      const base = baseUrl.replace(/\/+$/, "");
      const budget = this.deps.budget;
      this.client = new KalshiClient({
        baseUrl,
        readsPerSecond: rate,
        pacer: budget
          ? new RemotePacer(budget(base), base, "backfill", new TokenBucket({ ratePerSecond: rate }))
          : undefined,
        onEvent: (e) => {
          if (e.type === "request") this.counts.requests++;
        },
      });
    }
    return this.client;
  }

  private async run(job: BackfillJob, session: FeedSession): Promise<void> {
    this.counts.backfills++;
    // "Now" on the exchange: the wall clock, never before the newest trade the stream delivered.
    const toS = job.toS ?? Math.ceil(Math.max(Date.now(), session.latestTradeTs ?? 0) / 1000) + 1;
    try {
      const r = await fetchBackfill(this.kalshi(), job, { toS, msResolution: session.tradeTsInMs });
      this.attempts = 0;
      this.counts.invalid += r.invalid;
      if (r.truncated) this.counts.truncated++;
      if (r.next) this.queue.continueWith(r.next);
      this.counts.backfilled_trades += r.trades.length;
      if (r.trades.length) this.deps.onTrades(r.trades);
      // Tickers read to the window's end (a per-ticker job cut midway has finished the ones before the cut).
      const left = r.next?.tickers;
      const done = [...job.tickers].filter((t) => !left?.has(t));
      if (done.length) this.deps.onResolved(done, "recovered", job.upTo, r.next?.toS ?? toS);
    } catch (e) {
      this.counts.errors++;
      this.counts.last_error = `backfill of ${job.tickers.size} tickers from ${job.fromS} failed: ${errorMessage(e)}`;
      if (++this.attempts < BACKFILL_MAX_ATTEMPTS) {
        this.queue.retry(job);
        this.retryAt = Date.now() + BACKFILL_RETRY_MS;
      } else {
        this.counts.abandoned++;
        this.attempts = 0;
        this.deps.onResolved([...job.tickers], "unrecovered", job.upTo, toS);
      }
    }
  }
}

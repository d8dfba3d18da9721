/**
 * The ingest's forwarder: what the stream, the backfill and HTTP pushes bring for the ticker
 * objects waits here and goes out as one call per ticker per flush (./forward.ts `forwardBatches`,
 * the one path of all three). Stream and backfill data wait for a flush — after
 * `nextFlushDelay(last flush's duration)`, sooner when the stream goes quiet, at once when
 * FORWARD_MAX_PENDING trades wait; a failed ticker's batch is put back for the next flush up to
 * FORWARD_MAX_ATTEMPTS times. An HTTP push is forwarded at once and its failures reported to the
 * caller. Every message taken is noted in the per-day ticker registry.
 */
import { z } from "zod";
import { RETRY_POLICIES } from "../lib/backoff";
import type { CoverageNote } from "./coverage";
import type { TickerFrame } from "./feed-session";
import {
  FORWARD_DELAY_MS,
  type ForwardResult,
  flushNow,
  forwardBatches,
  groupByTicker,
  nextFlushDelay,
  type TickerBatchIn,
} from "./forward";
import type { IngestHealth } from "./health";
import type { StreamBook, StreamTicker, StreamTrade } from "./messages";
import type { TickerDayRegistry } from "./registry";
import type { TickerObject } from "./ticker";

/**
 * Stream trades are forwarded at once when this many are pending (bounds the memory held: ~300 B
 * per pending trade, ~15 MB).
 */
const FORWARD_MAX_PENDING = 50_000;
/**
 * The most trades one HTTP batch (POST /admin/ingest/trades) carries: the same bound on memory as
 * the stream's pending trades. A batch is forwarded as one call per ticker, and a call costs mostly
 * its storage commit, so larger batches store faster: 500 tickers on disk went from ~20k trades/s
 * at 10,000 per batch to ~40k at 50,000 (docs/performance.md, "Streaming").
 */
export const MAX_TRADES_PER_BATCH = FORWARD_MAX_PENDING;
/** A ticker whose forwarding failed this many flushes in a row has its pending batch dropped (counted). */
const FORWARD_MAX_ATTEMPTS = RETRY_POLICIES.forwardMaxAttempts;

const int = () => z.number().int();

/** The answer to an HTTP push (`IngestObject.ingestTrades`, POST /admin/ingest/trades). */
export const IngestTradesResultSchema = z
  .object({
    received: int(),
    tickers: int(),
    rpc_calls: int().meta({ description: "Ticker-object RPCs made (one per ticker in the batch)" }),
    added: int(),
    duplicates: int(),
    outside: int().meta({ description: "Older than every queryable window (below the prune frontier)" }),
    rejected: int(),
    failed: z.array(z.object({ ticker: z.string(), trades: int(), error: z.string() })),
    registry_rows: int(),
  })
  .meta({ id: "IngestTradesResult" });

export type IngestTradesResult = z.infer<typeof IngestTradesResultSchema>;

/**
 * The newest `ticker` frame per market since the last flush (and how many frames it stands for),
 * resolved to a message at the flush; or a resolved message put back after a failed forward.
 */
type PendingTicker = { frame: TickerFrame; frames: number } | { message: StreamTicker };

/** What one flush takes. */
interface Pending {
  trades: StreamTrade[];
  backfill: StreamTrade[];
  notes: Map<string, CoverageNote[]>;
  tickers: Map<string, PendingTicker>;
  books: Map<string, StreamBook>;
}

export interface ForwarderDeps {
  ns: DurableObjectNamespace<TickerObject>;
  /** The feed whose ticker objects receive (./forward.ts `tickerObjectName`). */
  feed(): string;
  /** The current per-day registry (replaced when the feed changes). */
  registry(): TickerDayRegistry;
  /** Validates and normalizes a pending `ticker` frame at the flush (./feed-session.ts). */
  resolveTicker(frame: TickerFrame): StreamTicker | null;
  /** The REST base ticker objects fill their history from by themselves; null: the feed does not (decision 0099). */
  historyBase(): string | null;
  /** When the last frame arrived: a quiet stream is flushed early (`flushNow`). */
  lastFrameAt(): number | null;
  waitUntil(p: Promise<unknown>): void;
  onError(message: string): void;
}

export class Forwarder {
  private pendingTrades: StreamTrade[] = [];
  /** The backfill's trades, kept apart so the ticker objects count what only the backfill delivered. */
  private pendingBackfill: StreamTrade[] = [];
  /** Coverage notes per ticker (./coverage.ts): each goes with the ticker's next call, or alone. */
  private pendingNotes = new Map<string, CoverageNote[]>();
  private pendingTickers = new Map<string, PendingTicker>();
  private pendingBooks = new Map<string, StreamBook>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending flush is due (see armFlushTimer). */
  private flushDueAt = 0;
  private flushing: Promise<void> | null = null;
  /** How long the last flush's calls took (workerd's clock advances across their I/O). */
  private lastFlushMs = 0;
  private readonly counts = {
    flushes: 0,
    rpc_calls: 0,
    trades: 0,
    added: 0,
    duplicates: 0,
    outside: 0,
    rejected: 0,
    failures: 0,
    dropped_trades: 0,
  };
  /** Tickers whose object was told the history base (once per ingest instance and feed). */
  private introduced = new Set<string>();
  /** Consecutive failed forwards per ticker. */
  private readonly failedAttempts = new Map<string, number>();
  private readonly http = { batches: 0, trades: 0 };

  constructor(private readonly deps: ForwarderDeps) {}

  addTrade(t: StreamTrade): void {
    this.pendingTrades.push(t);
    this.deps.registry().note(t.ticker, t.ts);
  }

  /** A trade the REST backfill read back (the ticker object deduplicates it like any other). */
  addBackfillTrade(t: StreamTrade): void {
    this.pendingBackfill.push(t);
    this.deps.registry().note(t.ticker, t.ts);
  }

  /** A coverage note for a ticker; duplicate-frame counts of one hour are merged. */
  addNote(ticker: string, note: CoverageNote): void {
    let list = this.pendingNotes.get(ticker);
    if (!list) this.pendingNotes.set(ticker, (list = []));
    const last = list[list.length - 1];
    if (
      note.kind === "duplicate_frames" &&
      last?.kind === "duplicate_frames" &&
      Math.floor(last.ts / 3_600_000) === Math.floor(note.ts / 3_600_000)
    ) {
      last.frames += note.frames;
      return;
    }
    list.push(note);
  }

  addTicker(frame: TickerFrame): void {
    // Frames arrive in order: the newest replaces the pending one (and is the only one parsed).
    const prev = this.pendingTickers.get(frame.market);
    this.pendingTickers.set(frame.market, { frame, frames: prev && "frames" in prev ? prev.frames + 1 : 1 });
  }

  addBook(book: StreamBook): void {
    this.pendingBooks.set(book.ticker, book);
    this.deps.registry().note(book.ticker, book.ts);
  }

  /** Arms the next flush of what is pending (or starts it at once when FORWARD_MAX_PENDING trades wait). */
  schedule(): void {
    if (this.pendingTrades.length + this.pendingBackfill.length >= FORWARD_MAX_PENDING && !this.flushing) {
      if (this.flushTimer) clearTimeout(this.flushTimer), (this.flushTimer = null);
      this.deps.waitUntil(this.flush());
      return;
    }
    if (this.flushTimer || this.flushing) return;
    this.flushDueAt = Date.now() + nextFlushDelay(this.lastFlushMs);
    this.armFlushTimer();
  }

  /** Forwards everything pending now (after a running flush). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.hasPending()) return;
    const p: Pending = {
      trades: this.pendingTrades,
      backfill: this.pendingBackfill,
      notes: this.pendingNotes,
      tickers: this.pendingTickers,
      books: this.pendingBooks,
    };
    this.pendingTrades = [];
    this.pendingBackfill = [];
    this.pendingNotes = new Map();
    this.pendingTickers = new Map();
    this.pendingBooks = new Map();
    const started = Date.now();
    this.flushing = this.forwardPending(p).finally(() => {
      this.lastFlushMs = Date.now() - started;
      this.flushing = null;
      if (this.hasPending()) this.schedule();
    });
    await this.flushing;
  }

  /**
   * An HTTP push: forwarded at once, one call per ticker, failures reported rather than retried.
   * The caller writes the registry (`registry_rows`).
   */
  async push(trades: StreamTrade[]): Promise<Omit<IngestTradesResult, "registry_rows">> {
    if (trades.length > MAX_TRADES_PER_BATCH)
      throw new RangeError(`at most ${MAX_TRADES_PER_BATCH} trades per batch, got ${trades.length}`);
    this.http.batches++;
    this.http.trades += trades.length;
    const registry = this.deps.registry();
    for (const t of trades) registry.note(t.ticker, t.ts);
    const groups = [...groupByTicker(trades)].map(([ticker, list]): [string, TickerBatchIn] => [
      ticker,
      { trades: list },
    ]);
    const r = await forwardBatches(this.deps.ns, groups, this.deps.feed());
    this.count(r, trades.length);
    return {
      received: trades.length,
      tickers: groups.length,
      rpc_calls: r.rpc_calls,
      added: r.added,
      duplicates: r.duplicates,
      outside: r.outside,
      rejected: r.rejected,
      failed: r.failed.map((f) => ({ ticker: f.ticker, trades: f.batch.trades.length, error: f.error })),
    };
  }

  /** A new feed or REST base: every ticker object is told the history base again. */
  resetIntroductions(): void {
    this.introduced = new Set();
  }

  private hasPending(): boolean {
    return (
      this.pendingTrades.length > 0 ||
      this.pendingBackfill.length > 0 ||
      this.pendingNotes.size > 0 ||
      this.pendingTickers.size > 0 ||
      this.pendingBooks.size > 0
    );
  }

  health(): Pick<IngestHealth, "forward" | "http"> {
    return { forward: { ...this.counts, pending_trades: this.pendingTrades.length }, http: { ...this.http } };
  }

  /** Checks every FORWARD_DELAY_MS whether the pending flush goes now (`flushNow`). */
  private armFlushTimer(): void {
    const wait = Math.max(0, Math.min(FORWARD_DELAY_MS, this.flushDueAt - Date.now()));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      if (flushNow(Date.now(), this.flushDueAt, this.deps.lastFrameAt())) this.deps.waitUntil(this.flush());
      else this.armFlushTimer();
    }, wait);
  }

  private async forwardPending({ trades, backfill, notes, tickers, books }: Pending): Promise<void> {
    const byTicker = new Map<string, TickerBatchIn>();
    const get = (t: string) => {
      let b = byTicker.get(t);
      if (!b) byTicker.set(t, (b = { trades: [] }));
      return b;
    };
    for (const t of trades) get(t.ticker).trades.push(t);
    for (const t of backfill) (get(t.ticker).backfill_trades ??= []).push(t);
    // After the trades in the same call: a "recovered" note follows the trades it stands for.
    for (const [t, list] of notes) get(t).coverage = list;
    const registry = this.deps.registry();
    for (const [t, p] of tickers) {
      if ("message" in p) {
        get(t).ticker_message = p.message;
        continue;
      }
      const m = this.deps.resolveTicker(p.frame);
      if (!m) continue;
      get(t).ticker_message = m;
      registry.note(t, m.ts, p.frames);
    }
    for (const [t, m] of books) get(t).orderbook = m;
    const base = this.deps.historyBase();
    if (base !== null)
      for (const [t, b] of byTicker) if (b.trades.length > 0 && !this.introduced.has(t)) b.history = { base_url: base };
    const r = await forwardBatches(this.deps.ns, byTicker, this.deps.feed());
    const failedSet = new Set(r.failed.map((f) => f.ticker));
    for (const [t, b] of byTicker) if (b.history && !failedSet.has(t)) this.introduced.add(t);
    this.count(r, trades.length + backfill.length);
    const failed = new Set(r.failed.map((f) => f.ticker));
    for (const ticker of byTicker.keys()) if (!failed.has(ticker)) this.failedAttempts.delete(ticker);
    for (const { ticker, batch, error } of r.failed) {
      const attempts = (this.failedAttempts.get(ticker) ?? 0) + 1;
      this.deps.onError(`forward to ${ticker} failed (attempt ${attempts}): ${error}`);
      if (attempts >= FORWARD_MAX_ATTEMPTS) {
        this.failedAttempts.delete(ticker);
        this.counts.dropped_trades += batch.trades.length + (batch.backfill_trades?.length ?? 0);
        continue;
      }
      this.failedAttempts.set(ticker, attempts);
      // Put the batch back: the next flush retries it (ticker objects deduplicate trades and loss notes).
      this.pendingTrades.push(...batch.trades);
      if (batch.backfill_trades) this.pendingBackfill.push(...batch.backfill_trades);
      if (batch.coverage) this.pendingNotes.set(ticker, [...batch.coverage, ...(this.pendingNotes.get(ticker) ?? [])]);
      if (batch.ticker_message && !this.pendingTickers.has(ticker))
        this.pendingTickers.set(ticker, { message: batch.ticker_message });
      if (batch.orderbook && !this.pendingBooks.has(ticker)) this.pendingBooks.set(ticker, batch.orderbook);
    }
  }

  private count(r: ForwardResult, trades: number): void {
    this.counts.flushes++;
    this.counts.trades += trades;
    this.counts.rpc_calls += r.rpc_calls;
    this.counts.added += r.added;
    this.counts.duplicates += r.duplicates;
    this.counts.outside += r.outside;
    this.counts.rejected += r.rejected;
    this.counts.failures += r.failed.length;
  }
}

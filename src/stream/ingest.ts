/**
 * The ingest Durable Object (singleton `env.INGEST.idFromName("kalshi")`):
 * - keeps one outbound WebSocket to Kalshi's feed (KALSHI_WS_URL; the simulator locally), signed
 *   with RSA-PSS when KALSHI_API_KEY_ID / KALSHI_PRIVATE_KEY are set, subscribed to trade, ticker
 *   and orderbook_delta for the open markets in D1 (protocol rules in ./feed-session.ts);
 * - reconnects with jittered exponential backoff scheduled by alarms; the alarm tick (every
 *   TICK_MS while running) also refreshes the market set from D1, retries failed subscriptions,
 *   flushes the per-day ticker registry and watches for a silent connection;
 * - forwards trades, the latest ticker message and top of book to the ticker objects, one RPC per
 *   ticker per flush (never one per trade when several are pending);
 * - recovers lost trade frames: a `trade`-channel sequence gap (resubscribed by the session) or a
 *   dropped connection queues a REST backfill (`GET /markets/trades`, ./backfill.ts) of the
 *   affected tickers from the last trade seen; it runs once the trade subscription is complete
 *   again and its trades take the normal forwarding path (ticker objects dedupe by trade_id);
 * - accepts trade batches over HTTP (POST /admin/ingest/trades → `ingestTrades`).
 */
import { DurableObject } from "cloudflare:workers";
import { openMarketTickers } from "../db/stream";
import { KalshiClient } from "../kalshi/client";
import { backoffDelayMs, RETRY_POLICIES } from "../lib/backoff";
import { errorMessage } from "../lib/errors";
import { BackfillQueue, fetchBackfill, type BackfillJob } from "./backfill";
import {
  FEED_CHANNELS,
  FeedSession,
  type Channel,
  type FeedEvent,
  type TickerFrame,
  type WsCommandOut,
} from "./feed-session";
import { mapLimit } from "../lib/async";
import {
  flushNow,
  forwardTrades,
  nextFlushDelay,
  tickerStub,
  FORWARD_CONCURRENCY,
  FORWARD_DELAY_MS,
  type ForwardResult,
} from "./forward";
import type { StreamBook, StreamTicker, StreamTrade } from "./messages";
import { FEED, TickerDayRegistry } from "./registry";
import { packTrades } from "./trade-pack";
import { wsUpgradeRequest } from "./ws-connect";

export const INGEST_NAME = "kalshi";
const TICK_MS = 5_000;
const MARKET_REFRESH_MS = 60_000;
/**
 * The per-day registry is written at most this often from the stream (each flush upserts every
 * (day, ticker) pair seen since the last one: a D1 row write each, so the interval bounds the
 * D1 cost — docs/performance.md ("Streaming")). It is also written on stop/drain and after each HTTP batch.
 */
const REGISTRY_FLUSH_MS = 60_000;
/** No frame at all for this long on a subscribed connection → reconnect. */
const SILENCE_MS = 5 * 60_000;
/**
 * Trades are forwarded after `nextFlushDelay(last flush's duration)` (sooner if the stream goes
 * quiet), or at once when this many are pending (bounds the memory held: ~300 B per pending
 * trade, ~15 MB).
 */
const FORWARD_MAX_PENDING = 50_000;
/**
 * The most trades one HTTP batch (`ingestTrades`, POST /admin/ingest/trades) carries: the same
 * bound on memory as the stream's pending trades. A batch is forwarded as one call per ticker, and
 * a call costs mostly its storage commit, so larger batches store faster: 500 tickers on disk went
 * from ~20k trades/s at 10,000 per batch to ~40k at 50,000 (docs/performance.md, "Streaming").
 */
export const MAX_TRADES_PER_BATCH = FORWARD_MAX_PENDING;
/** A ticker whose forwarding failed this many flushes in a row has its pending batch dropped (counted). */
const FORWARD_MAX_ATTEMPTS = RETRY_POLICIES.forwardMaxAttempts;
/** Backfill reads are paced at most this fast (and never faster than KALSHI_READS_PER_SECOND): the sync shares Kalshi's limit. */
const BACKFILL_READS_PER_SECOND = 10;
/** A backfill job that failed (after the client's own retries) is tried again this much later, this many times. */
const BACKFILL_RETRY_MS = RETRY_POLICIES.backfillRetryMs;
const BACKFILL_MAX_ATTEMPTS = RETRY_POLICIES.backfillMaxAttempts;

export interface IngestConfig {
  running: boolean;
  /** Feed name: "kalshi" in production; another name keeps a test world's data apart. */
  feed: string;
  /** Override of KALSHI_WS_URL (tests, simulator worlds). */
  ws_url: string | null;
  /** Override of KALSHI_BASE_URL for the trade backfill; null = derived from `ws_url` when set, else KALSHI_BASE_URL. */
  base_url?: string | null;
  /** Explicit market set; null = the open markets in D1. */
  markets: string[] | null;
}

export interface IngestStartOptions {
  feed?: string;
  ws_url?: string;
  /** REST base (`…/trade-api/v2`) for the trade backfill. */
  base_url?: string;
  markets?: string[];
}

export interface IngestTradesResult {
  received: number;
  tickers: number;
  rpc_calls: number;
  added: number;
  duplicates: number;
  outside: number;
  rejected: number;
  failed: ForwardResult["failed"];
  registry_rows: number;
}

import type { IngestHealth } from "./health";
export type { IngestHealth };

/**
 * The newest `ticker` frame per market since the last flush (and how many frames it stands for),
 * resolved to a message at the flush; or a resolved message put back after a failed forward.
 */
type PendingTicker = { frame: TickerFrame; frames: number } | { message: StreamTicker };

const DEFAULT_CONFIG: IngestConfig = { running: false, feed: FEED, ws_url: null, base_url: null, markets: null };

/** `wss://host/trade-api/ws/v2` → `https://host/trade-api/v2` (same host; Kalshi's REST base). */
export function restBaseFromWs(wsUrl: string): string {
  const u = new URL(wsUrl.replace(/^ws(s?):\/\//i, "http$1://"));
  u.pathname = u.pathname.replace(/\/ws\/v2\/?$/, "/v2");
  u.search = "";
  return u.toString().replace(/\/+$/, "");
}

export class IngestObject extends DurableObject<Env> {
  private config: IngestConfig = { ...DEFAULT_CONFIG };
  private session = new FeedSession(this.channels());
  private ws: WebSocket | null = null;
  private connection = 0;
  private connecting: Promise<void> | null = null;
  private connectedSince: number | null = null;
  private lastFrameAt: number | null = null;
  private lastMarketRefresh = 0;
  private lastRegistryFlush = 0;
  private attempts = 0;
  private reconnects = 0;
  private connectFailures = 0;
  private nextReconnectAt: number | null = null;
  private lastError: string | null = null;
  private readonly rate = new RollingRate(10);
  private registry = new TickerDayRegistry();
  private pendingTrades: StreamTrade[] = [];
  private pendingTickers = new Map<string, PendingTicker>();
  private pendingBooks = new Map<string, StreamBook>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending flush is due (see armFlushTimer). */
  private flushDueAt = 0;
  private flushing: Promise<void> | null = null;
  /** How long the last flush's calls took (workerd's clock advances across their I/O). */
  private lastFlushMs = 0;
  private fwd = {
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
  /** Consecutive failed forwards per ticker. */
  private failedAttempts = new Map<string, number>();
  private http = { batches: 0, trades: 0 };
  private backfillQueue = new BackfillQueue();
  private backfilling: Promise<void> | null = null;
  private backfillAttempts = 0;
  private backfillRetryAt = 0;
  private backfillClient: KalshiClient | null = null;
  private bf = {
    backfills: 0,
    requests: 0,
    backfilled_trades: 0,
    invalid: 0,
    errors: 0,
    abandoned: 0,
    truncated: 0,
    last_error: null as string | null,
  };
  /**
   * Clock of the "opened by now" filter on the markets it subscribes to (openMarketTickers): the
   * wall clock; a test against a simulator world sets it to the world's clock (runInDurableObject).
   */
  marketClock: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.config = { ...DEFAULT_CONFIG, ...(await ctx.storage.get<IngestConfig>("config")) };
      this.registry = new TickerDayRegistry(this.config.feed);
      // Restarted while it should be running: reconnect from the alarm.
      if (this.config.running && (await ctx.storage.getAlarm()) === null) await ctx.storage.setAlarm(Date.now() + 10);
    });
  }

  // ------------------------------------------------------------------ RPC

  /** Trades pushed over HTTP (replays, benchmarks): forwarded at once, registry written. */
  async ingestTrades(trades: StreamTrade[]): Promise<IngestTradesResult> {
    if (trades.length > MAX_TRADES_PER_BATCH)
      throw new RangeError(`at most ${MAX_TRADES_PER_BATCH} trades per batch, got ${trades.length}`);
    this.http.batches++;
    this.http.trades += trades.length;
    for (const t of trades) this.registry.note(t.ticker, t.ts);
    const r = await forwardTrades(this.env.TICKER, trades, this.config.feed);
    this.countForward(r, trades.length);
    const rows = await this.flushRegistry();
    return {
      received: trades.length,
      tickers: r.tickers,
      rpc_calls: r.rpc_calls,
      added: r.added,
      duplicates: r.duplicates,
      outside: r.outside,
      rejected: r.rejected,
      failed: r.failed,
      registry_rows: rows,
    };
  }

  /** Starts (or restarts with new options) the WebSocket ingest. */
  async start(opts: IngestStartOptions = {}): Promise<IngestHealth> {
    const cfg: IngestConfig = {
      running: true,
      feed: opts.feed ?? this.config.feed,
      ws_url: opts.ws_url ?? null,
      base_url: opts.base_url ?? null,
      markets: opts.markets ?? null,
    };
    if (cfg.feed !== this.registry.feed) {
      await this.flushRegistry();
      this.registry = new TickerDayRegistry(cfg.feed);
    }
    // A new feed or endpoint needs a new connection; a new market set is reconciled on the live one
    // (update_subscription add/delete_markets).
    const reconnect =
      cfg.feed !== this.config.feed ||
      cfg.ws_url !== this.config.ws_url ||
      (cfg.base_url ?? null) !== (this.config.base_url ?? null);
    this.config = cfg;
    await this.ctx.storage.put("config", cfg);
    if (reconnect) {
      this.backfillQueue = new BackfillQueue();
      this.backfillClient = null;
      if (this.ws) this.closeSocket("restart with new settings");
    }
    this.attempts = 0;
    await this.refreshMarkets();
    await this.connectNow();
    await this.scheduleTick();
    return this.health();
  }

  /** Cron: makes sure the ingest runs unless an admin stopped it. */
  async ensureRunning(): Promise<IngestHealth> {
    const stored = await this.ctx.storage.get<IngestConfig>("config");
    if (stored && !stored.running) return this.health();
    if (!this.config.running) return this.start();
    if (!this.ws && !this.connecting) await this.connectNow();
    await this.scheduleTick();
    return this.health();
  }

  async stop(): Promise<IngestHealth> {
    this.config = { ...this.config, running: false };
    await this.ctx.storage.put("config", this.config);
    this.closeSocket("stopped");
    await this.ctx.storage.deleteAlarm();
    await this.flushForward();
    await this.flushRegistry();
    return this.health();
  }

  /** Finishes a running backfill, forwards everything pending and writes the registry now (tests, shutdown). */
  async drain(): Promise<IngestHealth> {
    while (this.backfilling) await this.backfilling;
    await this.flushForward();
    await this.flushRegistry();
    return this.health();
  }

  async health(): Promise<IngestHealth> {
    const now = Date.now();
    return {
      running: this.config.running,
      feed: this.config.feed,
      connected: this.ws !== null,
      connected_since: this.connectedSince,
      url: this.wsUrl(),
      authenticated: this.hasKey(),
      markets: this.session.marketCount,
      subscriptions: this.session.subscriptions(),
      last_message_at: this.lastFrameAt,
      last_message_age_ms: this.lastFrameAt === null ? null : now - this.lastFrameAt,
      messages_per_s: this.rate.perSecond(now),
      reconnects: this.reconnects,
      connect_failures: this.connectFailures,
      next_reconnect_at: this.nextReconnectAt,
      last_error: this.lastError ?? this.session.stats.last_error,
      protocol: { ...this.session.stats, gaps_by_channel: { ...this.session.stats.gaps_by_channel } },
      not_found_markets: this.session.notFoundMarkets(),
      backfill: {
        ...this.bf,
        base_url: this.restUrl(),
        running: this.backfilling !== null,
        pending_tickers: this.backfillQueue.pendingTickers,
      },
      forward: { ...this.fwd, pending_trades: this.pendingTrades.length },
      http: { ...this.http },
      registry: {
        pending: this.registry.pendingCount,
        statements: this.registry.flushes,
        rows: this.registry.rowsFlushed,
      },
    };
  }

  override async alarm(): Promise<void> {
    if (!this.config.running) return;
    const now = Date.now();
    if (now - this.lastRegistryFlush >= REGISTRY_FLUSH_MS) {
      try {
        await this.flushRegistry();
      } catch (e) {
        this.lastError = `registry flush failed: ${errorMessage(e)}`;
      }
    }
    if (now - this.lastMarketRefresh >= MARKET_REFRESH_MS) await this.refreshMarkets();
    if (this.ws) {
      this.send(this.session.retry());
      this.maybeBackfill();
      const quietSince = this.lastFrameAt ?? this.connectedSince ?? now;
      if (this.session.marketCount > 0 && now - quietSince > SILENCE_MS) this.dropConnection("no frames for 5 minutes");
    }
    if (!this.ws && !this.connecting && (this.nextReconnectAt === null || now >= this.nextReconnectAt))
      await this.connectNow();
    await this.scheduleTick();
  }

  // ------------------------------------------------------------------ connection

  /** `orderbook_delta` is auth-only on Kalshi (docs/kalshi-wire.md §1): subscribed only with a key. */
  private channels(): Channel[] {
    return this.hasKey() ? [...FEED_CHANNELS] : FEED_CHANNELS.filter((c) => c !== "orderbook_delta");
  }

  private wsUrl(): string {
    return this.config.ws_url ?? this.env.KALSHI_WS_URL;
  }

  private hasKey(): boolean {
    return Boolean(this.env.KALSHI_API_KEY_ID && this.env.KALSHI_PRIVATE_KEY);
  }

  private async scheduleTick(): Promise<void> {
    if (!this.config.running) return;
    const now = Date.now();
    const at =
      !this.ws && this.nextReconnectAt !== null ? Math.min(this.nextReconnectAt, now + TICK_MS) : now + TICK_MS;
    await this.ctx.storage.setAlarm(Math.max(at, now + 10));
  }

  private async connectNow(): Promise<void> {
    if (this.ws || this.connecting) return this.connecting ?? undefined;
    this.connecting = this.openSocket().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async openSocket(): Promise<void> {
    const url = this.wsUrl();
    try {
      const creds = this.hasKey()
        ? { keyId: this.env.KALSHI_API_KEY_ID!, privateKeyPem: this.env.KALSHI_PRIVATE_KEY! }
        : null;
      const req = await wsUpgradeRequest(url, creds);
      const resp = await fetch(req.url, { headers: req.headers });
      const ws = resp.webSocket;
      if (!ws) {
        const body = (await resp.text().catch(() => "")).slice(0, 200);
        throw new Error(`WebSocket upgrade refused by ${url}: HTTP ${resp.status}${body ? ` ${body}` : ""}`);
      }
      ws.accept();
      const conn = ++this.connection;
      this.ws = ws;
      this.connectedSince = Date.now();
      this.lastFrameAt = null;
      this.nextReconnectAt = null;
      ws.addEventListener("message", (ev) => {
        if (conn === this.connection)
          this.onFrame(typeof ev.data === "string" ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer));
      });
      ws.addEventListener("close", (ev) => {
        if (conn === this.connection) this.dropConnection(`closed by server: ${ev.code} ${ev.reason}`.trim());
      });
      ws.addEventListener("error", () => {
        if (conn === this.connection) this.dropConnection("socket error");
      });
      this.send(this.session.onOpen());
    } catch (e) {
      this.connectFailures++;
      this.lastError = errorMessage(e);
      this.scheduleReconnect();
    }
  }

  private send(cmds: WsCommandOut[]): void {
    if (!this.ws) return;
    for (const c of cmds) this.ws.send(JSON.stringify(c));
  }

  private onFrame(text: string): void {
    const now = Date.now();
    this.lastFrameAt = now;
    this.rate.add(now);
    const { events, commands } = this.session.onFrame(text);
    this.send(commands);
    // A confirmed subscription resets the backoff.
    if (this.attempts > 0 && this.session.subscriptions().some((s) => s.sid !== null)) this.attempts = 0;
    if (events.length) this.accept(events);
    this.maybeBackfill();
  }

  private accept(events: FeedEvent[]): void {
    for (const e of events) {
      if (e.kind === "trade") {
        this.pendingTrades.push(e.trade);
        this.registry.note(e.trade.ticker, e.trade.ts);
      } else if (e.kind === "ticker") {
        // Frames arrive in order: the newest replaces the pending one (and is the only one parsed).
        const prev = this.pendingTickers.get(e.frame.market);
        this.pendingTickers.set(e.frame.market, {
          frame: e.frame,
          frames: prev && "frames" in prev ? prev.frames + 1 : 1,
        });
      } else if (e.kind === "book") {
        this.pendingBooks.set(e.book.ticker, e.book);
        this.registry.note(e.book.ticker, e.book.ts);
      } else if (e.kind === "gap" && e.channel === "trade") {
        // Frames between the last trade on the sid and the resubscription are lost: backfill them.
        const from = e.fromTs ?? this.session.latestTradeTs ?? this.connectedSince ?? Date.now();
        this.backfillQueue.add(e.tickers, Math.floor(from / 1000));
      }
    }
    this.scheduleForward();
  }

  /** The socket is gone: forget it, keep the data, reconnect after a backoff. */
  private dropConnection(reason: string): void {
    this.lastError = reason;
    // Trades while disconnected are lost too: backfill every market from the newest trade seen.
    const latest = this.session.latestTradeTs;
    if (latest !== null) this.backfillQueue.add(this.session.markets, Math.floor(latest / 1000));
    this.closeSocket(reason);
    if (this.config.running) {
      this.reconnects++;
      this.scheduleReconnect();
    }
  }

  private closeSocket(reason: string): void {
    const ws = this.ws;
    this.ws = null;
    this.connection++;
    this.connectedSince = null;
    this.session.onClose();
    if (ws) {
      try {
        ws.close(1000, reason.slice(0, 120));
      } catch {
        // already closed
      }
    }
  }

  private scheduleReconnect(): void {
    const delay = backoffDelayMs(RETRY_POLICIES.streamReconnect, this.attempts);
    this.attempts = Math.min(this.attempts + 1, 16);
    this.nextReconnectAt = Date.now() + Math.round(delay);
    if (this.config.running) this.ctx.waitUntil(this.ctx.storage.setAlarm(this.nextReconnectAt));
  }

  private async refreshMarkets(): Promise<void> {
    this.lastMarketRefresh = Date.now();
    try {
      const markets = this.config.markets ?? (await openMarketTickers(this.env.DB, this.marketClock()));
      this.send(this.session.setMarkets(markets));
    } catch (e) {
      this.lastError = `market refresh failed: ${errorMessage(e)}`;
    }
  }

  // ------------------------------------------------------------------ backfill

  private restUrl(): string {
    if (this.config.base_url) return this.config.base_url;
    if (this.config.ws_url) return restBaseFromWs(this.config.ws_url);
    return this.env.KALSHI_BASE_URL;
  }

  private client(): KalshiClient {
    const baseUrl = this.restUrl();
    if (this.backfillClient?.baseUrl !== baseUrl.replace(/\/+$/, "")) {
      const envRate = Number(this.env.KALSHI_READS_PER_SECOND);
      this.backfillClient = new KalshiClient({
        baseUrl,
        readsPerSecond: Math.min(BACKFILL_READS_PER_SECOND, envRate > 0 ? envRate : BACKFILL_READS_PER_SECOND),
        onEvent: (e) => {
          if (e.type === "request") this.bf.requests++;
        },
      });
    }
    return this.backfillClient;
  }

  /**
   * Starts the queued backfill once the trade subscription is complete again (so its window also
   * covers what the resubscription itself missed). One job at a time; jobs queued meanwhile merge.
   */
  private maybeBackfill(): void {
    if (this.backfilling || !this.backfillQueue.pending || !this.ws || !this.session.channelSettled("trade")) return;
    if (Date.now() < this.backfillRetryAt) return;
    const job = this.backfillQueue.take()!;
    this.backfilling = this.runBackfill(job).finally(() => {
      this.backfilling = null;
      this.maybeBackfill();
    });
    this.ctx.waitUntil(this.backfilling);
  }

  private async runBackfill(job: BackfillJob): Promise<void> {
    this.bf.backfills++;
    // "Now" on the exchange: the wall clock, never before the newest trade the stream delivered.
    const toS = Math.ceil(Math.max(Date.now(), this.session.latestTradeTs ?? 0) / 1000) + 1;
    try {
      const r = await fetchBackfill(this.client(), job, { toS, msResolution: this.session.tradeTsInMs });
      this.backfillAttempts = 0;
      this.bf.invalid += r.invalid;
      if (r.truncated) this.bf.truncated++;
      if (r.next) this.backfillQueue.continueWith(r.next);
      this.bf.backfilled_trades += r.trades.length;
      if (r.trades.length) {
        for (const t of r.trades) {
          this.pendingTrades.push(t);
          this.registry.note(t.ticker, t.ts);
        }
        this.scheduleForward();
      }
    } catch (e) {
      this.bf.errors++;
      this.bf.last_error = `backfill of ${job.tickers.size} tickers from ${job.fromS} failed: ${errorMessage(e)}`;
      if (++this.backfillAttempts < BACKFILL_MAX_ATTEMPTS) {
        this.backfillQueue.retry(job);
        this.backfillRetryAt = Date.now() + BACKFILL_RETRY_MS;
      } else {
        this.bf.abandoned++;
        this.backfillAttempts = 0;
      }
    }
  }

  // ------------------------------------------------------------------ forwarding

  private scheduleForward(): void {
    if (this.pendingTrades.length >= FORWARD_MAX_PENDING && !this.flushing) {
      if (this.flushTimer) clearTimeout(this.flushTimer), (this.flushTimer = null);
      this.ctx.waitUntil(this.flushForward());
      return;
    }
    if (this.flushTimer || this.flushing) return;
    this.flushDueAt = Date.now() + nextFlushDelay(this.lastFlushMs);
    this.armFlushTimer();
  }

  /** Checks every FORWARD_DELAY_MS whether the pending flush goes now (`flushNow`). */
  private armFlushTimer(): void {
    const wait = Math.max(0, Math.min(FORWARD_DELAY_MS, this.flushDueAt - Date.now()));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      if (flushNow(Date.now(), this.flushDueAt, this.lastFrameAt)) this.ctx.waitUntil(this.flushForward());
      else this.armFlushTimer();
    }, wait);
  }

  private async flushForward(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pendingTrades.length === 0 && this.pendingTickers.size === 0 && this.pendingBooks.size === 0) return;
    const trades = this.pendingTrades;
    const tickers = this.pendingTickers;
    const books = this.pendingBooks;
    this.pendingTrades = [];
    this.pendingTickers = new Map();
    this.pendingBooks = new Map();
    const started = Date.now();
    this.flushing = this.forwardBatch(trades, tickers, books).finally(() => {
      this.lastFlushMs = Date.now() - started;
      this.flushing = null;
      if (this.pendingTrades.length || this.pendingTickers.size || this.pendingBooks.size) this.scheduleForward();
    });
    await this.flushing;
  }

  private async forwardBatch(
    trades: StreamTrade[],
    tickers: Map<string, PendingTicker>,
    books: Map<string, StreamBook>,
  ): Promise<void> {
    const byTicker = new Map<
      string,
      { trades: StreamTrade[]; ticker_message?: StreamTicker; orderbook?: StreamBook }
    >();
    const get = (t: string) => {
      let b = byTicker.get(t);
      if (!b) byTicker.set(t, (b = { trades: [] }));
      return b;
    };
    for (const t of trades) get(t.ticker).trades.push(t);
    for (const [t, p] of tickers) {
      if ("message" in p) {
        get(t).ticker_message = p.message;
        continue;
      }
      const m = this.session.resolveTicker(p.frame);
      if (!m) continue;
      get(t).ticker_message = m;
      this.registry.note(t, m.ts, p.frames);
    }
    for (const [t, m] of books) get(t).orderbook = m;
    this.fwd.flushes++;
    this.fwd.trades += trades.length;
    await mapLimit([...byTicker], FORWARD_CONCURRENCY, async ([ticker, batch]) => {
      this.fwd.rpc_calls++;
      try {
        const { packed, rejected } = packTrades(batch.trades);
        this.fwd.rejected += rejected;
        const r = await tickerStub(this.env.TICKER, ticker, this.config.feed).applyBatch(ticker, {
          ...batch,
          trades: packed,
        });
        this.fwd.added += r.added;
        this.fwd.duplicates += r.duplicates;
        this.fwd.outside += r.outside;
        this.fwd.rejected += r.rejected;
        this.failedAttempts.delete(ticker);
      } catch (e) {
        this.fwd.failures++;
        const attempts = (this.failedAttempts.get(ticker) ?? 0) + 1;
        this.lastError = `forward to ${ticker} failed (attempt ${attempts}): ${errorMessage(e)}`;
        if (attempts >= FORWARD_MAX_ATTEMPTS) {
          this.failedAttempts.delete(ticker);
          this.fwd.dropped_trades += batch.trades.length;
          return;
        }
        this.failedAttempts.set(ticker, attempts);
        // Put the batch back: the next flush retries it (ticker objects deduplicate).
        this.pendingTrades.push(...batch.trades);
        if (batch.ticker_message && !this.pendingTickers.has(ticker))
          this.pendingTickers.set(ticker, { message: batch.ticker_message });
        if (batch.orderbook && !this.pendingBooks.has(ticker)) this.pendingBooks.set(ticker, batch.orderbook);
      }
    });
  }

  private countForward(r: ForwardResult, trades: number): void {
    this.fwd.flushes++;
    this.fwd.trades += trades;
    this.fwd.rpc_calls += r.rpc_calls;
    this.fwd.added += r.added;
    this.fwd.duplicates += r.duplicates;
    this.fwd.outside += r.outside;
    this.fwd.rejected += r.rejected;
    this.fwd.failures += r.failed.length;
  }

  private async flushRegistry(): Promise<number> {
    this.lastRegistryFlush = Date.now();
    const { rows, newPairs } = await this.registry.flush(this.env.DB);
    // A ticker appeared on a day: cached `has_stream_on` answers are stale. One KV write per flush at most.
    if (newPairs > 0) await this.onNewTickerDays();
    return rows;
  }

  /**
   * Called after a registry flush added a (day, ticker) pair. The stream layer does not know the
   * cache (.dependency-cruiser.cjs: src/stream ⇏ src/cache): the Worker entry injects the
   * invalidation by overriding this (src/index.ts bumps the `tickers` cache generation).
   */
  protected onNewTickerDays(): Promise<void> {
    return Promise.resolve();
  }
}

/** Frames per second over the last `seconds` whole seconds. */
class RollingRate {
  private readonly buckets: Float64Array;
  private readonly stamps: Float64Array;
  constructor(private readonly seconds: number) {
    this.buckets = new Float64Array(seconds);
    this.stamps = new Float64Array(seconds).fill(-1);
  }
  add(nowMs: number): void {
    const s = Math.floor(nowMs / 1000);
    const i = s % this.seconds;
    if (this.stamps[i] !== s) (this.stamps[i] = s), (this.buckets[i] = 0);
    this.buckets[i]!++;
  }
  perSecond(nowMs: number): number {
    const s = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let i = 0; i < this.seconds; i++)
      if (this.stamps[i]! > s - this.seconds && this.stamps[i]! < s) sum += this.buckets[i]!;
    return sum / (this.seconds - 1);
  }
}

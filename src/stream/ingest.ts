/**
 * The ingest Durable Object (singleton `env.INGEST.idFromName("kalshi")`): a thin shell that owns
 * the settings and the alarm and wires three parts together —
 * - ./connection.ts: the WebSocket session with Kalshi's feed (subscriptions for the open markets
 *   in D1, reconnects, the silence watchdog);
 * - ./forwarder.ts: trades, the latest ticker message and top of book to the ticker objects, one
 *   RPC per ticker per flush — the stream's, the backfill's and HTTP pushes
 *   (POST /admin/ingest/trades → `ingestTrades`) on one path;
 * - ./backfill-runner.ts: the REST backfill of trades lost to a `trade`-channel gap or a dropped
 *   connection, from the last trade seen.
 * The alarm tick (every TICK_MS while running) refreshes the market set from D1, retries failed
 * subscriptions, flushes the per-day ticker registry and lets the connection reconnect.
 */
import { DurableObject } from "cloudflare:workers";
import { openMarketTickers } from "../db/stream";
import { errorMessage } from "../lib/errors";
import { BackfillRunner, restBaseFromWs } from "./backfill-runner";
import { FeedConnection } from "./connection";
import type { FeedEvent, FeedSession } from "./feed-session";
import { Forwarder, type IngestTradesResult } from "./forwarder";
import type { IngestHealth } from "./health";
import type { StreamTrade } from "./messages";
import { FEED, TickerDayRegistry } from "./registry";
import { readBudget } from "../kalshi/ratelimit";

export const INGEST_NAME = "kalshi";
const TICK_MS = 5_000;
const MARKET_REFRESH_MS = 60_000;
/**
 * The per-day registry is written at most this often from the stream (each flush upserts every
 * (day, ticker) pair seen since the last one: a D1 row write each, so the interval bounds the
 * D1 cost — docs/performance.md ("Streaming")). It is also written on stop/drain and after each HTTP batch.
 */
const REGISTRY_FLUSH_MS = 60_000;

interface IngestConfig {
  running: boolean;
  /** Feed name: "kalshi" in production; another name keeps a test world's data apart. */
  feed: string;
  /** Override of KALSHI_WS_URL (tests, simulator worlds). */
  ws_url: string | null;
  /** Override of KALSHI_BASE_URL for the trade backfill; null = derived from `ws_url` when set, else KALSHI_BASE_URL. */
  base_url?: string | null;
  /** Explicit market set; null = the open markets in D1. */
  markets: string[] | null;
  /**
   * Ticker objects fill their history before the stream by themselves when the stream first
   * delivers them (decision 0099); null = on for the production feed ("kalshi"), off for others.
   */
  history_backfill?: boolean | null;
}

/** What `POST /admin/ingest/start` may set: the stored config's settings, each optional (null = unset). */
type IngestStartOptions = { [K in Exclude<keyof IngestConfig, "running">]?: NonNullable<IngestConfig[K]> };

const DEFAULT_CONFIG: IngestConfig = { running: false, feed: FEED, ws_url: null, base_url: null, markets: null };

export class IngestObject extends DurableObject<Env> {
  private config: IngestConfig = { ...DEFAULT_CONFIG };
  private lastMarketRefresh = 0;
  private lastRegistryFlush = 0;
  private lastError: string | null = null;
  private registry = new TickerDayRegistry();
  /** Losses (gaps, drops) are numbered 1, 2, … under this instance's epoch (./coverage.ts LossRef). */
  private readonly lossEpoch = Date.now();
  private lossN = 0;
  private readonly connection: FeedConnection;
  private readonly forwarder: Forwarder;
  private readonly backfill: BackfillRunner;
  /**
   * Clock of the "opened by now" filter on the markets it subscribes to (openMarketTickers): the
   * wall clock; a test against a simulator world sets it to the world's clock (runInDurableObject).
   */
  marketClock: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const onError = (message: string) => {
      this.lastError = message;
    };
    const waitUntil = (p: Promise<unknown>) => ctx.waitUntil(p);
    const creds =
      env.KALSHI_API_KEY_ID && env.KALSHI_PRIVATE_KEY
        ? { keyId: env.KALSHI_API_KEY_ID, privateKeyPem: env.KALSHI_PRIVATE_KEY }
        : null;
    this.connection = new FeedConnection(() => this.config.ws_url ?? env.KALSHI_WS_URL, creds, {
      running: () => this.config.running,
      onEvents: (events) => this.accept(events),
      onFrame: () => this.backfill.maybeStart(),
      onDrop: (session) => this.onDrop(session),
      onReconnectScheduled: (at) => ctx.waitUntil(ctx.storage.setAlarm(at)),
      onError,
    });
    this.forwarder = new Forwarder({
      ns: env.TICKER,
      feed: () => this.config.feed,
      registry: () => this.registry,
      resolveTicker: (frame) => this.connection.session.resolveTicker(frame),
      historyBase: () => ((this.config.history_backfill ?? this.config.feed === FEED) ? this.restUrl() : null),
      lastFrameAt: () => this.connection.lastFrameAt,
      waitUntil,
      onError,
    });
    this.backfill = new BackfillRunner({
      baseUrl: () => this.restUrl(),
      envReadsPerSecond: Number(env.KALSHI_READS_PER_SECOND),
      budget: readBudget(env),
      session: () => (this.connection.connected ? this.connection.session : null),
      onTrades: (trades) => {
        for (const t of trades) this.forwarder.addBackfillTrade(t);
        this.forwarder.schedule();
      },
      onResolved: (tickers, kind, upTo, toS) => {
        if (upTo === undefined) return;
        for (const t of tickers)
          this.forwarder.addNote(t, { kind, epoch: this.lossEpoch, up_to: upTo, to_ts: toS * 1000 });
        this.forwarder.schedule();
      },
      waitUntil,
    });
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
    const r = await this.forwarder.push(trades);
    return { ...r, registry_rows: await this.flushRegistry() };
  }

  /** Starts (or restarts with new options) the WebSocket ingest. */
  async start(opts: IngestStartOptions = {}): Promise<IngestHealth> {
    const cfg: IngestConfig = {
      running: true,
      feed: opts.feed ?? this.config.feed,
      ws_url: opts.ws_url ?? null,
      base_url: opts.base_url ?? null,
      markets: opts.markets ?? null,
      history_backfill: opts.history_backfill ?? null,
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
      this.backfill.reset();
      this.forwarder.resetIntroductions();
      if (this.connection.connected) this.connection.close("restart with new settings");
    }
    this.connection.resetBackoff();
    await this.refreshMarkets();
    await this.connection.connectNow();
    await this.scheduleTick();
    return this.health();
  }

  /** Cron: makes sure the ingest runs unless an admin stopped it. */
  async ensureRunning(): Promise<IngestHealth> {
    const stored = await this.ctx.storage.get<IngestConfig>("config");
    if (stored && !stored.running) return this.health();
    if (!this.config.running) return this.start();
    await this.connection.connectNow();
    await this.scheduleTick();
    return this.health();
  }

  async stop(): Promise<IngestHealth> {
    this.config = { ...this.config, running: false };
    await this.ctx.storage.put("config", this.config);
    this.connection.close("stopped");
    await this.ctx.storage.deleteAlarm();
    await this.forwarder.flush();
    await this.flushRegistry();
    return this.health();
  }

  /** Finishes a running backfill, forwards everything pending and writes the registry now (tests, shutdown). */
  async drain(): Promise<IngestHealth> {
    await this.backfill.idle();
    await this.forwarder.flush();
    await this.flushRegistry();
    return this.health();
  }

  async health(): Promise<IngestHealth> {
    const conn = this.connection.health(Date.now());
    return {
      running: this.config.running,
      feed: this.config.feed,
      ...conn,
      last_error: this.lastError ?? this.connection.session.stats.last_error,
      backfill: this.backfill.health(),
      ...this.forwarder.health(),
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
    this.backfill.maybeStart();
    await this.connection.tick(now);
    await this.scheduleTick();
  }

  // ------------------------------------------------------------------ wiring

  private accept(events: FeedEvent[]): void {
    for (const e of events) {
      if (e.kind === "trade") this.forwarder.addTrade(e.trade);
      else if (e.kind === "ticker") this.forwarder.addTicker(e.frame);
      else if (e.kind === "book") this.forwarder.addBook(e.book);
      else if (e.kind === "duplicate")
        this.forwarder.addNote(e.ticker, { kind: "duplicate_frames", ts: e.ts, frames: 1 });
      else if (e.kind === "gap" && e.channel === "trade") {
        // Frames between the last trade on the sid and the resubscription are lost: backfill them.
        const from = e.fromTs ?? this.connection.session.latestTradeTs ?? this.connection.since ?? Date.now();
        this.noteLoss(e.tickers, "gap", from, e.got - e.expected);
      }
    }
    this.forwarder.schedule();
  }

  /** Trades while disconnected are lost too: backfill every market from the newest trade seen. */
  private onDrop(session: FeedSession): void {
    const latest = session.latestTradeTs;
    if (latest !== null) this.noteLoss(session.markets, "reconnect", latest, null);
  }

  /** A loss: each ticker's object is told (its coverage), and the backfill is queued under the loss's number. */
  private noteLoss(
    tickers: readonly string[],
    cause: "gap" | "reconnect",
    fromTs: number,
    missed: number | null,
  ): void {
    const n = ++this.lossN;
    const detected_at = Date.now();
    for (const t of tickers)
      this.forwarder.addNote(t, {
        kind: "loss",
        cause,
        id: { epoch: this.lossEpoch, n },
        from_ts: fromTs,
        detected_at,
        missed_seq: missed,
      });
    this.backfill.add(tickers, Math.floor(fromTs / 1000), n);
    this.forwarder.schedule();
  }

  private restUrl(): string {
    if (this.config.base_url) return this.config.base_url;
    if (this.config.ws_url) return restBaseFromWs(this.config.ws_url);
    return this.env.KALSHI_BASE_URL;
  }

  private async scheduleTick(): Promise<void> {
    if (!this.config.running) return;
    const now = Date.now();
    const reconnectAt = this.connection.nextReconnectAt;
    const at =
      !this.connection.connected && reconnectAt !== null ? Math.min(reconnectAt, now + TICK_MS) : now + TICK_MS;
    await this.ctx.storage.setAlarm(Math.max(at, now + 10));
  }

  private async refreshMarkets(): Promise<void> {
    this.lastMarketRefresh = Date.now();
    try {
      this.connection.setMarkets(this.config.markets ?? (await openMarketTickers(this.env.DB, this.marketClock())));
    } catch (e) {
      this.lastError = `market refresh failed: ${errorMessage(e)}`;
    }
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

/**
 * One Durable Object per market ticker (`env.TICKER.idFromName(ticker)`): a bounded window of
 * trades in its SQLite storage (state survives eviction and restarts), the default builders kept
 * up to date per trade, and the latest `ticker` and top-of-book messages.
 *
 * Native RPC, except `fetch` for the live push's WebSocket/SSE (src/stream/live.ts). RPC method
 * names avoid `connect`, `fetch`, `alarm`.
 * Writes made during one RPC call are committed together (the output gate coalesces them).
 *
 * Trades are stored one row per applied batch (`trade_batches`), not one row per trade: a batch
 * row is deleted once the prune frontier has passed its newest trade. That is ~1 row written per
 * call instead of ~2 per trade (insert + delete) — Durable Object storage is billed per row
 * written — and an insert of one short text instead of a B-tree insert per trade id.
 * Deduplication by trade_id is the in-memory id set, rebuilt from these rows on load.
 */
import { DurableObject } from "cloudflare:workers";
import {
  assertValidTrade,
  compareTradeKeys,
  DEFAULT_PRICE_WINDOW,
  DEFAULT_VOLUME_WINDOW_MS,
  PriceHistoryBuilder,
  TradeRing,
  VolumeProfileBuilder,
  type BuilderTrade,
  type PriceHistory,
  type VolumeProfile,
} from "../builders";
import { log } from "../lib/log";
import type { StreamBook, StreamTicker, StreamTrade } from "./messages";
import { LiveHub, type LiveStats } from "./live";
import { fromBuilderTrade } from "./normalize";
import {
  HistoryStore,
  tradesPage,
  type CandlesQuery,
  type AutoBackfill,
  type HistoryAnswer,
  type HistoryCoverage,
  type TradesPage,
  type TradesQuery,
} from "./history-store";
import { MAX_PRICE_WINDOW, MAX_VOLUME_WINDOW_MS, prunableCount } from "./retention";
import { packTrades, unpackTrade, type PackedTrades } from "./trade-pack";
import type { ApplyTradesResult, ScreenSummary, TickerSnapshot, TickerStats } from "./snapshot";
import {
  fetchHistory,
  resolveMarket,
  type HistoryBackfillRequest,
  type HistoryBackfillResult,
  type HistoryPlan,
} from "./history-backfill";
import { KalshiClient } from "../kalshi/client";
import { readBudget, RemotePacer, TokenBucket } from "../kalshi/ratelimit";
import { errorMessage } from "../lib/errors";
import type { CoverageNote } from "./coverage";

/**
 * Answer of a windowed query. Expected failures are values, not exceptions: an exception thrown
 * across Durable Object RPC is also reported as an uncaught error inside the object.
 */
export type WindowAnswer<T> =
  | { status: "ok"; value: T; coverage?: HistoryCoverage }
  | { status: "unknown_ticker" }
  | { status: "bad_window"; message: string };

export interface TickerBatch {
  /** This ticker's trades, in columns (`packTrades`). */
  trades?: PackedTrades;
  /** Trades the ingest's REST backfill read back after a loss (counted apart in the coverage). */
  backfill_trades?: PackedTrades;
  /** What the ingest observed about this ticker's stream (./coverage.ts), applied after the trades. */
  coverage?: CoverageNote[];
  /**
   * With the stream's first batch to this object (per ingest instance) when the feed fills history
   * by itself: the REST base to read it from. An object with no history fill schedules one (decision 0099).
   */
  history?: { base_url: string };
  ticker_message?: StreamTicker;
  orderbook?: StreamBook;
}

interface Counters {
  trades_added: number;
  duplicates: number;
  outside: number;
  tickers_applied: number;
  books_applied: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS trade_batches (
  seq INTEGER PRIMARY KEY,
  -- (ts, trade_id) of the batch's newest trade: the row goes once the prune frontier reaches it.
  -- Not indexed: an index entry is one more row written per insert and delete, and the prune's
  -- scan covers only the retained batches (one per call within the retention window).
  last_ts INTEGER NOT NULL,
  last_id TEXT NOT NULL,
  -- JSON [[trade_id, ts, price (1/10000 $, YES), count (1/100 contract), taker_yes (0|1)], ...]
  trades TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
`;

type TradeRow = [id: string, ts: number, price: number, count: number, takerYes: 0 | 1];

/** Session-1 layout (one row per trade), moved into `trade_batches` when an object loads. */
const LEGACY_TRADES = "trades";

export class TickerState {
  private ticker: string | null = null;
  /** Every retained trade, in (ts, id) order: mirror of the `trades` table. */
  private retained = new TradeRing(Infinity);
  private ids = new Set<string>();
  /** (ts, id) of the newest pruned trade; anything at or below it is outside every window. */
  private frontier: [number, string] | null = null;
  private priceHistoryB = new PriceHistoryBuilder(DEFAULT_PRICE_WINDOW);
  private volumeProfileB = new VolumeProfileBuilder(DEFAULT_VOLUME_WINDOW_MS);
  private tickerMsg: StreamTicker | null = null;
  private book: StreamBook | null = null;
  /** Since this instance loaded (not persisted: a storage row write per call costs as much as the trades). */
  private counters: Counters = { trades_added: 0, duplicates: 0, outside: 0, tickers_applied: 0, books_applied: 0 };

  /**
   * Loads the state kept in `sql` (synchronous: SQLite-backed storage is local). The tables are
   * created by the first write, so reading an object that never got data (e.g. GET of an unknown
   * ticker) writes nothing.
   */
  /** Minute candles and their provenance (./history-store.ts): every added trade is folded there once. */
  private readonly history: HistoryStore;

  constructor(
    private readonly sql: SqlStorage,
    candleRetentionDays?: number,
  ) {
    this.history = new HistoryStore(sql, candleRetentionDays);
    const tables = new Set(
      this.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((r) => r.name),
    );
    if (!tables.has("meta")) return;
    this.history.load(tables);
    for (const row of this.sql.exec<{ k: string; v: string }>("SELECT k, v FROM meta")) {
      const v = JSON.parse(row.v);
      if (row.k === "ticker") this.ticker = v;
      else if (row.k === "frontier") this.frontier = v;
      else if (row.k === "ticker_message") this.tickerMsg = v;
      else if (row.k === "orderbook") this.book = v;
    }
    if (tables.has(LEGACY_TRADES)) this.migrateLegacyTrades();
    // A batch row may still hold trades at or below the frontier (pruned, outside every window).
    const kept: BuilderTrade[] = [];
    for (const row of this.sql.exec<{ trades: string }>("SELECT trades FROM trade_batches ORDER BY seq")) {
      for (const [id, ts, price, count, yes] of JSON.parse(row.trades) as TradeRow[]) {
        if (this.frontier && compareTradeKeys(ts, id, this.frontier[0], this.frontier[1]) <= 0) continue;
        kept.push({ id, ts, price, count, takerSide: yes ? "yes" : "no" });
      }
    }
    kept.sort((a, b) => compareTradeKeys(a.ts, a.id, b.ts, b.id));
    for (const t of kept) {
      if (this.ids.has(t.id)) continue;
      this.retained.insertAt(this.retained.length, t);
      this.ids.add(t.id);
    }
    const n = this.retained.length;
    for (let i = Math.max(0, n - DEFAULT_PRICE_WINDOW); i < n; i++) this.priceHistoryB.add(this.tradeAt(i));
    // Only trades that can be in the 5-minute window are replayed into the volume builder.
    const start = n === 0 ? 0 : firstIndexAfter(this.retained, this.retained.tsAt(n - 1) - DEFAULT_VOLUME_WINDOW_MS);
    for (let i = start; i < n; i++) this.volumeProfileB.add(this.tradeAt(i));
  }

  /** Moves trades kept in the one-row-per-trade table of earlier versions into one batch row. */
  private migrateLegacyTrades(): void {
    this.sql.exec(SCHEMA);
    const rows = this.sql
      .exec<{ trade_id: string; ts: number; price: number; count: number; taker_yes: number }>(
        `SELECT trade_id, ts, price, count, taker_yes FROM ${LEGACY_TRADES} ORDER BY ts, trade_id`,
      )
      .toArray()
      .map((r): TradeRow => [r.trade_id, r.ts, r.price, r.count, r.taker_yes ? 1 : 0]);
    if (rows.length > 0) this.insertBatch(rows);
    this.sql.exec(`DROP TABLE ${LEGACY_TRADES}`);
  }

  /** One row for the batch; `rows` non-empty. */
  private insertBatch(rows: TradeRow[]): void {
    let last = rows[0]!;
    for (const r of rows) if (compareTradeKeys(r[1], r[0], last[1], last[0]) > 0) last = r;
    this.sql.exec(
      "INSERT INTO trade_batches (last_ts, last_id, trades) VALUES (?, ?, ?)",
      last[1],
      last[0],
      JSON.stringify(rows),
    );
  }

  private tradeAt(i: number): BuilderTrade {
    const r = this.retained;
    return {
      id: r.idAt(i),
      ts: r.tsAt(i),
      price: r.priceAt(i),
      count: r.countAt(i),
      takerSide: r.takerYesAt(i) ? "yes" : "no",
    };
  }

  private setMeta(k: string, v: unknown): void {
    this.sql.exec(
      "INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
      k,
      JSON.stringify(v),
    );
  }

  /** Records which ticker this object holds (first data wins); false if `ticker` is another one. */
  private bind(ticker: string): boolean {
    if (this.ticker === ticker) return true;
    if (this.ticker !== null) {
      log("error", "ticker object got data for another ticker", { holds: this.ticker, got: ticker });
      return false;
    }
    this.ticker = ticker;
    this.sql.exec(SCHEMA);
    this.history.ensure();
    this.setMeta("ticker", ticker);
    return true;
  }

  /** Adds trades for this ticker in the stream format (trades of another ticker are rejected). */
  applyTrades(ticker: string, trades: StreamTrade[]): ApplyTradesResult {
    const mine = trades.filter((t) => t.ticker === ticker);
    const { packed, rejected } = packTrades(mine);
    const res = this.applyPacked(ticker, packed);
    res.rejected += rejected + trades.length - mine.length;
    return res;
  }

  /**
   * Adds a batch of trades for this ticker: deduplicated by trade_id, placed by (ts, id). `origin`:
   * the stream's trades mark the stream's start and count their duplicates in the coverage; the
   * ingest's gap backfill counts what only it delivered; the history backfill does neither.
   */
  applyPacked(
    ticker: string,
    p: PackedTrades,
    origin: "stream" | "backfill" | "history" = "stream",
  ): ApplyTradesResult {
    const res: ApplyTradesResult = { added: 0, duplicates: 0, outside: 0, rejected: 0 };
    if (!this.bind(ticker)) return { ...res, rejected: p.ids.length };
    const rows: TradeRow[] = [];
    for (let i = 0; i < p.ids.length; i++) {
      if (this.ids.has(p.ids[i]!)) {
        res.duplicates++;
        if (origin === "stream") this.history.countTrade(p.ts[i]!, "dupt");
        continue;
      }
      const t = unpackTrade(p, i);
      try {
        assertValidTrade(t);
      } catch {
        // The sender packs valid trades only; this keeps a bad one from failing its batch.
        res.rejected++;
        continue;
      }
      if (this.frontier && compareTradeKeys(t.ts, t.id, this.frontier[0], this.frontier[1]) <= 0) {
        res.outside++;
        continue;
      }
      rows.push([t.id, t.ts, t.price, t.count, t.takerSide === "yes" ? 1 : 0]);
      this.retained.insertAt(this.retained.positionOf(t.ts, t.id), t);
      this.ids.add(t.id);
      this.priceHistoryB.add(t);
      this.volumeProfileB.add(t);
      this.history.add(t);
      if (origin === "backfill") this.history.countTrade(t.ts, "rec");
      res.added++;
    }
    if (rows.length > 0) this.insertBatch(rows);
    if (origin !== "history" && rows.length > 0)
      this.history.noteStreamStart(
        rows.reduce((m, r) => Math.min(m, r[1]), Infinity),
        origin === "backfill",
      );
    this.history.flush();
    this.prune();
    this.counters.trades_added += res.added;
    this.counters.duplicates += res.duplicates;
    this.counters.outside += res.outside;
    return res;
  }

  /** Keeps the newest `ticker` message (by ts). Returns whether it replaced the stored one. */
  applyTicker(msg: StreamTicker): boolean {
    return this.putTicker(msg);
  }

  /** Keeps the newest top of book (by ts). */
  applyBook(top: StreamBook): boolean {
    return this.putBook(top);
  }

  /** Everything the ingest object collected for this ticker since its last flush, in one call. */
  applyBatch(ticker: string, batch: TickerBatch): ApplyTradesResult {
    if (batch.ticker_message) this.putTicker(batch.ticker_message);
    if (batch.orderbook) this.putBook(batch.orderbook);
    const res = batch.trades
      ? this.applyPacked(ticker, batch.trades)
      : { added: 0, duplicates: 0, outside: 0, rejected: 0 };
    if (batch.backfill_trades) {
      const b = this.applyPacked(ticker, batch.backfill_trades, "backfill");
      res.added += b.added;
      res.duplicates += b.duplicates;
      res.outside += b.outside;
      res.rejected += b.rejected;
    }
    // Notes about an object that holds nothing have nothing to qualify (and create no state).
    if (batch.coverage?.length && this.ticker === ticker) {
      this.history.applyNotes(batch.coverage);
      this.history.flush();
    }
    if (batch.history && this.ticker === ticker && this.history.scheduleAuto(batch.history.base_url))
      this.autoDue = true;
    return res;
  }

  /** An automatic history fill was scheduled since the last call (the object arms its alarm). */
  private autoDue = false;
  takeAutoDue(): boolean {
    const d = this.autoDue;
    this.autoDue = false;
    return d;
  }

  get autoBackfill(): Readonly<AutoBackfill> | null {
    return this.history.auto;
  }

  setAutoBackfill(a: AutoBackfill): void {
    this.history.setAuto(a);
  }

  get tickerName(): string | null {
    return this.ticker;
  }

  private putTicker(msg: StreamTicker): boolean {
    if (!this.bind(msg.ticker)) return false;
    this.counters.tickers_applied++;
    const newer = this.tickerMsg === null || msg.ts >= this.tickerMsg.ts;
    if (newer) {
      this.tickerMsg = msg;
      this.setMeta("ticker_message", msg);
    }
    return newer;
  }

  private putBook(top: StreamBook): boolean {
    if (!this.bind(top.ticker)) return false;
    this.counters.books_applied++;
    const newer = this.book === null || top.ts >= this.book.ts;
    if (newer) {
      this.book = top;
      this.setMeta("orderbook", top);
    }
    return newer;
  }

  /** Everything about the ticker, or null if this object never received data. */
  snapshot(): TickerSnapshot | null {
    if (this.ticker === null) return null;
    const ph = this.priceHistoryB.snapshot();
    const vp = this.volumeProfileB.snapshot();
    const starts = [ph.first_ts, vp.window_end_ms === null ? null : vp.window_end_ms - DEFAULT_VOLUME_WINDOW_MS + 1];
    const from = starts.reduce<number | null>((m, x) => (x === null ? m : m === null ? x : Math.min(m, x)), null);
    return {
      ticker: this.ticker,
      ticker_message: this.tickerMsg,
      orderbook: this.book,
      price_history: ph,
      volume_profile: vp,
      stats: this.stats(),
      coverage: this.builderCoverage(from),
    };
  }

  /** price_history over the last `n` trades (1..MAX_PRICE_WINDOW). */
  priceHistory(n: number = DEFAULT_PRICE_WINDOW): WindowAnswer<PriceHistory> {
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PRICE_WINDOW)
      return { status: "bad_window", message: `window must be 1..${MAX_PRICE_WINDOW} trades` };
    if (this.ticker === null) return { status: "unknown_ticker" };
    let value: PriceHistory;
    if (n === DEFAULT_PRICE_WINDOW) value = this.priceHistoryB.snapshot();
    else {
      const len = this.retained.length;
      const b = new PriceHistoryBuilder(n);
      for (let i = Math.max(0, len - n); i < len; i++) b.add(this.tradeAt(i));
      value = b.snapshot();
    }
    return { status: "ok", value, coverage: this.builderCoverage(value.first_ts) };
  }

  /**
   * Coverage of a builder window starting at `fromTs`: up to +∞, not to its newest trade — a loss
   * after that trade may hold newer trades the window should have had. An empty window: all time.
   */
  private builderCoverage(fromTs: number | null): HistoryCoverage {
    return this.history.coverage(fromTs ?? Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  }

  /** volume_profile over `windowMs` (1..MAX_VOLUME_WINDOW_MS) ending at the latest trade. */
  volumeProfile(windowMs: number = DEFAULT_VOLUME_WINDOW_MS): WindowAnswer<VolumeProfile> {
    if (!Number.isSafeInteger(windowMs) || windowMs < 1 || windowMs > MAX_VOLUME_WINDOW_MS)
      return { status: "bad_window", message: `window must be 1..${MAX_VOLUME_WINDOW_MS} ms` };
    if (this.ticker === null) return { status: "unknown_ticker" };
    let value: VolumeProfile;
    if (windowMs === DEFAULT_VOLUME_WINDOW_MS) value = this.volumeProfileB.snapshot();
    else {
      const len = this.retained.length;
      const b = new VolumeProfileBuilder(windowMs);
      const start = len === 0 ? 0 : firstIndexAfter(this.retained, this.retained.tsAt(len - 1) - windowMs);
      for (let i = start; i < len; i++) b.add(this.tradeAt(i));
      value = b.snapshot();
    }
    const end = value.window_end_ms;
    return { status: "ok", value, coverage: this.builderCoverage(end === null ? null : end - windowMs + 1) };
  }

  /**
   * Both builders over the given windows and nothing else (no book, ticker message or stats):
   * the per-ticker summary a screen fans out to (GET /screen). O(1) at the default windows.
   */
  screenSummary(priceWindow: number, volumeWindowMs: number): WindowAnswer<ScreenSummary> {
    const ph = this.priceHistory(priceWindow);
    if (ph.status !== "ok") return ph;
    const vp = this.volumeProfile(volumeWindowMs);
    if (vp.status !== "ok") return vp;
    return { status: "ok", value: { price_history: ph.value, volume_profile: vp.value } };
  }

  /** The retained trades, newest last (at most `limit`). */
  /** A page of the retained trades, newest first (./history-store.ts). */
  trades(q: TradesQuery): HistoryAnswer<TradesPage> {
    if (this.ticker === null) return { status: "unknown_ticker" };
    return { status: "ok", value: tradesPage(this.ticker, this.retained, q) };
  }

  /** Candles at an interval over [from, to), from the minute candles. */
  candles(q: CandlesQuery): ReturnType<HistoryStore["candles"]> {
    if (this.ticker === null) return { status: "unknown_ticker" };
    return this.history.candles(q);
  }

  /** What a history backfill of this ticker should fetch now (./history-store.ts plan). */
  historyPlan(series: string, historical: boolean, nowMs: number): HistoryPlan | null {
    if (this.ticker === null) return null;
    const oldest = this.retained.length === 0 ? null : this.retained.tsAt(0);
    return { ticker: this.ticker, series, historical, ...this.history.plan(oldest, nowMs) };
  }

  /** Puts fetched history in place: Kalshi's minutes before plan.beforeMs, trades after it (deduplicated). */
  applyHistory(plan: HistoryPlan, candles: Parameters<HistoryStore["putRest"]>[2], trades: StreamTrade[]) {
    const minutes = this.history.putRest(plan.fromMs, plan.beforeMs, candles);
    const { packed, rejected } = packTrades(trades.filter((t) => t.ticker === plan.ticker));
    const res = this.applyPacked(plan.ticker, packed, "history");
    this.history.noteTradesBackfill(plan.beforeMs, plan.toMs);
    return { rest_minutes: minutes, ...res, rejected: res.rejected + rejected };
  }

  recentTrades(limit = 100): StreamTrade[] {
    if (this.ticker === null) return [];
    const len = this.retained.length;
    const out: StreamTrade[] = [];
    for (let i = Math.max(0, len - limit); i < len; i++) out.push(fromBuilderTrade(this.ticker, this.tradeAt(i)));
    return out;
  }

  private stats(): TickerStats {
    const n = this.retained.length;
    return {
      trades_retained: n,
      ...this.counters,
      last_trade: n === 0 || this.ticker === null ? null : fromBuilderTrade(this.ticker, this.tradeAt(n - 1)),
    };
  }

  private prune(): void {
    const k = prunableCount(this.retained);
    if (k === 0) return;
    for (let i = 0; i < k; i++) {
      const id = this.retained.idAt(0);
      this.frontier = [this.retained.tsAt(0), id];
      this.ids.delete(id);
      this.retained.shift();
    }
    const [fts, fid] = this.frontier!;
    this.sql.exec("DELETE FROM trade_batches WHERE last_ts < ? OR (last_ts = ? AND last_id <= ?)", fts, fts, fid);
    this.setMeta("frontier", this.frontier);
  }
}

/**
 * The Durable Object: a thin RPC shell over TickerState (kept separate so the same logic can be
 * measured behind another RPC layer in bench/rpc-*.ts).
 */
export class TickerObject extends DurableObject<Env> {
  private state!: TickerState;
  /** Browsers watching this ticker (GET /tickers/{ticker}/live, src/stream/live.ts): pushed after each batch. */
  private readonly live = new LiveHub(this.ctx, () => this.state);

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.state = new TickerState(ctx.storage.sql);
    });
  }

  async applyTrades(ticker: string, trades: StreamTrade[]): Promise<ApplyTradesResult> {
    const mark = this.live.mark();
    const res = this.state.applyTrades(ticker, trades);
    this.live.publish(mark, res.added);
    return res;
  }
  async applyTicker(msg: StreamTicker): Promise<boolean> {
    const mark = this.live.mark();
    const newer = this.state.applyTicker(msg);
    if (newer) this.live.publish(mark, 0);
    return newer;
  }
  async applyBook(top: StreamBook): Promise<boolean> {
    const mark = this.live.mark();
    const newer = this.state.applyBook(top);
    if (newer) this.live.publish(mark, 0);
    return newer;
  }
  async applyBatch(ticker: string, batch: TickerBatch): Promise<ApplyTradesResult> {
    const mark = this.live.mark();
    const res = this.state.applyBatch(ticker, batch);
    this.live.publish(mark, res.added);
    // Not awaited by the answer: the fill runs from the alarm, its coverage says "scheduled" meanwhile.
    if (this.state.takeAutoDue()) await this.ctx.storage.setAlarm(Date.now() + AUTO_BACKFILL_DELAY_MS);
    return res;
  }

  /** The automatic history fill (decision 0099): once per ticker, retried AUTO_BACKFILL_ATTEMPTS times. */
  override async alarm(): Promise<void> {
    const a = this.state.autoBackfill;
    const ticker = this.state.tickerName;
    if (!a || !ticker || a.state === "done" || a.state === "failed") return;
    const attempt = { ...a, state: "running" as const, attempts: a.attempts + 1 };
    this.state.setAutoBackfill(attempt);
    try {
      const client = this.historyClient(a.base_url, () => {});
      const market = await resolveMarket(client, this.env.DB, ticker);
      const r = await this.backfillHistory({
        series: market.series,
        historical: market.historical,
        base_url: a.base_url,
      });
      if (r.status !== "ok") throw new Error(r.status);
      this.state.setAutoBackfill({ ...attempt, state: "done", last_error: null });
    } catch (e) {
      const failed = attempt.attempts >= AUTO_BACKFILL_ATTEMPTS;
      this.state.setAutoBackfill({ ...attempt, state: failed ? "failed" : "scheduled", last_error: errorMessage(e) });
      if (!failed) await this.ctx.storage.setAlarm(Date.now() + AUTO_BACKFILL_RETRY_MS * attempt.attempts);
    }
  }

  /** A client for history reads, paced by the REST base's read budget shared with the sync (decision 0100). */
  private historyClient(baseUrl: string, onRequest: () => void): KalshiClient {
    const base = baseUrl.replace(/\/+$/, "");
    const budget = readBudget(this.env);
    return new KalshiClient({
      baseUrl: base,
      readsPerSecond: HISTORY_READS_PER_SECOND,
      pacer: budget
        ? new RemotePacer(budget(base), base, "backfill", new TokenBucket({ ratePerSecond: HISTORY_READS_PER_SECOND }))
        : undefined,
      onEvent: (e) => {
        if (e.type === "request") onRequest();
      },
    });
  }
  /** The live push's WebSocket upgrade or SSE stream (the only fetch: everything else is RPC). */
  override async fetch(request: Request): Promise<Response> {
    return this.live.handle(request);
  }
  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    this.live.message(ws, data);
  }
  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // 1005/1006 are reserved (no close frame); answer a client's close with a normal one.
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  }
  async liveStats(): Promise<LiveStats> {
    return this.live.liveStats();
  }
  async snapshot(): Promise<TickerSnapshot | null> {
    return this.state.snapshot();
  }
  async priceHistory(n?: number): Promise<WindowAnswer<PriceHistory>> {
    return this.state.priceHistory(n);
  }
  async volumeProfile(windowMs?: number): Promise<WindowAnswer<VolumeProfile>> {
    return this.state.volumeProfile(windowMs);
  }
  async screenSummary(priceWindow: number, volumeWindowMs: number): Promise<WindowAnswer<ScreenSummary>> {
    return this.state.screenSummary(priceWindow, volumeWindowMs);
  }
  async trades(q: TradesQuery): Promise<HistoryAnswer<TradesPage>> {
    return this.state.trades(q);
  }
  async candles(q: CandlesQuery): Promise<ReturnType<TickerState["candles"]>> {
    return this.state.candles(q);
  }
  /**
   * Fills this ticker's history from Kalshi (./history-backfill.ts): candlesticks before the first
   * minute it holds trades for, trades from there on. Requests paced by the client's token bucket.
   */
  async backfillHistory(req: HistoryBackfillRequest): Promise<HistoryBackfillAnswer> {
    const plan = this.state.historyPlan(req.series, req.historical ?? false, req.now_ms ?? Date.now());
    if (plan === null) return { status: "unknown_ticker" };
    let requests = 0;
    const client = this.historyClient(req.base_url ?? this.env.KALSHI_BASE_URL, () => requests++);
    const fetched = await fetchHistory(client, plan);
    const applied = this.state.applyHistory(plan, fetched.candles, fetched.trades);
    return {
      status: "ok",
      value: {
        from_ts: plan.fromMs,
        rest_before_ts: plan.beforeMs,
        to_ts: plan.toMs,
        requests,
        invalid: fetched.invalid,
        truncated: fetched.truncated,
        ...applied,
      },
    };
  }
  async recentTrades(limit?: number): Promise<StreamTrade[]> {
    return this.state.recentTrades(limit);
  }
}

/** A history backfill's pace when no shared read budget can be reached (a harness without the SYNC binding). */
const HISTORY_READS_PER_SECOND = 10;
/** The automatic fill starts this long after the stream's first delivery (the first answers are not held up). */
const AUTO_BACKFILL_DELAY_MS = 100;
/** Attempts of the automatic fill, the n-th retry n × AUTO_BACKFILL_RETRY_MS after the failure. */
const AUTO_BACKFILL_ATTEMPTS = 3;
const AUTO_BACKFILL_RETRY_MS = 60_000;

export type HistoryBackfillAnswer = { status: "unknown_ticker" } | { status: "ok"; value: HistoryBackfillResult };

/** First index of a sorted ring whose ts is > cutoff (binary search). */
function firstIndexAfter(ring: TradeRing, cutoff: number): number {
  let lo = 0;
  let hi = ring.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ring.tsAt(mid) <= cutoff) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

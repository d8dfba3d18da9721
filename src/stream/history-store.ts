/**
 * A ticker object's history: its minute candles (`candles_1m`, one row per UTC minute with at
 * least one trade, kept CANDLE_RETENTION_DAYS by default) and what is known about how complete
 * they are (`history_meta`). Owned by the TickerObject (src/stream/ticker.ts), which offers each
 * trade here once — after its trade_id deduplication — so a trade lands in one minute exactly once.
 *
 * Minutes before `restBefore` come from Kalshi's candlesticks (the backfill) and trades for them
 * are not folded in again: the REST minute already counts them. Minutes from `restBefore` on are
 * built from trades only (the stream's, and the backfill's from `GET /markets/trades`).
 *
 * Storage: a row per minute that had a trade (≤ 1,440 per ticker-day) and per hour (`candles_1h`,
 * ≤ 24, what 1h and 1d answers read); ~99 KiB per ticker-day at a trade every minute
 * (docs/streaming.md). Each applied batch writes the minutes and hours it touched once.
 */
import {
  CANDLE_INTERVALS,
  MINUTE_MS,
  MinuteCandles,
  periodStart,
  presentPeriod,
  rollUp,
  type CandleAgg,
  type CandleInterval,
} from "../builders/candles";
import { z } from "zod";
import { compareTradeKeys, type BuilderTrade, type TradeRing } from "../builders";
import type { StreamTrade } from "./messages";
import { fromBuilderTrade } from "./normalize";
import { CoverageLog, StreamCoverageSchema, type CoverageLogState, type CoverageNote } from "./coverage";

export const DEFAULT_CANDLE_RETENTION_DAYS = 30;
/** Most periods one candles answer lists (30 days of 1h is 720; of 1m, ask 7 days at a time). */
export const MAX_CANDLE_PERIODS = 10_080;
/** Periods listed when `from` is not given. */
export const DEFAULT_CANDLE_PERIODS = 100;
export const MAX_TRADES_LIMIT = 1000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Old minutes are deleted at most once per this much market time (one DELETE, not one per batch). */
const PRUNE_EVERY_MS = 3_600_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS candles_1m (
  start INTEGER PRIMARY KEY,
  o INTEGER NOT NULL, h INTEGER NOT NULL, l INTEGER NOT NULL, c INTEGER NOT NULL,
  o_ts INTEGER NOT NULL, o_id TEXT NOT NULL, c_ts INTEGER NOT NULL, c_id TEXT NOT NULL,
  pv INTEGER NOT NULL, vol INTEGER NOT NULL,
  buy INTEGER, sell INTEGER, n INTEGER,
  src TEXT NOT NULL
);
-- The same aggregates per UTC hour, kept beside the minutes so 1h and 1d answers read 24 rows a day.
CREATE TABLE IF NOT EXISTS candles_1h (
  start INTEGER PRIMARY KEY,
  o INTEGER NOT NULL, h INTEGER NOT NULL, l INTEGER NOT NULL, c INTEGER NOT NULL,
  o_ts INTEGER NOT NULL, o_id TEXT NOT NULL, c_ts INTEGER NOT NULL, c_id TEXT NOT NULL,
  pv INTEGER NOT NULL, vol INTEGER NOT NULL,
  buy INTEGER, sell INTEGER, n INTEGER,
  src TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
`;

interface CandleRow extends Record<string, SqlStorageValue> {
  start: number;
  o: number;
  h: number;
  l: number;
  c: number;
  o_ts: number;
  o_id: string;
  c_ts: number;
  c_id: string;
  pv: number;
  vol: number;
  buy: number | null;
  sell: number | null;
  n: number | null;
  src: string;
}

function fromRow(r: CandleRow): CandleAgg {
  return {
    start: r.start,
    open: r.o,
    high: r.h,
    low: r.l,
    close: r.c,
    openTs: r.o_ts,
    openId: r.o_id,
    closeTs: r.c_ts,
    closeId: r.c_id,
    pv: r.pv,
    volume: r.vol,
    buy: r.buy,
    sell: r.sell,
    trades: r.n,
    source: r.src === "rest" ? "rest" : "trades",
  };
}

/** What the object knows of its history's provenance (persisted in `history_meta`). */
export interface HistoryState {
  /** ts (ms) of the first trade or message the stream delivered to this object; null before any. */
  streamStartMs: number | null;
  /** Minutes before this (ms) hold Kalshi's candlesticks; null until a candle backfill ran. */
  restBefore: number | null;
  /** [from, to) ms the candle backfill covered (from Kalshi's candlesticks). */
  restFrom: number | null;
  /** [from, to) ms the trade backfill read from GET /markets/trades; null until it ran. */
  tradesBackfill: { from: number; to: number } | null;
  /** The automatic history backfill (started by the stream's first delivery; decision 0099); absent: never started. */
  auto?: AutoBackfill;
}

/** The automatic history backfill's record: which REST base, how far it got. */
export interface AutoBackfill {
  base_url: string;
  state: "scheduled" | "running" | "done" | "failed";
  attempts: number;
  last_error: string | null;
}

/** How the history before the stream stands: never asked, scheduled or running, filled, or given up. */
export type HistoryBackfillState = "none" | AutoBackfill["state"];

const nTs = (what: string) => z.number().int().nullable().meta({ description: what });

export const HistoryCoverageSchema = z
  .object({
    ...StreamCoverageSchema.shape,
    stream_start_ts: nTs("First trade the stream delivered to this ticker object (Unix ms); null: none yet"),
    predates_stream: z.boolean().meta({ description: "Part of the window is before stream_start_ts" }),
    rest_from_ts: nTs("Start of the minutes filled from Kalshi's candlesticks (backfill); null: never filled"),
    rest_before_ts: nTs("Minutes before this are Kalshi's candlesticks (source rest); from it on, built from trades"),
    trades_backfilled: z
      .object({ from: z.number().int(), to: z.number().int() })
      .nullable()
      .meta({ description: "Span read back from GET /markets/trades by the history backfill (Unix ms)" }),
    history_backfill: z.enum(["none", "scheduled", "running", "done", "failed"]).meta({
      description:
        "The fill of the history before the stream from Kalshi's candlesticks: started by itself when the stream first delivers the ticker (scheduled, running), done (also by POST …/history/backfill), failed, or none",
    }),
    unfilled_before_stream: z.boolean().meta({
      description:
        "Part of the window predates the stream and was not filled from Kalshi: its empty periods are unknown, not quiet",
    }),
  })
  .meta({
    id: "HistoryCoverage",
    description:
      "How complete the window is: what the ingest observed (gaps, reconnects, backfills, duplicates) and the ticker object's own records (stream start, REST fills); see docs/streaming.md",
  });
export type HistoryCoverage = z.infer<typeof HistoryCoverageSchema>;

export type HistoryAnswer<T> =
  | { status: "ok"; value: T }
  | { status: "unknown_ticker" }
  | { status: "bad_window"; message: string };

export interface CandlesQuery {
  interval: CandleInterval;
  /** Unix ms; default: DEFAULT_CANDLE_PERIODS periods before `to`. */
  from?: number;
  /** Unix ms, exclusive; default: the end of the newest minute held (market time). */
  to?: number;
}

export interface TradesQuery {
  /** Unix ms, inclusive. */
  since?: number;
  /** Unix ms, exclusive. */
  until?: number;
  limit?: number;
  /** (ts, trade_id) of the last trade of the previous page: the next page is older. */
  before?: [number, string];
}

export interface TradesPage {
  trades: StreamTrade[];
  /** Key of the last trade returned when more may follow (older), else null. */
  next: [number, string] | null;
  /** The retained window (every trade from `oldest_ts` on is held; older ones are pruned). */
  retained: { count: number; oldest_ts: number | null; newest_ts: number | null };
}

export class HistoryStore {
  private readonly minutes: MinuteCandles;
  private readonly hours: MinuteCandles;
  private state: HistoryState = { streamStartMs: null, restBefore: null, restFrom: null, tradesBackfill: null };
  /** The ingest's observations (./coverage.ts), persisted as the `coverage` row when changed. */
  private log = new CoverageLog();
  private logDirty = false;
  private newestMinute = Number.NEGATIVE_INFINITY;
  private prunedAt = Number.NEGATIVE_INFINITY;
  private ready = false;

  constructor(
    private readonly sql: SqlStorage,
    /** Finest candles are kept this many days before the newest minute. */
    readonly retentionDays: number = DEFAULT_CANDLE_RETENTION_DAYS,
  ) {
    if (!(retentionDays > 0)) throw new RangeError(`candle retention must be > 0 days, got ${retentionDays}`);
    this.minutes = new MinuteCandles((start) => this.loadMinute(start));
    this.hours = new MinuteCandles((start) => this.loadRow("candles_1h", start, HOUR_MS), 8, HOUR_MS);
  }

  /** Loads the state if the tables exist (called when the object loads; writes nothing). */
  load(tables: ReadonlySet<string>): void {
    if (!tables.has("candles_1m")) return;
    // Objects written before the hour rows existed (issue #14 work in progress) get the table.
    if (!tables.has("candles_1h")) this.sql.exec(SCHEMA);
    this.ready = true;
    for (const row of this.sql.exec<{ k: string; v: string }>("SELECT k, v FROM history_meta")) {
      if (row.k === "state") this.state = JSON.parse(row.v);
      else if (row.k === "coverage") this.log = new CoverageLog(JSON.parse(row.v) as CoverageLogState);
    }
    const top = this.sql.exec<{ s: number | null }>("SELECT MAX(start) AS s FROM candles_1m").one().s;
    if (top !== null) this.newestMinute = top;
  }

  /** Creates the tables (on the object's first data). */
  ensure(): void {
    if (this.ready) return;
    this.sql.exec(SCHEMA);
    this.ready = true;
  }

  get history(): Readonly<HistoryState> {
    return this.state;
  }

  private saveState(): void {
    this.sql.exec(
      "INSERT INTO history_meta (k, v) VALUES ('state', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
      JSON.stringify(this.state),
    );
  }

  private loadMinute(start: number): CandleAgg | null {
    return this.loadRow("candles_1m", start, MINUTE_MS);
  }

  private loadRow(table: "candles_1m" | "candles_1h", start: number, periodMs: number): CandleAgg | null {
    // A period after the newest minute written cannot be stored: no read for the usual new period.
    if (!this.ready || start > periodStart(this.newestMinute, periodMs)) return null;
    const rows = this.sql.exec<CandleRow>(`SELECT * FROM ${table} WHERE start = ?`, start).toArray();
    return rows.length === 0 ? null : fromRow(rows[0]!);
  }

  /**
   * Records the stream's first delivery (first call wins); `lower`: a trade the ingest's gap
   * backfill read back, lost from the stream while it ran, may move the start earlier.
   */
  noteStreamStart(ts: number, lower = false): void {
    const cur = this.state.streamStartMs;
    if (cur !== null && !(lower && ts < cur)) return;
    this.ensure();
    this.state.streamStartMs = ts;
    this.saveState();
  }

  /** Folds a trade the object just added (once per trade_id); a minute backfilled from REST already counts it. */
  add(t: BuilderTrade): boolean {
    if (this.state.restBefore !== null && t.ts < this.state.restBefore) return false;
    this.minutes.add(t);
    this.hours.add(t);
    return true;
  }

  /** The ingest's notes about this ticker's stream (losses, their backfill, duplicate frames). */
  applyNotes(notes: readonly CoverageNote[]): void {
    if (this.log.apply(notes)) this.logDirty = true;
  }

  /** Counts a trade only the backfill delivered (`rec`) or a stream trade dropped as held (`dupt`). */
  countTrade(ts: number, what: "rec" | "dupt"): void {
    this.log.bump(ts, what, 1);
    this.logDirty = true;
  }

  /** Writes the minutes changed since the last flush (one row each) and drops expired ones. */
  flush(): void {
    if (this.logDirty) {
      this.ensure();
      this.logDirty = false;
      this.sql.exec(
        "INSERT INTO history_meta (k, v) VALUES ('coverage', ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
        JSON.stringify(this.log.value),
      );
    }
    const dirty = this.minutes.takeDirty();
    if (dirty.length === 0) return;
    this.ensure();
    for (const c of this.hours.takeDirty()) this.write("candles_1h", c);
    for (const c of dirty) {
      this.write("candles_1m", c);
      if (c.start > this.newestMinute) this.newestMinute = c.start;
    }
    if (this.newestMinute - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = this.newestMinute;
      this.sql.exec("DELETE FROM candles_1m WHERE start < ?", this.retentionStart());
      this.sql.exec("DELETE FROM candles_1h WHERE start < ?", periodStart(this.retentionStart(), HOUR_MS));
      this.log.prune(this.retentionStart());
      this.logDirty = true;
    }
  }

  private write(table: "candles_1m" | "candles_1h", c: CandleAgg): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO ${table} (start, o, h, l, c, o_ts, o_id, c_ts, c_id, pv, vol, buy, sell, n, src)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      c.start,
      c.open,
      c.high,
      c.low,
      c.close,
      c.openTs,
      c.openId,
      c.closeTs,
      c.closeId,
      c.pv,
      c.volume,
      c.buy,
      c.sell,
      c.trades,
      c.source,
    );
  }

  /** Oldest minute kept: retentionDays before the newest minute. */
  private retentionStart(): number {
    return this.newestMinute - this.retentionDays * DAY_MS;
  }

  /**
   * Puts Kalshi's candlesticks (minutes of [from, before), none holding trades of this object) in
   * place, and from then on trades before `before` are not folded (the REST minute counts them).
   */
  putRest(from: number, before: number, rest: readonly CandleAgg[]): number {
    this.ensure();
    let put = 0;
    for (const c of rest) {
      if (c.start < from || c.start + MINUTE_MS > before || c.source !== "rest") continue;
      if (this.loadMinute(c.start) !== null) continue;
      this.minutes.put(c);
      this.hours.fold(c);
      put++;
    }
    this.state.restBefore = before;
    this.state.restFrom = this.state.restFrom === null ? from : Math.min(from, this.state.restFrom);
    this.saveState();
    this.flush();
    return put;
  }

  /**
   * What a history backfill should fetch now: candles for the retention window up to the first
   * minute this object holds trades for (or that a previous backfill chose), trades from there to now.
   */
  plan(oldestHeldTs: number | null, nowMs: number): { fromMs: number; beforeMs: number; toMs: number } {
    const first = Math.min(oldestHeldTs ?? nowMs, this.state.streamStartMs ?? nowMs, nowMs);
    const beforeMs = this.state.restBefore ?? periodStart(first, MINUTE_MS);
    return { fromMs: beforeMs - this.retentionDays * DAY_MS, beforeMs, toMs: Math.max(nowMs, beforeMs) };
  }

  noteTradesBackfill(from: number, to: number): void {
    this.ensure();
    const prev = this.state.tradesBackfill;
    this.state.tradesBackfill = prev ? { from: Math.min(prev.from, from), to: Math.max(prev.to, to) } : { from, to };
    this.saveState();
  }

  /** What the object knows of how complete [from, to) is (`to` may be +∞: "from `from` on"). */
  coverage(from: number, to: number): HistoryCoverage {
    const st = this.state;
    const start = st.streamStartMs;
    const predates = start === null || from < start;
    // The part before the stream is covered when the candle fill reached back to `from`.
    const filled = st.restFrom !== null && st.restFrom <= from;
    const unfilled = predates && !filled && to > from;
    return {
      ...this.log.summarize(from, to - 1, unfilled),
      stream_start_ts: start,
      predates_stream: predates,
      rest_from_ts: st.restFrom,
      rest_before_ts: st.restBefore,
      trades_backfilled: st.tradesBackfill,
      history_backfill: this.backfillState,
      unfilled_before_stream: unfilled,
    };
  }

  get backfillState(): HistoryBackfillState {
    if (this.state.restBefore !== null) return "done";
    return this.state.auto?.state ?? "none";
  }

  /**
   * The stream's first delivery to an object with no history fill: records the automatic fill as
   * scheduled (once per ticker: a record of any state is kept). Returns whether it was scheduled now.
   */
  scheduleAuto(baseUrl: string): boolean {
    if (this.state.auto || this.state.restBefore !== null) return false;
    this.ensure();
    this.state.auto = { base_url: baseUrl, state: "scheduled", attempts: 0, last_error: null };
    this.saveState();
    return true;
  }

  get auto(): Readonly<AutoBackfill> | null {
    return this.state.auto ?? null;
  }

  setAuto(a: AutoBackfill): void {
    this.state.auto = a;
    this.saveState();
  }

  /** Candles over [from, to) at `interval`, every period listed. */
  candles(q: CandlesQuery): HistoryAnswer<{
    interval: CandleInterval;
    from_ts: number;
    to_ts: number;
    periods: ReturnType<typeof presentPeriod>[];
    coverage: HistoryCoverage;
  }> {
    const p = CANDLE_INTERVALS[q.interval];
    const to =
      q.to ??
      (Number.isFinite(this.newestMinute) ? periodStart(this.newestMinute, p) + p : periodStart(q.from ?? 0, p) + p);
    const from = periodStart(q.from ?? to - DEFAULT_CANDLE_PERIODS * p, p);
    if (!(to > from)) return { status: "bad_window", message: "`to` must be after `from`" };
    if ((to - from) / p > MAX_CANDLE_PERIODS)
      return {
        status: "bad_window",
        message: `at most ${MAX_CANDLE_PERIODS} periods per request (${q.interval}): narrow from/to`,
      };
    // 1h and 1d fold the hour rows (24 a day), finer intervals the minutes.
    const table = p % HOUR_MS === 0 ? "candles_1h" : "candles_1m";
    const rows = this.ready
      ? this.sql.exec<CandleRow>(`SELECT * FROM ${table} WHERE start >= ? AND start < ? ORDER BY start`, from, to)
      : [];
    const minutes: CandleAgg[] = [];
    for (const r of rows) minutes.push(fromRow(r));
    return {
      status: "ok",
      value: {
        interval: q.interval,
        from_ts: from,
        to_ts: to,
        periods: rollUp(minutes, p, from, to).map(presentPeriod),
        coverage: this.coverage(from, to),
      },
    };
  }
}

/** Index of the first trade of the (ts, id)-sorted ring whose key is ≥ (ts, id). */
function lowerBound(ring: TradeRing, ts: number, id: string): number {
  let lo = 0;
  let hi = ring.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareTradeKeys(ring.tsAt(mid), ring.idAt(mid), ts, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A page of the retained trades, newest first. */
export function tradesPage(ticker: string, ring: TradeRing, q: TradesQuery): TradesPage {
  const limit = q.limit ?? 100;
  // End (exclusive) of the candidates: below `until` and below the cursor's key.
  let end = q.until === undefined ? ring.length : lowerBound(ring, q.until, "");
  if (q.before) end = Math.min(end, lowerBound(ring, q.before[0], q.before[1]));
  const start = q.since === undefined ? 0 : lowerBound(ring, q.since, "");
  const trades: StreamTrade[] = [];
  let i = end - 1;
  for (; i >= start && trades.length < limit; i--) {
    trades.push(
      fromBuilderTrade(ticker, {
        id: ring.idAt(i),
        ts: ring.tsAt(i),
        price: ring.priceAt(i),
        count: ring.countAt(i),
        takerSide: ring.takerYesAt(i) ? "yes" : "no",
      }),
    );
  }
  const last = trades[trades.length - 1];
  const n = ring.length;
  return {
    trades,
    next: i >= start && last ? [last.ts, last.trade_id] : null,
    retained: { count: n, oldest_ts: n === 0 ? null : ring.tsAt(0), newest_ts: n === 0 ? null : ring.tsAt(n - 1) },
  };
}

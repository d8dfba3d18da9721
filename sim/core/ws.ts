/**
 * Kalshi WebSocket protocol engine (docs/kalshi-wire.md §6), transport-agnostic: a session receives
 * command text and answers through a `send` function, so it runs the same behind the Node `ws`
 * server and in a unit test. The `Feed` owns the deterministic trade stream, order books and
 * lifecycle broadcasts of one world and fans data out to its sessions.
 */
import type { WsFaults } from "./config";
import { dollars, fp, isoMillis } from "./format";
import { Rng, hash32, uuidFrom } from "./prng";
import { renderEvent, renderMarket } from "./render";
import { S_ACTIVE } from "./status";
import { tradeTape } from "./trades";
import {
  F_FRACTIONAL,
  R_YES,
  snap,
  tickAt,
  type EventRec,
  type LifecycleEvent,
  type SeriesRec,
  type World,
} from "./world";

export const PING_INTERVAL_MS = 10_000;
export const PING_PAYLOAD = "heartbeat";

export interface WsTransport {
  send(text: string): void;
  /** `abrupt` = drop the connection without a close handshake (fault injection). */
  close(code: number, reason: string, abrupt: boolean): void;
}

/**
 * Kalshi's WebSocket error codes (docs/kalshi-wire.md §6.2). The simulator is the test oracle, so it
 * keeps its own copy of the wire facts and imports nothing from src/ (.dependency-cruiser.cjs);
 * test/sim/wire-facts.test.ts checks that this table, the client's (src/kalshi/schemas.ts
 * WS_ERROR_CODES) and the docs agree.
 */
export const WS_ERRORS = {
  1: "Unable to process message",
  2: "Params required",
  3: "Channels required",
  4: "Subscription IDs required",
  5: "Unknown command",
  6: "Already subscribed",
  7: "Unknown subscription ID",
  8: "Unknown channel name",
  9: "Authentication required",
  10: "Channel error",
  11: "Invalid parameter",
  12: "Exactly one subscription ID required",
  13: "Unsupported action",
  14: "Market ticker required",
  15: "Action required",
  16: "Market not found",
  17: "Internal error",
} as const;
export type WsErrorCode = keyof typeof WS_ERRORS;

const DATA_CHANNELS = ["ticker", "ticker_v2", "trade", "orderbook_delta", "market_lifecycle_v2"] as const;
/** Channels we accept (with auth) but never publish on: no portfolio state in the simulator. */
const SILENT_CHANNELS = ["multivariate", "fill", "market_positions", "communications", "order_group_updates"] as const;
const AUTH_CHANNELS = new Set(["orderbook_delta", "fill", "market_positions", "communications", "order_group_updates"]);
/** Channels where a subscription can be narrowed to markets. */
const TICKERED = new Set(["ticker", "ticker_v2", "trade", "orderbook_delta"]);

interface Subscription {
  sid: number;
  channel: string;
  /** null = all markets. */
  markets: Set<number> | null;
  seq: number;
}

type Json = Record<string, unknown>;

class CommandError extends Error {
  constructor(
    readonly code: WsErrorCode,
    detail?: string,
  ) {
    super(detail ? `${WS_ERRORS[code]}: ${detail}` : WS_ERRORS[code]);
  }
}

export class WsSession {
  /** sids count up per connection and are never reused on it; a reconnect starts again at 1. */
  private nextSid = 1;
  readonly subs = new Map<number, Subscription>();
  private dataCount = 0;
  private closed = false;
  messagesSent = 0;

  constructor(
    private readonly feed: Feed,
    private readonly transport: WsTransport,
    readonly authenticated: boolean,
  ) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Handle one client text frame. */
  receive(text: string): void {
    if (this.closed) return;
    let cmd: { id?: unknown; cmd?: unknown; params?: unknown };
    try {
      cmd = JSON.parse(text);
      if (typeof cmd !== "object" || cmd === null || Array.isArray(cmd)) throw new Error("not an object");
    } catch {
      this.reply({ id: null, type: "error", msg: { code: 1, msg: WS_ERRORS[1] } });
      return;
    }
    const id = typeof cmd.id === "number" ? cmd.id : null;
    try {
      switch (cmd.cmd) {
        case "subscribe":
          this.subscribe(id, cmd.params);
          return;
        case "unsubscribe":
          this.unsubscribe(id, cmd.params);
          return;
        case "update_subscription":
          this.update(id, cmd.params);
          return;
        case "list_subscriptions":
          this.list(id);
          return;
        default:
          throw new CommandError(5, typeof cmd.cmd === "string" ? cmd.cmd : undefined);
      }
    } catch (e) {
      if (e instanceof CommandError) this.reply({ id, type: "error", msg: { code: e.code, msg: e.message } });
      else this.reply({ id, type: "error", msg: { code: 17, msg: WS_ERRORS[17] } });
    }
  }

  /** The transport was closed by the peer (or by us). */
  onClose(): void {
    this.closed = true;
    this.feed.detach(this);
  }

  /** Drop the connection (fault injection): abrupt, no close frame. */
  drop(): void {
    if (this.closed) return;
    this.closed = true;
    this.feed.detach(this);
    this.transport.close(1006, "simulated drop", true);
  }

  private reply(o: Json): void {
    this.messagesSent++;
    this.transport.send(JSON.stringify(o));
  }

  private params(p: unknown): Json {
    if (typeof p !== "object" || p === null || Array.isArray(p)) throw new CommandError(2);
    return p as Json;
  }

  private resolveTickers(raw: unknown): number[] {
    if (!Array.isArray(raw) || raw.some((t) => typeof t !== "string"))
      throw new CommandError(11, "market_tickers must be an array of strings");
    const out: number[] = [];
    for (const t of raw as string[]) {
      const m = this.feed.world.findMarket(t);
      if (m === null || !this.feed.world.visible(m)) throw new CommandError(16, t);
      out.push(m);
    }
    return out;
  }

  private subscribe(id: number | null, rawParams: unknown): void {
    const p = this.params(rawParams);
    const channels = p.channels;
    if (!Array.isArray(channels) || channels.length === 0) throw new CommandError(3);
    if (p.market_ticker !== undefined && p.market_tickers !== undefined)
      throw new CommandError(11, "use market_ticker or market_tickers, not both");
    let markets: number[] | null = null;
    if (p.market_ticker !== undefined) {
      if (typeof p.market_ticker !== "string") throw new CommandError(11, "market_ticker must be a string");
      markets = this.resolveTickers([p.market_ticker]);
    } else if (p.market_tickers !== undefined) {
      markets = this.resolveTickers(p.market_tickers);
      if (markets.length === 0) markets = null;
    }
    // Validate all channels before creating any subscription.
    for (const ch of channels) {
      if (typeof ch !== "string" || !([...DATA_CHANNELS, ...SILENT_CHANNELS] as string[]).includes(ch))
        throw new CommandError(8, String(ch));
      if (AUTH_CHANNELS.has(ch) && !this.authenticated) throw new CommandError(9, ch);
      if (ch === "orderbook_delta" && markets === null) throw new CommandError(14);
    }
    for (const ch of channels as string[]) {
      if ([...this.subs.values()].some((s) => s.channel === ch)) {
        // Kalshi answers a second subscribe to a channel on the same connection with code 6
        // (captured); add markets with update_subscription instead (docs/kalshi-wire.md Q5).
        this.reply({ id, type: "error", msg: { code: 6, msg: WS_ERRORS[6] } });
        continue;
      }
      const sub: Subscription = {
        sid: this.nextSid++,
        channel: ch,
        markets: TICKERED.has(ch) && markets ? new Set(markets) : null,
        seq: 0,
      };
      this.subs.set(sub.sid, sub);
      this.reply({ id, type: "subscribed", msg: { channel: ch, sid: sub.sid } });
      if (ch === "orderbook_delta" && sub.markets) for (const m of sub.markets) this.sendSnapshot(sub, m);
    }
    this.feed.interestChanged();
  }

  private sidParam(p: Json): Subscription {
    let sids: unknown[] | null = null;
    if (Array.isArray(p.sids)) sids = p.sids;
    else if (p.sid !== undefined) sids = [p.sid];
    if (!sids || sids.length === 0) throw new CommandError(4);
    if (sids.length !== 1) throw new CommandError(12);
    const sub = this.subs.get(sids[0] as number);
    if (!sub) throw new CommandError(7, String(sids[0]));
    return sub;
  }

  private update(id: number | null, rawParams: unknown): void {
    const p = this.params(rawParams);
    const sub = this.sidParam(p);
    if (p.action === undefined) throw new CommandError(15);
    if (p.action !== "add_markets" && p.action !== "delete_markets") throw new CommandError(13, String(p.action));
    if (!TICKERED.has(sub.channel) || sub.markets === null)
      throw new CommandError(13, `${sub.channel} subscription is not per market`);
    if (p.market_tickers === undefined && p.market_ticker === undefined) throw new CommandError(14);
    const ms = this.resolveTickers(p.market_tickers ?? [p.market_ticker]);
    if (ms.length === 0) throw new CommandError(14);
    if (p.action === "add_markets") {
      for (const m of ms) {
        if (sub.markets.has(m)) continue;
        sub.markets.add(m);
        if (sub.channel === "orderbook_delta") this.sendSnapshot(sub, m);
      }
    } else {
      for (const m of ms) sub.markets.delete(m);
    }
    const reply: Json = { id, sid: sub.sid, seq: sub.seq, type: "ok" };
    if (p.skip_ticker_ack !== true)
      reply.market_tickers = [...sub.markets].sort((a, b) => a - b).map((m) => this.feed.world.marketTicker(m));
    this.reply(reply);
    this.feed.interestChanged();
  }

  private unsubscribe(id: number | null, rawParams: unknown): void {
    const p = this.params(rawParams);
    const sids = Array.isArray(p.sids) ? p.sids : p.sid !== undefined ? [p.sid] : null;
    if (!sids || sids.length === 0) throw new CommandError(4);
    for (const sid of sids) if (!this.subs.has(sid as number)) throw new CommandError(7, String(sid));
    for (const sid of sids) {
      const sub = this.subs.get(sid as number) as Subscription;
      this.subs.delete(sub.sid);
      this.reply({ id, sid: sub.sid, seq: sub.seq, type: "unsubscribed" });
    }
    this.feed.interestChanged();
  }

  /** UNCONFIRMED reply shape (not captured): one message listing the connection's subscriptions. */
  private list(id: number | null): void {
    const w = this.feed.world;
    this.reply({
      id,
      type: "list_subscriptions",
      msg: [...this.subs.values()].map((s) => ({
        sid: s.sid,
        channel: s.channel,
        ...(s.markets ? { market_tickers: [...s.markets].map((m) => w.marketTicker(m)) } : {}),
      })),
    });
  }

  private sendSnapshot(sub: Subscription, m: number): void {
    this.data(sub, "orderbook_snapshot", this.feed.snapshotMsg(m), true);
  }

  /** Send a data message on a subscription, applying the world's WebSocket faults. */
  data(sub: Subscription, type: string, msg: Json, sequenced: boolean): void {
    if (this.closed) return;
    const faults = this.feed.faults();
    this.dataCount++;
    if (sequenced) {
      sub.seq++;
      // Gap: this message skips one seq number, as if a message had been lost.
      if (faults.gap_every && this.dataCount % faults.gap_every === 0) sub.seq++;
      // Lost frame: its seq number is used up and the frame is never sent (a real gap).
      if (faults.drop_every && this.dataCount % faults.drop_every === 0) return;
    }
    const frame: Json = { type, sid: sub.sid };
    if (sequenced) frame.seq = sub.seq;
    frame.msg = msg;
    const text = JSON.stringify(frame);
    this.messagesSent++;
    this.transport.send(text);
    if (faults.duplicate_every && this.dataCount % faults.duplicate_every === 0) {
      this.messagesSent++;
      this.transport.send(text);
    }
    if (faults.drop_after_messages && this.dataCount >= faults.drop_after_messages) this.drop();
  }

  /** Subscriptions of this session on `channel` that cover market `m`. */
  *covering(channel: string, m: number): Generator<Subscription> {
    for (const s of this.subs.values()) if (s.channel === channel && (s.markets === null || s.markets.has(m))) yield s;
  }

  hasChannel(channel: string): Subscription | undefined {
    for (const s of this.subs.values()) if (s.channel === channel) return s;
    return undefined;
  }
}

interface Book {
  /** price units → size in hundredths. YES bids and NO bids. */
  yes: Map<number, number>;
  no: Map<number, number>;
}

export interface FeedStats {
  trades: number;
  sessions: number;
  messages_sent: number;
  drops: number;
}

export class Feed {
  private readonly sessions = new Set<WsSession>();
  private readonly books = new Map<number, Book>();
  private rng: Rng;
  private tradeN = 0;
  private interest: number[] | null = null;
  private interestAll = false;
  private unsubscribeLifecycle: () => void;
  private lastSentAtMs = 0;
  drops = 0;

  constructor(
    readonly world: World,
    private readonly nowMs: () => number,
    readonly faults: () => WsFaults,
    private readonly legacy: () => boolean,
  ) {
    this.rng = new Rng(hash32(world.seed, 0x74726164));
    this.unsubscribeLifecycle = world.onLifecycle((e) => this.lifecycle(e));
  }

  open(transport: WsTransport, authenticated: boolean): WsSession {
    const s = new WsSession(this, transport, authenticated);
    this.sessions.add(s);
    return s;
  }

  detach(s: WsSession): void {
    this.sessions.delete(s);
    this.interestChanged();
  }

  interestChanged(): void {
    this.interest = null;
    this.liveCache = null;
  }

  dropAll(): number {
    let n = 0;
    for (const s of [...this.sessions]) {
      s.drop();
      n++;
    }
    this.drops += n;
    return n;
  }

  dispose(): void {
    this.unsubscribeLifecycle();
    for (const s of [...this.sessions]) s.drop();
  }

  stats(): FeedStats {
    let sent = 0;
    for (const s of this.sessions) sent += s.messagesSent;
    return { trades: this.tradeN, sessions: this.sessions.size, messages_sent: sent, drops: this.drops };
  }

  /** Markets the stream trades in: the union of market-data subscriptions (active markets only). */
  private interestSet(): number[] {
    if (this.interest) return this.interest;
    const set = new Set<number>();
    let all = false;
    for (const s of this.sessions) {
      for (const sub of s.subs.values()) {
        if (!TICKERED.has(sub.channel)) continue;
        if (sub.markets === null) all = true;
        else for (const m of sub.markets) set.add(m);
      }
    }
    this.interestAll = all;
    this.interest = all ? [] : [...set].sort((a, b) => a - b);
    return this.interest;
  }

  private liveCache: { version: number; ids: readonly number[] } | null = null;

  /** Active, visible markets in the interest set (cached until subscriptions or statuses change). */
  private liveInterest(): readonly number[] {
    const interest = this.interestSet();
    const version = this.world.version;
    if (this.liveCache && this.liveCache.version === version) return this.liveCache.ids;
    const ids = this.interestAll
      ? this.world.activeMarkets()
      : interest.filter((x) => this.world.cols.status[x] === S_ACTIVE && this.world.visible(x));
    this.liveCache = { version, ids };
    return ids;
  }

  /**
   * Generate `n` trades now. Markets are drawn deterministically (seeded stream) among the active
   * markets that some session subscribes to; nothing is generated without subscribers.
   * Returns the number of trades generated.
   */
  pump(n: number): number {
    let done = 0;
    for (let i = 0; i < n; i++) {
      const live = this.liveInterest();
      if (live.length === 0) break;
      const m = live[this.rng.int(live.length)] as number;
      this.trade(m);
      done++;
    }
    return done;
  }

  /** Tickers/ids of streamed markets, memoised (rendering them is the hot path of the feed). */
  private readonly names = new Map<number, { ticker: string; id: string }>();

  private name(m: number): { ticker: string; id: string } {
    let n = this.names.get(m);
    if (!n) {
      n = { ticker: this.world.marketTicker(m), id: this.world.marketId(m) };
      this.names.set(m, n);
    }
    return n;
  }

  private trade(m: number): void {
    const w = this.world;
    const c = w.cols;
    const n = ++this.tradeN;
    const takerYes = this.rng.chance(0.5);
    const frac = ((c.flags[m] as number) & F_FRACTIONAL) !== 0;
    let countH = (1 + this.rng.int(this.rng.chance(0.1) ? 500 : 25)) * 100;
    if (frac) countH = Math.max(1, countH - this.rng.int(100));
    const book = this.books.get(m);
    let yesPrice: number;
    if (book) {
      const bestYes = maxKey(book.yes),
        bestNo = maxKey(book.no);
      yesPrice = takerYes
        ? bestNo !== null
          ? 10000 - bestNo
          : (c.ask[m] as number) || 5000
        : (bestYes ?? ((c.bid[m] as number) || 5000));
    } else {
      const bid = c.bid[m] as number,
        ask = c.ask[m] as number;
      yesPrice = takerYes
        ? ask > 0 && ask < 10000
          ? ask
          : (c.last[m] as number) || 5000
        : bid > 0
          ? bid
          : (c.last[m] as number) || 5000;
    }
    yesPrice = Math.min(9990, Math.max(10, yesPrice));
    w.recordTrade(m, yesPrice, countH);
    const nowMs = Math.max(this.nowMs(), this.lastSentAtMs);
    this.lastSentAtMs = nowMs;
    const ts = Math.floor(nowMs / 1000);
    const tradeMsg: Json = {
      trade_id: uuidFrom(w.seed, 0x7472, n),
      market_ticker: this.name(m).ticker,
      yes_price_dollars: dollars(yesPrice),
      no_price_dollars: dollars(10000 - yesPrice),
      count_fp: fp(countH),
      taker_side: takerYes ? "yes" : "no",
      ts,
    };
    if (this.legacy())
      Object.assign(tradeMsg, {
        yes_price: Math.round(yesPrice / 100),
        no_price: 100 - Math.round(yesPrice / 100),
        count: Math.floor(countH / 100),
      });
    // The public tape (GET /markets/trades) gets every trade, whatever the WebSocket faults do to its frames.
    tradeTape(w).record({
      tradeId: tradeMsg.trade_id as string,
      ticker: tradeMsg.market_ticker as string,
      timeMs: nowMs,
      yesPrice,
      countH,
      takerYes,
    });
    for (const s of this.sessions) for (const sub of s.covering("trade", m)) s.data(sub, "trade", tradeMsg, true);

    // Book: the taker consumed the opposite side's best bid; replenish if a level empties.
    if (book) {
      const side = takerYes ? "no" : "yes";
      const levels = takerYes ? book.no : book.yes;
      const price = takerYes ? 10000 - yesPrice : yesPrice;
      const have = levels.get(price) ?? 0;
      const take = Math.min(have, countH);
      if (take > 0) this.applyDelta(m, side, price, -take, nowMs);
      if ((levels.get(price) ?? 0) === 0) this.applyDelta(m, side, price, (1 + this.rng.int(500)) * 100, nowMs);
      if (this.rng.chance(0.5)) this.churn(m, book, nowMs);
      const by = maxKey(book.yes),
        bn = maxKey(book.no);
      c.bid[m] = by ?? 0;
      c.ask[m] = bn !== null ? 10000 - bn : 10000;
      c.bidSz[m] = by !== null ? (book.yes.get(by) as number) : 0;
      c.askSz[m] = bn !== null ? (book.no.get(bn) as number) : 0;
    } else if (this.rng.chance(0.15)) {
      w.quote(m, yesPrice / 10000, this.rng);
    }

    const tickerMsg = this.tickerMsg(m, nowMs);
    for (const s of this.sessions) for (const sub of s.covering("ticker", m)) s.data(sub, "ticker", tickerMsg, false);
    const v2: Json = {
      market_ticker: tradeMsg.market_ticker,
      market_id: this.name(m).id,
      price_dollars: dollars(yesPrice),
      volume_delta_fp: fp(countH),
      open_interest_delta_fp: fp(countH),
      dollar_volume_delta: Math.round((countH / 100) * (yesPrice / 10000)),
      dollar_open_interest_delta: Math.round((countH / 100) * (yesPrice / 10000)),
      ts,
    };
    for (const s of this.sessions) for (const sub of s.covering("ticker_v2", m)) s.data(sub, "ticker_v2", v2, false);
  }

  /** Resting-order activity without a trade: an order added at or below the best bid, or part of a level cancelled. */
  private churn(m: number, book: Book, nowMs: number): void {
    const side = this.rng.chance(0.5) ? "yes" : "no";
    const levels = book[side];
    const best = maxKey(levels);
    if (best === null) return;
    if (this.rng.chance(0.6) || levels.size <= 1) {
      const st = this.world.structure(m);
      const price = snap(st, best - tickAt(st, best) * this.rng.int(4));
      if (price > 0) this.applyDelta(m, side, price, (1 + this.rng.int(300)) * 100, nowMs);
    } else {
      const prices = [...levels.keys()].filter((p) => p !== best);
      const price = prices[this.rng.int(prices.length)] as number;
      const have = levels.get(price) as number;
      this.applyDelta(m, side, price, -Math.max(1, Math.floor(have * (0.2 + 0.8 * this.rng.next()))), nowMs);
    }
  }

  private applyDelta(m: number, side: "yes" | "no", price: number, deltaH: number, nowMs: number): void {
    const book = this.books.get(m);
    if (!book) return;
    const levels = side === "yes" ? book.yes : book.no;
    const next = (levels.get(price) ?? 0) + deltaH;
    if (next <= 0) levels.delete(price);
    else levels.set(price, next);
    const msg: Json = { market_ticker: this.name(m).ticker, market_id: this.name(m).id };
    if (this.legacy()) msg.price = Math.round(price / 100);
    msg.price_dollars = dollars(price);
    if (this.legacy()) msg.delta = Math.trunc(deltaH / 100);
    msg.delta_fp = fp(deltaH);
    msg.side = side;
    msg.ts = isoMillis(nowMs);
    for (const s of this.sessions)
      for (const sub of s.covering("orderbook_delta", m)) s.data(sub, "orderbook_delta", msg, true);
  }

  /** Current order book of a market (created from its quotes on first use). */
  book(m: number): Book {
    let b = this.books.get(m);
    if (b) return b;
    const c = this.world.cols;
    const st = this.world.structure(m);
    const r = new Rng(hash32(this.world.seed, 0x626f6f6b, m));
    b = { yes: new Map(), no: new Map() };
    const bid = c.bid[m] as number,
      ask = c.ask[m] as number;
    const live = c.status[m] === S_ACTIVE;
    if (live && bid > 0) {
      let p = bid;
      for (let i = 0; i < 4 && p > 0; i++) {
        b.yes.set(p, i === 0 && (c.bidSz[m] as number) > 0 ? (c.bidSz[m] as number) : (1 + r.int(800)) * 100);
        p = snap(st, p - tickAt(st, p) * (1 + r.int(2)));
      }
    }
    if (live && ask > 0 && ask < 10000) {
      let p = 10000 - ask;
      for (let i = 0; i < 4 && p > 0; i++) {
        b.no.set(p, i === 0 && (c.askSz[m] as number) > 0 ? (c.askSz[m] as number) : (1 + r.int(800)) * 100);
        p = snap(st, p - tickAt(st, p) * (1 + r.int(2)));
      }
    }
    this.books.set(m, b);
    return b;
  }

  snapshotMsg(m: number): Json {
    const w = this.world;
    const b = this.book(m);
    const msg: Json = { market_ticker: w.marketTicker(m), market_id: w.marketId(m) };
    const legacy = this.legacy();
    for (const side of ["yes", "no"] as const) {
      const levels = [...b[side].entries()].sort((x, y) => x[0] - y[0]);
      if (levels.length === 0) continue; // a side with no orders is omitted
      if (legacy) {
        msg[side] = levels.map(([p, q]) => [Math.round(p / 100), Math.floor(q / 100)]);
        msg[`${side}_dollars`] = levels.map(([p, q]) => [dollars(p), Math.floor(q / 100)]);
      }
      msg[`${side}_dollars_fp`] = levels.map(([p, q]) => [dollars(p), fp(q)]);
    }
    return msg;
  }

  tickerMsg(m: number, nowMs: number): Json {
    const w = this.world;
    const c = w.cols;
    const last = c.last[m] as number;
    const volH = c.vol[m] as number,
      oiH = c.oi[m] as number;
    const o: Json = {
      market_ticker: this.name(m).ticker,
      market_id: this.name(m).id,
      price_dollars: last === 0 && volH === 0 ? "" : dollars(last),
      yes_bid_dollars: dollars(c.bid[m] as number),
      yes_ask_dollars: dollars((c.ask[m] as number) || 10000),
      volume_fp: fp(volH),
      open_interest_fp: fp(oiH),
      dollar_volume: Math.round((volH / 100) * (last / 10000)),
      dollar_open_interest: Math.round((oiH / 100) * (last / 10000)),
      yes_bid_size_fp: fp(c.bidSz[m] as number),
      yes_ask_size_fp: fp(c.askSz[m] as number),
      last_trade_size_fp: fp(c.lastSz[m] as number),
      ts: Math.floor(nowMs / 1000),
      ts_ms: nowMs,
      time: isoMillis(nowMs).replace("Z", "000Z"),
    };
    if (this.legacy())
      Object.assign(o, {
        price: Math.round(last / 100),
        yes_bid: Math.round((c.bid[m] as number) / 100),
        yes_ask: Math.round(((c.ask[m] as number) || 10000) / 100),
        volume: Math.floor(volH / 100),
        open_interest: Math.floor(oiH / 100),
      });
    return o;
  }

  private lifecycle(e: LifecycleEvent): void {
    if (this.sessions.size === 0) return;
    const w = this.world;
    if (e.kind === "event") {
      const ev = w.events[e.event] as EventRec;
      const ser = w.series[ev.series] as SeriesRec;
      const wire = renderEvent(w, ev, null);
      const msg: Json = {
        event_ticker: ev.ticker,
        title: wire.title,
        sub_title: wire.sub_title,
        collateral_return_type: wire.collateral_return_type,
        series_ticker: ser.ticker,
        strike_date: ev.strikeS,
      };
      for (const s of this.sessions) {
        const sub = s.hasChannel("market_lifecycle_v2");
        if (sub) s.data(sub, "event_lifecycle", msg, false);
      }
      return;
    }
    const m = e.market;
    const c = w.cols;
    const msg: Json = { market_ticker: w.marketTicker(m), event_type: e.type };
    switch (e.type) {
      case "created": {
        const full = renderMarket(w, m, false);
        msg.open_ts = c.openS[m];
        msg.close_ts = c.closeS[m];
        msg.additional_metadata = {
          name: full.title,
          title: full.title,
          yes_sub_title: full.yes_sub_title,
          no_sub_title: full.no_sub_title,
          rules_primary: full.rules_primary,
          rules_secondary: full.rules_secondary,
          can_close_early: full.can_close_early,
          event_ticker: full.event_ticker,
          expected_expiration_ts: (c.closeS[m] as number) + 300,
          ...(full.strike_type !== undefined ? { strike_type: full.strike_type } : {}),
          ...(full.floor_strike !== undefined ? { floor_strike: full.floor_strike } : {}),
          ...(full.cap_strike !== undefined ? { cap_strike: full.cap_strike } : {}),
        };
        break;
      }
      case "activated":
        msg.is_deactivated = false;
        break;
      case "deactivated":
        msg.is_deactivated = true;
        break;
      case "close_date_updated":
        msg.close_ts = c.closeS[m];
        break;
      case "determined":
        msg.determination_ts = e.atS;
        msg.result = c.result[m] === R_YES ? "yes" : "no";
        msg.settlement_value = c.result[m] === R_YES ? "1.0000" : "0.0000";
        break;
      case "settled":
        msg.settled_ts = e.atS;
        break;
      default:
        break;
    }
    for (const s of this.sessions) {
      const sub = s.hasChannel("market_lifecycle_v2");
      if (sub) s.data(sub, "market_lifecycle_v2", msg, true);
    }
  }
}

function maxKey(m: Map<number, number>): number | null {
  let best: number | null = null;
  for (const k of m.keys()) if (best === null || k > best) best = k;
  return best;
}

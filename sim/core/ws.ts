/**
 * Kalshi WebSocket protocol engine (docs/kalshi-wire.md §6), transport-agnostic: a session
 * (ws/session.ts) receives command text and answers through a `send` function, so it runs the same
 * behind the Node `ws` server and in a unit test. The `Feed` owns the deterministic trade stream,
 * the order books (ws/book.ts) and the lifecycle broadcasts (ws/messages.ts) of one world and fans
 * data out to its sessions.
 */
import type { WsFaults } from "./config";
import { dollars, fp, isoMillis } from "./format";
import { hash32, Rng, uuidFrom } from "./prng";
import { S_ACTIVE } from "./status";
import { tradeTape } from "./trades";
import { type EventRec, F_FRACTIONAL, type LifecycleEvent, snap, tickAt, type World } from "./world";
import { type Book, bookFromQuotes, maxKey, snapshotMsg } from "./ws/book";
import { eventLifecycleMsg, type MarketName, marketLifecycleMsg, tickerMsg as tickerMessage } from "./ws/messages";
import { type Json, type SessionHost, TICKERED, type WsTransport } from "./ws/protocol";
import { WsSession } from "./ws/session";

export { PING_INTERVAL_MS, PING_PAYLOAD, WS_ERRORS, type WsTransport } from "./ws/protocol";
export { WsSession } from "./ws/session";

export interface FeedStats {
  trades: number;
  sessions: number;
  messages_sent: number;
  drops: number;
}

export class Feed implements SessionHost {
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
  private readonly names = new Map<number, MarketName>();

  private name(m: number): MarketName {
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

    const tickerMsg = tickerMessage(w, m, this.name(m), nowMs, this.legacy());
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
    if (!b) {
      b = bookFromQuotes(this.world, m);
      this.books.set(m, b);
    }
    return b;
  }

  snapshotMsg(m: number): Json {
    return snapshotMsg(this.world, this.book(m), m, this.legacy());
  }

  private lifecycle(e: LifecycleEvent): void {
    if (this.sessions.size === 0) return;
    const [type, msg, sequenced] =
      e.kind === "event"
        ? ["event_lifecycle", eventLifecycleMsg(this.world, this.world.events[e.event] as EventRec), false]
        : ["market_lifecycle_v2", marketLifecycleMsg(this.world, e), true];
    for (const s of this.sessions) {
      const sub = s.hasChannel("market_lifecycle_v2");
      if (sub) s.data(sub, type, msg, sequenced);
    }
  }
}

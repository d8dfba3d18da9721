/**
 * Kalshi WebSocket protocol for one connection, as a pure state machine (no sockets, no timers):
 * the ingest object feeds it the desired market set and every server frame; it answers with the
 * commands to send and the normalized events. Rules from the wire reference (docs/kalshi-wire.md §6, Q4/Q5/Q12):
 * - one `subscribe` per channel with the first ≤ 256 markets; the rest (and later changes) via
 *   `update_subscription` add_markets / delete_markets on that sid, ≤ 256 markets per command;
 *   never subscribe with an empty list (that means "all markets" on trade/ticker);
 * - per-sid `seq`: a repeat (seq ≤ last) is a duplicate frame and dropped; a jump is a gap,
 *   counted per channel, and that channel is unsubscribed and subscribed afresh. For
 *   `orderbook_delta` the fresh snapshots repair the books. For `trade` the lost frames are not
 *   replayed by Kalshi: the gap event carries the window (last trade ts on the sid) and the
 *   subscription's markets, and the ingest backfills them over REST once the new subscription is
 *   complete — which also covers trades missed while resubscribing (docs/decisions/0042-gap-resubscribe-rest-backfill.md);
 * - the three reply shapes (`subscribed` with nested sid, `ok` with top-level sid, `error`);
 * - error 16 "Market not found" fails a whole subscribe/update_subscription: the command's
 *   markets are bisected until the unknown ticker is alone, which is then left out (for
 *   NOT_FOUND_RETRY_MS, or until it leaves the desired set) so the rest of the batch is subscribed.
 */
import { fastParser } from "../kalshi/fast-parse";
import { RETRY_POLICIES } from "../lib/backoff";
import { errorMessage } from "../lib/errors";
import {
  KalshiTickerEnvelopeSchema,
  KalshiTickerMsgSchema,
  KalshiWsDataMessageSchema,
  KalshiWsReplySchema,
} from "../kalshi/wire/ws";
import type { StreamBook, StreamTicker, StreamTrade } from "./messages";
import { normalizeTicker, normalizeTrade } from "./normalize";
import { deltaTsMs, OrderBook, sameTop } from "./orderbook";

// Every data frame goes through one of these (docs/decisions/0054-zod-fast-path.md).
const parseDataMessage = fastParser(KalshiWsDataMessageSchema);
const parseTickerEnvelope = fastParser(KalshiTickerEnvelopeSchema);
const parseTickerMsg = fastParser(KalshiTickerMsgSchema);

export type Channel = "trade" | "ticker" | "orderbook_delta";
export const FEED_CHANNELS: readonly Channel[] = ["trade", "ticker", "orderbook_delta"];
export const MAX_MARKETS_PER_COMMAND = 256;
/** Channels resubscribed on a sequence gap (`ticker` has no seq). */
export const RESUBSCRIBE_ON_GAP: Readonly<Record<Channel, boolean>> = {
  orderbook_delta: true,
  trade: true,
  ticker: false,
};
/** A ticker refused with "Market not found" is not requested again for this long (unless the desired set drops it). */
export const NOT_FOUND_RETRY_MS = RETRY_POLICIES.subscribeNotFoundRetryMs;
const WS_MARKET_NOT_FOUND = 16;

export type WsCommandOut =
  | { id: number; cmd: "subscribe"; params: { channels: Channel[]; market_tickers: string[] } }
  | {
      id: number;
      cmd: "update_subscription";
      params: { sids: [number]; action: "add_markets" | "delete_markets"; market_tickers: string[] };
    }
  | { id: number; cmd: "unsubscribe"; params: { sids: number[] } };

/**
 * A `ticker` frame as received: only its envelope and market are checked on arrival; the message
 * is validated and normalized by `resolveTicker` when it is forwarded (only the newest per market
 * is), so the ~half of all frames that a newer one replaces cost no parsing.
 */
export interface TickerFrame {
  market: string;
  msg: unknown;
  receivedAt: number;
}

export type FeedEvent =
  | { kind: "trade"; trade: StreamTrade }
  | { kind: "ticker"; frame: TickerFrame }
  | { kind: "book"; book: StreamBook }
  /** A trade frame whose seq was already seen on its sid (dropped): the ticker's coverage counts it. */
  | { kind: "duplicate"; ticker: string; ts: number }
  | {
      kind: "gap";
      channel: Channel;
      sid: number;
      expected: number;
      got: number;
      /** ts (ms) of the last trade received on the sid before the gap: lost trades are at or after it. null off the trade channel. */
      fromTs: number | null;
      /** Markets the gapped subscription covered (what a trade backfill must fetch). */
      tickers: string[];
    };

interface ChannelState {
  sid: number | null;
  /** id of the in-flight subscribe command. */
  subscribing: number | null;
  /** Markets requested on this channel's subscription (optimistically, as sent). */
  requested: Set<string>;
  /** After a "Market not found" on subscribe: the next subscribe names at most this many markets. */
  subscribeLimit: number | null;
}

interface Pending {
  channel: Channel;
  kind: "subscribe" | "add" | "delete" | "unsubscribe";
  /** Markets named by a subscribe/update_subscription (bisected on "Market not found"). */
  tickers: string[];
}

export interface FeedSessionStats {
  frames: number;
  data_messages: number;
  trades: number;
  tickers: number;
  book_updates: number;
  duplicate_frames: number;
  gaps: number;
  gaps_by_channel: Record<Channel, number>;
  resubscribes: number;
  /** Subscribe/update_subscription commands refused with "Market not found" (16). */
  market_not_found: number;
  invalid: number;
  error_replies: number;
  ignored: number;
  last_error: string | null;
}

export class FeedSession {
  private open = false;
  private nextId = 1;
  /** The market set asked for; `desired` is it minus the tickers refused as not found. */
  private wanted: string[] = [];
  private desired: string[] = [];
  private desiredSet = new Set<string>();
  /** Tickers refused with "Market not found" → when. */
  private readonly notFound = new Map<string, number>();
  /** ts (ms) of the last trade per sid, and of the newest trade seen at all. */
  private readonly lastTradeTs = new Map<number, number>();
  private newestTradeTs: number | null = null;
  /** The live trade stream carries `ts_ms` (ms resolution) rather than whole seconds. */
  private tradesHaveMs = false;
  private readonly channels = new Map<Channel, ChannelState>();
  private readonly sidChannel = new Map<number, Channel>();
  private readonly lastSeq = new Map<number, number>();
  /** First seq seen per sid; the spans of retired sids, and the frames received in order, per channel. */
  private readonly firstSeq = new Map<number, number>();
  private readonly seqSpan: Record<Channel, { retired: number; received: number }> = {
    trade: { retired: 0, received: 0 },
    ticker: { retired: 0, received: 0 },
    orderbook_delta: { retired: 0, received: 0 },
  };
  private readonly pending = new Map<number, Pending>();
  private readonly books = new Map<string, OrderBook>();
  /** Channels the server refused with "Authentication required" on this connection. */
  private readonly refused = new Set<Channel>();
  private readonly lastTop = new Map<string, StreamBook>();
  readonly stats: FeedSessionStats = {
    frames: 0,
    data_messages: 0,
    trades: 0,
    tickers: 0,
    book_updates: 0,
    duplicate_frames: 0,
    gaps: 0,
    gaps_by_channel: { trade: 0, ticker: 0, orderbook_delta: 0 },
    resubscribes: 0,
    market_not_found: 0,
    invalid: 0,
    error_replies: 0,
    ignored: 0,
    last_error: null,
  };

  constructor(
    readonly channelList: readonly Channel[] = FEED_CHANNELS,
    private readonly now: () => number = Date.now,
    readonly batchSize = MAX_MARKETS_PER_COMMAND,
  ) {
    for (const c of channelList)
      this.channels.set(c, { sid: null, subscribing: null, requested: new Set(), subscribeLimit: null });
  }

  /**
   * Per channel: the span of sequence numbers observed (first to last seq of every sid, retired
   * ones included) and the frames received in order within it. span − received = frames lost.
   */
  seqCoverage(): Record<Channel, { span: number; received: number }> {
    const out = {} as Record<Channel, { span: number; received: number }>;
    for (const c of FEED_CHANNELS) out[c] = { span: this.seqSpan[c].retired, received: this.seqSpan[c].received };
    for (const [sid, channel] of this.sidChannel) {
      const first = this.firstSeq.get(sid);
      const last = this.lastSeq.get(sid);
      if (first !== undefined && last !== undefined) out[channel].span += last - first + 1;
    }
    return out;
  }

  private retireSeq(sid: number, channel: Channel): void {
    const first = this.firstSeq.get(sid);
    const last = this.lastSeq.get(sid);
    if (first !== undefined && last !== undefined) this.seqSpan[channel].retired += last - first + 1;
    this.firstSeq.delete(sid);
  }

  /** The markets being subscribed (desired set minus those refused as not found). */
  get markets(): readonly string[] {
    return this.desired;
  }

  get marketCount(): number {
    return this.desired.length;
  }

  subscriptions(): { channel: Channel; sid: number | null; markets: number; subscribing: boolean; refused: boolean }[] {
    return [...this.channels].map(([channel, s]) => ({
      channel,
      sid: s.sid,
      markets: s.requested.size,
      subscribing: s.subscribing !== null,
      refused: this.refused.has(channel),
    }));
  }

  /** Tickers currently left out because the server answered "Market not found". */
  notFoundMarkets(): string[] {
    return [...this.notFound.keys()].sort();
  }

  /** Newest trade ts (ms) seen on this session (any connection). */
  get latestTradeTs(): number | null {
    return this.newestTradeTs;
  }

  get tradeTsInMs(): boolean {
    return this.tradesHaveMs;
  }

  /** The channel has its sid and every command for it has been answered. */
  channelSettled(channel: Channel): boolean {
    const s = this.channels.get(channel);
    if (!s || s.sid === null || s.subscribing !== null) return false;
    for (const p of this.pending.values()) if (p.channel === channel) return false;
    return true;
  }

  /** Replaces the desired market set; returns the commands that bring the subscriptions there. */
  setMarkets(tickers: Iterable<string>): WsCommandOut[] {
    this.wanted = [...new Set(tickers)].sort();
    const wantedSet = new Set(this.wanted);
    const now = this.now();
    for (const [t, at] of this.notFound)
      if (!wantedSet.has(t) || now - at >= NOT_FOUND_RETRY_MS) this.notFound.delete(t);
    this.applyDesired();
    return this.reconcileAll();
  }

  private applyDesired(): void {
    this.desired = this.notFound.size ? this.wanted.filter((t) => !this.notFound.has(t)) : this.wanted;
    this.desiredSet = new Set(this.desired);
    for (const t of this.books.keys()) if (!this.desiredSet.has(t)) this.books.delete(t), this.lastTop.delete(t);
  }

  onOpen(): WsCommandOut[] {
    this.open = true;
    return this.reconcileAll();
  }

  /** Connection closed: sids and sequence state die with it. */
  onClose(): void {
    this.open = false;
    for (const s of this.channels.values()) {
      s.sid = null;
      s.subscribing = null;
      s.requested.clear();
    }
    for (const [sid, channel] of this.sidChannel) this.retireSeq(sid, channel);
    this.sidChannel.clear();
    this.lastSeq.clear();
    this.lastTradeTs.clear();
    this.pending.clear();
    this.refused.clear();
    for (const b of this.books.values()) b.reset();
  }

  /** Retries channels that are neither subscribed nor subscribing (e.g. after an error reply). */
  retry(): WsCommandOut[] {
    return this.reconcileAll();
  }

  onFrame(text: string): { events: FeedEvent[]; commands: WsCommandOut[] } {
    this.stats.frames++;
    const events: FeedEvent[] = [];
    const commands: WsCommandOut[] = [];
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.invalid("frame is not JSON");
      return { events, commands };
    }
    const type = (raw as { type?: unknown } | null)?.type;
    if (type === "subscribed" || type === "ok" || type === "unsubscribed" || type === "error") {
      this.onReply(raw, commands);
      return { events, commands };
    }
    const parsed = type === "ticker" ? parseTickerEnvelope(raw) : parseDataMessage(raw);
    if (!parsed.success) {
      this.invalid(`unparseable ${String(type)} message: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      return { events, commands };
    }
    const m = parsed.data;
    this.stats.data_messages++;
    const channel = this.sidChannel.get(m.sid);
    if (m.seq != null && channel !== undefined) {
      const last = this.lastSeq.get(m.sid);
      if (last !== undefined && m.seq <= last) {
        this.stats.duplicate_frames++;
        if (m.type === "trade") {
          const n = normalizeTrade(m.msg);
          if (n.ok) events.push({ kind: "duplicate", ticker: n.value.ticker, ts: n.value.ts });
        }
        return { events, commands };
      }
      this.lastSeq.set(m.sid, m.seq);
      if (!this.firstSeq.has(m.sid)) this.firstSeq.set(m.sid, m.seq);
      this.seqSpan[channel].received++;
      if (last !== undefined && m.seq !== last + 1) {
        this.stats.gaps++;
        this.stats.gaps_by_channel[channel]++;
        const tickers = [...(this.channels.get(channel)?.requested ?? [])];
        events.push({
          kind: "gap",
          channel,
          sid: m.sid,
          expected: last + 1,
          got: m.seq,
          fromTs: channel === "trade" ? (this.lastTradeTs.get(m.sid) ?? null) : null,
          tickers,
        });
        if (RESUBSCRIBE_ON_GAP[channel]) {
          commands.push(...this.resubscribe(channel));
          // The book is stale until the fresh snapshot arrives on the new sid. A trade frame is
          // still a good trade: it is kept below.
          if (channel === "orderbook_delta") return { events, commands };
        }
      }
    }
    switch (m.type) {
      case "trade": {
        const n = normalizeTrade(m.msg);
        if (!n.ok) return (this.invalid(n.reason), { events, commands });
        if (!this.desiredSet.has(n.value.ticker) && this.desiredSet.size > 0) this.stats.ignored++;
        this.stats.trades++;
        if (this.sidChannel.has(m.sid)) this.lastTradeTs.set(m.sid, n.value.ts);
        if (this.newestTradeTs === null || n.value.ts > this.newestTradeTs) this.newestTradeTs = n.value.ts;
        this.tradesHaveMs = m.msg.ts_ms != null;
        events.push({ kind: "trade", trade: n.value });
        break;
      }
      case "ticker": {
        this.stats.tickers++;
        events.push({
          kind: "ticker",
          frame: { market: m.msg.market_ticker, msg: (raw as { msg: unknown }).msg, receivedAt: this.now() },
        });
        break;
      }
      case "orderbook_snapshot": {
        if (channel === undefined) break; // from a retired sid
        const book = this.bookFor(m.msg.market_ticker);
        try {
          book.applySnapshot(m.msg);
        } catch (e) {
          this.invalid(`bad orderbook_snapshot: ${errorMessage(e)}`);
          break;
        }
        this.emitTop(book, this.now(), events);
        break;
      }
      case "orderbook_delta": {
        if (channel === undefined) break;
        const book = this.bookFor(m.msg.market_ticker);
        try {
          if (!book.applyDelta(m.msg)) break; // no snapshot yet
        } catch (e) {
          this.invalid(`bad orderbook_delta: ${errorMessage(e)}`);
          break;
        }
        this.emitTop(book, deltaTsMs(m.msg.ts, this.now()), events);
        break;
      }
      default:
        this.stats.ignored++;
    }
    return { events, commands };
  }

  /** The ticker message of a frame, validated and normalized; null (counted invalid) if it is not one. */
  resolveTicker(f: TickerFrame): StreamTicker | null {
    const parsed = parseTickerMsg(f.msg);
    if (!parsed.success)
      return (this.invalid(`unparseable ticker message: ${parsed.error.issues[0]?.message ?? "invalid"}`), null);
    const n = normalizeTicker(parsed.data, f.receivedAt);
    if (!n.ok) return (this.invalid(n.reason), null);
    return n.value;
  }

  private bookFor(ticker: string): OrderBook {
    let b = this.books.get(ticker);
    if (!b) this.books.set(ticker, (b = new OrderBook(ticker)));
    return b;
  }

  private emitTop(book: OrderBook, ts: number, events: FeedEvent[]): void {
    const top = book.top(ts);
    if (sameTop(this.lastTop.get(book.ticker) ?? null, top)) return;
    this.lastTop.set(book.ticker, top);
    this.stats.book_updates++;
    events.push({ kind: "book", book: top });
  }

  private invalid(reason: string): void {
    this.stats.invalid++;
    this.stats.last_error = reason;
  }

  private onReply(raw: unknown, commands: WsCommandOut[]): void {
    const parsed = KalshiWsReplySchema.safeParse(raw);
    if (!parsed.success) {
      this.invalid("unparseable reply");
      return;
    }
    const r = parsed.data;
    const pending = r.id != null ? this.pending.get(r.id) : undefined;
    if (r.id != null) this.pending.delete(r.id);
    if (r.type === "subscribed") {
      const channel = (r.msg?.channel as Channel | undefined) ?? pending?.channel;
      const sid = r.msg?.sid;
      const state = channel ? this.channels.get(channel) : undefined;
      if (!channel || !state || sid == null) {
        this.invalid("subscribed reply without channel/sid");
        return;
      }
      state.sid = sid;
      state.subscribing = null;
      state.subscribeLimit = null;
      this.sidChannel.set(sid, channel);
      commands.push(...this.reconcile(channel));
    } else if (r.type === "error") {
      this.stats.error_replies++;
      this.stats.last_error = `error reply ${r.msg.code}: ${r.msg.msg}${pending ? ` (to ${pending.kind} ${pending.channel})` : ""}`;
      if (pending && r.msg.code === WS_MARKET_NOT_FOUND && pending.tickers.length > 0) {
        this.stats.market_not_found++;
        this.onMarketNotFound(pending, commands);
      } else if (pending?.kind === "subscribe") {
        // Left unsubscribed; `retry()` (the ingest object's alarm tick) tries again — except after
        // "Authentication required" (code 9), which no retry on this connection can fix.
        const state = this.channels.get(pending.channel)!;
        state.subscribing = null;
        state.requested.clear();
        if (r.msg.code === 9) this.refused.add(pending.channel);
      }
    }
    // `ok` / `unsubscribed`: nothing to do beyond clearing the pending command.
  }

  /**
   * "Market not found" refuses the whole command: bisect its markets. A lone ticker is the culprit
   * (left out); a larger batch is retried as two halves, so the good markets are subscribed after
   * at most log2(batch) rounds.
   */
  private onMarketNotFound(p: Pending, commands: WsCommandOut[]): void {
    const state = this.channels.get(p.channel)!;
    if (p.tickers.length === 1) {
      this.notFound.set(p.tickers[0]!, this.now());
      this.applyDesired();
    }
    const half = Math.ceil(p.tickers.length / 2);
    if (p.kind === "subscribe") {
      state.subscribing = null;
      state.requested.clear();
      // The next subscribe names the first half at most; the rest follow as add_markets batches.
      state.subscribeLimit = p.tickers.length > 1 ? half : null;
      commands.push(...this.reconcile(p.channel));
    } else if (p.kind === "add" && state.sid !== null) {
      for (const t of p.tickers) state.requested.delete(t);
      const live = p.tickers.filter((t) => this.desiredSet.has(t));
      if (live.length === 0) return;
      for (const batch of p.tickers.length > 1 ? [live.slice(0, half), live.slice(half)] : [live]) {
        if (batch.length === 0) continue;
        commands.push(
          this.command(
            p.channel,
            "add",
            {
              id: 0,
              cmd: "update_subscription",
              params: { sids: [state.sid], action: "add_markets", market_tickers: batch },
            },
            batch,
          ),
        );
        for (const t of batch) state.requested.add(t);
      }
    }
    // delete_markets of a vanished market: it is gone from the subscription either way.
  }

  private resubscribe(channel: Channel): WsCommandOut[] {
    const state = this.channels.get(channel)!;
    const out: WsCommandOut[] = [];
    this.stats.resubscribes++;
    if (state.sid !== null) {
      out.push(this.command(channel, "unsubscribe", { id: 0, cmd: "unsubscribe", params: { sids: [state.sid] } }));
      // Frames of the retired sid may still arrive: they are no longer sequence-checked.
      this.retireSeq(state.sid, channel);
      this.sidChannel.delete(state.sid);
      this.lastSeq.delete(state.sid);
      this.lastTradeTs.delete(state.sid);
    }
    state.sid = null;
    state.subscribing = null;
    state.requested.clear();
    if (channel === "orderbook_delta") for (const b of this.books.values()) b.reset();
    out.push(...this.reconcile(channel));
    return out;
  }

  private reconcileAll(): WsCommandOut[] {
    const out: WsCommandOut[] = [];
    for (const c of this.channels.keys()) out.push(...this.reconcile(c));
    return out;
  }

  private reconcile(channel: Channel): WsCommandOut[] {
    if (!this.open) return [];
    const state = this.channels.get(channel)!;
    if (state.subscribing !== null || this.refused.has(channel)) return [];
    const out: WsCommandOut[] = [];
    if (state.sid === null) {
      if (this.desired.length === 0) return [];
      const first = this.desired.slice(0, Math.min(this.batchSize, state.subscribeLimit ?? Infinity));
      const cmd = this.command(
        channel,
        "subscribe",
        { id: 0, cmd: "subscribe", params: { channels: [channel], market_tickers: first } },
        first,
      );
      state.subscribing = cmd.id;
      for (const t of first) state.requested.add(t);
      return [cmd];
    }
    const sid = state.sid;
    const adds = this.desired.filter((t) => !state.requested.has(t));
    const deletes = [...state.requested].filter((t) => !this.desiredSet.has(t));
    for (let i = 0; i < deletes.length; i += this.batchSize) {
      const batch = deletes.slice(i, i + this.batchSize);
      out.push(
        this.command(
          channel,
          "delete",
          {
            id: 0,
            cmd: "update_subscription",
            params: { sids: [sid], action: "delete_markets", market_tickers: batch },
          },
          batch,
        ),
      );
      for (const t of batch) state.requested.delete(t);
    }
    for (let i = 0; i < adds.length; i += this.batchSize) {
      const batch = adds.slice(i, i + this.batchSize);
      out.push(
        this.command(
          channel,
          "add",
          { id: 0, cmd: "update_subscription", params: { sids: [sid], action: "add_markets", market_tickers: batch } },
          batch,
        ),
      );
      for (const t of batch) state.requested.add(t);
    }
    return out;
  }

  private command<C extends WsCommandOut>(channel: Channel, kind: Pending["kind"], cmd: C, tickers: string[] = []): C {
    const id = this.nextId++;
    this.pending.set(id, { channel, kind, tickers });
    return { ...cmd, id };
  }
}

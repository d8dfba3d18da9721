/**
 * One WebSocket connection's protocol state: its commands (subscribe, unsubscribe,
 * update_subscription, list_subscriptions) and their replies, its subscriptions, and the sending of
 * data frames with the world's WebSocket faults applied (gaps, lost and duplicated frames, drops).
 */
import {
  AUTH_CHANNELS,
  CommandError,
  DATA_CHANNELS,
  type Json,
  type SessionHost,
  SILENT_CHANNELS,
  type Subscription,
  TICKERED,
  WS_ERRORS,
  type WsTransport,
} from "./protocol";

export class WsSession {
  /** sids count up per connection and are never reused on it; a reconnect starts again at 1. */
  private nextSid = 1;
  readonly subs = new Map<number, Subscription>();
  private dataCount = 0;
  private closed = false;
  messagesSent = 0;

  constructor(
    private readonly feed: SessionHost,
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

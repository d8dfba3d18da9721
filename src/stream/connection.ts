/**
 * The ingest's WebSocket session with Kalshi's feed: one outbound socket at a time (KALSHI_WS_URL;
 * the simulator locally), signed with RSA-PSS when a key is set (./ws-connect.ts), the protocol
 * state machine of ./feed-session.ts fed with its frames, reconnects with jittered exponential
 * backoff, the silence watchdog and the frame rate. It knows nothing of forwarding or backfill:
 * what a frame yields goes to its owner through `ConnectionHooks`.
 */
import { backoffDelayMs, RETRY_POLICIES } from "../lib/backoff";
import { errorMessage } from "../lib/errors";
import { FEED_CHANNELS, type FeedEvent, FeedSession, type WsCommandOut } from "./feed-session";
import type { IngestHealth } from "./health";
import { type KalshiCredentials, wsUpgradeRequest } from "./ws-connect";

/** No frame at all for this long on a subscribed connection → reconnect. */
const SILENCE_MS = 5 * 60_000;

export interface ConnectionHooks {
  /** Whether the ingest should be connected (a drop schedules a reconnect only then). */
  running(): boolean;
  /** The normalized events of one frame, in order. */
  onEvents(events: FeedEvent[]): void;
  /** After every frame (the subscription state may have changed). */
  onFrame(): void;
  /** The socket is about to go (dropped, not closed by the owner): its session's state is still readable. */
  onDrop(session: FeedSession): void;
  /** A reconnect is due at this instant: the owner makes sure an alarm fires then. */
  onReconnectScheduled(at: number): void;
  /** A failure worth reporting as the ingest's last error. */
  onError(message: string): void;
}

/** The connection's part of the ingest's health report. */
type ConnectionHealth = Pick<
  IngestHealth,
  | "connected"
  | "connected_since"
  | "url"
  | "authenticated"
  | "markets"
  | "subscriptions"
  | "last_message_at"
  | "last_message_age_ms"
  | "messages_per_s"
  | "reconnects"
  | "connect_failures"
  | "next_reconnect_at"
  | "protocol"
  | "not_found_markets"
>;

export class FeedConnection {
  readonly session: FeedSession;
  private ws: WebSocket | null = null;
  /** Incremented by every close: listeners of an older socket ignore its late events. */
  private generation = 0;
  private connecting: Promise<void> | null = null;
  private connectedSince: number | null = null;
  private lastFrame: number | null = null;
  private attempts = 0;
  private reconnects = 0;
  private connectFailures = 0;
  private reconnectAt: number | null = null;
  private readonly rate = new RollingRate(10);

  constructor(
    private readonly url: () => string,
    private readonly credentials: KalshiCredentials | null,
    private readonly hooks: ConnectionHooks,
  ) {
    // `orderbook_delta` is auth-only on Kalshi (docs/kalshi-wire.md §1): subscribed only with a key.
    this.session = new FeedSession(
      credentials ? [...FEED_CHANNELS] : FEED_CHANNELS.filter((c) => c !== "orderbook_delta"),
    );
  }

  get connected(): boolean {
    return this.ws !== null;
  }

  get since(): number | null {
    return this.connectedSince;
  }

  get lastFrameAt(): number | null {
    return this.lastFrame;
  }

  get nextReconnectAt(): number | null {
    return this.reconnectAt;
  }

  /** Starts from the first backoff step again (a restart by the admin). */
  resetBackoff(): void {
    this.attempts = 0;
  }

  async connectNow(): Promise<void> {
    if (this.ws || this.connecting) return this.connecting ?? undefined;
    this.connecting = this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  /** The alarm tick: retries refused subscriptions, drops a silent socket, reconnects when due. */
  async tick(now: number): Promise<void> {
    if (this.ws) {
      this.send(this.session.retry());
      const quietSince = this.lastFrame ?? this.connectedSince ?? now;
      if (this.session.marketCount > 0 && now - quietSince > SILENCE_MS) this.drop("no frames for 5 minutes");
    }
    if (!this.ws && !this.connecting && (this.reconnectAt === null || now >= this.reconnectAt)) await this.connectNow();
  }

  /** Reconciles the desired market set on the live subscription (or for the next one). */
  setMarkets(markets: Iterable<string>): void {
    this.send(this.session.setMarkets(markets));
  }

  /** Closes the socket on the owner's request (stop, new settings); no reconnect follows. */
  close(reason: string): void {
    const ws = this.ws;
    this.ws = null;
    this.generation++;
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

  health(now: number): ConnectionHealth {
    return {
      connected: this.ws !== null,
      connected_since: this.connectedSince,
      url: this.url(),
      authenticated: this.credentials !== null,
      markets: this.session.marketCount,
      subscriptions: this.session.subscriptions(),
      last_message_at: this.lastFrame,
      last_message_age_ms: this.lastFrame === null ? null : now - this.lastFrame,
      messages_per_s: this.rate.perSecond(now),
      reconnects: this.reconnects,
      connect_failures: this.connectFailures,
      next_reconnect_at: this.reconnectAt,
      protocol: {
        ...this.session.stats,
        gaps_by_channel: { ...this.session.stats.gaps_by_channel },
        seq_by_channel: this.session.seqCoverage(),
      },
      not_found_markets: this.session.notFoundMarkets(),
    };
  }

  private async open(): Promise<void> {
    const url = this.url();
    try {
      const req = await wsUpgradeRequest(url, this.credentials);
      const resp = await fetch(req.url, { headers: req.headers });
      const ws = resp.webSocket;
      if (!ws) {
        const body = (await resp.text().catch(() => "")).slice(0, 200);
        throw new Error(`WebSocket upgrade refused by ${url}: HTTP ${resp.status}${body ? ` ${body}` : ""}`);
      }
      ws.accept();
      const gen = ++this.generation;
      this.ws = ws;
      this.connectedSince = Date.now();
      this.lastFrame = null;
      this.reconnectAt = null;
      ws.addEventListener("message", (ev) => {
        if (gen === this.generation)
          this.onFrame(typeof ev.data === "string" ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer));
      });
      ws.addEventListener("close", (ev) => {
        if (gen === this.generation) this.drop(`closed by server: ${ev.code} ${ev.reason}`.trim());
      });
      ws.addEventListener("error", () => {
        if (gen === this.generation) this.drop("socket error");
      });
      this.send(this.session.onOpen());
    } catch (e) {
      this.connectFailures++;
      this.hooks.onError(errorMessage(e));
      this.scheduleReconnect();
    }
  }

  private send(cmds: WsCommandOut[]): void {
    if (!this.ws) return;
    for (const c of cmds) this.ws.send(JSON.stringify(c));
  }

  private onFrame(text: string): void {
    const now = Date.now();
    this.lastFrame = now;
    this.rate.add(now);
    const { events, commands } = this.session.onFrame(text);
    this.send(commands);
    // A confirmed subscription resets the backoff.
    if (this.attempts > 0 && this.session.subscriptions().some((s) => s.sid !== null)) this.attempts = 0;
    if (events.length) this.hooks.onEvents(events);
    this.hooks.onFrame();
  }

  /** The socket is gone: forget it, reconnect after a backoff. */
  private drop(reason: string): void {
    this.hooks.onError(reason);
    this.hooks.onDrop(this.session);
    this.close(reason);
    if (this.hooks.running()) {
      this.reconnects++;
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    const delay = backoffDelayMs(RETRY_POLICIES.streamReconnect, this.attempts);
    this.attempts = Math.min(this.attempts + 1, 16);
    this.reconnectAt = Date.now() + Math.round(delay);
    if (this.hooks.running()) this.hooks.onReconnectScheduled(this.reconnectAt);
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

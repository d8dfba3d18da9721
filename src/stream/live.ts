/**
 * Live push from a ticker object to browsers (`GET /tickers/{ticker}/live`): after each applied
 * batch, the new trades and the builders' values, over WebSockets accepted with the Hibernation API
 * (`ctx.acceptWebSocket`: an idle socket bills no duration), or Server-Sent Events where WebSockets
 * are not available. docs/decisions/0087-live-push.md.
 *
 * Bounded:
 * - at most LIVE_LIMITS.maxSockets subscribers per ticker object (the next is refused with 429);
 * - every message at most LIVE_LIMITS.maxMessageBytes (an update's oldest trades are left out, and
 *   counted in `trades_omitted`, until it fits);
 * - flow control: a WebSocket client acknowledges each message (`{"type":"ack","seq":n}`); with
 *   LIVE_LIMITS.maxInFlight messages unacknowledged it is lagging, its updates are dropped (counted)
 *   and, once it catches up, it gets one snapshot of the latest state instead of the missed updates.
 *   An SSE client lags when its stream's queue is full (the same drop-to-snapshot).
 *
 * The pure parts (message building, the size cap, the flow-control step, parsing client messages)
 * are apart from the Durable Object glue (`LiveHub`), so they are tested without sockets.
 */
import { z } from "zod";
import {
  DEFAULT_PRICE_WINDOW,
  DEFAULT_VOLUME_WINDOW_MS,
  type PriceHistory,
  PriceHistoryBuilder,
  PriceHistorySchema,
  type VolumeProfile,
  VolumeProfileBuilder,
  VolumeProfileSchema,
} from "../builders";
import { log } from "../lib/log";
import {
  StreamBookSchema,
  StreamTickerSchema,
  StreamTradeSchema,
  type StreamBook,
  type StreamTicker,
  type StreamTrade,
} from "./messages";
import { MAX_PRICE_WINDOW, MAX_VOLUME_WINDOW_MS } from "./retention";

export const LIVE_LIMITS = {
  /** Subscribers (WebSocket + SSE) per ticker object. */
  maxSockets: 200,
  /** UTF-8 bytes of one message. */
  maxMessageBytes: 64 * 1024,
  /** Unacknowledged messages before a client counts as lagging. */
  maxInFlight: 8,
  /** Trades in a snapshot (the newest). */
  snapshotTrades: 50,
} as const;

/** What the hub reads of its ticker object's state (TickerState, src/stream/ticker.ts). */
export interface LiveSource {
  snapshot(): { ticker: string; orderbook: StreamBook | null; ticker_message: StreamTicker | null } | null;
  priceHistory(n: number): { status: "ok"; value: PriceHistory } | { status: "unknown_ticker" | "bad_window" };
  volumeProfile(ms: number): { status: "ok"; value: VolumeProfile } | { status: "unknown_ticker" | "bad_window" };
  recentTrades(limit: number): StreamTrade[];
}

const WindowsSchema = z.strictObject({
  price_window: z.number().int().min(1).max(MAX_PRICE_WINDOW).meta({ description: "price_history window, trades" }),
  volume_window_ms: z
    .number()
    .int()
    .min(1)
    .max(MAX_VOLUME_WINDOW_MS)
    .meta({ description: "volume_profile window, ms" }),
});
export type LiveWindows = z.infer<typeof WindowsSchema>;

const DEFAULT_WINDOWS: LiveWindows = {
  price_window: DEFAULT_PRICE_WINDOW,
  volume_window_ms: DEFAULT_VOLUME_WINDOW_MS,
};

const stateFields = {
  ticker: z.string(),
  seq: z.number().int().meta({ description: "This subscriber's message number, from 1" }),
  windows: WindowsSchema,
  price_history: PriceHistorySchema,
  volume_profile: VolumeProfileSchema,
  orderbook: StreamBookSchema.nullable(),
  ticker_message: StreamTickerSchema.nullable(),
};

/** What the server sends (one JSON text per WebSocket message or SSE event). */
export const LiveMessageSchema = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("snapshot"),
      ...stateFields,
      trades: z.array(StreamTradeSchema).meta({ description: "The newest retained trades, oldest first" }),
      dropped: z.number().int().meta({ description: "Updates this subscriber missed while lagging, so far" }),
    }),
    z.object({
      type: z.literal("update"),
      ...stateFields,
      trades: z.array(StreamTradeSchema).meta({ description: "Trades of this batch newer than any sent before" }),
      trades_omitted: z.number().int().meta({ description: "Older trades of the batch left out by the size cap" }),
    }),
    z.object({ type: z.literal("error"), message: z.string() }),
  ])
  .meta({ id: "LiveMessage" });
export type LiveMessage = z.infer<typeof LiveMessageSchema>;

/** What a client may send: an acknowledgement, or other builder windows (answered by a snapshot). */
export const LiveClientMessageSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("ack"), seq: z.number().int().min(0) }),
  z.strictObject({ type: z.literal("windows"), ...WindowsSchema.shape }),
]);
type LiveClientMessage = z.infer<typeof LiveClientMessageSchema>;

/** Per-subscriber flow state (a WebSocket's serialized attachment: it survives hibernation). */
export interface Subscriber {
  ticker: string;
  /** Last message number sent. */
  seq: number;
  /** Highest number acknowledged. */
  acked: number;
  /** Updates were dropped since the last snapshot: send one when the client catches up. */
  behind: boolean;
  dropped: number;
  windows: LiveWindows;
}

export const newSubscriber = (ticker: string, windows: LiveWindows = DEFAULT_WINDOWS): Subscriber => ({
  ticker,
  seq: 0,
  acked: 0,
  behind: false,
  dropped: 0,
  windows,
});

/** The flow-control step for one update: send it, or drop it (the subscriber lags). */
export function admitUpdate(s: Subscriber, maxInFlight: number = LIVE_LIMITS.maxInFlight): "send" | "drop" {
  if (s.behind || s.seq - s.acked >= maxInFlight) {
    s.behind = true;
    s.dropped++;
    return "drop";
  }
  return "send";
}

/** After an acknowledgement: whether the lagging subscriber is due its snapshot now. */
export function onAck(s: Subscriber, seq: number, maxInFlight: number = LIVE_LIMITS.maxInFlight): boolean {
  if (seq > s.acked && seq <= s.seq) s.acked = seq;
  return s.behind && s.seq - s.acked < maxInFlight;
}

/** Parses a client's text frame; an error message for anything else. */
export function parseClientMessage(text: string): LiveClientMessage | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { error: "not JSON" };
  }
  const r = LiveClientMessageSchema.safeParse(raw);
  if (!r.success)
    return { error: r.error.issues.map((i) => `${i.path.join(".") || "message"}: ${i.message}`).join("; ") };
  return r.data;
}

const encoder = new TextEncoder();
const byteLength = (s: string): number => encoder.encode(s).length;

/**
 * JSON of an update within `cap` bytes: the oldest trades are left out (counted in
 * `trades_omitted`) until it fits. Throws if even no trades exceed the cap (the builders' values
 * are small and bounded, so that is a bug).
 */
export function encodeCapped(msg: Extract<LiveMessage, { type: "update" | "snapshot" }>, cap: number): string {
  return encodeCounted(msg, cap).text;
}

/** encodeCapped, and how many of the message's trades it left out. */
function encodeCounted(
  msg: Extract<LiveMessage, { type: "update" | "snapshot" }>,
  cap: number,
): { text: string; omitted: number } {
  let text = JSON.stringify(msg);
  if (byteLength(text) <= cap) return { text, omitted: 0 };
  const all = msg.trades;
  // Binary search for the most trades (the newest) that fit.
  let lo = 0;
  let hi = all.length - 1;
  let best: { text: string; omitted: number } | null = null;
  while (lo <= hi) {
    const keep = (lo + hi) >>> 1;
    const omitted = all.length - keep;
    const trimmed =
      msg.type === "update"
        ? { ...msg, trades: all.slice(omitted), trades_omitted: msg.trades_omitted + omitted }
        : { ...msg, trades: all.slice(omitted) };
    text = JSON.stringify(trimmed);
    if (byteLength(text) <= cap) {
      best = { text, omitted };
      lo = keep + 1;
    } else hi = keep - 1;
  }
  if (best === null) throw new Error(`a live ${msg.type} without trades exceeds ${cap} bytes`);
  return best;
}

/** An update's JSON around its `seq`, and the trades the size cap left out of it. */
interface EncodedUpdate {
  head: string;
  tail: string;
  omitted: number;
}

/** The seq written while encoding: the longest a seq can be, so the size cap holds for any. */
const SEQ_SLOT = Number.MAX_SAFE_INTEGER;

/** An update (its seq SEQ_SLOT) within `cap` bytes, split where each subscriber's seq goes. */
function encodeUpdate(msg: Extract<LiveMessage, { type: "update" }>, cap: number): EncodedUpdate {
  const { text, omitted } = encodeCounted(msg, cap);
  // `"seq":` cannot occur earlier: only "type" and the ticker (a JSON string, its quotes escaped) precede it.
  const slot = `"seq":${SEQ_SLOT}`;
  const at = text.indexOf(slot);
  return { head: text.slice(0, at + 6), tail: text.slice(at + slot.length), omitted };
}

/** (ts, trade_id) of a trade: the order of the window. */
type TradeKey = readonly [number, string];
const after = (t: StreamTrade, k: TradeKey | null): boolean =>
  k === null || t.ts > k[0] || (t.ts === k[0] && t.trade_id > k[1]);

/**
 * The state of the ticker a message carries, at a subscriber's windows. Values for one windows
 * pair are computed once per batch however many subscribers share it (`memo`).
 */
function stateAt(
  state: LiveSource,
  w: LiveWindows,
  memo: Map<string, Pick<LiveMessage & { type: "update" }, "price_history" | "volume_profile">>,
) {
  const key = `${w.price_window}/${w.volume_window_ms}`;
  let v = memo.get(key);
  if (!v) {
    const ph = state.priceHistory(w.price_window);
    const vp = state.volumeProfile(w.volume_window_ms);
    if (ph.status !== "ok" || vp.status !== "ok") return null;
    v = { price_history: ph.value, volume_profile: vp.value };
    memo.set(key, v);
  }
  return v;
}

/** The counters of a hub since its object loaded. */
export interface LiveStats {
  subscribers: number;
  websockets: number;
  sse: number;
  refused: number;
  updates_sent: number;
  snapshots_sent: number;
  dropped: number;
  trades_omitted: number;
}

interface SseSubscriber {
  sub: Subscriber;
  writer: WritableStreamDefaultWriter<Uint8Array>;
}

/**
 * The Durable Object side: accepts subscribers, publishes after each batch. Lives in the ticker
 * object (src/stream/ticker.ts) next to its TickerState; all state but the counters is in the
 * sockets' attachments, so a hibernated object wakes up knowing its subscribers.
 */
export class LiveHub {
  private readonly sse = new Map<number, SseSubscriber>();
  private nextSseId = 1;
  private readonly stats: Omit<LiveStats, "subscribers" | "websockets" | "sse"> = {
    refused: 0,
    updates_sent: 0,
    snapshots_sent: 0,
    dropped: 0,
    trades_omitted: 0,
  };

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly state: () => LiveSource,
    private readonly limits: typeof LIVE_LIMITS = LIVE_LIMITS,
  ) {}

  private count(): number {
    return this.ctx.getWebSockets().length + this.sse.size;
  }

  /** Whether anyone listens (the ticker object skips the work of publishing otherwise). */
  active(): boolean {
    return this.count() > 0;
  }

  /** `GET /tickers/{ticker}/live` as forwarded by the Worker: a WebSocket upgrade or an SSE stream. */
  handle(request: Request): Response {
    // The Worker forwards the request as it came: /tickers/{ticker}/live.
    const ticker = decodeURIComponent(new URL(request.url).pathname.split("/")[2] ?? "");
    if (this.count() >= this.limits.maxSockets) {
      this.stats.refused++;
      return new Response(null, { status: 429 });
    }
    if (request.headers.get("Upgrade")?.toLowerCase() === "websocket") {
      const pair = new WebSocketPair();
      const [client, server] = [pair[0], pair[1]];
      this.ctx.acceptWebSocket(server);
      const sub = newSubscriber(ticker);
      this.sendTo(server, sub, this.snapshot(sub));
      return new Response(null, { status: 101, webSocket: client });
    }
    const stream = new TransformStream<Uint8Array, Uint8Array>(
      undefined,
      new CountQueuingStrategy({ highWaterMark: this.limits.maxInFlight }),
    );
    const id = this.nextSseId++;
    const entry: SseSubscriber = { sub: newSubscriber(ticker), writer: stream.writable.getWriter() };
    this.sse.set(id, entry);
    entry.writer.closed.catch(() => {}).finally(() => this.sse.delete(id));
    this.writeSse(id, entry, this.snapshot(entry.sub));
    return new Response(stream.readable, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" },
    });
  }

  /** A client's frame (webSocketMessage). */
  message(ws: WebSocket, data: string | ArrayBuffer): void {
    const sub = ws.deserializeAttachment() as Subscriber | null;
    if (sub === null) return; // not one of ours (every accepted socket gets its attachment at once)
    const msg = parseClientMessage(typeof data === "string" ? data : new TextDecoder().decode(data));
    if ("error" in msg) {
      ws.send(JSON.stringify({ type: "error", message: msg.error } satisfies LiveMessage));
      return;
    }
    if (msg.type === "ack") {
      if (onAck(sub, msg.seq, this.limits.maxInFlight)) {
        sub.behind = false;
        this.sendTo(ws, sub, this.snapshot(sub));
      } else ws.serializeAttachment(sub);
      return;
    }
    sub.windows = { price_window: msg.price_window, volume_window_ms: msg.volume_window_ms };
    this.sendTo(ws, sub, this.snapshot(sub));
  }

  /** The newest trade's key before a batch is applied (null: no subscriber, nothing to mark). */
  mark(): { key: TradeKey | null } | null {
    if (!this.active()) return null;
    const last = this.state().recentTrades(1)[0];
    return { key: last ? [last.ts, last.trade_id] : null };
  }

  /**
   * After a batch: one update to each subscriber that keeps up — the batch's trades newer than the
   * mark (a late trade, older than trades already sent, shows in the builders' values only).
   */
  publish(mark: { key: TradeKey | null } | null, added: number): void {
    if (mark === null) return;
    const st = this.state();
    const snap = st.snapshot();
    if (snap === null) return;
    const trades = added > 0 ? st.recentTrades(added).filter((t) => after(t, mark.key)) : [];
    const memo = new Map();
    // One JSON text per windows pair and batch, whatever the number of subscribers: only `seq`
    // differs between theirs, so it is spliced in (`head + seq + tail`).
    const encoded = new Map<string, EncodedUpdate | null>();
    const build = (sub: Subscriber): EncodedUpdate | null => {
      const key = `${sub.windows.price_window}/${sub.windows.volume_window_ms}`;
      let e = encoded.get(key);
      if (e === undefined) {
        const v = stateAt(st, sub.windows, memo);
        e = v
          ? encodeUpdate(
              {
                type: "update",
                ticker: snap.ticker,
                seq: SEQ_SLOT,
                windows: sub.windows,
                ...v,
                orderbook: snap.orderbook,
                ticker_message: snap.ticker_message,
                trades,
                trades_omitted: 0,
              },
              this.limits.maxMessageBytes,
            )
          : null;
        encoded.set(key, e);
      }
      return e;
    };
    for (const ws of this.ctx.getWebSockets()) {
      const sub = ws.deserializeAttachment() as Subscriber | null;
      if (sub === null) continue;
      if (admitUpdate(sub, this.limits.maxInFlight) === "drop") {
        this.stats.dropped++;
        ws.serializeAttachment(sub);
        continue;
      }
      const e = build(sub);
      if (e) this.sendUpdate(ws, sub, e);
    }
    for (const [id, entry] of this.sse) {
      // An SSE client lags when its stream's queue is full; it catches up when the queue drains.
      const full = (entry.writer.desiredSize ?? 0) <= 0;
      if (full || entry.sub.behind) {
        if (!entry.sub.behind) {
          entry.sub.behind = true;
          entry.writer.ready.then(
            () => {
              entry.sub.behind = false;
              this.writeSse(id, entry, this.snapshot(entry.sub));
            },
            () => {},
          );
        }
        entry.sub.dropped++;
        this.stats.dropped++;
        continue;
      }
      const e = build(entry.sub);
      if (e) {
        entry.sub.seq++;
        this.countUpdate(e);
        this.writeSseText(id, entry, "update", e.head + entry.sub.seq + e.tail);
      }
    }
  }

  liveStats(): LiveStats {
    const websockets = this.ctx.getWebSockets().length;
    return { subscribers: websockets + this.sse.size, websockets, sse: this.sse.size, ...this.stats };
  }

  private snapshot(sub: Subscriber): LiveMessage {
    const st = this.state();
    const snap = st.snapshot();
    const v = stateAt(st, sub.windows, new Map()) ?? emptyBuilders(sub.windows);
    return {
      type: "snapshot",
      ticker: sub.ticker,
      seq: sub.seq + 1,
      windows: sub.windows,
      ...v,
      orderbook: snap?.orderbook ?? null,
      ticker_message: snap?.ticker_message ?? null,
      trades: st.recentTrades(this.limits.snapshotTrades),
      dropped: sub.dropped,
    };
  }

  private encode(msg: LiveMessage): string {
    if (msg.type === "error") return JSON.stringify(msg);
    const { text, omitted } = encodeCounted(msg, this.limits.maxMessageBytes);
    if (msg.type === "update") this.countUpdate({ head: "", tail: "", omitted });
    else this.stats.snapshots_sent++;
    return text;
  }

  private countUpdate(e: EncodedUpdate): void {
    this.stats.trades_omitted += e.omitted;
    this.stats.updates_sent++;
  }

  private sendUpdate(ws: WebSocket, sub: Subscriber, e: EncodedUpdate): void {
    sub.seq++;
    this.countUpdate(e);
    try {
      ws.send(e.head + sub.seq + e.tail);
    } catch (err) {
      log("warn", "live socket send failed", { error: err instanceof Error ? err.message : String(err) });
    }
    ws.serializeAttachment(sub);
  }

  private sendTo(ws: WebSocket, sub: Subscriber, msg: LiveMessage): void {
    sub.seq++;
    try {
      ws.send(this.encode(msg));
    } catch (e) {
      log("warn", "live socket send failed", { error: e instanceof Error ? e.message : String(e) });
    }
    ws.serializeAttachment(sub);
  }

  private writeSse(id: number, entry: SseSubscriber, msg: LiveMessage): void {
    entry.sub.seq++;
    this.writeSseText(id, entry, msg.type, this.encode(msg));
  }

  private writeSseText(id: number, entry: SseSubscriber, event: string, text: string): void {
    entry.writer.write(encoder.encode(`event: ${event}\ndata: ${text}\n\n`)).catch(() => this.sse.delete(id));
  }
}

/** Builders' values before any trade (an object without data yet: the panel waits for the first). */
function emptyBuilders(w: LiveWindows): Pick<LiveMessage & { type: "update" }, "price_history" | "volume_profile"> {
  return {
    price_history: new PriceHistoryBuilder(w.price_window).snapshot(),
    volume_profile: new VolumeProfileBuilder(w.volume_window_ms).snapshot(),
  };
}

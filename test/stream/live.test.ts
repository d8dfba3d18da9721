/**
 * Live push (src/stream/live.ts, src/api/live.ts) over real ticker objects: WebSocket (Hibernation
 * API) and SSE subscribers get a snapshot, then an update per batch pushed through
 * POST /admin/ingest/trades; the bounds — subscribers per object, message size, lag → drop to
 * snapshot — each with its test; and the pure parts (flow control, size cap, client messages).
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/api/app";
import {
  LIVE_LIMITS,
  type LiveMessage,
  LiveMessageSchema,
  admitUpdate,
  encodeCapped,
  newSubscriber,
  onAck,
  parseClientMessage,
} from "../../src/stream/live";
import { tickerStub } from "../../src/stream/forward";
import { makeTrades, T0 } from "./helpers";

const AUTH = { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" };
const push = (trades: unknown[]) =>
  app.request("/admin/ingest/trades", { method: "POST", headers: AUTH, body: JSON.stringify({ trades }) }, env);

/** A WebSocket on /tickers/{ticker}/live, with its messages queued. */
async function openLive(ticker: string, opts: { ack?: boolean } = {}) {
  const res = await app.request(
    `/tickers/${encodeURIComponent(ticker)}/live`,
    { headers: { Upgrade: "websocket" } },
    env,
  );
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const queue: LiveMessage[] = [];
  const waiters: (() => void)[] = [];
  ws.addEventListener("message", (e) => {
    const msg = LiveMessageSchema.parse(JSON.parse(e.data as string));
    queue.push(msg);
    if (opts.ack !== false && msg.type !== "error") ws.send(JSON.stringify({ type: "ack", seq: msg.seq }));
    for (const w of waiters.splice(0)) w();
  });
  /** The next message (waits up to 5 s). */
  const next = async (): Promise<LiveMessage> => {
    const deadline = Date.now() + 5000;
    while (queue.length === 0) {
      if (Date.now() > deadline) throw new Error("no live message within 5 s");
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return queue.shift()!;
  };
  return { ws, next, queue };
}

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

describe("pure parts", () => {
  it("flow control: sends while fewer than maxInFlight are unacknowledged, then drops until the client catches up", () => {
    const s = newSubscriber("T", { price_window: 100, volume_window_ms: 300_000 });
    for (let i = 0; i < 3; i++) {
      expect(admitUpdate(s, 3)).toBe("send");
      s.seq++;
    }
    expect(admitUpdate(s, 3)).toBe("drop");
    expect(admitUpdate(s, 3)).toBe("drop");
    expect(s).toMatchObject({ behind: true, dropped: 2 });
    expect(onAck(s, 1, 3)).toBe(true); // 2 in flight < 3: due its snapshot
    expect(onAck(s, 99, 3)).toBe(true); // an ack beyond what was sent is ignored
    expect(s.acked).toBe(1);
  });

  it("size cap: an update over the cap leaves out its oldest trades and counts them", () => {
    const trades = makeTrades("KXCAP", 400);
    const msg = {
      type: "update" as const,
      ticker: "KXCAP",
      seq: 1,
      windows: { price_window: 100, volume_window_ms: 300_000 },
      price_history: null as never,
      volume_profile: null as never,
      orderbook: null,
      ticker_message: null,
      trades,
      trades_omitted: 0,
    };
    const full = JSON.stringify(msg).length;
    const text = encodeCapped(msg, Math.floor(full / 4));
    expect(text.length).toBeLessThanOrEqual(full / 4);
    const out = JSON.parse(text) as typeof msg;
    expect(out.trades_omitted).toBe(400 - out.trades.length);
    expect(out.trades.length).toBeGreaterThan(50);
    expect(out.trades.at(-1)).toEqual(trades.at(-1)); // the newest are kept
    expect(encodeCapped(msg, full)).toBe(JSON.stringify(msg));
  });

  it("client messages: ack and windows are accepted, anything else named", () => {
    expect(parseClientMessage('{"type":"ack","seq":3}')).toEqual({ type: "ack", seq: 3 });
    expect(parseClientMessage('{"type":"windows","price_window":20,"volume_window_ms":90000}')).toMatchObject({
      type: "windows",
    });
    expect(parseClientMessage("nope")).toEqual({ error: "not JSON" });
    expect(parseClientMessage('{"type":"windows","price_window":0,"volume_window_ms":1}')).toHaveProperty("error");
  });
});

describe("GET /tickers/{ticker}/live", () => {
  it("WebSocket: a snapshot, then an update per pushed batch with its new trades and the builders", async () => {
    const ticker = "KXLIVE-WS";
    const trades = makeTrades(ticker, 30, { start: T0 });
    expect((await push(trades.slice(0, 10))).status).toBe(200);
    const live = await openLive(ticker);
    const snap = await live.next();
    expect(snap).toMatchObject({ type: "snapshot", ticker, seq: 1 });
    if (snap.type !== "snapshot") throw new Error("snapshot expected");
    expect(snap.trades.map((t) => t.trade_id)).toEqual(trades.slice(0, 10).map((t) => t.trade_id));
    expect(snap.price_history.count).toBe(10);

    await push(trades.slice(10, 30));
    const up = await live.next();
    if (up.type !== "update") throw new Error(`update expected, got ${up.type}`);
    expect(up.seq).toBe(2);
    expect(up.trades.map((t) => t.trade_id)).toEqual(trades.slice(10, 30).map((t) => t.trade_id));
    const detail = (await (await app.request(`/tickers/${ticker}`, {}, env)).json()) as Record<string, unknown>;
    expect(up.price_history).toEqual(detail.price_history);
    expect(up.volume_profile).toEqual(detail.volume_profile);

    // Other windows: answered by a snapshot at those windows.
    live.ws.send(JSON.stringify({ type: "windows", price_window: 5, volume_window_ms: 90_000 }));
    const w = await live.next();
    expect(w).toMatchObject({ type: "snapshot", windows: { price_window: 5, volume_window_ms: 90_000 } });
    if (w.type === "snapshot") expect(w.price_history.count).toBe(5);
    live.ws.send("not json");
    expect(await live.next()).toEqual({ type: "error", message: "not JSON" });
    live.ws.close(1000, "done");
  });

  it("one update per batch for all subscribers: each with its own seq, and its own windows' values", async () => {
    const ticker = "KXLIVE-SHARED";
    const trades = makeTrades(ticker, 40, { start: T0 });
    await push(trades.slice(0, 20));
    const [a, b, c] = [await openLive(ticker), await openLive(ticker), await openLive(ticker)];
    for (const l of [a, b, c]) expect(await l.next()).toMatchObject({ type: "snapshot", seq: 1 });
    // b: the default windows again, c: others — each answered by a snapshot (seq 2).
    b.ws.send(JSON.stringify({ type: "windows", price_window: 100, volume_window_ms: 300_000 }));
    c.ws.send(JSON.stringify({ type: "windows", price_window: 5, volume_window_ms: 90_000 }));
    for (const l of [b, c]) expect(await l.next()).toMatchObject({ type: "snapshot", seq: 2 });
    await push(trades.slice(20, 40));
    const [ua, ub, uc] = [await a.next(), await b.next(), await c.next()];
    expect([ua.type, ub.type, uc.type]).toEqual(["update", "update", "update"]);
    if (ua.type !== "update" || ub.type !== "update" || uc.type !== "update") return;
    expect([ua.seq, ub.seq, uc.seq]).toEqual([2, 3, 3]);
    expect({ ...ub, seq: 2 }).toEqual(ua);
    expect(ua.price_history.count).toBe(40);
    expect(uc.price_history.count).toBe(5);
    expect(uc.windows).toEqual({ price_window: 5, volume_window_ms: 90_000 });
    expect(uc.trades).toEqual(ua.trades);
    for (const l of [a, b, c]) l.ws.close(1000, "done");
  });

  it("lag: a client that stops acknowledging gets its updates dropped, then one snapshot once it acks", async () => {
    const ticker = "KXLIVE-LAG";
    const trades = makeTrades(ticker, 40, { start: T0 });
    await push(trades.slice(0, 1));
    const live = await openLive(ticker, { ack: false });
    await live.next(); // snapshot, seq 1 (unacknowledged)
    const batches = LIVE_LIMITS.maxInFlight + 5;
    for (let i = 1; i <= batches; i++) await push(trades.slice(i, i + 1));
    // maxInFlight messages are out (the snapshot + maxInFlight − 1 updates); the rest are dropped.
    const got: LiveMessage[] = [];
    while (got.length < LIVE_LIMITS.maxInFlight - 1) got.push(await live.next());
    expect(got.every((m) => m.type === "update")).toBe(true);
    const stats = await tickerStub(env.TICKER, ticker).liveStats();
    expect(stats.dropped).toBe(batches - (LIVE_LIMITS.maxInFlight - 1));
    live.ws.send(JSON.stringify({ type: "ack", seq: LIVE_LIMITS.maxInFlight }));
    const snap = await live.next();
    expect(snap).toMatchObject({ type: "snapshot", dropped: batches - (LIVE_LIMITS.maxInFlight - 1) });
    if (snap.type === "snapshot") expect(snap.trades.at(-1)?.trade_id).toBe(trades[batches]!.trade_id);
    live.ws.close(1000, "done");
  });

  it("message size cap: a batch too big for one message leaves out its oldest trades, counted", async () => {
    const ticker = "KXLIVE-BIG";
    await push(makeTrades(ticker, 1, { start: T0 - 1000 }).map((t) => ({ ...t, trade_id: "first" })));
    const live = await openLive(ticker);
    await live.next();
    const big = makeTrades(ticker, 1000, { start: T0, spacingMs: 10 }); // ~170 KB of trades as JSON
    await push(big);
    const up = await live.next();
    if (up.type !== "update") throw new Error("update expected");
    expect(up.trades.length + up.trades_omitted).toBe(1000);
    expect(up.trades_omitted).toBeGreaterThan(0);
    expect(up.trades.at(-1)?.trade_id).toBe(big.at(-1)!.trade_id);
    live.ws.close(1000, "done");
  });

  it(`subscribers per ticker object: the ${LIVE_LIMITS.maxSockets + 1}th is refused with 429`, async () => {
    const ticker = "KXLIVE-MAX";
    await push(makeTrades(ticker, 1));
    const sockets: WebSocket[] = [];
    for (let i = 0; i < LIVE_LIMITS.maxSockets; i++) {
      const res = await app.request(`/tickers/${ticker}/live`, { headers: { Upgrade: "websocket" } }, env);
      expect(res.status).toBe(101);
      res.webSocket!.accept();
      sockets.push(res.webSocket!);
    }
    const refused = await app.request(`/tickers/${ticker}/live`, { headers: { Upgrade: "websocket" } }, env);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("too_many_subscribers");
    expect(refused.headers.get("Retry-After")).toBe("10");
    for (const s of sockets) s.close(1000, "done");
  }, 60_000);

  it("SSE fallback: a snapshot event, then an update event per batch", async () => {
    const ticker = "KXLIVE-SSE";
    const trades = makeTrades(ticker, 5, { start: T0 });
    await push(trades.slice(0, 2));
    const res = await app.request(`/tickers/${ticker}/live`, { headers: { Accept: "text/event-stream" } }, env);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    const nextEvent = async (): Promise<{ event: string; data: LiveMessage }> => {
      for (;;) {
        const i = buf.indexOf("\n\n");
        if (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)![1]!;
          return { event, data: LiveMessageSchema.parse(JSON.parse(/^data: (.*)$/m.exec(block)![1]!)) };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buf += value;
      }
    };
    expect((await nextEvent()).event).toBe("snapshot");
    await push(trades.slice(2, 5));
    const up = await nextEvent();
    expect(up.event).toBe("update");
    if (up.data.type === "update")
      expect(up.data.trades.map((t) => t.trade_id)).toEqual(trades.slice(2).map((t) => t.trade_id));
    await reader.cancel();
  });

  it("refuses a plain GET (426), and a ticker that is neither a market nor has stream data (404)", async () => {
    const plain = await app.request("/tickers/KXLIVE-WS/live", {}, env);
    expect(plain.status).toBe(426);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe("upgrade_required");
    const unknown = await app.request("/tickers/KXNOPE-NEVER/live", { headers: { Upgrade: "websocket" } }, env);
    expect(unknown.status).toBe(404);
  });
});

/** The WebSocket protocol state machine and the wire normalizers, on fixtures (no sockets). */
import { describe, expect, it } from "vitest";
import { FeedSession, type WsCommandOut } from "../../src/stream/feed-session";
import { StreamBookSchema, StreamTickerSchema, StreamTradeSchema } from "../../src/stream/messages";
import { normalizeTicker, normalizeTrade } from "../../src/stream/normalize";
import ticker2026_03 from "../fixtures/kalshi/ws-ticker-2026-03.json";
import tickerLegacy from "../fixtures/kalshi/ws-ticker-legacy.json";
import tickerFix from "../fixtures/kalshi/ws-ticker.json";
import tradeLegacy from "../fixtures/kalshi/ws-trade-legacy.json";
import tradeFix from "../fixtures/kalshi/ws-trade.json";
import snapshotFix from "../fixtures/kalshi/ws-orderbook-snapshot.json";
import deltaFix from "../fixtures/kalshi/ws-orderbook-delta.json";

const NOW = 1_800_000_000_000;
const markets = (n: number) => Array.from({ length: n }, (_, i) => `KXM-${String(i).padStart(4, "0")}`);
const frame = (o: unknown) => JSON.stringify(o);

function subscribed(s: FeedSession, cmds: WsCommandOut[], sids: Record<string, number>): WsCommandOut[] {
  const out: WsCommandOut[] = [];
  for (const c of cmds) {
    if (c.cmd !== "subscribe") continue;
    const channel = c.params.channels[0]!;
    out.push(...s.onFrame(frame({ id: c.id, type: "subscribed", msg: { channel, sid: sids[channel] } })).commands);
  }
  return out;
}

describe("wire normalization", () => {
  it("trade (2026-03 capture): ms ts, exact strings, taker side", () => {
    const n = normalizeTrade(tradeFix.msg);
    expect(n).toEqual({
      ok: true,
      value: {
        type: "trade",
        ticker: "KXBTCD-26MAR1213-T69499.99",
        trade_id: "5d937db7-0c71-43cb-0b60-b56a4387af64",
        ts: 1773331880000,
        price_dollars: "0.8900",
        count_fp: "3.00",
        taker_side: "yes",
      },
    });
    expect(StreamTradeSchema.safeParse(n.ok && n.value).success).toBe(true);
    expect(normalizeTrade(tradeLegacy.msg)).toMatchObject({
      ok: true,
      value: { price_dollars: "0.3600", count_fp: "136.00", taker_side: "no" },
    });
  });

  it("trade: later generations and refusals", () => {
    const base = { trade_id: "t1", market_ticker: "M", ts: 1, ts_ms: 1500 };
    expect(
      normalizeTrade({ ...base, no_price_dollars: "0.1100", count_fp: "0.11", taker_outcome_side: "no" }),
    ).toMatchObject({ ok: true, value: { price_dollars: "0.8900", ts: 1500, count_fp: "0.11", taker_side: "no" } });
    expect(normalizeTrade({ ...base, yes_price: 36, count: 2, taker_book_side: "bid" })).toMatchObject({
      ok: true,
      value: { price_dollars: "0.3600", count_fp: "2.00", taker_side: "yes" },
    });
    expect(normalizeTrade({ ...base, trade_id: null, yes_price_dollars: "0.5", count_fp: "1" })).toMatchObject({
      ok: false,
    });
    expect(normalizeTrade({ ...base, yes_price_dollars: "0.5", count_fp: "0.00", taker_side: "yes" })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/positive count/),
    });
    expect(normalizeTrade({ ...base, yes_price_dollars: "0.12345", count_fp: "1", taker_side: "yes" })).toMatchObject({
      ok: false,
    });
    expect(normalizeTrade({ ...base, yes_price_dollars: "0.5", count_fp: "1" })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/taker side/),
    });
  });

  it("ticker: 2026-07 (NO side derived, ts_ms), 2026-03 (NO side sent), legacy cents", () => {
    const a = normalizeTicker(tickerFix.msg, NOW);
    expect(a).toMatchObject({
      ok: true,
      value: {
        ts: 1784475900544,
        price_dollars: "0.9990",
        yes_bid_dollars: "0.0000",
        yes_ask_dollars: "1.0000",
        no_bid_dollars: "0.0000",
        no_ask_dollars: "1.0000",
        no_side_derived: true,
        volume_fp: "2233487.48",
        last_trade_size_fp: "0.11",
      },
    });
    expect(StreamTickerSchema.safeParse(a.ok && a.value).success).toBe(true);
    expect(normalizeTicker(ticker2026_03.msg, NOW)).toMatchObject({
      ok: true,
      value: { ts: 1773336904000, no_bid_dollars: "0.0100", no_ask_dollars: "0.0300", no_side_derived: false },
    });
    const legacy = normalizeTicker(tickerLegacy.msg, NOW);
    expect(legacy.ok).toBe(true);
    expect(StreamTickerSchema.safeParse(legacy.ok && legacy.value).success).toBe(true);
  });
});

describe("FeedSession", () => {
  it("subscribes each channel with ≤ 256 markets, then adds the rest on the sid", () => {
    const s = new FeedSession(undefined, () => NOW);
    expect(s.setMarkets(markets(600))).toEqual([]); // not open yet
    const open = s.onOpen();
    expect(
      open.map((c) => [
        c.cmd,
        c.cmd === "subscribe" ? c.params.channels : null,
        "market_tickers" in c.params ? c.params.market_tickers.length : 0,
      ]),
    ).toEqual([
      ["subscribe", ["trade"], 256],
      ["subscribe", ["ticker"], 256],
      ["subscribe", ["orderbook_delta"], 256],
    ]);
    const adds = subscribed(s, open, { trade: 1, ticker: 2, orderbook_delta: 3 });
    expect(adds).toHaveLength(6);
    for (const c of adds) {
      expect(c.cmd).toBe("update_subscription");
      if (c.cmd === "update_subscription") expect(c.params.action).toBe("add_markets");
    }
    const trade = adds.filter((c) => c.cmd === "update_subscription" && c.params.sids[0] === 1);
    expect(trade.map((c) => (c.cmd === "update_subscription" ? c.params.market_tickers.length : 0))).toEqual([256, 88]);
    expect(s.subscriptions()).toEqual([
      { channel: "trade", sid: 1, markets: 600, subscribing: false, refused: false },
      { channel: "ticker", sid: 2, markets: 600, subscribing: false, refused: false },
      { channel: "orderbook_delta", sid: 3, markets: 600, subscribing: false, refused: false },
    ]);
    // The open set changes: delete what closed, add what opened, per sid.
    const next = s.setMarkets([...markets(600).slice(10), "KXNEW-1"]);
    expect(
      next.map((c) =>
        c.cmd === "update_subscription" ? [c.params.sids[0], c.params.action, c.params.market_tickers.length] : c.cmd,
      ),
    ).toEqual([
      [1, "delete_markets", 10],
      [1, "add_markets", 1],
      [2, "delete_markets", 10],
      [2, "add_markets", 1],
      [3, "delete_markets", 10],
      [3, "add_markets", 1],
    ]);
  });

  it("never subscribes with an empty market list (that would mean every market)", () => {
    const s = new FeedSession(undefined, () => NOW);
    expect(s.onOpen()).toEqual([]);
  });

  it("drops duplicate frames by seq; a trade gap resubscribes and names the backfill window, an orderbook gap resubscribes", () => {
    const s = new FeedSession(undefined, () => NOW);
    s.setMarkets(["KXBTCD-26MAR1213-T69499.99", "KXBTCD-26MAR1317-T66499.99"]);
    subscribed(s, s.onOpen(), { trade: 1, ticker: 2, orderbook_delta: 3 });
    const t = (seq: number, id: string) => frame({ ...tradeFix, sid: 1, seq, msg: { ...tradeFix.msg, trade_id: id } });
    expect(s.onFrame(t(10, "a")).events).toHaveLength(1);
    // A duplicate frame is dropped: only its ticker and time go on (the ticker's coverage counts it).
    expect(s.onFrame(t(10, "a")).events).toEqual([
      { kind: "duplicate", ticker: tradeFix.msg.market_ticker, ts: tradeFix.msg.ts * 1000 },
    ]);
    expect(s.onFrame(t(11, "b")).events).toHaveLength(1);
    const gap = s.onFrame(t(13, "c"));
    // Seqs 10..13 observed on the (now retired) sid, three of them received: one frame lost.
    expect(s.seqCoverage().trade).toEqual({ span: 4, received: 3 });
    // The frame after the hole is still a good trade; the gap names the lost window: from the last
    // trade received on the sid, for every market of the subscription.
    expect(gap.events.map((e) => e.kind)).toEqual(["gap", "trade"]);
    expect(gap.events[0]).toEqual({
      kind: "gap",
      channel: "trade",
      sid: 1,
      expected: 12,
      got: 13,
      fromTs: 1773331880000,
      tickers: ["KXBTCD-26MAR1213-T69499.99", "KXBTCD-26MAR1317-T66499.99"],
    });
    expect(
      gap.commands.map((c) => [
        c.cmd,
        c.cmd === "unsubscribe" ? c.params.sids : c.cmd === "subscribe" ? c.params.channels : null,
      ]),
    ).toEqual([
      ["unsubscribe", [1]],
      ["subscribe", ["trade"]],
    ]);
    expect(s.stats).toMatchObject({
      duplicate_frames: 1,
      gaps: 1,
      gaps_by_channel: { trade: 1 },
      trades: 3,
      resubscribes: 1,
    });
    expect(s.channelSettled("trade")).toBe(false);
    const [unsub, resub] = gap.commands;
    s.onFrame(frame({ id: unsub!.id, sid: 1, seq: 13, type: "unsubscribed" }));
    subscribed(s, [resub!], { trade: 4 });
    expect(s.channelSettled("trade")).toBe(true);
    // Late frames of the retired sid are still trades, no longer sequence-checked.
    expect(s.onFrame(t(20, "d")).events.map((e) => e.kind)).toEqual(["trade"]);
    expect(s.latestTradeTs).toBe(1773331880000);

    // Order book: snapshot → top; delta → new top; gap → unsubscribe + subscribe for fresh snapshots.
    const snap = s.onFrame(frame({ ...snapshotFix, sid: 3, seq: 1 }));
    expect(snap.events).toHaveLength(1);
    const top = snap.events[0]!;
    expect(top.kind === "book" && StreamBookSchema.parse(top.book)).toMatchObject({
      yes_bid_dollars: "0.4500",
      yes_bid_size_fp: "300.00",
      no_bid_dollars: "0.5200",
      no_bid_size_fp: "40.00",
      yes_ask_dollars: "0.4800",
      yes_ask_size_fp: "40.00",
      no_ask_dollars: "0.5500",
    });
    const d = s.onFrame(frame({ ...deltaFix, sid: 3, seq: 2 })); // −50 at yes 0.45
    expect(d.events[0]).toMatchObject({
      kind: "book",
      book: { yes_bid_dollars: "0.4500", yes_bid_size_fp: "250.00", ts: Date.parse("2026-03-13T17:35:04.118Z") },
    });
    const d2 = s.onFrame(
      frame({ ...deltaFix, sid: 3, seq: 3, msg: { ...deltaFix.msg, delta_fp: "-250.00", delta: -250 } }),
    );
    expect(d2.events[0]).toMatchObject({
      kind: "book",
      book: { yes_bid_dollars: "0.4400", yes_bid_size_fp: "120.00", no_ask_dollars: "0.5600" },
    });
    const g = s.onFrame(frame({ ...deltaFix, sid: 3, seq: 5 }));
    expect(g.events.map((e) => e.kind)).toEqual(["gap"]);
    expect(
      g.commands.map((c) => [
        c.cmd,
        c.cmd === "unsubscribe" ? c.params.sids : c.cmd === "subscribe" ? c.params.channels : null,
      ]),
    ).toEqual([
      ["unsubscribe", [3]],
      ["subscribe", ["orderbook_delta"]],
    ]);
    // Deltas of the retired sid are ignored until the new snapshot.
    expect(s.onFrame(frame({ ...deltaFix, sid: 3, seq: 6 })).events).toEqual([]);
  });

  it('"Market not found" on subscribe bisects the batch: the other markets are subscribed, the unknown one left out', () => {
    const s = new FeedSession(["trade"], () => NOW);
    const all = markets(8);
    s.setMarkets(all);
    const sent: WsCommandOut[] = [];
    let cmds = s.onOpen();
    let sid = 0;
    // A fake server: any command naming KXM-0005 is refused with 16 for the whole command.
    for (let round = 0; cmds.length > 0 && round < 20; round++) {
      const next: WsCommandOut[] = [];
      for (const c of cmds) {
        sent.push(c);
        const names = c.cmd === "unsubscribe" ? [] : c.params.market_tickers;
        const reply = names.includes("KXM-0005")
          ? { id: c.id, type: "error", msg: { code: 16, msg: "Market not found" } }
          : c.cmd === "subscribe"
            ? { id: c.id, type: "subscribed", msg: { channel: "trade", sid: (sid = 7) } }
            : { id: c.id, sid, seq: 0, type: "ok" };
        next.push(...s.onFrame(frame(reply)).commands);
      }
      cmds = next;
    }
    expect(s.notFoundMarkets()).toEqual(["KXM-0005"]);
    expect(s.markets).toEqual(all.filter((t) => t !== "KXM-0005"));
    expect(s.subscriptions()).toEqual([{ channel: "trade", sid: 7, markets: 7, subscribing: false, refused: false }]);
    expect(s.channelSettled("trade")).toBe(true);
    expect(s.stats.market_not_found).toBeGreaterThanOrEqual(2);
    // Bisection, not one command per market.
    expect(sent.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(all.length)) + 2);
    // Still refused on the next refresh; forgotten once the market leaves the desired set.
    expect(s.setMarkets(all)).toEqual([]);
    s.setMarkets(all.filter((t) => t !== "KXM-0005"));
    expect(s.notFoundMarkets()).toEqual([]);
  });

  it('"Market not found" on update_subscription add_markets re-adds the rest of the batch', () => {
    const s = new FeedSession(["trade"], () => NOW);
    s.setMarkets(["A", "B"]);
    subscribed(s, s.onOpen(), { trade: 3 });
    const [add] = s.setMarkets(["A", "B", "C", "D", "GONE", "E"]);
    expect(add).toMatchObject({
      cmd: "update_subscription",
      params: { action: "add_markets", market_tickers: ["C", "D", "E", "GONE"] },
    });
    const halves = s.onFrame(
      frame({ id: add!.id, type: "error", msg: { code: 16, msg: "Market not found" } }),
    ).commands;
    expect(halves.map((c) => c.cmd !== "unsubscribe" && c.params.market_tickers)).toEqual([
      ["C", "D"],
      ["E", "GONE"],
    ]);
    s.onFrame(frame({ id: halves[0]!.id, sid: 3, seq: 0, type: "ok" }));
    const quarters = s.onFrame(
      frame({ id: halves[1]!.id, type: "error", msg: { code: 16, msg: "Market not found" } }),
    ).commands;
    expect(quarters.map((c) => c.cmd !== "unsubscribe" && c.params.market_tickers)).toEqual([["E"], ["GONE"]]);
    s.onFrame(frame({ id: quarters[0]!.id, sid: 3, seq: 0, type: "ok" }));
    expect(
      s.onFrame(frame({ id: quarters[1]!.id, type: "error", msg: { code: 16, msg: "Market not found" } })).commands,
    ).toEqual([]);
    expect(s.notFoundMarkets()).toEqual(["GONE"]);
    expect(s.subscriptions()[0]).toMatchObject({ sid: 3, markets: 5 });
    expect(s.channelSettled("trade")).toBe(true);
  });

  it("an error reply to a subscribe leaves the channel to be retried; a reconnect starts over", () => {
    const s = new FeedSession(["trade"], () => NOW);
    s.setMarkets(["A", "B"]);
    const [sub] = s.onOpen();
    s.onFrame(frame({ id: sub!.id, type: "error", msg: { code: 17, msg: "Internal error" } }));
    expect(s.stats.last_error).toMatch(/error reply 17/);
    const again = s.retry();
    expect(again.map((c) => c.cmd)).toEqual(["subscribe"]);
    s.onClose();
    expect(s.subscriptions()).toEqual([
      { channel: "trade", sid: null, markets: 0, subscribing: false, refused: false },
    ]);
    const [sub2] = s.onOpen();
    // "Authentication required" is not retried on this connection.
    s.onFrame(frame({ id: sub2!.id, type: "error", msg: { code: 9, msg: "Authentication required" } }));
    expect(s.retry()).toEqual([]);
    expect(s.subscriptions()[0]).toMatchObject({ refused: true });
  });

  it("ticker frames: envelope checked on arrival, message validated and normalized when resolved", () => {
    const s = new FeedSession(undefined, () => NOW);
    const ok = s.onFrame(frame({ ...tickerFix, sid: 2 })).events;
    expect(ok).toEqual([
      { kind: "ticker", frame: { market: tickerFix.msg.market_ticker, msg: tickerFix.msg, receivedAt: NOW } },
    ]);
    const e = ok[0]!;
    expect(e.kind === "ticker" && s.resolveTicker(e.frame)).toEqual(
      (normalizeTicker(tickerFix.msg, NOW) as { value: unknown }).value,
    );
    // A bad field is found when the message is resolved (only the newest per market ever is).
    const bad = s.onFrame(frame({ type: "ticker", sid: 2, msg: { market_ticker: "X", yes_bid_dollars: "abc" } }))
      .events[0]!;
    expect(s.stats.invalid).toBe(0);
    expect(bad.kind === "ticker" && s.resolveTicker(bad.frame)).toBeNull();
    expect(s.stats).toMatchObject({
      invalid: 1,
      tickers: 2,
      last_error: expect.stringMatching(/unparseable ticker message/),
    });
    // Without a market the frame is refused on arrival.
    expect(s.onFrame(frame({ type: "ticker", sid: 2, msg: { yes_bid_dollars: "0.5" } })).events).toEqual([]);
    expect(s.stats.invalid).toBe(2);
  });

  it("counts garbage instead of throwing", () => {
    const s = new FeedSession(undefined, () => NOW);
    s.onFrame("not json");
    s.onFrame(frame({ type: "trade", sid: 1, msg: { market_ticker: "X" } }));
    expect(s.stats.invalid).toBe(2);
  });
});

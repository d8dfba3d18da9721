/**
 * The simulator's public trade tape (`GET /markets/trades`): it serves exactly the trades the
 * WebSocket feed generated — including frames the `drop_every` fault never delivered — with
 * Kalshi's filters, newest-first order, limits and cursors.
 */
import { describe, expect, it } from "vitest";
import type { Simulator, WsSession } from "../../sim/core/index";
import { TradeTape } from "../../sim/core/trades";
import { DOLLARS, FP, RFC3339, get, listAll, newSim } from "./helpers";

interface Conn {
  session: WsSession;
  msgs: any[];
  send(o: unknown): void;
}

function connect(sim: Simulator): Conn {
  const c: Conn = {
    msgs: [],
    session: undefined as unknown as WsSession,
    send: (o) => c.session.receive(JSON.stringify(o)),
  };
  c.session = sim.openSession({ send: (t) => c.msgs.push(JSON.parse(t)), close: () => {} }, true);
  return c;
}

async function pump(sim: Simulator, n: number): Promise<number> {
  const r = await sim.fetch(
    new Request("http://sim/_sim/feed/pump", { method: "POST", body: JSON.stringify({ trades: n }) }),
  );
  return ((await r.json()) as { generated: number }).generated;
}

/** A world streaming trades on `n` markets to one connection, with every 5th data frame lost. */
async function streaming(n: number): Promise<{ sim: Simulator; ws: Conn; tickers: string[] }> {
  const sim = newSim({ markets: 400, trade_rate_per_s: 0, faults: { ws: { drop_every: 5 } } });
  const tickers = (await get(sim, `/markets?status=open&limit=${n}`)).body.markets.map((m: any) => m.ticker as string);
  const ws = connect(sim);
  ws.send({ id: 1, cmd: "subscribe", params: { channels: ["trade"], market_tickers: tickers } });
  ws.msgs = [];
  return { sim, ws, tickers };
}

describe("GET /markets/trades", () => {
  it("serves every trade the feed emitted, dropped frames included, in Kalshi's shape, newest first", async () => {
    const { sim, ws, tickers } = await streaming(5);
    expect(await pump(sim, 40)).toBe(40);
    await sim.fetch(
      new Request("http://sim/_sim/clock", { method: "POST", body: JSON.stringify({ advance_ms: 3_000 }) }),
    );
    expect(await pump(sim, 20)).toBe(20);
    const delivered = ws.msgs.filter((m) => m.type === "trade");
    // The fault really lost frames: the seq numbers have holes and fewer trades arrived.
    expect(delivered.length).toBe(48);
    expect(delivered.at(-1).seq).toBe(59); // frame 60 was lost too

    const { items, pages } = await listAll(sim, "/markets/trades", "trades", { limit: "7" });
    expect(pages).toBe(9);
    expect(items.length).toBe(60);
    expect(new Set(items.map((t) => t.trade_id)).size).toBe(60);
    // Every delivered frame is on the tape with the same values.
    const byId = new Map(items.map((t) => [t.trade_id, t]));
    for (const d of delivered) {
      const t = byId.get(d.msg.trade_id)!;
      expect(t, d.msg.trade_id).toBeDefined();
      expect({
        ticker: t.ticker,
        yes: t.yes_price_dollars,
        no: t.no_price_dollars,
        count: t.count_fp,
        side: t.taker_side,
        s: Math.floor(Date.parse(t.created_time) / 1000),
      }).toEqual({
        ticker: d.msg.market_ticker,
        yes: d.msg.yes_price_dollars,
        no: d.msg.no_price_dollars,
        count: d.msg.count_fp,
        side: d.msg.taker_side,
        s: d.msg.ts,
      });
    }
    const t = items[0];
    expect(Object.keys(t).sort()).toEqual([
      "count_fp",
      "created_time",
      "is_block_trade",
      "no_price_dollars",
      "taker_book_side",
      "taker_outcome_side",
      "taker_side",
      "ticker",
      "trade_id",
      "yes_price_dollars",
    ]);
    expect(t.yes_price_dollars).toMatch(DOLLARS);
    expect(t.count_fp).toMatch(FP);
    expect(t.created_time).toMatch(RFC3339);
    expect(t.taker_book_side).toBe(t.taker_outcome_side === "yes" ? "bid" : "ask");
    expect(tickers).toContain(t.ticker);
    // The 12 lost frames are on the tape; newest first: the newest delivered trade is 2nd (the 60th was lost).
    const deliveredIds = new Set(delivered.map((d) => d.msg.trade_id));
    expect(items.filter((x) => !deliveredIds.has(x.trade_id)).length).toBe(12);
    expect(items[1].trade_id).toBe(delivered.at(-1).msg.trade_id);
    expect(deliveredIds.has(items[0].trade_id)).toBe(false);
    const times = items.map((x) => Date.parse(x.created_time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it("filters by ticker and by min_ts/max_ts (Unix seconds, inclusive)", async () => {
    const { sim, tickers } = await streaming(4);
    await pump(sim, 30);
    const firstS = Math.floor(sim.nowMs() / 1000);
    await sim.fetch(
      new Request("http://sim/_sim/clock", { method: "POST", body: JSON.stringify({ advance_ms: 10_000 }) }),
    );
    await pump(sim, 30);
    const all = (await listAll(sim, "/markets/trades", "trades", { limit: "1000" })).items;
    expect(all.length).toBe(60);

    const one = (await listAll(sim, "/markets/trades", "trades", { ticker: tickers[1]! })).items;
    expect(one.length).toBe(all.filter((t) => t.ticker === tickers[1]).length);
    expect(one.length).toBeGreaterThan(0);
    expect(one.every((t) => t.ticker === tickers[1])).toBe(true);

    const early = (await get(sim, `/markets/trades?max_ts=${firstS}&limit=1000`)).body.trades;
    const late = (await get(sim, `/markets/trades?min_ts=${firstS + 1}&limit=1000`)).body.trades;
    expect(early.length).toBe(30);
    expect(late.length).toBe(30);
    expect(
      (await get(sim, `/markets/trades?min_ts=${firstS}&max_ts=${firstS}&ticker=${tickers[0]}`)).body.trades.every(
        (t: any) => t.ticker === tickers[0],
      ),
    ).toBe(true);
    expect((await get(sim, "/markets/trades?ticker=NO-SUCH-MARKET")).body).toEqual({ trades: [], cursor: "" });
  });

  it("validates limit and cursor like the other listings", async () => {
    const { sim } = await streaming(3);
    await pump(sim, 5);
    expect((await get(sim, "/markets/trades")).body.trades.length).toBe(5);
    expect((await get(sim, "/markets/trades?limit=1001")).status).toBe(400);
    expect((await get(sim, "/markets/trades?limit=0")).status).toBe(400);
    expect((await get(sim, "/markets/trades?cursor=bogus")).status).toBe(400);
    expect((await get(sim, "/markets/trades?min_ts=abc")).status).toBe(400);
    // The path is a listing, not a market called "trades".
    expect((await get(sim, "/markets/trades")).body).not.toHaveProperty("market");
  });

  it("keeps a bounded tape per ticker", () => {
    const tape = new TradeTape(10);
    for (let i = 0; i < 100; i++)
      tape.record({
        tradeId: `a${i}`,
        ticker: i % 2 ? "A" : "B",
        timeMs: 1_000 * i,
        yesPrice: 5000,
        countH: 100,
        takerYes: true,
      });
    const a = tape.query({ ticker: "A", minTs: null, maxTs: null, limit: 1000, beforeSeq: null }).trades;
    expect(a.length).toBeGreaterThanOrEqual(10);
    expect(a.length).toBeLessThanOrEqual(10 + 16);
    expect(a[0]!.tradeId).toBe("a99");
    const page = tape.query({ ticker: null, minTs: null, maxTs: null, limit: 3, beforeSeq: null });
    expect(page.trades.map((t) => t.tradeId)).toEqual(["a99", "a98", "a97"]);
    expect(page.more).toBe(true);
  });
});

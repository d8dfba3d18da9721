/**
 * The WebSocket protocol engine (in-process, no sockets) and one end-to-end check through the
 * Node server: replies and error codes per docs/kalshi-wire.md §6, per-sid seq, message shapes,
 * order book consistency, lifecycle messages and injected gaps/duplicates/drops.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Simulator, WsSession } from "../../sim/core/index";
import tradeFixture from "../fixtures/kalshi/ws-trade.json";
import tickerFixture from "../fixtures/kalshi/ws-ticker.json";
import okFixture from "../fixtures/kalshi/ws-ok.json";
import { control, createWorld, get, newSim } from "./helpers";

interface Conn {
  session: WsSession;
  msgs: any[];
  closed: { code: number; abrupt: boolean } | null;
  send(o: unknown): void;
  take(): any[];
}

function connect(sim: Simulator, authenticated = true): Conn {
  const c: Conn = {
    msgs: [],
    closed: null,
    session: undefined as unknown as WsSession,
    send(o) {
      c.session.receive(typeof o === "string" ? o : JSON.stringify(o));
    },
    take() {
      const m = c.msgs;
      c.msgs = [];
      return m;
    },
  };
  c.session = sim.openSession(
    {
      send: (t) => c.msgs.push(JSON.parse(t)),
      close: (code, _r, abrupt) => {
        c.closed = { code, abrupt };
      },
    },
    authenticated,
  );
  return c;
}

async function activeTickers(sim: Simulator, n: number): Promise<string[]> {
  return (await get(sim, `/markets?status=open&limit=${n}`)).body.markets.map((m: any) => m.ticker);
}

const codeOf = (m: any) => (m.type === "error" ? m.msg.code : null);

describe("commands and replies", () => {
  it("answers subscribe with one `subscribed` per channel (nested sid) and update_subscription with a top-level-sid `ok`", async () => {
    const sim = newSim({ markets: 300 });
    const [a, b, c] = await activeTickers(sim, 3);
    const ws = connect(sim);
    ws.send({ id: 1, cmd: "subscribe", params: { channels: ["ticker", "trade"], market_tickers: [a, b] } });
    expect(ws.take()).toEqual([
      { id: 1, type: "subscribed", msg: { channel: "ticker", sid: 1 } },
      { id: 1, type: "subscribed", msg: { channel: "trade", sid: 2 } },
    ]);
    ws.send({ id: 2, cmd: "update_subscription", params: { sids: [2], action: "add_markets", market_tickers: [c] } });
    const [ok] = ws.take();
    expect(Object.keys(ok).sort()).toEqual(Object.keys(okFixture).sort());
    expect(ok).toMatchObject({ id: 2, sid: 2, type: "ok" });
    expect(ok.market_tickers.sort()).toEqual([a, b, c].sort());
    ws.send({ id: 3, cmd: "update_subscription", params: { sid: 2, action: "delete_markets", market_tickers: [a] } });
    expect(ws.take()[0].market_tickers.sort()).toEqual([b, c].sort());
    ws.send({ id: 4, cmd: "list_subscriptions", params: {} });
    expect(ws.take()[0].msg.map((s: any) => s.channel)).toEqual(["ticker", "trade"]);
    ws.send({ id: 5, cmd: "unsubscribe", params: { sids: [1, 2] } });
    expect(ws.take()).toEqual([
      { id: 5, sid: 1, seq: 0, type: "unsubscribed" },
      { id: 5, sid: 2, seq: 0, type: "unsubscribed" },
    ]);
  });

  it("returns Kalshi's error codes", async () => {
    const sim = newSim({ markets: 200 });
    const [a] = await activeTickers(sim, 1);
    const ws = connect(sim);
    const cases: [unknown, number][] = [
      ["{not json", 1],
      [{ id: 1, cmd: "subscribe" }, 2],
      [{ id: 2, cmd: "subscribe", params: { channels: [] } }, 3],
      [{ id: 3, cmd: "subscribe", params: { channels: ["nope"] } }, 8],
      [{ id: 4, cmd: "subscribe", params: { channels: ["orderbook_delta"] } }, 14],
      [{ id: 5, cmd: "subscribe", params: { channels: ["trade"], market_tickers: ["NOPE-1"] } }, 16],
      [{ id: 6, cmd: "subscribe", params: { channels: ["trade"], market_ticker: a, market_tickers: [a] } }, 11],
      [{ id: 7, cmd: "frobnicate", params: {} }, 5],
      [{ id: 8, cmd: "unsubscribe", params: {} }, 4],
      [{ id: 9, cmd: "unsubscribe", params: { sids: [42] } }, 7],
    ];
    for (const [cmd, code] of cases) {
      ws.send(cmd);
      const [reply] = ws.take();
      expect(codeOf(reply), JSON.stringify(cmd)).toBe(code);
      expect(typeof reply.msg.msg).toBe("string");
    }
    ws.send({ id: 10, cmd: "subscribe", params: { channels: ["trade"], market_tickers: [a] } });
    ws.take();
    ws.send({ id: 11, cmd: "subscribe", params: { channels: ["trade"], market_tickers: [a] } });
    expect(ws.take()).toEqual([{ id: 11, type: "error", msg: { code: 6, msg: "Already subscribed" } }]);
    const upd: [unknown, number][] = [
      [{ id: 12, cmd: "update_subscription", params: { action: "add_markets", market_tickers: [a] } }, 4],
      [
        { id: 13, cmd: "update_subscription", params: { sids: [1, 2], action: "add_markets", market_tickers: [a] } },
        12,
      ],
      [{ id: 14, cmd: "update_subscription", params: { sids: [9], action: "add_markets", market_tickers: [a] } }, 7],
      [{ id: 15, cmd: "update_subscription", params: { sids: [1], market_tickers: [a] } }, 15],
      [{ id: 16, cmd: "update_subscription", params: { sids: [1], action: "replace", market_tickers: [a] } }, 13],
      [{ id: 17, cmd: "update_subscription", params: { sids: [1], action: "add_markets" } }, 14],
    ];
    for (const [cmd, code] of upd) {
      ws.send(cmd);
      expect(codeOf(ws.take()[0]), JSON.stringify(cmd)).toBe(code);
    }
    const anon = connect(sim, false);
    anon.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_tickers: [a] } });
    expect(codeOf(anon.take()[0])).toBe(9);
  });
});

describe("data messages", () => {
  it("streams trades (seq per sid) and tickers (no seq) in the current wire format", async () => {
    const sim = newSim({ markets: 300 });
    const tickers = await activeTickers(sim, 3);
    const ws = connect(sim);
    ws.send({ id: 1, cmd: "subscribe", params: { channels: ["trade", "ticker"], market_tickers: tickers } });
    ws.take();
    expect(sim.feed.pump(40)).toBe(40);
    const msgs = ws.take();
    const trades = msgs.filter((m) => m.type === "trade");
    const tks = msgs.filter((m) => m.type === "ticker");
    expect(trades).toHaveLength(40);
    expect(tks).toHaveLength(40);
    expect(trades.map((t) => t.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const t of trades) {
      expect(Object.keys(t).sort()).toEqual(Object.keys(tradeFixture).sort());
      expect(Object.keys(t.msg).sort()).toEqual(Object.keys(tradeFixture.msg).sort());
      expect(tickers).toContain(t.msg.market_ticker);
      expect(Math.round((Number(t.msg.yes_price_dollars) + Number(t.msg.no_price_dollars)) * 10000)).toBe(10000);
      expect(t.msg.count_fp).toMatch(/^\d+\.\d{2}$/);
      expect(t.msg.ts).toBe(Math.floor(sim.nowMs() / 1000));
      expect(["yes", "no"]).toContain(t.msg.taker_side);
    }
    for (const t of tks) {
      expect(t).not.toHaveProperty("seq");
      expect(Object.keys(t.msg).sort()).toEqual(Object.keys(tickerFixture.msg).sort());
    }
    // The trade moved the market's REST state too.
    const last = trades[trades.length - 1].msg;
    const m = (await get(sim, `/markets/${last.market_ticker}`)).body.market;
    expect(m.last_price_dollars).toBe(last.yes_price_dollars);
  });

  it("is deterministic for the same seed and subscriptions", async () => {
    const run = async () => {
      const sim = newSim({ seed: 77, markets: 300 });
      const ws = connect(sim);
      ws.send({
        id: 1,
        cmd: "subscribe",
        params: { channels: ["trade"], market_tickers: await activeTickers(sim, 5) },
      });
      sim.feed.pump(25);
      return JSON.stringify(ws.take());
    };
    expect(await run()).toBe(await run());
  });

  it("keeps order books consistent: snapshot (seq 1) + deltas equal the engine's book", async () => {
    const sim = newSim({ markets: 300 });
    const tickers = await activeTickers(sim, 2);
    const ws = connect(sim);
    ws.send({ id: 1, cmd: "subscribe", params: { channels: ["orderbook_delta"], market_tickers: tickers } });
    const first = ws.take();
    expect(first[0]).toEqual({ id: 1, type: "subscribed", msg: { channel: "orderbook_delta", sid: 1 } });
    const snaps = first.filter((m) => m.type === "orderbook_snapshot");
    expect(snaps.map((s) => s.seq)).toEqual([1, 2]);
    const books = new Map<string, { yes: Map<string, number>; no: Map<string, number> }>();
    for (const s of snaps) {
      const b = { yes: new Map<string, number>(), no: new Map<string, number>() };
      for (const [p, q] of s.msg.yes_dollars_fp ?? []) b.yes.set(p, Math.round(Number(q) * 100));
      for (const [p, q] of s.msg.no_dollars_fp ?? []) b.no.set(p, Math.round(Number(q) * 100));
      books.set(s.msg.market_ticker, b);
    }
    sim.feed.pump(60);
    const deltas = ws.take().filter((m) => m.type === "orderbook_delta");
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.map((d) => d.seq)).toEqual(Array.from({ length: deltas.length }, (_, i) => i + 3));
    for (const d of deltas) {
      expect(typeof d.msg.ts).toBe("string");
      const side = books.get(d.msg.market_ticker)![d.msg.side as "yes" | "no"];
      const next = (side.get(d.msg.price_dollars) ?? 0) + Math.round(Number(d.msg.delta_fp) * 100);
      expect(next).toBeGreaterThanOrEqual(0);
      if (next === 0) side.delete(d.msg.price_dollars);
      else side.set(d.msg.price_dollars, next);
    }
    for (const t of tickers) {
      const fresh = sim.feed.snapshotMsg(sim.world.findMarket(t) as number);
      for (const side of ["yes", "no"] as const) {
        const levels = (fresh[`${side}_dollars_fp`] as [string, string][] | undefined) ?? [];
        expect(books.get(t)![side]).toEqual(new Map(levels.map(([p, q]) => [p, Math.round(Number(q) * 100)])));
      }
      // Never crossed: best YES bid + best NO bid < $1.
      const best = (m: Map<string, number>) => Math.max(0, ...[...m.keys()].map(Number));
      expect(best(books.get(t)!.yes) + best(books.get(t)!.no)).toBeLessThan(1);
    }
    // Deltas include resting-order activity, not only trades.
    expect(deltas.some((d) => Number(d.msg.delta_fp) > 0)).toBe(true);
  });

  it("publishes lifecycle messages for all markets as the clock moves", async () => {
    const sim = newSim({
      markets: 600,
      mutation_rates: {
        price_change_per_hour: 0,
        metadata_change_per_hour: 0,
        new_markets_per_hour: 0,
        vanish_per_hour: 0,
        pause_per_hour: 0,
      },
    });
    const ws = connect(sim);
    ws.send({ id: 1, cmd: "subscribe", params: { channels: ["market_lifecycle_v2"] } });
    ws.take();
    sim.advance(2 * 86_400_000);
    sim.mutate({ new_markets: 3 });
    const msgs = ws.take();
    const life = msgs.filter((m) => m.type === "market_lifecycle_v2");
    const types = new Set(life.map((m) => m.msg.event_type));
    for (const t of ["determined", "settled", "created"]) expect(types).toContain(t);
    expect(life.map((m) => m.seq)).toEqual(Array.from({ length: life.length }, (_, i) => i + 1));
    const det = life.find((m) => m.msg.event_type === "determined");
    expect(["yes", "no"]).toContain(det.msg.result);
    expect(det.msg.settlement_value).toMatch(/^\d\.\d{4}$/);
    expect(typeof det.msg.determination_ts).toBe("number");
    const created = life.find((m) => m.msg.event_type === "created");
    expect(created.msg.additional_metadata.event_ticker).toBeTypeOf("string");
    // docs/kalshi-wire.md Q14: no `activated` message when initialized markets open on time.
    expect(types.has("activated")).toBe(false);
  });
});

describe("injected WebSocket faults", () => {
  it("skips seq numbers, duplicates messages and drops the connection as configured", async () => {
    const sim = newSim({ markets: 300, faults: { ws: { gap_every: 5, duplicate_every: 7, drop_after_messages: 20 } } });
    const ws = connect(sim);
    ws.send({ id: 1, cmd: "subscribe", params: { channels: ["trade"], market_tickers: await activeTickers(sim, 3) } });
    ws.take();
    sim.feed.pump(100);
    const trades = ws.take();
    expect(ws.closed).toEqual({ code: 1006, abrupt: true });
    expect(trades.length).toBe(20 + 2); // 20 data messages, #7 and #14 sent twice
    const seqs = trades.map((t) => t.seq);
    expect(seqs.filter((s, i) => i > 0 && s === seqs[i - 1]).length).toBe(2);
    const gaps = seqs.filter((s, i) => i > 0 && s > (seqs[i - 1] as number) + 1).length;
    expect(gaps).toBe(4);
    expect(sim.feed.stats().sessions).toBe(0);
  });
});

describe("WebSocket through the Node server", () => {
  it("accepts an upgrade on the world's ws path and streams pumped trades", async () => {
    const w = await createWorld({ seed: 6, markets: 200, trade_rate_per_s: 0 });
    const tickers = ((await (await fetch(`${w.base}/markets?status=open&limit=2`)).json()) as any).markets.map(
      (m: any) => m.ticker,
    );
    const res = await fetch(w.ws.replace(/^ws/, "http"), { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const sock = res.webSocket!;
    sock.accept();
    const got: any[] = [];
    const waitFor = (pred: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        const t0 = Date.now();
        const tick = () =>
          pred()
            ? resolve()
            : Date.now() - t0 > 5000
              ? reject(new Error(`timeout: ${JSON.stringify(got)}`))
              : setTimeout(tick, 10);
        tick();
      });
    let closed = false;
    sock.addEventListener("message", (e) => {
      got.push(JSON.parse(e.data as string));
    });
    sock.addEventListener("close", () => {
      closed = true;
    });
    sock.addEventListener("error", () => {
      closed = true;
    });
    sock.send(JSON.stringify({ id: 1, cmd: "subscribe", params: { channels: ["trade"], market_tickers: tickers } }));
    await waitFor(() => got.length >= 1);
    expect(got[0]).toEqual({ id: 1, type: "subscribed", msg: { channel: "trade", sid: 1 } });
    await control(w, "/feed/pump", { trades: 5 });
    await waitFor(() => got.length >= 6);
    expect(got.slice(1).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    await control(w, "/ws/drop", {});
    await waitFor(() => closed);
    const bad = await fetch(`${env.SIM_ORIGIN}/w/nope/trade-api/ws/v2`, { headers: { Upgrade: "websocket" } });
    expect(bad.status).toBe(404);
  });
});

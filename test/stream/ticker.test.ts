import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PriceHistoryBuilder, VolumeProfileBuilder } from "../../src/builders";
import type { StreamBook, StreamTicker } from "../../src/stream/messages";
import { toBuilderTrade } from "../../src/stream/normalize";
import type { WindowAnswer } from "../../src/stream/ticker";
import { MAX_PRICE_WINDOW, MAX_VOLUME_WINDOW_MS, PRUNE_BATCH } from "../../src/stream/retention";
import { refPriceHistory, refVolumeProfile } from "../builders/reference";
import { makeTrades, shuffled, T0 } from "./helpers";

function ok<T>(a: WindowAnswer<T>): T {
  if (a.status !== "ok") throw new Error(`expected ok, got ${JSON.stringify(a)}`);
  return a.value;
}

const stub = (ticker: string) => env.TICKER.get(env.TICKER.idFromName(ticker));

describe("TickerObject", () => {
  it("an object that never got data reports nothing", async () => {
    expect(await stub("NEVER-SEEN").snapshot()).toBeNull();
    expect(await stub("NEVER-SEEN").priceHistory(10)).toEqual({ status: "unknown_ticker" });
    // Reading it wrote nothing (no tables created).
    const tables = await runInDurableObject(
      stub("NEVER-SEEN"),
      (_o, state) =>
        state.storage.sql
          .exec<{ n: number }>(
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('trades', 'trade_batches', 'meta')",
          )
          .one().n,
    );
    expect(tables).toBe(0);
  });

  it("builders over its trades equal the reference, for the default and other windows", async () => {
    const trades = makeTrades("KXA-1", 400);
    const s = stub("KXA-1");
    for (let i = 0; i < trades.length; i += 50) await s.applyTrades("KXA-1", trades.slice(i, i + 50));
    const bt = trades.map(toBuilderTrade);
    const snap = (await s.snapshot())!;
    expect(snap.ticker).toBe("KXA-1");
    expect(snap.stats.trades_retained).toBe(400);
    expect(snap.price_history).toMatchObject({
      ...refPriceHistory(bt, 100),
      returns: expect.any(Number),
      volatility: expect.any(Number),
      volatility_dollars: expect.any(Number),
    });
    expect(snap.price_history.volatility).toBeCloseTo(refPriceHistory(bt, 100).volatility!, 10);
    expect(snap.price_history.volatility_dollars).toBeCloseTo(refPriceHistory(bt, 100).volatility_dollars!, 12);
    const { average, ...vp } = refVolumeProfile(bt, 300_000);
    expect(snap.volume_profile).toMatchObject(vp);
    expect(snap.volume_profile.average).toBeCloseTo(average!, 12);
    expect(ok(await s.priceHistory(7))).toMatchObject({
      count: 7,
      last: refPriceHistory(bt, 7).last,
      vwap: refPriceHistory(bt, 7).vwap,
    });
    const vp60 = refVolumeProfile(bt, 60_000);
    expect(ok(await s.volumeProfile(60_000))).toMatchObject({
      trades: vp60.trades,
      buyVolume: vp60.buyVolume,
      sellVolume: vp60.sellVolume,
    });
  });

  it("deduplicates by trade_id and places out-of-order trades by ts: any delivery gives the same state", async () => {
    const trades = makeTrades("KXB-1", 300, { seed: 11 });
    const clean = stub("KXB-CLEAN");
    const messy = stub("KXB-MESSY");
    await clean.applyTrades(
      "KXB-CLEAN",
      trades.map((t) => ({ ...t, ticker: "KXB-CLEAN" })),
    );
    const noisy = shuffled([...trades, ...trades.slice(0, 120), ...trades.slice(200, 260)]).map((t) => ({
      ...t,
      ticker: "KXB-MESSY",
    }));
    let dups = 0;
    for (let i = 0; i < noisy.length; i += 37)
      dups += (await messy.applyTrades("KXB-MESSY", noisy.slice(i, i + 37))).duplicates;
    expect(dups).toBe(180);
    const a = (await clean.snapshot())!;
    const b = (await messy.snapshot())!;
    expect(b.price_history).toEqual(a.price_history);
    expect(b.volume_profile).toEqual(a.volume_profile);
    expect(b.stats.last_trade).toEqual({ ...a.stats.last_trade!, ticker: "KXB-MESSY" });
  });

  it("keeps trades, ticker message and top of book across eviction", async () => {
    const s = stub("KXC-1");
    await s.applyTrades("KXC-1", makeTrades("KXC-1", 250, { seed: 5 }));
    const tick: StreamTicker = {
      type: "ticker",
      ticker: "KXC-1",
      ts: T0 + 1000,
      price_dollars: "0.5500",
      yes_bid_dollars: "0.5400",
      yes_ask_dollars: "0.5600",
      no_bid_dollars: "0.4400",
      no_ask_dollars: "0.4600",
      no_side_derived: true,
      yes_bid_size_fp: "10.00",
      yes_ask_size_fp: "3.50",
      volume_fp: "2233487.48",
      open_interest_fp: "618700.14",
      last_trade_size_fp: "0.11",
      dollar_volume: 1116743,
      dollar_open_interest: 309350,
    };
    const book: StreamBook = {
      type: "orderbook",
      ticker: "KXC-1",
      ts: T0 + 2000,
      yes_bid_dollars: "0.4500",
      yes_bid_size_fp: "300.00",
      yes_ask_dollars: "0.4800",
      yes_ask_size_fp: "40.00",
      no_bid_dollars: "0.5200",
      no_bid_size_fp: "40.00",
      no_ask_dollars: "0.5500",
      no_ask_size_fp: "300.00",
    };
    expect(await s.applyTicker(tick)).toBe(true);
    expect(await s.applyTicker({ ...tick, ts: T0, price_dollars: "0.1000" })).toBe(false); // older: ignored
    expect(await s.applyBook(book)).toBe(true);
    const before = (await s.snapshot())!;
    const ph7 = await s.priceHistory(7);
    await evictDurableObject(s);
    const again = stub("KXC-1");
    const after = (await again.snapshot())!;
    const durable = (x: typeof before) => ({
      ...x,
      stats: { trades_retained: x.stats.trades_retained, last_trade: x.stats.last_trade },
    });
    expect(durable(after)).toEqual(durable(before));
    expect(after.ticker_message).toEqual(tick);
    expect(after.orderbook).toEqual(book);
    expect(after.stats.trades_added).toBe(0); // counters restart with the instance
    expect(await again.priceHistory(7)).toEqual(ph7);
    // Still deduplicating after the restart.
    expect(await again.applyTrades("KXC-1", makeTrades("KXC-1", 250, { seed: 5 }).slice(0, 10))).toEqual({
      added: 0,
      duplicates: 10,
      outside: 0,
      rejected: 0,
    });
  });

  it("prunes beyond the retention bounds and ignores trades below the prune frontier", async () => {
    // 2000 trades one per 5 s (2.8 h): only the newest max(1000 trades, 1 h) can be queried.
    const trades = makeTrades("KXD-1", 2000, { spacingMs: 5000, seed: 9 });
    const s = stub("KXD-1");
    for (let i = 0; i < trades.length; i += 500) await s.applyTrades("KXD-1", trades.slice(i, i + 500));
    const snap = (await s.snapshot())!;
    expect(snap.stats.trades_retained).toBeGreaterThanOrEqual(MAX_PRICE_WINDOW);
    expect(snap.stats.trades_retained).toBeLessThan(MAX_PRICE_WINDOW + PRUNE_BATCH);
    const bt = trades.map(toBuilderTrade);
    expect(ok(await s.priceHistory(MAX_PRICE_WINDOW)).vwap).toBe(
      PriceHistoryBuilder.of(bt, MAX_PRICE_WINDOW).snapshot().vwap,
    );
    expect(ok(await s.volumeProfile(MAX_VOLUME_WINDOW_MS))).toEqual(
      VolumeProfileBuilder.of(bt, MAX_VOLUME_WINDOW_MS).snapshot(),
    );
    // A late copy of the very first trade (pruned) is outside every window.
    expect(await s.applyTrades("KXD-1", [trades[0]!])).toEqual({ added: 0, duplicates: 0, outside: 1, rejected: 0 });
    await evictDurableObject(s);
    expect(await stub("KXD-1").applyTrades("KXD-1", [trades[1]!])).toEqual({
      added: 0,
      duplicates: 0,
      outside: 1,
      rejected: 0,
    });
    expect((await stub("KXD-1").snapshot())!.price_history).toEqual(snap.price_history);
  });

  it("stores one row per applied batch, and deletes a row once every trade in it is pruned", async () => {
    const trades = makeTrades("KXG-1", 2000, { spacingMs: 5000, seed: 4 });
    const s = stub("KXG-1");
    for (let i = 0; i < trades.length; i += 100) await s.applyTrades("KXG-1", trades.slice(i, i + 100));
    const rows = await runInDurableObject(s, (_o, state) =>
      state.storage.sql
        .exec<{ n: number; t: number }>("SELECT count(*) AS n, sum(json_array_length(trades)) AS t FROM trade_batches")
        .one(),
    );
    const retained = (await s.snapshot())!.stats.trades_retained;
    // 20 batches of 100; the pruned ones are gone, at most one straddles the frontier.
    expect(rows.n).toBe(Math.ceil(retained / 100));
    expect(rows.t - retained).toBeLessThan(100);
  });

  it("loads trades kept by the one-row-per-trade layout of earlier versions (and moves them)", async () => {
    const trades = makeTrades("KXH-1", 150, { seed: 8 });
    const s = stub("KXH-1");
    await runInDurableObject(s, (_o, state) => {
      const sql = state.storage.sql;
      sql.exec(
        "CREATE TABLE trades (trade_id TEXT PRIMARY KEY, ts INTEGER NOT NULL, price INTEGER NOT NULL, count INTEGER NOT NULL, taker_yes INTEGER NOT NULL) WITHOUT ROWID",
      );
      sql.exec("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID");
      sql.exec("INSERT INTO meta VALUES ('ticker', ?)", JSON.stringify("KXH-1"));
      for (const t of trades.map(toBuilderTrade))
        sql.exec(
          "INSERT INTO trades VALUES (?, ?, ?, ?, ?)",
          t.id,
          t.ts,
          t.price,
          t.count,
          t.takerSide === "yes" ? 1 : 0,
        );
    });
    await evictDurableObject(s);
    const snap = (await stub("KXH-1").snapshot())!;
    expect(snap.stats.trades_retained).toBe(150);
    expect(snap.price_history).toEqual(PriceHistoryBuilder.of(trades.map(toBuilderTrade), 100).snapshot());
    const tables = await runInDurableObject(stub("KXH-1"), (_o, state) =>
      state.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .toArray()
        .map((r) => r.name),
    );
    expect(tables).toEqual(["meta", "trade_batches"]);
    expect(await stub("KXH-1").applyTrades("KXH-1", trades.slice(0, 5))).toMatchObject({ added: 0, duplicates: 5 });
  });

  it("rejects windows beyond retention and trades for another ticker", async () => {
    const s = stub("KXE-1");
    await s.applyTrades("KXE-1", makeTrades("KXE-1", 3));
    expect(await s.priceHistory(MAX_PRICE_WINDOW + 1)).toEqual({
      status: "bad_window",
      message: "window must be 1..1000 trades",
    });
    expect(await s.volumeProfile(MAX_VOLUME_WINDOW_MS + 1)).toMatchObject({ status: "bad_window" });
    expect(await s.applyTrades("KXE-1", makeTrades("KXOTHER", 1))).toMatchObject({ added: 0, rejected: 1 });
    expect(await s.applyTrades("KXOTHER", makeTrades("KXOTHER", 1))).toMatchObject({ added: 0, rejected: 1 });
    // A trade outside the stream format (RPC bypasses the HTTP schema) is rejected, the rest applied.
    const [good, bad] = makeTrades("KXE-1", 5).slice(3);
    expect(await s.applyTrades("KXE-1", [{ ...bad!, price_dollars: "1.5000" }, good!])).toEqual({
      added: 1,
      duplicates: 0,
      outside: 0,
      rejected: 1,
    });
  });
});

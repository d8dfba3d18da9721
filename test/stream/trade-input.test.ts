/**
 * POST /admin/ingest/trades in its three formats (src/stream/trade-input.ts): the seed's trade
 * message, ssmd's StreamTrade and Kalshi's WebSocket trade frame (every generation the stream
 * reads). The same trades in any format — or mixed — build the same ticker state; errors name the
 * trade by index and say why.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { adminAuth } from "../../src/api/admin";
import { handleError } from "../../src/api/errors";
import { createApiApp } from "../../src/api/factory";
import { ingestAdminApp } from "../../src/api/ingest-admin";
import { tickersApp } from "../../src/api/tickers";
import type { StreamTrade } from "../../src/stream/messages";
import {
  convertTrades,
  IngestTradeSchema,
  seedTakerSide,
  seedTradeId,
  seedYesPriceDollars,
  toStreamTrade,
  type SeedTrade,
} from "../../src/stream/trade-input";
import tradeLegacy from "../fixtures/kalshi/ws-trade-legacy.json";
import tradeFix from "../fixtures/kalshi/ws-trade.json";
import { makeTrades, T0 } from "./helpers";

const app = createApiApp();
app.use("/admin/*", adminAuth);
app.onError(handleError);
app.route("/", tickersApp).route("/", ingestAdminApp);

const AUTH = { Authorization: "Bearer test-admin-token", "Content-Type": "application/json" };
const get = (path: string) => app.request(path, {}, env);
const post = (body: unknown) =>
  app.request("/admin/ingest/trades", { method: "POST", headers: AUTH, body: JSON.stringify(body) }, env);

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

// ---------------------------------------------------------------------------------------------
// The same trades in each format

/** Units of a StreamTrade (price 1/10000 $, count 1/100). */
const units = (t: StreamTrade) => ({
  price: Math.round(Number(t.price_dollars) * 10_000),
  count: Math.round(Number(t.count_fp) * 100),
});

/** The seed's form of a trade, cycling through the four (side, taker_side) pairs that mean it. */
function asSeed(t: StreamTrade, i: number, withId = true): SeedTrade {
  const { price, count } = units(t);
  const viaNo = i % 2 === 1; // express it on the NO contract every other trade
  const side = viaNo ? "no" : "yes";
  const takerBoughtYes = t.taker_side === "yes";
  // yes+buy / no+sell take YES; yes+sell / no+buy take NO.
  const taker_side = (side === "yes") === takerBoughtYes ? "buy" : "sell";
  const cents = (viaNo ? 10_000 - price : price) / 100;
  return {
    type: "trade",
    ticker: t.ticker,
    price: cents,
    count: count / 100,
    side,
    taker_side,
    ts: t.ts,
    ...(withId ? { trade_id: t.trade_id } : {}),
  };
}

/** A Kalshi frame of a trade, cycling through the wire generations the stream reads. */
function asKalshiFrame(t: StreamTrade, i: number): unknown {
  const { price, count } = units(t);
  const base = { trade_id: t.trade_id, market_ticker: t.ticker };
  const sec = t.ts / 1000;
  const wholeCents = price % 100 === 0;
  const wholeCount = count % 100 === 0;
  let msg: Record<string, unknown>;
  switch (i % 5) {
    case 0: // 2026-03+: dollar strings, count_fp, taker_side, ts seconds (fixture ws-trade.json)
      msg = {
        ...base,
        yes_price_dollars: t.price_dollars,
        no_price_dollars: seedYesPriceDollars("no", price / 100),
        count_fp: t.count_fp,
        taker_side: t.taker_side,
        ts: sec,
      };
      break;
    case 1: // legacy integers (fixture ws-trade-legacy.json) when the values are whole
      msg =
        wholeCents && wholeCount
          ? {
              ...base,
              yes_price: price / 100,
              no_price: 100 - price / 100,
              count: count / 100,
              taker_side: t.taker_side,
              ts: sec,
            }
          : { ...base, yes_price_dollars: t.price_dollars, count_fp: t.count_fp, taker_side: t.taker_side, ts: sec };
      break;
    case 2: // NO price only, 2026-05 taker_outcome_side
      msg = {
        ...base,
        no_price_dollars: seedYesPriceDollars("no", price / 100),
        count_fp: t.count_fp,
        taker_outcome_side: t.taker_side,
        ts: sec,
      };
      break;
    case 3: // taker_book_side (bid ≡ yes, ask ≡ no) and ts_ms
      msg = {
        ...base,
        yes_price_dollars: t.price_dollars,
        count_fp: t.count_fp,
        taker_book_side: t.taker_side === "yes" ? "bid" : "ask",
        ts: sec,
        ts_ms: t.ts,
      };
      break;
    default: // 3-decimal dollar strings as in Kalshi's WS docs, when exact
      msg =
        price % 10 === 0
          ? {
              ...base,
              yes_price_dollars: (price / 10_000).toFixed(3),
              count_fp: t.count_fp,
              taker_side: t.taker_side,
              ts: sec,
            }
          : { ...base, yes_price_dollars: t.price_dollars, count_fp: t.count_fp, taker_side: t.taker_side, ts: sec };
  }
  return { type: "trade", sid: 7, seq: 100 + i, msg };
}

/** The ticker's state with the ticker's name taken out (each format goes to its own ticker object). */
async function stateOf(ticker: string): Promise<unknown> {
  const res = await get(`/tickers/${ticker}`);
  expect(res.status, ticker).toBe(200);
  const body = (await res.json()) as { ticker: string; stats: { last_trade: { ticker: string } | null } };
  expect(body.ticker).toBe(ticker);
  const text = JSON.stringify(body).replaceAll(`"${ticker}"`, '"T"');
  return JSON.parse(text);
}

const retick = (ts: StreamTrade[], ticker: string) => ts.map((t) => ({ ...t, ticker }));

describe("the same trades in the three formats", () => {
  // Whole-second ts (Kalshi's `ts` is seconds), fractional counts, prices on and off whole cents.
  const base = makeTrades("KXFMT", 150, { seed: 11 });

  it("build identical ticker state (GET /tickers/{t}), one format per batch and mixed in one batch", async () => {
    const ssmd = retick(base, "KXFMT-SSMD");
    const seed = retick(base, "KXFMT-SEED").map((t, i) => asSeed(t, i));
    const kalshi = retick(base, "KXFMT-WS").map((t, i) => asKalshiFrame(t, i));
    const mixed = retick(base, "KXFMT-MIX").map((t, i) =>
      i % 3 === 0 ? t : i % 3 === 1 ? asSeed(t, i) : asKalshiFrame(t, i),
    );
    for (const trades of [ssmd, seed, kalshi, mixed]) {
      const res = await post({ trades });
      expect(res.status, JSON.stringify(await res.clone().json())).toBe(200);
      expect(await res.json()).toMatchObject({ received: 150, added: 150, duplicates: 0, rejected: 0, failed: [] });
    }
    const want = await stateOf("KXFMT-SSMD");
    expect(await stateOf("KXFMT-SEED")).toEqual(want);
    expect(await stateOf("KXFMT-WS")).toEqual(want);
    expect(await stateOf("KXFMT-MIX")).toEqual(want);
    // …and each format replayed is all duplicates.
    expect(await (await post({ trades: kalshi })).json()).toMatchObject({ added: 0, duplicates: 150 });
  });

  it("seed trades without trade_id get deterministic ids: equal to ssmd trades carrying those ids, a replay deduplicates", async () => {
    const seedNoId = retick(base, "KXFMT-SEEDNOID").map((t, i) => asSeed(t, i, false));
    const ssmdSameIds = retick(base, "KXFMT-SSMDID").map((t, i) => ({
      ...t,
      trade_id: seedTradeId(asSeed(t, i, false)),
    }));
    expect((await post({ trades: seedNoId })).status).toBe(200);
    expect((await post({ trades: ssmdSameIds })).status).toBe(200);
    expect(await stateOf("KXFMT-SEEDNOID")).toEqual(await stateOf("KXFMT-SSMDID"));
    expect(await (await post({ trades: seedNoId })).json()).toMatchObject({ added: 0, duplicates: 150 });
  });

  it("accepts the seed's documented message as is", async () => {
    const doc = {
      type: "trade",
      ticker: "KXSEEDDOC-1",
      price: 45,
      count: 10,
      side: "yes",
      taker_side: "buy",
      ts: 1703635200000,
    };
    const res = await post({ trades: [doc] });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ received: 1, added: 1 });
    const body = (await (await get("/tickers/KXSEEDDOC-1")).json()) as { stats: { last_trade: StreamTrade } };
    expect(body.stats.last_trade).toEqual({
      type: "trade",
      ticker: "KXSEEDDOC-1",
      trade_id: "seed:1703635200000:yes:buy:45:10#0",
      ts: 1703635200000,
      price_dollars: "0.4500",
      count_fp: "10.00",
      taker_side: "yes",
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Conversion, unit level

describe("conversion into the internal trade", () => {
  it("maps the seed's (side, taker_side) pair and price", () => {
    expect(seedTakerSide("yes", "buy")).toBe("yes");
    expect(seedTakerSide("no", "sell")).toBe("yes");
    expect(seedTakerSide("yes", "sell")).toBe("no");
    expect(seedTakerSide("no", "buy")).toBe("no");
    expect(seedYesPriceDollars("yes", 45)).toBe("0.4500");
    expect(seedYesPriceDollars("no", 45)).toBe("0.5500");
    expect(seedYesPriceDollars("yes", 99.9)).toBe("0.9990");
    expect(seedYesPriceDollars("no", 0.01)).toBe("0.9999");
  });

  it("reads the Kalshi fixtures as the stream does", () => {
    const cur = toStreamTrade(IngestTradeSchema.parse(tradeFix));
    expect(cur).toEqual({
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
    const legacy = toStreamTrade(IngestTradeSchema.parse(tradeLegacy));
    expect(legacy).toMatchObject({
      ok: true,
      value: {
        ticker: "KXHIGHNY-26MAR13-B53.5",
        price_dollars: "0.3600",
        count_fp: "136.00",
        taker_side: "no",
        ts: 1773331880000,
      },
    });
  });

  it("numbers identical seed trades in a batch per ticker", () => {
    const t = { type: "trade", ticker: "A", price: 50, count: 1, side: "yes", taker_side: "buy", ts: T0 } as const;
    const { trades, errors } = convertTrades([t, t, { ...t, ticker: "B" }, t].map((x) => IngestTradeSchema.parse(x)));
    expect(errors).toEqual([]);
    expect(trades.map((x) => `${x.ticker} ${x.trade_id}`)).toEqual([
      `A seed:${T0}:yes:buy:50:1#0`,
      `A seed:${T0}:yes:buy:50:1#1`,
      `B seed:${T0}:yes:buy:50:1#0`,
      `A seed:${T0}:yes:buy:50:1#2`,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Errors

type ErrorBody = {
  error: { code: string; message: string; details: { parameter: string; issue: string; message: string }[] };
};

describe("errors name the trade and say why", () => {
  const ok = makeTrades("KXERR", 1)[0]!;
  const seed = { type: "trade", ticker: "KXERR", price: 45, count: 10, side: "yes", taker_side: "buy", ts: T0 };

  async function refused(trades: unknown[]): Promise<ErrorBody["error"]> {
    const res = await post({ trades });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("invalid_body");
    return body.error;
  }

  it("a bad field of a seed trade", async () => {
    const e = await refused([ok, { ...seed, price: 145 }]);
    expect(e.details).toEqual([
      {
        parameter: "trades.1.price",
        issue: "too_big",
        message: "trade 1 (seed format): must be a price in cents, 0..100",
      },
    ]);
    expect(e.message).toContain("'trades.1.price'");
  });

  it("a seed ts in seconds, a count with 3 decimals, an unknown side", async () => {
    const e = await refused([
      { ...seed, ts: 1703635200 },
      { ...seed, count: 1.125 },
      { ...seed, side: "maybe" },
    ]);
    expect(e.details.map((d) => d.parameter)).toEqual(["trades.0.ts", "trades.1.count", "trades.2.side"]);
    expect(e.details[0]!.message).toBe(
      "trade 0 (seed format): must be Unix milliseconds (this looks like Unix seconds: multiply by 1000)",
    );
    expect(e.details[1]!.message).toMatch(/^trade 1 \(seed format\): must have at most 2 decimals/);
  });

  it("an ssmd trade keeps its field-level message", async () => {
    const e = await refused([{ ...ok, price_dollars: "1.5" }]);
    expect(e.details).toEqual([expect.objectContaining({ parameter: "trades.0.price_dollars" })]);
    expect(e.details[0]!.message).toMatch(/^trade 0 \(ssmd format\): must be a dollar price/);
  });

  it("a Kalshi frame the stream cannot normalize (no trade_id, no taker side)", async () => {
    const noId = structuredClone(tradeFix) as { msg: Record<string, unknown> };
    delete noId.msg.trade_id;
    const noSide = structuredClone(tradeFix) as { msg: Record<string, unknown> };
    delete noSide.msg.taker_side;
    const e = await refused([ok, noId, noSide]);
    expect(e.details).toEqual([
      {
        parameter: "trades.1",
        issue: "invalid_trade",
        message: "trade 1 (kalshi format): trade without trade_id (cannot be deduplicated)",
      },
      { parameter: "trades.2", issue: "invalid_trade", message: "trade 2 (kalshi format): trade without taker side" },
    ]);
  });

  it("a Kalshi frame without sid, or without a price", async () => {
    const noSid = structuredClone(tradeFix) as Record<string, unknown>;
    delete noSid.sid;
    const noPrice = structuredClone(tradeFix) as { msg: Record<string, unknown> };
    delete noPrice.msg.yes_price_dollars;
    delete noPrice.msg.no_price_dollars;
    const e = await refused([noSid, noPrice]);
    expect(e.details.map((d) => [d.parameter, d.message])).toEqual([
      ["trades.0.sid", expect.stringMatching(/^trade 0 \(kalshi format\): /)],
      ["trades.1.msg", "trade 1 (kalshi format): trade has no price"],
    ]);
  });

  it("something that is no trade format at all; unknown fields", async () => {
    const e = await refused([
      { type: "trade", ticker: "X" },
      { ...seed, venue: "kalshi" },
    ]);
    expect(e.details[0]).toMatchObject({ parameter: "trades.0", issue: "invalid_union" });
    expect(e.details[0]!.message).toMatch(/^trade 0: not a trade in any accepted format/);
    expect(e.details[1]).toEqual({
      parameter: "trades.1.venue",
      issue: "unknown_parameter",
      message: "trade 1 (seed format): unknown parameter 'trades.1.venue'",
    });
  });

  it("nothing of a refused batch is applied", async () => {
    await refused([
      { ...ok, ticker: "KXERR-NONE" },
      { ...seed, price: -1 },
    ]);
    expect((await get("/tickers/KXERR-NONE")).status).toBe(404);
  });
});

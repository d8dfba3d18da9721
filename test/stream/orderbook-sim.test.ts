/**
 * The order-book protocol against the simulator over a real (signed) WebSocket: snapshots,
 * deltas and sequence gaps (each gap → unsubscribe + fresh snapshots). After the trades, the top
 * of book the FeedSession derived must equal the simulator's own best bid/ask for every market.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FeedSession } from "../../src/stream/feed-session";
import type { StreamBook } from "../../src/stream/messages";
import { wsUpgradeRequest } from "../../src/stream/ws-connect";
import { PINNED_START_MS } from "../instants";

async function privateKeyPem(): Promise<string> {
  const kp = (await crypto.subtle.generateKey(
    { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const der = new Uint8Array((await crypto.subtle.exportKey("pkcs8", kp.privateKey)) as ArrayBuffer);
  return `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...der))}\n-----END PRIVATE KEY-----\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("orderbook_delta against the simulator", () => {
  it("top of book after snapshots, deltas and gap-driven resubscribes equals the simulator's", async () => {
    const res = await fetch(`${env.SIM_ORIGIN}/_sim/worlds`, {
      method: "POST",
      body: JSON.stringify({
        seed: 9,
        markets: 1500,
        clock: "manual",
        trade_rate_per_s: 0,
        start_time_ms: PINNED_START_MS,
      }),
    });
    const world = (await res.json()) as { base_url: string; ws_url: string; control_url: string };
    const page = (await (await fetch(`${world.base_url}/markets?status=open&limit=1000`)).json()) as {
      markets: { ticker: string }[];
    };
    const tickers = page.markets.map((m) => m.ticker).slice(0, 8);

    // Signed upgrade (the simulator accepts any well-formed signature when it has no public keys).
    const req = await wsUpgradeRequest(world.ws_url, { keyId: "test-key", privateKeyPem: await privateKeyPem() });
    const resp = await fetch(req.url, { headers: req.headers });
    const ws = resp.webSocket!;
    expect(ws, `upgrade: HTTP ${resp.status}`).toBeTruthy();
    ws.accept();
    const session = new FeedSession(["orderbook_delta"], () => Date.now());
    const tops = new Map<string, StreamBook>();
    let frames = 0;
    ws.addEventListener("message", (ev) => {
      frames++;
      const { events, commands } = session.onFrame(ev.data as string);
      for (const c of commands) ws.send(JSON.stringify(c));
      for (const e of events) if (e.kind === "book") tops.set(e.book.ticker, e.book);
    });
    session.setMarkets(tickers);
    for (const c of session.onOpen()) ws.send(JSON.stringify(c));
    const settled = async () => {
      for (let i = 0; i < 200; i++) {
        const s = session.subscriptions()[0]!;
        if (s.sid !== null && !s.subscribing) {
          const before = frames;
          await sleep(60);
          if (frames === before) return;
        } else await sleep(20);
      }
      throw new Error("order book subscription did not settle");
    };
    await settled();
    expect(tops.size).toBe(tickers.length);

    const pumpAndCompare = async () => {
      for (let i = 0; i < 6; i++) {
        await fetch(`${world.control_url}/feed/pump`, { method: "POST", body: JSON.stringify({ trades: 40 }) });
        await settled();
      }
      for (const t of tickers) {
        const m = ((await (await fetch(`${world.base_url}/markets/${t}`)).json()) as { market: Record<string, string> })
          .market;
        const top = tops.get(t)!;
        expect(top.yes_bid_dollars ?? "0.0000", t).toBe(m.yes_bid_dollars);
        expect(top.yes_ask_dollars ?? "1.0000", t).toBe(m.yes_ask_dollars);
        expect(top.yes_bid_size_fp ?? "0.00", t).toBe(m.yes_bid_size_fp);
        expect(top.yes_ask_size_fp ?? "0.00", t).toBe(m.yes_ask_size_fp);
      }
    };
    // Deltas only.
    await pumpAndCompare();
    expect(session.stats.gaps).toBe(0);
    const updates = session.stats.book_updates;
    expect(updates).toBeGreaterThan(tickers.length * 3);
    // Then with sequence gaps injected: each one resubscribes for fresh snapshots.
    await fetch(`${world.control_url}/faults`, { method: "POST", body: JSON.stringify({ ws: { gap_every: 37 } }) });
    await pumpAndCompare();
    ws.close(1000, "done");
    expect(session.stats.gaps).toBeGreaterThan(0);
    expect(session.stats.resubscribes).toBe(session.stats.gaps_by_channel.orderbook_delta);
  }, 30_000);
});

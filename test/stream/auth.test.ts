/** RSA-PSS authentication of the WebSocket upgrade, and the refusal path against the simulator. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { checkAuth } from "../../sim/core/auth";
import { wsUpgradeRequest } from "../../src/stream/ws-connect";
import { PINNED_START_MS } from "../instants";

function pem(label: string, der: ArrayBuffer): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, "$1\n")}\n-----END ${label}-----\n`;
}

async function keyPair(): Promise<{ privatePem: string; publicPem: string }> {
  const kp = (await crypto.subtle.generateKey(
    { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  return {
    privatePem: pem("PRIVATE KEY", (await crypto.subtle.exportKey("pkcs8", kp.privateKey)) as ArrayBuffer),
    publicPem: pem("PUBLIC KEY", (await crypto.subtle.exportKey("spki", kp.publicKey)) as ArrayBuffer),
  };
}

describe("WebSocket upgrade request", () => {
  it("without credentials: http(s) URL and Upgrade header only", async () => {
    expect(await wsUpgradeRequest("wss://api.elections.kalshi.com/trade-api/ws/v2", null)).toEqual({
      url: "https://api.elections.kalshi.com/trade-api/ws/v2",
      headers: { Upgrade: "websocket" },
    });
  });

  it("with credentials: KALSHI-ACCESS-* headers that verify for GET + the WS path", async () => {
    const { privatePem, publicPem } = await keyPair();
    const req = await wsUpgradeRequest("ws://127.0.0.1:8788/w/w3/trade-api/ws/v2", {
      keyId: "key-1",
      privateKeyPem: privatePem,
    });
    expect(req.url).toBe("http://127.0.0.1:8788/w/w3/trade-api/ws/v2");
    expect(req.headers["KALSHI-ACCESS-KEY"]).toBe("key-1");
    const verify = (path: string) =>
      checkAuth(new Headers(req.headers), "GET", path, {
        required: true,
        publicKeys: { "key-1": publicPem },
        nowMs: Date.now(),
      });
    expect(await verify("/w/w3/trade-api/ws/v2")).toEqual({ ok: true, keyId: "key-1" });
    expect(await verify("/trade-api/ws/v2")).toMatchObject({ ok: false });
  });

  it("an upgrade the server refuses is reported in health and retried with backoff", async () => {
    const res = await fetch(`${env.SIM_ORIGIN}/_sim/worlds`, {
      method: "POST",
      body: JSON.stringify({
        seed: 3,
        markets: 200,
        require_auth: true,
        trade_rate_per_s: 0,
        start_time_ms: PINNED_START_MS,
      }),
    });
    const world = (await res.json()) as { ws_url: string };
    const ingest = env.INGEST.get(env.INGEST.idFromName("sim-auth"));
    try {
      const h = await ingest.start({ feed: "sim-auth", ws_url: world.ws_url, markets: ["ANY-1"] });
      expect(h).toMatchObject({ running: true, connected: false, authenticated: false, connect_failures: 1 });
      expect(h.last_error).toMatch(/upgrade refused .*HTTP 40[13]/);
      expect(h.next_reconnect_at).toBeGreaterThan(Date.now());
    } finally {
      await ingest.stop();
    }
  });
});

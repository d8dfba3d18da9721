/**
 * KALSHI-ACCESS-* handling: accepted when present, required when configured, and verified
 * (RSA-PSS SHA-256, salt 32, message = ts + METHOD + path) when public keys are configured —
 * checked with the project's own signer (src/kalshi/sign.ts).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createRsaPssSigner } from "../../src/kalshi/sign";
import { createWorld, newSim } from "./helpers";

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

describe("request signatures", () => {
  it("accepts unsigned and signed requests by default", async () => {
    const sim = newSim({ markets: 20 });
    expect((await sim.fetch(new Request("http://sim/trade-api/v2/markets?limit=1"))).status).toBe(200);
    const signed = new Request("http://sim/trade-api/v2/markets?limit=1", {
      headers: {
        "KALSHI-ACCESS-KEY": "k",
        "KALSHI-ACCESS-TIMESTAMP": String(Date.now()),
        "KALSHI-ACCESS-SIGNATURE": "c2ln",
      },
    });
    expect((await sim.fetch(signed)).status).toBe(200);
  });

  it("requires the headers when require_auth is set (REST and WS upgrade)", async () => {
    const w = await createWorld({ markets: 20, require_auth: true });
    const r = await fetch(`${w.base}/markets?limit=1`);
    expect(r.status).toBe(401);
    expect(((await r.json()) as any).error.code).toBe("unauthorized");
    const ws = await fetch(w.ws.replace(/^ws/, "http"), { headers: { Upgrade: "websocket" } });
    expect(ws.status).toBe(401);
    const partial = await fetch(`${env.SIM_ORIGIN}/trade-api/v2/markets?limit=1`, {
      headers: { "KALSHI-ACCESS-KEY": "only-key" },
    });
    expect(partial.status).toBe(401);
  });

  it("verifies signatures made by the project's signer, over the full path without query", async () => {
    const { privatePem, publicPem } = await keyPair();
    const sim = newSim({ markets: 20, require_auth: true, auth_public_keys: { "key-1": publicPem } });
    const signer = await createRsaPssSigner("key-1", privatePem);
    const url = "http://sim/trade-api/v2/markets?limit=2";
    const good = await sim.fetch(new Request(url, { headers: await signer("GET", "/trade-api/v2/markets") }));
    expect(good.status).toBe(200);
    const wrongPath = await sim.fetch(new Request(url, { headers: await signer("GET", "/trade-api/v2/events") }));
    expect(wrongPath.status).toBe(401);
    const otherKey = await createRsaPssSigner("key-2", privatePem);
    const unknown = await sim.fetch(new Request(url, { headers: await otherKey("GET", "/trade-api/v2/markets") }));
    expect(((await unknown.json()) as any).error.details).toBe("unknown API key id");
  });
});

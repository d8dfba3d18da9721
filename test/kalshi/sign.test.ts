import { describe, expect, it } from "vitest";
import { createRsaPssSigner, pemToDer, signingMessage } from "../../src/kalshi/sign";

function toPem(der: ArrayBuffer): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN PRIVATE KEY-----\n${b64.replace(/(.{64})/g, "$1\n")}\n-----END PRIVATE KEY-----\n`;
}

function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

describe("RSA-PSS request signing", () => {
  it("signs ts+METHOD+path (query excluded), verifiable with the public key", async () => {
    const pair = (await crypto.subtle.generateKey(
      { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const pem = toPem((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
    const signer = await createRsaPssSigner("key-id-123", pem, { now: () => 1703123456789 });

    const headers = await signer("get", "/trade-api/v2/portfolio/orders?limit=5");
    expect(headers["KALSHI-ACCESS-KEY"]).toBe("key-id-123");
    expect(headers["KALSHI-ACCESS-TIMESTAMP"]).toBe("1703123456789");

    const sig = fromBase64(headers["KALSHI-ACCESS-SIGNATURE"]!);
    expect(sig.length).toBe(256);
    const enc = new TextEncoder();
    const verify = (msg: string, saltLength = 32) =>
      crypto.subtle.verify({ name: "RSA-PSS", saltLength }, pair.publicKey, sig, enc.encode(msg));

    expect(await verify("1703123456789GET/trade-api/v2/portfolio/orders")).toBe(true);
    expect(await verify("1703123456789GET/trade-api/v2/portfolio/orders?limit=5")).toBe(false);
    expect(await verify("1703123456790GET/trade-api/v2/portfolio/orders")).toBe(false);
    expect(await verify("1703123456789GET/trade-api/v2/portfolio/orders", 0)).toBe(false);
  });

  it("signing message matches the table of docs/kalshi-wire.md §1", () => {
    expect(signingMessage(1703123456789, "GET", "/trade-api/v2/portfolio/orders?limit=5")).toBe(
      "1703123456789GET/trade-api/v2/portfolio/orders",
    );
    expect(signingMessage("1703123456789", "get", "/trade-api/ws/v2")).toBe("1703123456789GET/trade-api/ws/v2");
  });

  it("explains a PKCS#1 key and rejects garbage", async () => {
    expect(() => pemToDer("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----")).toThrow(
      /PKCS#1.*openssl pkcs8/,
    );
    await expect(createRsaPssSigner("k", "not a key at all!")).rejects.toThrow();
  });
});

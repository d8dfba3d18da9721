/**
 * Kalshi request signing (docs/kalshi-wire.md §1): RSA-PSS with SHA-256 (MGF1-SHA256, salt length 32) over
 * `timestamp + METHOD + path`, where timestamp is Unix ms and path excludes the query string.
 * Uses WebCrypto only, so it runs in Workers and Node alike.
 */

/** Returns the auth headers for one request. `path` may include a query; it is stripped. */
export type RequestSigner = (method: string, path: string) => Promise<Record<string, string>>;

export const SIGNATURE_SALT_LENGTH = 32;

/** The exact text Kalshi verifies. */
export function signingMessage(timestampMs: number | string, method: string, path: string): string {
  const q = path.indexOf("?");
  return `${timestampMs}${method.toUpperCase()}${q === -1 ? path : path.slice(0, q)}`;
}

/** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") → DER bytes. */
export function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  if (/BEGIN RSA PRIVATE KEY/.test(pem)) {
    throw new Error(
      "KALSHI_PRIVATE_KEY is a PKCS#1 key (BEGIN RSA PRIVATE KEY); WebCrypto needs PKCS#8: " +
        "convert it with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem`",
    );
  }
  const m = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(pem);
  // Secrets are sometimes stored with literal "\n" sequences instead of newlines.
  const body = (m ? m[1]! : pem).replace(/\\n/g, "").replace(/\s+/g, "");
  let bin: string;
  try {
    bin = atob(body);
  } catch {
    throw new Error("KALSHI_PRIVATE_KEY is not a base64 PKCS#8 PEM private key");
  }
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
  return der;
}

function toBase64(bytes: ArrayBuffer): string {
  const u8 = new Uint8Array(bytes);
  let bin = "";
  for (let i = 0; i < u8.length; i++) bin += String.fromCharCode(u8[i]!);
  return btoa(bin);
}

export async function importRsaPssPrivateKey(pkcs8Pem: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("pkcs8", pemToDer(pkcs8Pem), { name: "RSA-PSS", hash: "SHA-256" }, false, ["sign"]);
}

export async function createRsaPssSigner(
  keyId: string,
  pkcs8Pem: string,
  opts: { now?: () => number } = {},
): Promise<RequestSigner> {
  const key = await importRsaPssPrivateKey(pkcs8Pem);
  const now = opts.now ?? Date.now;
  const encoder = new TextEncoder();
  return async (method, path) => {
    const ts = String(Math.floor(now()));
    const sig = await crypto.subtle.sign(
      { name: "RSA-PSS", saltLength: SIGNATURE_SALT_LENGTH },
      key,
      encoder.encode(signingMessage(ts, method, path)),
    );
    return {
      "KALSHI-ACCESS-KEY": keyId,
      "KALSHI-ACCESS-TIMESTAMP": ts,
      "KALSHI-ACCESS-SIGNATURE": toBase64(sig),
    };
  };
}

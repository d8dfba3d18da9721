/**
 * KALSHI-ACCESS-* request signatures (docs/kalshi-wire.md §1): message = timestamp(ms) + METHOD + path
 * (no query), RSA-PSS SHA-256, salt length 32, base64. Verified with WebCrypto when public keys
 * are configured; otherwise only the presence of the three headers is checked.
 */
export type AuthResult = { ok: true; keyId: string | null } | { ok: false; reason: string };

const keyCache = new Map<string, Promise<CryptoKey>>();

function pemToDer(pem: string): ArrayBuffer {
  const b64 = pem.replace(/-----(BEGIN|END)[^-]+-----/g, "").replace(/\s+/g, "");
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

function importKey(pem: string): Promise<CryptoKey> {
  let k = keyCache.get(pem);
  if (!k) {
    k = crypto.subtle.importKey("spki", pemToDer(pem), { name: "RSA-PSS", hash: "SHA-256" }, false, ["verify"]);
    keyCache.set(pem, k);
  }
  return k;
}

export async function checkAuth(
  headers: Headers,
  method: string,
  path: string,
  opts: { required: boolean; publicKeys?: Record<string, string>; nowMs: number; maxSkewMs?: number },
): Promise<AuthResult> {
  const keyId = headers.get("KALSHI-ACCESS-KEY");
  const ts = headers.get("KALSHI-ACCESS-TIMESTAMP");
  const sig = headers.get("KALSHI-ACCESS-SIGNATURE");
  if (!keyId && !ts && !sig)
    return opts.required ? { ok: false, reason: "missing KALSHI-ACCESS-* headers" } : { ok: true, keyId: null };
  if (!keyId || !ts || !sig) return { ok: false, reason: "incomplete KALSHI-ACCESS-* headers" };
  if (!/^\d{13}$/.test(ts)) return { ok: false, reason: "KALSHI-ACCESS-TIMESTAMP must be Unix milliseconds" };
  if (opts.maxSkewMs !== undefined && Math.abs(Number(ts) - opts.nowMs) > opts.maxSkewMs)
    return { ok: false, reason: "timestamp outside allowed skew" };
  if (!opts.publicKeys) return { ok: true, keyId };
  const pem = opts.publicKeys[keyId];
  if (!pem) return { ok: false, reason: "unknown API key id" };
  let sigBytes: Uint8Array<ArrayBuffer>;
  try {
    const bin = atob(sig);
    sigBytes = new Uint8Array(new ArrayBuffer(bin.length));
    for (let i = 0; i < bin.length; i++) sigBytes[i] = bin.charCodeAt(i);
  } catch {
    return { ok: false, reason: "signature is not base64" };
  }
  const key = await importKey(pem);
  const ok = await crypto.subtle.verify(
    { name: "RSA-PSS", saltLength: 32 },
    key,
    sigBytes,
    new TextEncoder().encode(ts + method.toUpperCase() + path),
  );
  return ok ? { ok: true, keyId } : { ok: false, reason: "invalid signature" };
}

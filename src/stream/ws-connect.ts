/**
 * The outbound WebSocket upgrade request to Kalshi's feed. Workers open client WebSockets with
 * `fetch()` on the http(s) form of the URL and an `Upgrade: websocket` header; Kalshi
 * authenticates the upgrade with the same RSA-PSS headers as REST, signing `GET` + the URL path
 * (docs/kalshi-wire.md §1).
 */
import { createRsaPssSigner } from "../kalshi/sign";

export interface KalshiCredentials {
  keyId: string;
  /** PKCS#8 PEM private key. */
  privateKeyPem: string;
}

export async function wsUpgradeRequest(
  wsUrl: string,
  creds: KalshiCredentials | null,
): Promise<{ url: string; headers: Record<string, string> }> {
  const url = wsUrl.replace(/^ws(s?):\/\//i, "http$1://");
  const headers: Record<string, string> = { Upgrade: "websocket" };
  if (creds) {
    const signer = await createRsaPssSigner(creds.keyId, creds.privateKeyPem);
    Object.assign(headers, await signer("GET", new URL(url).pathname));
  }
  return { url, headers };
}

/**
 * Admin security (issue #17): every admin operation of /openapi.json refuses a request without a
 * token and with a wrong one, with no side effect; the admin token and Kalshi keys never appear in
 * logs, answers or run records (captured console output of a wrong-token admin call and of syncs
 * that sign their Kalshi requests).
 */
import { runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { SyncCoordinator } from "../../src/sync/coordinator";
import { coordinator, createWorld, drive, simNow } from "../sync/harness";
import { migrate } from "./helpers";

const BASE = "https://ssmd.test";
const TOKEN = "test-admin-token";

type Operation = { method: string; path: string; secured: boolean };
let operations: Operation[] = [];

beforeAll(async () => {
  await migrate();
  const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { security?: unknown[] }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      secured: Array.isArray(op.security) && op.security.length > 0,
    })),
  );
});

/** Bodies that would act if the request got through: every admin POST must have one here. */
const VALID_BODIES: Record<string, unknown> = {
  "/admin/sync": { mode: "incremental" },
  "/admin/ingest/start": {},
  "/admin/ingest/stop": {},
  "/admin/tickers/{ticker}/history/backfill": { series: "KXBTCD" },
  "/admin/ingest/trades": {
    trades: [
      {
        type: "trade",
        ticker: "ADMIN-SEC-T1",
        trade_id: "admin-sec-1",
        ts: 1_772_000_000_000,
        price_dollars: "0.5000",
        count_fp: "1.00",
        taker_side: "yes",
      },
    ],
  },
};

/** What an admin request could change, read with the valid token. */
async function observable(): Promise<string> {
  const get = async (p: string) => {
    const res = await SELF.fetch(`${BASE}${p}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    return `${p} ${res.status} ${await res.text()}`;
  };
  const parts = await Promise.all([get("/admin/sync?limit=100"), get("/tickers?date=2026-02-25")]);
  const health = JSON.parse((await get("/admin/ingest/health")).replace(/^\S+ \d+ /, "")) as Record<string, unknown>;
  // The ingest's running/connected state and URL (not its clocks) are what a start or stop would change.
  expect(typeof health.running).toBe("boolean");
  parts.push(JSON.stringify({ running: health.running, connected: health.connected, url: health.url }));
  return parts.join("\n");
}

const WRONG_TOKENS = ["wrong", `${TOKEN}x`, TOKEN.slice(0, -1), TOKEN.toUpperCase(), `${TOKEN}.`, "x".repeat(4096)];

describe("every admin operation of /openapi.json", () => {
  it("the document marks the admin operations as secured, and only them", () => {
    const admin = operations.filter((o) => o.path.startsWith("/admin"));
    expect(admin.length).toBeGreaterThanOrEqual(8);
    for (const o of operations) expect(o.secured, `${o.method} ${o.path}`).toBe(o.path.startsWith("/admin"));
    for (const o of admin.filter((o) => o.method === "POST"))
      expect(Object.keys(VALID_BODIES), `a valid body for ${o.path}`).toContain(o.path);
  });

  it("refuses every one without a token and with wrong tokens (401, the error shape), with no side effect", async () => {
    const before = await observable();
    const admin = operations.filter((o) => o.secured);
    for (const o of admin) {
      const path = o.path.replace(/\{\w+\}/g, "some-id");
      const body = o.method === "POST" ? JSON.stringify(VALID_BODIES[o.path] ?? {}) : undefined;
      const attempts: Array<Record<string, string>> = [
        {},
        ...WRONG_TOKENS.map((t) => ({ Authorization: `Bearer ${t}` })),
        { Authorization: `Basic ${btoa(`admin:${TOKEN}`)}` },
        { Authorization: TOKEN },
        { Authorization: `Bearer ${TOKEN} extra` },
        { "X-Admin-Token": TOKEN },
      ];
      for (const headers of attempts) {
        const res = await SELF.fetch(`${BASE}${path}`, {
          method: o.method,
          headers: { "content-type": "application/json", ...headers },
          body,
        });
        const text = await res.text();
        const what = `${o.method} ${path} with ${JSON.stringify(headers).slice(0, 60)} → ${res.status}`;
        expect([400, 401, 403], `${what} ${text.slice(0, 200)}`).toContain(res.status);
        const err = JSON.parse(text).error;
        expect(["unauthorized", "invalid_parameter"], what).toContain(err.code);
        expect(res.headers.get("Cache-Control"), what).toBe("no-store");
        expect(text, what).not.toContain(TOKEN);
      }
    }
    expect(await observable()).toBe(before);
  });

  it("the same requests with the token get through (the refusals above were the auth's)", async () => {
    const res = await SELF.fetch(`${BASE}/admin/ingest/trades`, {
      method: "POST",
      headers: { "content-type": "application/json", Authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(VALID_BODIES["/admin/ingest/trades"]),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { added: number }).added).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------
// Secrets never reach logs, answers or run records.

let captured: string[] = [];
beforeEach(() => {
  captured = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      captured.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});

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

/** Pieces of a secret that must not appear anywhere: the whole value and 24-character slices of it. */
function fragments(secret: string): string[] {
  const flat = secret.replace(/-----[^-]+-----|\s+/g, "");
  const out = [secret.trim(), flat];
  for (let i = 0; i + 24 <= flat.length; i += 24) out.push(flat.slice(i, i + 24));
  return out;
}

function expectAbsent(where: string, haystack: string, secrets: string[]) {
  for (const s of secrets)
    for (const f of fragments(s)) expect(haystack.includes(f), `${where} contains a secret`).toBe(false);
}

/** Gives a coordinator instance Kalshi keys, as `wrangler secret put` would give the Worker. */
async function withKalshiKeys(stub: DurableObjectStub<SyncCoordinator>, keyId: string, privatePem: string) {
  await runInDurableObject(stub, (instance: SyncCoordinator) => {
    const e = (instance as unknown as { env: Env }).env;
    e.KALSHI_API_KEY_ID = keyId;
    e.KALSHI_PRIVATE_KEY = privatePem;
  });
}

describe("tokens and Kalshi keys never in logs or error bodies", () => {
  it("an admin call with a wrong token logs neither the token nor the attempt's value", async () => {
    const wrong = "wrong-token-that-must-not-be-logged";
    const bodies: string[] = [];
    for (const o of operations.filter((o) => o.secured)) {
      const res = await SELF.fetch(`${BASE}${o.path.replace(/\{\w+\}/g, "r1")}`, {
        method: o.method,
        headers: { "content-type": "application/json", Authorization: `Bearer ${wrong}` },
        body: o.method === "POST" ? "{}" : undefined,
      });
      bodies.push(await res.text(), JSON.stringify([...res.headers]));
    }
    expectAbsent("answers", bodies.join("\n"), [TOKEN, wrong]);
    expectAbsent("logs", captured.join("\n"), [TOKEN, wrong]);
  });

  it("a signed sync (keys configured), and one Kalshi refuses, keep the keys out of logs, answers and run records", async () => {
    const { privatePem, publicPem } = await keyPair();
    const keyId = "kalshi-key-id-7f3a9c1e-secret";
    const quiet = {
      price_change_per_hour: 0,
      metadata_change_per_hour: 0,
      new_markets_per_hour: 0,
      vanish_per_hour: 0,
    };
    const opts = async (w: Awaited<ReturnType<typeof createWorld>>) => ({
      baseUrl: w.base,
      nowMs: await simNow(w),
      pageSize: 50,
      readsPerSecond: 1000,
      maxRetries: 0,
    });

    // Kalshi (the simulator) verifies every signature with the public key: the sync succeeds only if it signed.
    const good = await createWorld({
      seed: 5,
      markets: 60,
      reads_per_second: null,
      mutation_rates: quiet,
      require_auth: true,
      auth_public_keys: { [keyId]: publicPem },
    });
    const stub = coordinator("admin-security-signed");
    await withKalshiKeys(stub, keyId, privatePem);
    const ok = await drive(stub, (await stub.start("full", "admin", await opts(good))).run.run_id);
    expect(ok.status, JSON.stringify(ok)).toBe("succeeded");
    expect(ok.progress.items_seen).toBeGreaterThan(0);

    // A world that knows another key: every request is refused; the run fails and says why.
    const other = await keyPair();
    const bad = await createWorld({
      seed: 6,
      markets: 20,
      reads_per_second: null,
      require_auth: true,
      auth_public_keys: { [keyId]: other.publicPem },
    });
    const stub2 = coordinator("admin-security-refused");
    await withKalshiKeys(stub2, keyId, privatePem);
    const failed = await drive(stub2, (await stub2.start("full", "admin", await opts(bad))).run.run_id);
    expect(failed.status).toBe("failed");
    expect(failed.error ?? "").toMatch(/401|unauthori|signature/i);

    // The same runs as the admin API shows them.
    const answers: string[] = [];
    for (const p of ["/admin/sync?limit=100", "/healthz"]) {
      const res = await SELF.fetch(`${BASE}${p}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      answers.push(await res.text());
    }
    const records = [JSON.stringify(ok), JSON.stringify(failed), ...answers].join("\n");
    expectAbsent("run records and answers", records, [privatePem, keyId, TOKEN]);
    // The capture sees what the coordinator object writes (the sync itself logs only failures).
    await runInDurableObject(stub2, () => console.error("capture-probe"));
    expect(captured).toContain("capture-probe");
    expectAbsent("logs", captured.join("\n"), [privatePem, keyId, TOKEN]);
  });
});

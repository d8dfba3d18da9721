/**
 * CORS and the MCP origin check as docs/api.md documents them: `CORS_ORIGINS` = `*` or a
 * comma-separated list; POST /mcp refuses (403 forbidden_origin) a browser Origin the list does not
 * allow, and serves clients that send no Origin (SDKs, curl).
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/api/app";
import { migrate } from "./helpers";

const BASE = "https://ssmd.test";

beforeAll(migrate);

async function call(corsOrigins: string, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`${BASE}${path}`, init), { ...env, CORS_ORIGINS: corsOrigins }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const preflight = (origin: string, method = "GET", headers = "") => ({
  method: "OPTIONS",
  headers: {
    Origin: origin,
    "Access-Control-Request-Method": method,
    ...(headers ? { "Access-Control-Request-Headers": headers } : {}),
  },
});

const MCP_PING = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
const mcp = (origin?: string) => ({
  method: "POST",
  headers: {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    ...(origin === undefined ? {} : { Origin: origin }),
  },
  body: MCP_PING,
});

describe("CORS_ORIGINS = *", () => {
  it("a preflight from any origin is allowed for the API's methods and headers", async () => {
    const res = await call(
      "*",
      "/markets",
      preflight(
        "https://any.example",
        "POST",
        "authorization,content-type,mcp-session-id,mcp-protocol-version,if-none-match",
      ),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const methods = (res.headers.get("Access-Control-Allow-Methods") ?? "").split(",").map((s) => s.trim());
    expect(methods).toEqual(expect.arrayContaining(["GET", "HEAD", "POST", "OPTIONS"]));
    const allowed = (res.headers.get("Access-Control-Allow-Headers") ?? "").toLowerCase();
    for (const h of ["authorization", "content-type", "mcp-session-id", "mcp-protocol-version", "if-none-match"])
      expect(allowed).toContain(h);
    expect(res.headers.get("Access-Control-Max-Age")).toBe("600");
  });

  it("answers carry the allow-origin and expose ETag, X-Request-Id and the cache headers", async () => {
    const res = await call("*", "/markets?limit=1", { headers: { Origin: "https://any.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const exposed = (res.headers.get("Access-Control-Expose-Headers") ?? "").toLowerCase();
    for (const h of ["etag", "x-request-id", "x-cache"]) expect(exposed).toContain(h);
    // Errors too: a browser can read why it was refused.
    const err = await call("*", "/markets?limit=0", { headers: { Origin: "https://any.example" } });
    expect(err.status).toBe(400);
    expect(err.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("POST /mcp accepts any Origin, and none", async () => {
    for (const origin of ["https://any.example", "null", undefined]) {
      const res = await call("*", "/mcp", mcp(origin));
      expect(res.status, String(origin)).toBe(200);
      expect(((await res.json()) as any).result).toEqual({});
    }
  });
});

describe("CORS_ORIGINS = a list", () => {
  const LIST = "https://a.example, https://b.example";

  it("echoes a listed origin (with Vary: Origin) and gives no allow-origin to others", async () => {
    for (const origin of ["https://a.example", "https://b.example"]) {
      const res = await call(LIST, "/series", { headers: { Origin: origin } });
      expect(res.headers.get("Access-Control-Allow-Origin")).toBe(origin);
      expect(res.headers.get("Vary") ?? "").toMatch(/origin/i);
    }
    for (const origin of ["https://evil.example", "https://a.example.evil.example", "http://a.example", "null"]) {
      const res = await call(LIST, "/series", { headers: { Origin: origin } });
      expect(res.status, origin).toBe(200); // CORS is the browser's check; the answer itself is public
      expect(res.headers.get("Access-Control-Allow-Origin"), origin).toBeNull();
      const pre = await call(LIST, "/series", preflight(origin));
      expect(pre.headers.get("Access-Control-Allow-Origin"), `preflight ${origin}`).toBeNull();
    }
  });

  it("POST /mcp: a listed origin and no Origin are served; any other Origin is 403 forbidden_origin", async () => {
    expect((await call(LIST, "/mcp", mcp("https://b.example"))).status).toBe(200);
    expect((await call(LIST, "/mcp", mcp(undefined))).status).toBe(200);
    for (const origin of ["https://evil.example", "null", "http://b.example", "https://b.example.evil.example"]) {
      const res = await call(LIST, "/mcp", mcp(origin));
      expect(res.status, origin).toBe(403);
      const body = (await res.json()) as any;
      expect(body.error.code).toBe("forbidden_origin");
      expect(body.error.message).toContain("CORS_ORIGINS");
    }
  });

  it("the origin check covers every MCP message, not only the first kind tried", async () => {
    for (const method of ["initialize", "tools/list", "tools/call", "resources/read"]) {
      const res = await call(LIST, "/mcp", {
        ...mcp("https://evil.example"),
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: {} }),
      });
      expect(res.status, method).toBe(403);
    }
  });
});

describe("CORS_ORIGINS empty", () => {
  it("no origin is allowed: no allow-origin header, and POST /mcp refuses every browser Origin", async () => {
    const res = await call("", "/markets?limit=1", { headers: { Origin: "https://a.example" } });
    expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect((await call("", "/mcp", mcp("https://a.example"))).status).toBe(403);
    expect((await call("", "/mcp", mcp(undefined))).status).toBe(200);
  });
});

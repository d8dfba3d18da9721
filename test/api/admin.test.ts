/** /admin/*: bearer auth (never open), and the sync trigger/status routes over the real coordinator. */
import { createExecutionContext, env, runDurableObjectAlarm, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../../src/api/app";
import { migrate } from "./helpers";

const TOKEN = "test-admin-token";
const auth = (t: string) => ({ Authorization: `Bearer ${t}` });

function req(path: string, init: RequestInit = {}) {
  return SELF.fetch(`https://ssmd.test${path}`, init);
}
const postSync = (body: unknown, headers: Record<string, string> = auth(TOKEN)) =>
  req("/admin/sync", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

beforeAll(migrate);

describe("admin auth", () => {
  const routes: Array<[string, RequestInit]> = [
    ["/admin/sync", { method: "POST", headers: { "content-type": "application/json" }, body: '{"mode":"full"}' }],
    ["/admin/sync", {}],
    ["/admin/sync/some-run", {}],
    ["/admin/cache", {}],
  ];
  for (const [path, init] of routes) {
    it(`${init.method ?? "GET"} ${path}: 401 without a token and with a wrong one`, async () => {
      const none = await req(path, init);
      expect(none.status).toBe(401);
      expect(none.headers.get("WWW-Authenticate")).toContain("Bearer");
      const noneBody = (await none.json()) as any;
      expect(noneBody.error.code).toBe("unauthorized");
      expect(noneBody.error.request_id).toBe(none.headers.get("X-Request-Id"));
      for (const wrong of ["wrong", `${TOKEN}x`, TOKEN.slice(0, -1), TOKEN.toUpperCase()]) {
        const res = await req(path, { ...init, headers: { ...(init.headers as object), ...auth(wrong) } });
        expect(res.status, wrong).toBe(401);
        expect(((await res.json()) as any).error.message).toBe("invalid bearer token");
      }
      const basic = await req(path, {
        ...init,
        headers: { ...(init.headers as object), Authorization: `Basic ${btoa("a:b")}` },
      });
      // Another scheme is a malformed header for bearer auth: 400, with the scheme it expects.
      expect(basic.status).toBe(400);
      expect(((await basic.json()) as any).error).toMatchObject({
        code: "unauthorized",
        message: "malformed Authorization header: expected 'Bearer <token>'",
      });
    });
  }

  it("refuses (503, never open) when SSMD_ADMIN_TOKEN is not configured", async () => {
    for (const token of [undefined, ""]) {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request("https://ssmd.test/admin/sync", { headers: auth("anything") }),
        { ...env, SSMD_ADMIN_TOKEN: token },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(503);
      const body = (await res.json()) as any;
      expect(body.error.code).toBe("admin_disabled");
      expect(body.error.message).toContain("SSMD_ADMIN_TOKEN");
    }
  });

  it("read routes stay public", async () => {
    expect((await req("/markets")).status).toBe(200);
  });
});

describe("POST /admin/sync and run status", () => {
  it("validates the body, naming the field", async () => {
    for (const body of [{ mode: "fast" }, {}, { mode: "full", extra: 1 }]) {
      const res = await postSync(body);
      expect(res.status).toBe(400);
      const err = ((await res.json()) as any).error;
      expect(err.code).toBe("invalid_body");
      expect(err.details.map((d: any) => d.parameter)).toContain("extra" in body ? "extra" : "mode");
    }
    const bad = await req("/admin/sync", {
      method: "POST",
      headers: { "content-type": "application/json", ...auth(TOKEN) },
      body: "{nope",
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.code).toBe("invalid_body");
  });

  it("202 with a run id; same mode joins, other mode is 409; run status until it succeeds", async () => {
    const res = await postSync({ mode: "incremental" });
    expect(res.status).toBe(202);
    const started = (await res.json()) as any;
    expect(started.outcome).toBe("started");
    expect(started.run_id).toBe(started.run.run_id);
    expect(started.run).toMatchObject({ mode: "incremental", trigger: "admin", status: "running" });

    const again = await postSync({ mode: "incremental" });
    expect(again.status).toBe(202);
    expect((await again.json()) as any).toMatchObject({ outcome: "joined", run_id: started.run_id });

    const other = await postSync({ mode: "full" });
    expect(other.status).toBe(409);
    const conflict = ((await other.json()) as any).error;
    expect(conflict.code).toBe("conflict");
    expect(conflict.details.run.run_id).toBe(started.run_id);

    const stub = env.SYNC.get(env.SYNC.idFromName("global"));
    let status = "running";
    for (let i = 0; i < 200 && status === "running"; i++) {
      await runDurableObjectAlarm(stub);
      const r = await req(`/admin/sync/${started.run_id}`, { headers: auth(TOKEN) });
      expect(r.status).toBe(200);
      const run = (await r.json()) as any;
      expect(run.run_id).toBe(started.run_id);
      status = run.status;
    }
    expect(status).toBe("succeeded");
    const r = (await (await req(`/admin/sync/${started.run_id}`, { headers: auth(TOKEN) })).json()) as any;
    expect(r.progress.pages).toBeGreaterThan(0);
    expect(r.progress.items_seen).toBeGreaterThan(0);
    expect(r.finished_at).not.toBeNull();

    const list = (await (await req("/admin/sync?limit=5", { headers: auth(TOKEN) })).json()) as any;
    expect(list.runs[0].run_id).toBe(started.run_id);
  }, 60_000);

  it("unknown run → 404; bad limit → 400", async () => {
    const r = await req("/admin/sync/does-not-exist", { headers: auth(TOKEN) });
    expect(r.status).toBe(404);
    expect(((await r.json()) as any).error.code).toBe("not_found");
    const l = await req("/admin/sync?limit=0", { headers: auth(TOKEN) });
    expect(l.status).toBe(400);
  });
});

/**
 * Rate limit and fault injection: each fault fires exactly as configured (path, nth, burst,
 * fraction), deterministically, in-process and through the Node server.
 */
import { describe, expect, it } from "vitest";
import type { Simulator } from "../../sim/core/index";
import { control, createWorld, newSim } from "./helpers";

const req = (sim: Simulator, path: string, init?: RequestInit) =>
  sim.fetch(new Request(`http://sim/trade-api/v2${path}`, init));

async function statuses(sim: Simulator, path: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await req(sim, path);
    await r.text();
    out.push(r.status);
  }
  return out;
}

describe("rate limit", () => {
  it("answers 429 with Retry-After and the wrapped error once the token bucket is empty", async () => {
    let wall = 1_000_000;
    const sim = newSim({ markets: 50, reads_per_second: 5 }, { wallNow: () => wall });
    expect(await statuses(sim, "/markets?limit=1", 5)).toEqual([200, 200, 200, 200, 200]);
    const r = await req(sim, "/markets?limit=1");
    expect(r.status).toBe(429);
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await r.json()).toEqual({
      error: { code: "too_many_requests", message: "too many requests", service: "exchange" },
    });
    wall += 400; // 0.4 s at 5/s → 2 tokens
    expect(await statuses(sim, "/markets?limit=1", 3)).toEqual([200, 200, 429]);
    const stats = (await (await sim.fetch(new Request("http://sim/_sim/stats"))).json()) as any;
    expect(stats.rate_limited).toBe(2);
    expect(stats.by_route["GET /markets"]).toBe(9);
  });

  it("does not limit control endpoints", async () => {
    const sim = newSim({ markets: 20, reads_per_second: 1 }, { wallNow: () => 0 });
    for (let i = 0; i < 5; i++) expect((await sim.fetch(new Request("http://sim/_sim/state"))).status).toBe(200);
  });
});

describe("fault rules", () => {
  it("fires a 429 burst at the nth matching request only, on the configured path", async () => {
    const sim = newSim({
      markets: 50,
      faults: { rules: [{ type: "rate_limit", path: "/markets", nth: 2, times: 3, retry_after_s: 2 }] },
    });
    expect(await statuses(sim, "/events?limit=1", 3)).toEqual([200, 200, 200]);
    const got: [number, string | null][] = [];
    for (let i = 0; i < 6; i++) {
      const r = await req(sim, "/markets?limit=1");
      got.push([r.status, r.headers.get("retry-after")]);
    }
    expect(got).toEqual([
      [200, null],
      [429, "2"],
      [429, "2"],
      [429, "2"],
      [200, null],
      [200, null],
    ]);
  });

  it("fails a deterministic fraction of requests with 5xx", async () => {
    const cfg = { markets: 30, faults: { rules: [{ type: "server_error" as const, fraction: 0.1, status: 502 }] } };
    const a = await statuses(newSim(cfg), "/markets?limit=1", 300);
    const b = await statuses(newSim(cfg), "/markets?limit=1", 300);
    expect(a).toEqual(b);
    const failed = a.filter((s) => s === 502).length;
    expect(failed).toBeGreaterThan(15);
    expect(failed).toBeLessThan(50);
    expect(a.every((s) => s === 200 || s === 502)).toBe(true);
  });

  it("delays slow responses and honours the request's abort signal", async () => {
    const delays: number[] = [];
    const sim = newSim(
      { markets: 30, faults: { rules: [{ type: "slow", path: "/markets", nth: [1, 3], delay_ms: 1500 }] } },
      {
        sleep: async (ms) => {
          delays.push(ms);
        },
      },
    );
    expect(await statuses(sim, "/markets?limit=1", 3)).toEqual([200, 200, 200]);
    expect(delays).toEqual([1500, 1500]);

    const real = newSim({ markets: 30, faults: { rules: [{ type: "slow", delay_ms: 10_000 }] } });
    const t0 = Date.now();
    await expect(req(real, "/markets", { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("breaks exactly one page with each malformed mode", async () => {
    for (const mode of ["invalid_json", "truncated_json", "wrong_envelope"] as const) {
      const sim = newSim({ markets: 50, faults: { rules: [{ type: "malformed", path: "/markets", nth: 2, mode }] } });
      const ok1 = await (await req(sim, "/markets?limit=5")).json();
      expect((ok1 as any).markets).toHaveLength(5);
      const text = await (await req(sim, "/markets?limit=5")).text();
      if (mode === "wrong_envelope") {
        const body = JSON.parse(text);
        expect(body).not.toHaveProperty("markets");
        expect(body.data).toHaveLength(5);
      } else {
        expect(() => JSON.parse(text)).toThrow();
      }
      expect(((await (await req(sim, "/markets?limit=5")).json()) as any).markets).toHaveLength(5);
    }
  });

  it("drifts the schema of the configured items: missing ticker, renamed status", async () => {
    const sim = newSim({
      markets: 50,
      faults: {
        rules: [
          { type: "schema_drift", path: "/markets", nth: 1, drift: { field: "ticker", action: "remove", item: 3 } },
          {
            type: "schema_drift",
            path: "/markets/*",
            nth: 1,
            drift: { field: "status", action: "rename", to: "state" },
          },
        ],
      },
    });
    const page = (await (await req(sim, "/markets?limit=10")).json()) as any;
    expect(page.markets.filter((m: any) => !("ticker" in m)).map((_: any, i: number) => i)).toHaveLength(1);
    expect(page.markets[3]).not.toHaveProperty("ticker");
    expect(page.markets[3]).toHaveProperty("status");
    const t = page.markets[0].ticker;
    const one = (await (await req(sim, `/markets/${t}`)).json()) as any;
    expect(one.market).not.toHaveProperty("status");
    expect(one.market.state).toBeTypeOf("string");
    expect(((await (await req(sim, `/markets/${t}`)).json()) as any).market.status).toBeTypeOf("string");
  });

  it("drops the connection before headers (fetch-like TypeError) or in the middle of the body", async () => {
    const sim = newSim({
      markets: 50,
      faults: {
        rules: [
          { type: "drop", path: "/markets", nth: 1, at: "before_headers" },
          { type: "drop", path: "/markets", nth: 2, at: "mid_body" },
        ],
      },
    });
    await expect(req(sim, "/markets?limit=5")).rejects.toBeInstanceOf(TypeError);
    const res = await req(sim, "/markets?limit=5");
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toBeInstanceOf(TypeError);
    expect((await req(sim, "/markets?limit=5")).status).toBe(200);
  });

  it("stops after `max` firings and reports counters", async () => {
    const sim = newSim({ markets: 30, faults: { rules: [{ type: "server_error", max: 2 }] } });
    expect(await statuses(sim, "/markets?limit=1", 4)).toEqual([503, 503, 200, 200]);
    const f = (await (await sim.fetch(new Request("http://sim/_sim/faults"))).json()) as any;
    expect(f.counters[0]).toEqual({ seen: 4, fired: 2 });
  });
});

describe("faults through the Node server", () => {
  it("applies faults set with POST /_sim/faults, including a real dropped socket", async () => {
    const w = await createWorld({ seed: 2, markets: 200 });
    await control(w, "/faults", {
      rules: [
        { type: "rate_limit", path: "/markets", nth: 1, retry_after_s: 3 },
        { type: "drop", path: "/markets", nth: 2 },
        { type: "server_error", path: "/markets", nth: 3, status: 500 },
      ],
    });
    const r1 = await fetch(`${w.base}/markets?limit=200`);
    expect(r1.status).toBe(429);
    expect(r1.headers.get("retry-after")).toBe("3");
    await r1.text();
    await expect(
      (async () => {
        const r = await fetch(`${w.base}/markets?limit=200`);
        return r.text();
      })(),
    ).rejects.toThrow();
    const r3 = await fetch(`${w.base}/markets?limit=200`);
    expect(r3.status).toBe(500);
    expect(((await r3.json()) as any).error.code).toBe("internal_server_error");
    const r4 = await fetch(`${w.base}/markets?limit=200`);
    expect(((await r4.json()) as any).markets).toHaveLength(200);
    const stats = await control(w, "/stats");
    expect(stats.faults_fired as any).toEqual({ rate_limit: 1, drop: 1, server_error: 1 });
  });

  it("rejects invalid fault settings with 400", async () => {
    const w = await createWorld({ seed: 2, markets: 10 });
    const res = await fetch(`${w.control}/faults`, {
      method: "POST",
      body: JSON.stringify({ rules: [{ type: "explode" }] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.details).toContain("rules.0.type");
  });
});

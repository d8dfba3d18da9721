/** GET /events, /events/{t}, /series, /series/{t}, /fees — checked against references computed here. */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { bumpGenerations } from "../../src/cache/generation";
import { migrate, pageAll, refOrder, refStatus, syntheticCatalog, writeCatalog, type Catalog } from "./helpers";

let cat: Catalog;

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await SELF.fetch(`https://ssmd.test${path}`);
  return { status: res.status, body: await res.json() };
}

function refEventStatus(eventTicker: string): string {
  const s = cat.markets.filter((m) => m.event_ticker === eventTicker).map((m) => refStatus(m.status));
  if (s.length === 0) return "unknown";
  return s.includes("open")
    ? "open"
    : s.includes("closed")
      ? "closed"
      : s.every((x) => x === "settled")
        ? "settled"
        : "unknown";
}
function refEventCategory(eventTicker: string): string | null {
  const ev = cat.events.find((e) => e.event_ticker === eventTicker)!;
  return ev.category || cat.series.find((s) => s.ticker === ev.series_ticker)!.category;
}

beforeAll(async () => {
  await migrate();
  cat = syntheticCatalog(90, 3);
  await writeCatalog(cat);
});

describe("GET /events", () => {
  async function listAll(query: string) {
    return pageAll<any>(async (cursor) => {
      const q = new URLSearchParams(query);
      q.set("limit", "3");
      if (cursor) q.set("cursor", cursor);
      const { status, body } = await get(`/events?${q}`);
      expect(status, JSON.stringify(body)).toBe(200);
      return { items: body.events, cursor: body.cursor };
    });
  }

  const filters: Array<[string, (t: string) => boolean]> = [
    ["", () => true],
    ["status=open", (t) => refEventStatus(t) === "open"],
    ["category=Economics", (t) => refEventCategory(t) === "Economics"],
    ["series=KXBTCD", (t) => t.startsWith("KXBTCD-")],
    ["series=KXCPI&status=open", (t) => t.startsWith("KXCPI-") && refEventStatus(t) === "open"],
  ];
  for (const [query, pred] of filters) {
    it(`filter '${query}' pages every match once, with market_count`, async () => {
      const expected = cat.events
        .map((e) => e.event_ticker)
        .filter(pred)
        .sort();
      const { items } = await listAll(query);
      expect(items.map((e: any) => e.event_ticker)).toEqual(expected);
      for (const e of items) {
        expect(e.market_count).toBe(cat.markets.filter((m) => m.event_ticker === e.event_ticker).length);
        expect(e.status).toBe(refEventStatus(e.event_ticker));
        expect(e.category).toBe(refEventCategory(e.event_ticker));
      }
    });
  }

  it("GET /events/{event_ticker} lists the event's markets", async () => {
    const ev = cat.events.find((e) => cat.markets.some((m) => m.event_ticker === e.event_ticker))!;
    const { status, body } = await get(`/events/${ev.event_ticker}`);
    expect(status).toBe(200);
    expect(body.event.title).toBe(ev.title);
    const expected = cat.markets
      .filter((m) => m.event_ticker === ev.event_ticker)
      .sort(refOrder)
      .map((m) => m.ticker);
    expect(body.markets.map((m: any) => m.ticker)).toEqual(expected);
    expect(body.event.market_count).toBe(expected.length);
  });

  it("GET /events/{event_ticker}: 404, and 400 on an unknown parameter", async () => {
    expect((await get("/events/NOPE")).status).toBe(404);
    const bad = await get(`/events/${cat.events[0]!.event_ticker}?limit=3`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].parameter).toBe("limit");
  });

  it("status=active is not a status filter", async () => {
    const { status, body } = await get("/events?status=active");
    expect(status).toBe(400);
    expect(body.error.details[0].parameter).toBe("status");
  });
});

describe("GET /series", () => {
  it("lists every series with fee type and multiplier, paginated", async () => {
    const { items } = await pageAll<any>(async (cursor) => {
      const { body } = await get(`/series?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      return { items: body.series, cursor: body.cursor };
    });
    expect(items.map((s: any) => s.ticker)).toEqual(cat.series.map((s) => s.ticker).sort());
    for (const s of items) {
      const w = cat.series.find((x) => x.ticker === s.ticker)!;
      expect(s.fee_type).toBe(w.fee_type);
      expect(s.fee_multiplier).toBe(w.fee_multiplier);
      expect(s.tags).toEqual(w.tags);
    }
    const econ = await get("/series?category=Economics");
    expect(econ.body.series.map((s: any) => s.ticker)).toEqual(
      cat.series
        .filter((s) => s.category === "Economics")
        .map((s) => s.ticker)
        .sort(),
    );
  });

  it("GET /series/{t}: fee in force and schedule, following a scheduled change", async () => {
    const past = Date.UTC(2026, 0, 1);
    // /series/{t} evaluates the fee at the wall clock: a fixed change after any run of this suite.
    const future = Date.UTC(2100, 0, 1);
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO series_fees (series_ticker, effective_ts, scheduled_ts, fee_type, fee_multiplier, source, change_ids, first_seen_at, updated_at) VALUES ('KXINXU', ?1, '2026-01-01T00:00:00Z', 'quadratic_with_maker_fees', 0.75, 'fee_change', '["a","b"]', 1, 1)`,
      ).bind(past),
      env.DB.prepare(
        `INSERT INTO series_fees (series_ticker, effective_ts, scheduled_ts, fee_type, fee_multiplier, source, change_ids, first_seen_at, updated_at) VALUES ('KXINXU', ?1, NULL, 'quadratic', 2, 'fee_change', '["c"]', 1, 1)`,
      ).bind(future),
    ]);
    await bumpGenerations(env.CACHE, ["fees"]);
    const { status, body } = await get("/series/KXINXU");
    expect(status).toBe(200);
    expect(body.series.fee_type).toBe("quadratic");
    expect(body.fee_in_force).toMatchObject({
      fee_type: "quadratic_with_maker_fees",
      fee_multiplier: 0.75,
      change_ids: ["a", "b"],
    });
    expect(body.fee_schedule.map((f: any) => f.effective_ts)).toEqual([0, past, future]);

    // /fees?series=&at= picks the entry in force at each instant
    const at = async (iso: string) =>
      (await get(`/fees?series=KXINXU&at=${encodeURIComponent(iso)}`)).body.series.in_force;
    expect(await at("2025-12-31T23:59:59Z")).toMatchObject({
      fee_type: "quadratic",
      fee_multiplier: 0.5,
      source: "series",
    });
    expect(await at("2026-01-01")).toMatchObject({ fee_type: "quadratic_with_maker_fees", fee_multiplier: 0.75 });
    expect(await at(new Date(future).toISOString())).toMatchObject({ fee_type: "quadratic", fee_multiplier: 2 });
    expect((await get("/series/NOPE")).status).toBe(404);
  });
});

describe("GET /fees", () => {
  it("default tier: maker and taker coefficients from fee_tiers", async () => {
    const { status, body } = await get("/fees");
    expect(status).toBe(200);
    expect(body.tier).toMatchObject({ tier: "default", taker_coefficient: "0.07", maker_coefficient: "0.0175" });
    expect(body.series).toBeNull();
    expect(body.quote).toBeNull();
  });

  it("carries the seed's names beside ssmd's: tier, taker_fee, maker_fee (the coefficients, as numbers)", async () => {
    const { body } = await get("/fees");
    expect(body.tier).toMatchObject({ tier: "default", taker_fee: 0.07, maker_fee: 0.0175 });
    expect(body.tier.taker_fee).toBe(Number(body.tier.taker_coefficient));
    expect(body.tier.maker_fee).toBe(Number(body.tier.maker_coefficient));
  });

  it("the default tier's updated_at is when its schedule took effect (2025-07-01), not 1970", async () => {
    const { body } = await get("/fees");
    expect(body.tier.updated_at).toBe("2025-07-01T00:00:00.000Z");
    // The migration only fixes a row still at 0: a tier someone edited keeps its own instant.
    const row = await env.DB.prepare("SELECT updated_at FROM fee_tiers WHERE tier = 'default'").first<{
      updated_at: number;
    }>();
    expect(row!.updated_at).toBe(Date.UTC(2025, 6, 1));
  });

  it("documents the formula and the seed's names in the OpenAPI document", async () => {
    const doc = (await get("/openapi.json")).body;
    const tier = doc.components.schemas.FeeTier;
    for (const k of ["tier", "taker_fee", "maker_fee", "taker_coefficient", "maker_coefficient", "updated_at"])
      expect(tier.required, k).toContain(k);
    expect(tier.properties.taker_fee.description).toContain("coefficient × fee_multiplier × C × P × (1 − P)");
    expect(tier.properties.maker_fee.description).toContain("coefficient × fee_multiplier × C × P × (1 − P)");
    expect(doc.paths["/fees"].get.description).toContain("taker_fee");
  });

  it("unknown tier → 404 listing the known tiers", async () => {
    await env.DB.prepare(
      `INSERT INTO fee_tiers (tier, description, taker_coefficient, maker_coefficient, updated_at) VALUES ('vip', 'VIP', '0.05', '0.01', 5)`,
    ).run();
    await bumpGenerations(env.CACHE, ["fees"]);
    expect((await get("/fees?tier=vip")).body.tier.taker_coefficient).toBe("0.05");
    const { status, body } = await get("/fees?tier=gold");
    expect(status).toBe(404);
    expect(body.error.details.known_tiers).toEqual(["default", "vip"]);
    expect(body.error.message).toContain("default, vip");
  });

  it("fee quotes follow Kalshi's rounding (docs/fees.md examples)", async () => {
    const q = async (qs: string) => (await get(`/fees?${qs}`)).body.quote;
    expect((await q("price=0.50&contracts=10")).fee_dollars).toBe("0.18");
    // API input is liberal but exact (src/lib/validators.ts): ".5", trailing zeros beyond the precision.
    expect(await q("price=.5&contracts=10.000")).toMatchObject({
      price_dollars: "0.5000",
      contracts: "10.00",
      fee_dollars: "0.18",
    });
    expect((await q("price=0.50&contracts=1&role=taker")).fee_dollars).toBe("0.02");
    // plain quadratic series: makers pay nothing; maker-fee series: 0.0175 → $0.05 for 10 @ 0.50
    expect(Number((await q("price=0.50&contracts=10&role=maker")).fee_dollars)).toBe(0);
    expect((await q("series=KXCPI&price=0.50&contracts=10&role=maker")).fee_dollars).toBe("0.05");
    // KXINXU multiplier 0.5 as first seen (at before the change above) → 0.035·10·0.25 = 0.0875 → 0.09
    expect((await q("series=KXINXU&at=2025-06-01&price=0.50&contracts=10")).fee_dollars).toBe("0.09");
  });

  it("quote errors name the parameter; flat fee series answer 422", async () => {
    const cases: Array<[string, string]> = [
      ["price=0.5", "contracts"],
      ["contracts=10", "price"],
      ["price=1.5&contracts=1", "price"],
      ["price=0.12345&contracts=1", "price"],
      ["price=0.5&contracts=1.234", "contracts"],
      ["price=0.5&contracts=0", "contracts"],
      ["role=maker", "role"],
      ["price=0.5&contracts=1&role=both", "role"],
      ["at=2026-01-01", "at"],
    ];
    for (const [qs, param] of cases) {
      const { status, body } = await get(`/fees?${qs}`);
      expect(status, qs).toBe(400);
      expect(body.error.details[0].parameter, qs).toBe(param);
    }
    const flat = await get("/fees?series=KXFED&price=0.5&contracts=1");
    expect(flat.status).toBe(422);
    expect(flat.body.error.code).toBe("unsupported_fee_type");
  });
});

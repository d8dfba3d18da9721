/**
 * Each status filter word selects exactly the raw statuses of the one exported table
 * (MARKET_STATUS_FILTERS, src/domain/status.ts) — checked against the simulator's truth and against
 * the simulator's own Kalshi filter of the same meaning, over data synced by the real coordinator;
 * the docs table (docs/api.md, "Status filters") and the tools' JSON Schema list the same table.
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import apiDoc from "../../docs/api.md?raw";
import type { KalshiMarket } from "../../src/kalshi/wire/rest";
import {
  deriveEventStatus,
  EVENT_STATUS_FILTER_WORDS,
  filterSelects,
  MARKET_STATUS_FILTER_WORDS,
  MARKET_STATUS_FILTERS,
  normalizeMarketStatus,
  RAW_STATUSES,
} from "../../src/domain/status";
import { coordinator, createWorld, drive, simNow, truthMarkets, type SimWorld } from "../sync/harness";
import { migrate } from "./helpers";

const START_MS = Date.UTC(2026, 10, 20, 12);
const WORD = "frozen";
const QUIET = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};

let w: SimWorld;
/** The true markets of the synced window (exactly D1's live markets). */
let truth: KalshiMarket[];

async function get(path: string): Promise<any> {
  const res = await SELF.fetch(`https://ssmd.test${path}`);
  expect(res.status, path).toBe(200);
  return res.json();
}

async function pages(path: string, key: string, query: Record<string, string>): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams(query);
    q.set("limit", "1000");
    if (cursor) q.set("cursor", cursor);
    const body = await get(`${path}?${q}`);
    out.push(...body[key]);
    cursor = body.cursor;
  } while (cursor);
  return out;
}

/** Every market the simulator's own `GET /markets?status=<word>` returns (Kalshi's filter). */
async function simFilter(word: string): Promise<Set<string>> {
  const out = new Set<string>();
  let cursor = "";
  do {
    const res = await fetch(`${w.base}/markets?status=${word}&limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
    const body = (await res.json()) as { markets: KalshiMarket[]; cursor: string };
    for (const m of body.markets) out.add(m.ticker);
    cursor = body.cursor;
  } while (cursor);
  return out;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

beforeAll(async () => {
  await migrate();
  w = await createWorld({
    seed: 51,
    markets: 700,
    start_time_ms: START_MS,
    reads_per_second: null,
    mutation_rates: QUIET,
    unknown_status_share: 0.05,
    unknown_status: WORD,
  });
  const now = await simNow(w);
  const stub = coordinator("status-filters");
  const started = await stub.start("full", "admin", {
    baseUrl: w.base,
    nowMs: now,
    pageSize: 100,
    readsPerSecond: 1000,
  });
  const run = await drive(stub, started.run.run_id);
  expect(run.status, JSON.stringify(run.progress.errors)).toBe("succeeded");
  const inD1 = new Set(
    (await env.DB.prepare("SELECT ticker FROM markets WHERE deleted_at IS NULL").all<{ ticker: string }>()).results.map(
      (r) => r.ticker,
    ),
  );
  truth = (await truthMarkets(w)).filter((m) => inD1.has(m.ticker));
  expect(truth.length).toBe(inD1.size);
});

describe("the status filter table", () => {
  it("is consistent: the normalized words partition the raw statuses, unopened + active + paused = open", () => {
    // The words themselves are held to docs/api.md (next test), not restated here.
    const known = Object.keys(RAW_STATUSES);
    const byNormalized = ["open", "closed", "settled"].flatMap((w) => MARKET_STATUS_FILTERS[w as "open"].raw!);
    expect(sorted(byNormalized)).toEqual(sorted(known));
    const split = ["unopened", "active", "paused"].flatMap((w) => MARKET_STATUS_FILTERS[w as "open"].raw!);
    expect(sorted(split)).toEqual(sorted(MARKET_STATUS_FILTERS.open.raw!));
    for (const word of MARKET_STATUS_FILTER_WORDS) {
      const row = MARKET_STATUS_FILTERS[word];
      for (const raw of row.raw ?? []) expect(normalizeMarketStatus(raw), `${word}: ${raw}`).toBe(row.status);
    }
    expect(filterSelects("unknown", WORD)).toBe(true);
    expect(filterSelects("unknown", "active")).toBe(false);
  });

  it("docs/api.md lists exactly this table", () => {
    const section = apiDoc.slice(apiDoc.indexOf("### Status filters"), apiDoc.indexOf("## Admin routes"));
    const rows = new Map<string, string>();
    for (const m of section.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)) rows.set(m[1]!, m[2]!);
    expect([...rows.keys()]).toEqual([...MARKET_STATUS_FILTER_WORDS]);
    for (const word of MARKET_STATUS_FILTER_WORDS) {
      const cell = rows.get(word)!;
      const raw = MARKET_STATUS_FILTERS[word].raw;
      if (raw === null) expect(cell, word).toMatch(/^any other/);
      else
        expect(
          [...cell.matchAll(/`([^`]+)`/g)].map((x) => x[1]),
          word,
        ).toEqual([...raw]);
    }
  });

  it("the tools' JSON Schema carries the same words and says what each selects", async () => {
    const { tools } = (await (await SELF.fetch("https://ssmd.test/tools")).json()) as { tools: any[] };
    const lm = tools.find((t) => t.name === "list_markets").input_schema.properties;
    expect(lm.status.enum).toEqual([...MARKET_STATUS_FILTER_WORDS]);
    for (const word of MARKET_STATUS_FILTER_WORDS) {
      const raw = MARKET_STATUS_FILTERS[word].raw;
      expect(lm.status.description).toContain(`${word} → ${raw === null ? "any other raw status" : raw.join("|")}`);
    }
    expect(lm.status_raw.type).toBe("string");
    const le = tools.find((t) => t.name === "list_events").input_schema.properties;
    expect(le.status.enum).toEqual([...EVENT_STATUS_FILTER_WORDS]);
  });
});

describe("GET /markets?status= over synced data", () => {
  it("has every raw status of the table's words in the data (the checks below are not vacuous)", () => {
    const raws = new Set(truth.map((m) => m.status));
    for (const raw of ["initialized", "active", "inactive", "closed", "determined", "finalized", WORD])
      expect(raws, raw).toContain(raw);
  });

  for (const word of MARKET_STATUS_FILTER_WORDS) {
    it(`status=${word} selects exactly the markets whose raw status the table lists for it`, async () => {
      const got = await pages("/markets", "markets", { status: word });
      const want = truth.filter((m) => filterSelects(word, m.status));
      expect(want.length, word).toBeGreaterThan(0);
      expect(sorted(got.map((m) => m.ticker))).toEqual(sorted(want.map((m) => m.ticker)));
      for (const m of got) {
        expect(m.status).toBe(MARKET_STATUS_FILTERS[word].status);
        expect(filterSelects(word, m.status_raw), `${word}: ${m.status_raw}`).toBe(true);
      }
    });
  }

  it("each word selects what Kalshi's own filter word selects (the simulator's filters), within the window", async () => {
    const window = new Set(truth.map((m) => m.ticker));
    const kalshi = new Map<string, Set<string>>();
    for (const k of ["unopened", "open", "paused", "closed", "settled"])
      kalshi.set(k, new Set([...(await simFilter(k))].filter((t) => window.has(t))));
    for (const word of MARKET_STATUS_FILTER_WORDS) {
      const got = sorted((await pages("/markets", "markets", { status: word })).map((m) => m.ticker));
      const row = MARKET_STATUS_FILTERS[word];
      let want: string[];
      if (row.kalshi) want = sorted(kalshi.get(row.kalshi)!);
      else if (word === "open") want = sorted(["unopened", "open", "paused"].flatMap((k) => [...kalshi.get(k)!]));
      else {
        // unknown: what no Kalshi filter word selects.
        const any = new Set([...kalshi.values()].flatMap((s) => [...s]));
        want = sorted([...window].filter((t) => !any.has(t)));
      }
      expect(got, word).toEqual(want);
    }
  });

  it("status=open keeps the seed's meaning; active is only what trades now", async () => {
    const open = await pages("/markets", "markets", { status: "open" });
    const raws = new Set(open.map((m) => m.status_raw));
    expect(raws).toContain("initialized");
    expect(raws).toContain("inactive");
    const active = await pages("/markets", "markets", { status: "active" });
    expect(new Set(active.map((m) => m.status_raw))).toEqual(new Set(["active"]));
  });

  it("status_raw= selects one raw status exactly, an unknown word included, and combines with status", async () => {
    for (const raw of [...new Set(truth.map((m) => m.status))]) {
      const got = await pages("/markets", "markets", { status_raw: raw });
      expect(sorted(got.map((m) => m.ticker)), raw).toEqual(
        sorted(truth.filter((m) => m.status === raw).map((m) => m.ticker)),
      );
    }
    expect(await pages("/markets", "markets", { status: "active", status_raw: "inactive" })).toEqual([]);
    const both = await pages("/markets", "markets", { status: "open", status_raw: "inactive" });
    expect(both.length).toBe(truth.filter((m) => m.status === "inactive").length);
  });

  it("refuses a word outside the table, naming the words", async () => {
    const res = await SELF.fetch("https://ssmd.test/markets?status=tradeable");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: Array<{ parameter: string; message: string }> } };
    expect(body.error.details[0]!.parameter).toBe("status");
    expect(body.error.details[0]!.message).toContain(MARKET_STATUS_FILTER_WORDS.join(", "));
  });
});

describe("GET /events?status= over synced data", () => {
  it("each word selects exactly the events whose status, derived from their true markets, is that word", async () => {
    const all = await pages("/events", "events", {});
    const statusesByEvent = new Map<string, string[]>();
    for (const m of truth)
      statusesByEvent.set(m.event_ticker, [
        ...(statusesByEvent.get(m.event_ticker) ?? []),
        normalizeMarketStatus(m.status),
      ]);
    const derived = new Map(
      all.map((e) => [e.event_ticker as string, deriveEventStatus(statusesByEvent.get(e.event_ticker) ?? [])]),
    );
    for (const word of EVENT_STATUS_FILTER_WORDS) {
      const got = await pages("/events", "events", { status: word });
      const want = [...derived].filter(([, s]) => s === word).map(([t]) => t);
      expect(want.length, word).toBeGreaterThan(0);
      expect(sorted(got.map((e) => e.event_ticker)), word).toEqual(sorted(want));
    }
    // The narrower market words do not apply to events (no raw status): refused.
    expect((await SELF.fetch("https://ssmd.test/events?status=active")).status).toBe(400);
  });
});

/** Random query strings, paths and tool bodies: the API answers 2xx/3xx/4xx, never 5xx, always JSON errors. */
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { TOOLS } from "../../src/api/tool-registry";
import { migrate, syntheticCatalog, writeCatalog, type Catalog } from "./helpers";

let cat: Catalog;

beforeAll(async () => {
  await migrate();
  cat = syntheticCatalog(25, 9);
  await writeCatalog(cat);
});

const KEYS = [
  "category",
  "status",
  "status_raw",
  "series",
  "closing_before",
  "closing_after",
  "limit",
  "cursor",
  "include_deleted",
  "has_stream_on",
  "tier",
  "at",
  "price",
  "contracts",
  "role",
  "action",
  "precision",
  "date",
  "feed",
  "window",
  "window_ms",
  "ticker",
  "event_ticker",
  "series_ticker",
];
const VALUES = [
  "open",
  "closed",
  "settled",
  "active",
  "unknown",
  "paused",
  "frozen",
  "",
  " ",
  "0",
  "1",
  "-1",
  "100",
  "1000",
  "1001",
  "1e3",
  "NaN",
  "Infinity",
  "true",
  "false",
  "2026-03-01",
  "2026-02-30",
  "2026-03-01T17:00:00Z",
  "2026-03-01T17:00:00",
  "2026-03-01T17:00:00+25:00",
  "9999-12-31",
  "Economics",
  "KXBTCD",
  "default",
  "0.5",
  "0.50",
  "1.0001",
  "maker",
  "taker",
  "WzEsImEiXQ",
  "W251bGwsIiJd",
  "null",
  "[]",
  "{}",
  "%00",
  "'; DROP TABLE markets;--",
  "\u0000",
  "é",
  "😀",
  "x".repeat(600),
];

const value = fc.oneof(
  fc.constantFrom(...VALUES),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.integer().map(String),
);
const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const query = fc.array(fc.tuple(key, value), { maxLength: 6 }).map((pairs) => {
  const qs = new URLSearchParams();
  for (const [k, v] of pairs) qs.append(k, v);
  return qs.toString();
});
const rawQuery = fc.string({ maxLength: 60 }).map((s) => s.replace(/[#\s]/g, ""));
const segment = fc
  .oneof(fc.constantFrom(...VALUES.filter((v) => v.length < 50)), fc.string({ maxLength: 30 }))
  .map(encodeURIComponent);
const path = fc.oneof(
  fc.constantFrom(
    "/markets",
    "/events",
    "/series",
    "/fees",
    "/tickers",
    "/healthz",
    "/tools",
    "/openapi.json",
    "/admin/sync",
  ),
  segment.map((s) => `/markets/${s || "x"}`),
  segment.map((s) => `/events/${s || "x"}`),
  segment.map((s) => `/series/${s || "x"}`),
  segment.map((s) => `/${s}`),
);

async function expectNo5xx(url: string, init?: RequestInit) {
  const res = await SELF.fetch(url, init);
  const text = await res.text();
  expect(res.status, `${init?.method ?? "GET"} ${url} → ${res.status} ${text.slice(0, 300)}`).toBeLessThan(500);
  if (res.status >= 400) {
    const body = JSON.parse(text);
    expect(typeof body.error.code).toBe("string");
    expect(typeof body.error.message).toBe("string");
  }
}

it("random query strings on every read route never produce a 5xx", async () => {
  await fc.assert(
    fc.asyncProperty(path, fc.oneof(query, rawQuery), async (p, q) => {
      await expectNo5xx(`https://ssmd.test${p}?${q}`);
    }),
    { numRuns: 400 },
  );
});

it("random tool calls never produce a 5xx", async () => {
  const name = fc.constantFrom(...TOOLS.map((t) => t.name), "nope");
  const args = fc.oneof(
    fc
      .dictionary(
        key,
        fc.oneof(
          value,
          fc.integer(),
          fc.double(),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.integer(), { maxLength: 2 }),
        ),
        { maxKeys: 5 },
      )
      .map((d) => JSON.stringify(d)),
    fc.string({ maxLength: 30 }),
    fc.jsonValue().map((v) => JSON.stringify(v)),
  );
  await fc.assert(
    fc.asyncProperty(name, args, async (n, body) => {
      await expectNo5xx(`https://ssmd.test/tools/${n}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
    }),
    { numRuns: 200 },
  );
});

it("valid cursors of one route fed to another, and tampered cursors, are 400 not 500", async () => {
  const page = (await (await SELF.fetch("https://ssmd.test/markets?limit=2")).json()) as { cursor: string };
  const ev = (await (await SELF.fetch("https://ssmd.test/events?limit=2")).json()) as { cursor: string };
  for (const [p, c] of [
    ["/events", page.cursor],
    ["/series", page.cursor],
    ["/markets", ev.cursor],
    ["/markets", page.cursor.slice(1)],
    ["/markets", `${page.cursor}A`],
  ] as const) {
    const res = await SELF.fetch(`https://ssmd.test${p}?cursor=${encodeURIComponent(c)}`);
    expect([200, 400], `${p} ${c}`).toContain(res.status);
  }
});

it("malformed percent-encoding in paths and queries is not a 5xx", async () => {
  for (const u of [
    "/markets/%E0%A4%A",
    "/markets/%",
    "/markets?status=%E0%A4%A",
    "/markets?%=1",
    "/events/%FF",
    "/fees?tier=%C3%28",
  ]) {
    await expectNo5xx(`https://ssmd.test${u}`);
  }
});

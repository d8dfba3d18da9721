/**
 * Full-text search (`q=` on GET /markets and GET /events, the search_markets tool) over data the
 * real SyncCoordinator synced from the simulator. Expected answers come from a straightforward
 * reference here: the simulator's truth, tokenized in plain JS the way FTS5's unicode61 tokenizer
 * with remove_diacritics 2 does (lowercase, diacritics dropped, runs of letters and digits), ranked
 * by the documented buckets, then (close_time, ticker).
 */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { clearD1, control, createWorld, simNow, syncSucceeded, truthMarkets, type SimWorld } from "../sync/harness";
import { migrate, pageAll, refOrder, refStatus } from "./helpers";

/** A true market (Kalshi wire JSON) and the event fields the reference reads. */
type Market = Awaited<ReturnType<typeof truthMarkets>>[number];
interface Event {
  event_ticker: string;
  series_ticker: string;
  title: string;
  sub_title?: string | null;
  category?: string | null;
}

async function wire<T>(path: string, key: string): Promise<T> {
  const res = await fetch(`${w.base}${path}`);
  expect(res.status, path).toBe(200);
  return ((await res.json()) as Record<string, T>)[key]!;
}

const QUIET = {
  price_change_per_hour: 0,
  metadata_change_per_hour: 0,
  new_markets_per_hour: 0,
  vanish_per_hour: 0,
  pause_per_hour: 0,
};

let w: SimWorld;
let now: number;
let live: Market[]; // true markets the sync holds live in D1
const events = new Map<string, Event>();
const seriesTitle = new Map<string, string>();
const seriesCategory = new Map<string, string>();

const tokens = (s: string | null | undefined): string[] =>
  (s ?? "")
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
/** Does `hay` hold `needle` as consecutive tokens? */
const hasPhrase = (hay: string[], needle: string[]) =>
  needle.length > 0 && hay.some((_, i) => needle.every((t, j) => hay[i + j] === t));
const words = (q: string) => q.split(/\s+/).filter((x) => /[\p{L}\p{N}]/u.test(x));

/** The reference bucket of a text with ticker/title/other columns, or null when it does not match. */
function bucketOf(q: string, ticker: string, title: string | null, others: Array<string | null | undefined>) {
  const ws = words(q).map(tokens);
  const cols = [ticker, title, ...others].map(tokens);
  if (!ws.every((w) => cols.some((c) => hasPhrase(c, w)))) return null;
  const phrase = ws.flat();
  if (hasPhrase(tokens(ticker), phrase)) return 0;
  if (hasPhrase(tokens(title), phrase)) return 1;
  if (ws.every((w) => hasPhrase(tokens(title), w))) return 2;
  return 3;
}
const marketBucket = (q: string, m: Market) =>
  bucketOf(q, m.ticker, m.title ?? null, [m.subtitle, m.yes_sub_title, m.no_sub_title]);

function refSearch(q: string, pred: (m: Market) => boolean = () => true): string[] {
  return live
    .map((m) => ({ m, b: marketBucket(q, m) }))
    .filter((x) => x.b !== null && pred(x.m))
    .sort((a, b) => a.b! - b.b! || refOrder(a.m, b.m))
    .map((x) => x.m.ticker);
}

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await SELF.fetch(`https://ssmd.test${path}`);
  return { status: res.status, body: await res.json() };
}

async function search(query: Record<string, string>, limit: number, route = "markets") {
  const { items, pages } = await pageAll<any>(async (cursor) => {
    const q = new URLSearchParams({ ...query, limit: String(limit) });
    if (cursor) q.set("cursor", cursor);
    const { status, body } = await get(`/${route}?${q}`);
    expect(status, JSON.stringify(body)).toBe(200);
    return { items: body[route], cursor: body.cursor };
  });
  return { tickers: items.map((x: any) => x.ticker ?? x.event_ticker) as string[], pages };
}

const runSync = (mode: "full" | "incremental") => syncSucceeded(w, "api-search", mode, now);

async function loadTruth(): Promise<void> {
  const inD1 = new Set(
    (await env.DB.prepare("SELECT ticker FROM markets WHERE deleted_at IS NULL").all<{ ticker: string }>()).results.map(
      (r) => r.ticker,
    ),
  );
  live = (await truthMarkets(w)).filter((m) => inD1.has(m.ticker));
  expect(live.length).toBe(inD1.size);
  for (const m of live) {
    if (events.has(m.event_ticker)) continue;
    const ev = await wire<Event>(`/events/${encodeURIComponent(m.event_ticker)}`, "event");
    events.set(ev.event_ticker, ev);
    if (!seriesTitle.has(ev.series_ticker)) {
      const s = await wire<{ ticker: string; title: string; category: string }>(
        `/series/${encodeURIComponent(ev.series_ticker)}`,
        "series",
      );
      seriesTitle.set(s.ticker, s.title);
      seriesCategory.set(s.ticker, s.category);
    }
  }
}

const categoryOf = (m: Market) => {
  const ev = events.get(m.event_ticker)!;
  return ev.category ? ev.category : (seriesCategory.get(ev.series_ticker) ?? null);
};

/** Title words by how many live markets hold them, most first. */
function titleWords(): string[] {
  const n = new Map<string, number>();
  for (const m of live) for (const t of new Set(tokens(m.title))) if (/\p{L}/u.test(t)) n.set(t, (n.get(t) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t]) => t);
}

beforeAll(async () => {
  await migrate();
  await clearD1();
  w = await createWorld({ seed: 33, markets: 400, reads_per_second: null, mutation_rates: QUIET });
  now = await simNow(w);
  await runSync("full");
  await loadTruth();
}, 90_000);

describe("GET /markets?q=", () => {
  it("finds markets by a title word, across pages, exactly as the reference", async () => {
    const ws = titleWords();
    expect(ws.length).toBeGreaterThan(5);
    // A common word (many pages), a middling one and a rare one.
    for (const word of [ws[0]!, ws[Math.floor(ws.length / 2)]!, ws.at(-1)!]) {
      const expected = refSearch(word);
      expect(expected.length, word).toBeGreaterThan(0);
      const { tickers, pages } = await search({ q: word }, 7);
      expect(tickers, word).toEqual(expected);
      expect(new Set(tickers).size).toBe(tickers.length);
      if (expected.length > 7) expect(pages).toBeGreaterThan(1);
    }
  });

  it("ranks by the buckets (ticker phrase, title phrase, all title words, elsewhere), then close time", async () => {
    const m = live[Math.floor(live.length / 2)]!;
    // An event ticker is a phrase of its markets' tickers: bucket 0 for them, and the subtitle's
    // words (strike text) put others of other buckets in the same answer.
    const sub = tokens(m.yes_sub_title).find((t) => /\p{L}/u.test(t));
    for (const q of [m.event_ticker, m.ticker, `${titleWords()[0]} ${titleWords()[1]}`, ...(sub ? [sub] : [])]) {
      const expected = refSearch(q);
      expect(expected.length, q).toBeGreaterThan(0);
      expect((await search({ q }, 5)).tickers, q).toEqual(expected);
    }
    expect(refSearch(m.ticker)[0]).toBe(m.ticker);
    // Words whose matches fall into several buckets in an order that is not (close_time, ticker).
    const plainOrder = (tickers: string[]) =>
      live
        .filter((x) => tickers.includes(x.ticker))
        .sort(refOrder)
        .map((x) => x.ticker);
    const vocabulary = [...new Set(live.flatMap((x) => [x.title, x.yes_sub_title, x.ticker].flatMap(tokens)))];
    const reordered = vocabulary.filter((t) => {
      const expected = refSearch(t);
      return expected.join() !== plainOrder(expected).join();
    });
    expect(reordered.length).toBeGreaterThan(0);
    for (const q of reordered.slice(0, 3)) expect((await search({ q }, 25)).tickers, q).toEqual(refSearch(q));
  });

  it("pages end exactly at, before and after a bucket boundary", async () => {
    // Queries whose matches fall in two buckets or more, each paged with limits that end a page on
    // the last row of a bucket, one before it and one after it (the cursor then carries the bucket).
    const vocabulary = [...new Set(live.flatMap((x) => [x.title, x.yes_sub_title, x.ticker].flatMap(tokens)))];
    const mixed = vocabulary
      .map((q) => ({ q, buckets: live.map((m) => marketBucket(q, m)).filter((b) => b !== null) }))
      .filter((x) => new Set(x.buckets).size > 1)
      .slice(0, 3);
    expect(mixed.length).toBeGreaterThan(0);
    for (const { q, buckets } of mixed) {
      const expected = refSearch(q);
      const first = Math.min(...buckets);
      const edge = buckets.filter((b) => b === first).length;
      for (const limit of new Set([edge, edge + 1, Math.max(1, edge - 1)]))
        expect((await search({ q }, limit)).tickers, `${q} limit ${limit}`).toEqual(expected);
    }
  });

  it("combines with every filter and the cursor", async () => {
    const word = titleWords()[0]!;
    const matching = live.filter((m) => marketBucket(word, m) !== null);
    const cat = categoryOf(matching[0]!)!;
    const ser = events.get(matching[0]!.event_ticker)!.series_ticker;
    const closes = matching.map((m) => Date.parse(m.close_time!)).sort((a, b) => a - b);
    const mid = new Date(closes[Math.floor(closes.length / 2)]!).toISOString();
    const cases: Array<[Record<string, string>, (m: Market) => boolean]> = [
      [{ category: cat }, (m) => categoryOf(m) === cat],
      [{ status: "open" }, (m) => refStatus(m.status) === "open"],
      [{ status: "settled" }, (m) => refStatus(m.status) === "settled"],
      [{ status_raw: "active" }, (m) => m.status === "active"],
      [{ series: ser }, (m) => events.get(m.event_ticker)!.series_ticker === ser],
      [{ closing_before: mid }, (m) => Date.parse(m.close_time!) < Date.parse(mid)],
      [
        { closing_after: mid, category: cat, status: "open" },
        (m) => Date.parse(m.close_time!) >= Date.parse(mid) && categoryOf(m) === cat && refStatus(m.status) === "open",
      ],
    ];
    for (const [filters, pred] of cases) {
      const expected = refSearch(word, pred);
      expect((await search({ q: word, ...filters }, 4)).tickers, JSON.stringify(filters)).toEqual(expected);
    }
  });

  it("bad q is a 400 on q; FTS5 syntax in q is plain text, never a 5xx", async () => {
    for (const q of ["", "   ", '- * " ( )', "x".repeat(201)]) {
      const { status, body } = await get(`/markets?${new URLSearchParams({ q })}`);
      expect(status, q).toBe(400);
      expect(
        body.error.details.map((d: any) => d.parameter),
        q,
      ).toContain("q");
    }
    const word = titleWords()[0]!;
    for (const q of [
      `"${word}`,
      `${word}*`,
      `NEAR(${word} x)`,
      `${word} OR nothingatall`,
      `-${word}`,
      `title:${word}`,
      `${word} NOT`,
      `^${word}`,
      `{ticker}:${word}`,
      "\u0000",
      `${word}\u0000`,
      "😀",
      "é".repeat(200),
    ]) {
      const res = await SELF.fetch(`https://ssmd.test/markets?${new URLSearchParams({ q })}`);
      expect(res.status, q).toBeLessThan(500);
      const body = (await res.json()) as any;
      if (res.status === 200)
        expect(
          body.markets.map((m: any) => m.ticker),
          q,
        ).toEqual(refSearch(q).slice(0, 100));
    }
    // The cursors of the plain list and of a search are not interchangeable.
    const plain = await get("/markets?limit=1");
    expect((await get(`/markets?q=${word}&cursor=${plain.body.cursor}`)).status).toBe(400);
    const searched = await get(`/markets?q=${word}&limit=1`);
    expect((await get(`/markets?cursor=${searched.body.cursor}`)).status).toBe(400);
  });

  it("the search_markets tool answers what the route answers, and requires q", async () => {
    const word = titleWords()[1]!;
    const tool = await SELF.fetch("https://ssmd.test/tools/search_markets", {
      method: "POST",
      body: JSON.stringify({ q: word, limit: 3 }),
    });
    expect(tool.status).toBe(200);
    const answer = (await tool.json()) as any;
    const route = (await get(`/markets?q=${word}&limit=3`)).body;
    // The same page (the tool answers a compact view of each market by default).
    expect(answer.markets.map((m: any) => m.ticker)).toEqual(route.markets.map((m: any) => m.ticker));
    expect(answer.markets.map((m: any) => m.ticker)).toEqual(refSearch(word).slice(0, 3));
    expect(answer.cursor).toBe(route.cursor);
    const missing = await SELF.fetch("https://ssmd.test/tools/search_markets", { method: "POST", body: "{}" });
    expect(missing.status).toBe(400);
  });
});

describe("GET /events?q=", () => {
  it("finds events by their own text or their series', across pages, as the reference", async () => {
    const liveEvents = [...new Set(live.map((m) => m.event_ticker))].map((t) => events.get(t)!);
    const d1Events = new Set(
      (
        await env.DB.prepare("SELECT event_ticker FROM events WHERE deleted_at IS NULL").all<{ event_ticker: string }>()
      ).results.map((r) => r.event_ticker),
    );
    for (const t of d1Events) {
      if (events.has(t)) continue;
      events.set(t, await wire<Event>(`/events/${encodeURIComponent(t)}`, "event"));
    }
    const ref = (q: string) =>
      [...d1Events]
        .map((t) => events.get(t)!)
        .map((e) => {
          const own = bucketOf(q, e.event_ticker, e.title, [e.sub_title]);
          const viaSeries = bucketOf(q, e.series_ticker, seriesTitle.get(e.series_ticker) ?? null, []) !== null;
          return { e, b: own ?? (viaSeries ? 4 : null) };
        })
        .filter((x) => x.b !== null)
        .sort((a, b) => a.b! - b.b! || (a.e.event_ticker < b.e.event_ticker ? -1 : 1))
        .map((x) => x.e.event_ticker);
    const e = liveEvents[0]!;
    const sTitle = tokens(seriesTitle.get(e.series_ticker)).find((t) => /\p{L}/u.test(t))!;
    for (const q of [e.event_ticker, e.series_ticker, sTitle, titleWords()[0]!]) {
      const expected = ref(q);
      expect(expected.length, q).toBeGreaterThan(0);
      expect((await search({ q }, 3, "events")).tickers, q).toEqual(expected);
    }
  });
});

describe("search after syncs that change and soft-delete markets", () => {
  it("follows the sync's changed rows and forgets soft-deleted markets", async () => {
    const word = titleWords()[0]!;
    const before = refSearch(word);
    const gone = live.filter((m) => m.status === "active" && before.includes(m.ticker)).slice(0, 3);
    expect(gone.length).toBe(3);
    await control(w, "/clock", { advance_ms: 3_600_000 });
    await control(w, "/mutate", { change_fraction: 0.2, metadata_changes: 10, new_markets: 6 });
    await control(w, "/mutate", { vanish: gone.map((m) => m.ticker) });
    now = await simNow(w);
    const run = await runSync("full");
    expect(run.progress.soft_deleted).toBe(3);
    await loadTruth();
    for (const m of gone) expect(live.map((x) => x.ticker)).not.toContain(m.ticker);
    for (const q of [word, ...gone.map((m) => m.ticker), titleWords().at(-1)!]) {
      const expected = refSearch(q);
      expect((await search({ q }, 11)).tickers, q).toEqual(expected);
    }
    for (const m of gone) {
      expect((await search({ q: m.ticker }, 10)).tickers).toEqual([]);
      expect((await search({ q: m.ticker, include_deleted: "true" }, 10)).tickers).toEqual([m.ticker]);
    }
  });
});

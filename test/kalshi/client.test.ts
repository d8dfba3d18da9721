import { describe, expect, it } from "vitest";
import {
  KalshiClient,
  KalshiHttpError,
  KalshiMalformedItemError,
  KalshiMalformedPageError,
  KalshiPaginationError,
  KalshiQueryError,
  type ClientEvent,
  type KalshiClientOptions,
} from "../../src/kalshi/client";
import { fixture } from "./fixtures";

const BASE = "https://kalshi.test/trade-api/v2";

type Step = Response | Error | "hang" | ((req: Request) => Response | Promise<Response>);

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

/**
 * A scripted fetch: answers requests with the given steps in order (a function step can inspect
 * the request); "hang" never answers until the request's signal aborts. Records every request.
 */
function scripted(steps: Step[]) {
  const requests: Request[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    requests.push(req);
    const step = steps.shift();
    if (step === undefined) throw new Error(`unexpected request ${req.url}`);
    if (step instanceof Error) throw step;
    if (step === "hang") {
      return new Promise<Response>((_, reject) => {
        init?.signal?.addEventListener("abort", () =>
          reject(new DOMException("The operation was aborted", "AbortError")),
        );
      });
    }
    return typeof step === "function" ? step(req) : step;
  }) as typeof fetch;
  return { fetchFn, requests, remaining: () => steps.length };
}

/** A client on a fake clock (sleep advances it instantly) recording its events. */
function client(steps: Step[], opts: Partial<KalshiClientOptions> = {}) {
  const s = scripted(steps);
  let t = 1_700_000_000_000;
  const sleeps: number[] = [];
  const events: ClientEvent[] = [];
  const c = new KalshiClient({
    baseUrl: BASE,
    fetch: s.fetchFn,
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    random: () => 0.5,
    readsPerSecond: 1000,
    onEvent: (e) => events.push(e),
    ...opts,
  });
  return { c, ...s, sleeps, events, elapsed: () => t - 1_700_000_000_000 };
}

const page = (markets: unknown[], cursor?: string | null) =>
  json(cursor === undefined ? { markets } : { markets, cursor });
const marketsFixture = () => fixture("rest-markets-page").markets as Array<Record<string, unknown>>;

describe("requests", () => {
  it("markets page at the max page size, query encoded, cursor null on the last page", async () => {
    const { c, requests } = client([json(fixture("rest-markets-page-last"))]);
    const p = await c.getMarketsPage({ status: "open", event_ticker: ["A", "B"], min_created_ts: 1773324000 });
    expect(p).toEqual({ items: [], skipped: [], cursor: null });
    const url = new URL(requests[0]!.url);
    expect(url.origin + url.pathname).toBe(`${BASE}/markets`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      limit: "1000",
      status: "open",
      event_ticker: "A,B",
      min_created_ts: "1773324000",
    });
    expect(requests[0]!.headers.get("accept")).toBe("application/json");
  });

  it("events default to 200 per page; base URL with a trailing slash works", async () => {
    const { c, requests } = client([json(fixture("rest-events-page"))], { baseUrl: `${BASE}/` });
    const p = await c.getEventsPage({ with_nested_markets: false, status: "open" });
    expect(p.items.map((e) => e.event_ticker)).toEqual(["KXBTCD-26MAR1317", "KXBTCD-26MAR1318", "KXFEDDECISION-26APR"]);
    expect(p.cursor).toBe("CgsI0NbTzQYQ6Pq9ARIQS1hGRURERUNJU0lPTi0yNkFQUg");
    expect(requests[0]!.url).toBe(`${BASE}/events?with_nested_markets=false&status=open&limit=200`);
  });

  it("refuses a query Kalshi would answer silently empty, without sending it", async () => {
    const { c, requests } = client([]);
    await expect(c.getMarketsPage({ status: "open", min_close_ts: 1 })).rejects.toThrow(KalshiQueryError);
    await expect(c.getMarketsPage({ limit: 5000 })).rejects.toThrow(/limit/);
    expect(requests).toHaveLength(0);
  });

  it("getMarket: parsed market, null on 404, ticker URL-encoded", async () => {
    const { c, requests } = client([json(fixture("rest-market")), json({ error: { code: "not_found" } }, 404)]);
    expect((await c.getMarket("KXBTCD-26MAR1317-T66499.99"))?.yes_bid_dollars).toBe("0.4500");
    expect(await c.getMarket("NO/SUCH")).toBeNull();
    expect(requests[1]!.url).toBe(`${BASE}/markets/NO%2FSUCH`);
  });

  it("getMarket with a malformed market names it", async () => {
    const bad = fixture("rest-market");
    delete bad.market.status;
    const { c } = client([json(bad)]);
    const err = await c.getMarket("KXBTCD-26MAR1317-T66499.99").catch((e) => e);
    expect(err).toBeInstanceOf(KalshiMalformedItemError);
    expect(err.message).toContain("KXBTCD-26MAR1317-T66499.99");
    expect(err.message).toContain("status");
  });

  it("getEvent: nested markets, or the top-level list", async () => {
    const f = fixture("rest-event-with-markets");
    const { c, requests } = client([json(f), json({ ...f, event: { ...f.event, markets: undefined } }), json({}, 404)]);
    const nested = await c.getEvent("KXBTCD-26MAR1317", { withNestedMarkets: true });
    expect(nested?.markets.map((m) => m.ticker)).toHaveLength(3);
    expect(nested?.event.markets).toHaveLength(3);
    expect(new URL(requests[0]!.url).searchParams.get("with_nested_markets")).toBe("true");
    const top = await c.getEvent("KXBTCD-26MAR1317");
    expect(top?.markets).toHaveLength(3);
    expect(top?.skipped).toEqual([]);
    expect(await c.getEvent("NOPE")).toBeNull();
  });

  it("series, series by ticker, fee changes, exchange status and schedule", async () => {
    const { c, requests } = client([
      json(fixture("rest-series-list")),
      json(fixture("rest-series")),
      json(fixture("rest-series-fee-changes")),
      json(fixture("rest-exchange-status")),
      json(fixture("rest-exchange-schedule")),
    ]);
    const series = await c.listSeries({ category: "Crypto", include_volume: true });
    expect(series.items.map((s) => s.ticker)).toEqual(["KXBTCD", "KXFEDDECISION", "KXINXU"]);
    expect(series.cursor).toBeNull();
    expect(requests[0]!.url).toBe(`${BASE}/series?category=Crypto&include_volume=true`);
    expect((await c.getSeries("KXBTCD"))?.volume_fp).toBe("7083218.00");
    const fees = await c.getSeriesFeeChanges({ show_historical: true });
    expect(fees.items).toHaveLength(3);
    expect(requests[2]!.url).toBe(`${BASE}/series/fee_changes?show_historical=true`);
    expect(await c.getExchangeStatus()).toEqual({
      exchange_active: true,
      trading_active: true,
      exchange_estimated_resume_time: null,
    });
    expect((await c.getExchangeSchedule()).schedule.standard_hours).toHaveLength(1);
  });

  it("listSeries follows a cursor if Kalshi returns one", async () => {
    const [a, b, d] = fixture("rest-series-list").series;
    const { c, requests } = client([json({ series: [a], cursor: "s2" }), json({ series: [b, d], cursor: "" })]);
    const all = await c.listSeries();
    expect(all.items.map((s) => s.ticker)).toEqual(["KXBTCD", "KXFEDDECISION", "KXINXU"]);
    expect(new URL(requests[1]!.url).searchParams.get("cursor")).toBe("s2");
  });

  it("exchange status sent with a 503 is an answer, not a failure", async () => {
    const { c, requests } = client([
      json(
        { exchange_active: false, trading_active: false, exchange_estimated_resume_time: "2026-03-13T18:00:00Z" },
        503,
      ),
    ]);
    expect((await c.getExchangeStatus()).exchange_active).toBe(false);
    expect(requests).toHaveLength(1);
  });

  it("signs each attempt over the path without the query", async () => {
    const calls: Array<[string, string]> = [];
    const { c, requests } = client([json({}, 500), page([], "")], {
      signer: async (method, path) => {
        calls.push([method, path]);
        return {
          "KALSHI-ACCESS-KEY": "k",
          "KALSHI-ACCESS-TIMESTAMP": String(calls.length),
          "KALSHI-ACCESS-SIGNATURE": "s",
        };
      },
    });
    await c.getMarketsPage({ status: "open" });
    expect(calls).toEqual([
      ["GET", "/trade-api/v2/markets"],
      ["GET", "/trade-api/v2/markets"],
    ]);
    expect(requests.map((r) => r.headers.get("KALSHI-ACCESS-TIMESTAMP"))).toEqual(["1", "2"]);
  });
});

describe("pagination", () => {
  for (const [label, last] of [
    ["empty string", ""],
    ["null", null],
    ["absent", undefined],
  ] as const) {
    it(`follows cursors until ${label}`, async () => {
      const ms = marketsFixture();
      const { c, requests } = client([page([ms[0]], "c1"), page([ms[1]], "c2"), page([ms[2]], last)]);
      const pages = [];
      for await (const p of c.listMarkets({ series_ticker: "KXBTCD" })) pages.push(p);
      expect(pages.map((p) => p.items.map((m) => m.ticker))).toEqual([
        [ms[0]!.ticker],
        [ms[1]!.ticker],
        [ms[2]!.ticker],
      ]);
      expect(pages.map((p) => p.cursor)).toEqual(["c1", "c2", null]);
      const sent = requests.map((r) => new URL(r.url).searchParams);
      expect(sent.map((q) => q.get("cursor"))).toEqual([null, "c1", "c2"]);
      expect(sent.every((q) => q.get("series_ticker") === "KXBTCD" && q.get("limit") === "1000")).toBe(true);
    });
  }

  it("listEvents follows cursors too", async () => {
    const evs = fixture("rest-events-page").events;
    const { c } = client([json({ events: [evs[0]], cursor: "e2" }), json({ events: [evs[1], evs[2]], cursor: "" })]);
    let n = 0;
    for await (const p of c.listEvents({ series_ticker: "KXBTCD" })) n += p.items.length;
    expect(n).toBe(3);
  });

  it("a cursor that points at itself is an error, not an endless loop", async () => {
    const { c, requests } = client([page([], "same"), page([], "same")]);
    const it = c.listMarkets();
    expect((await it.next()).value?.cursor).toBe("same");
    expect((await it.next()).value?.cursor).toBe("same"); // the page itself is valid
    await expect(it.next()).rejects.toThrow(KalshiPaginationError);
    expect(requests).toHaveLength(2);
  });
});

describe("malformed items are skipped and reported with their ticker", () => {
  it("markets page", async () => {
    const ms = marketsFixture();
    const noStatus = { ...ms[1] };
    delete noStatus.status;
    const badPrice = { ...ms[2], yes_bid_dollars: "abc" };
    const noTicker = { ...ms[0] };
    delete noTicker.ticker;
    const { c, events } = client([page([ms[0], noStatus, badPrice, noTicker], "")]);
    const p = await c.getMarketsPage();
    expect(p.items.map((m) => m.ticker)).toEqual([ms[0]!.ticker]);
    expect(p.skipped).toEqual([
      { ticker: ms[1]!.ticker, index: 1, issues: expect.stringContaining("status"), kind: "market" },
      { ticker: ms[2]!.ticker, index: 2, issues: expect.stringContaining("yes_bid_dollars"), kind: "market" },
      { ticker: null, index: 3, issues: expect.stringContaining("ticker"), kind: "market" },
    ]);
    expect(events.filter((e) => e.type === "skip")).toHaveLength(3);
  });

  it("nested event markets: the event stays, the bad market is reported under it", async () => {
    const f = fixture("rest-event-with-markets");
    delete f.event.markets[1].event_ticker;
    const badEvent = { ...fixture("rest-events-page").events[1] };
    delete badEvent.series_ticker;
    const { c } = client([json({ events: [f.event, badEvent], cursor: "" })]);
    const p = await c.getEventsPage({ with_nested_markets: true });
    expect(p.items).toHaveLength(1);
    expect(p.items[0]!.markets).toHaveLength(2);
    expect(p.skipped).toEqual([
      {
        ticker: "KXBTCD-26MAR1317-T66499.99",
        index: 1,
        issues: expect.stringContaining("event_ticker"),
        kind: "market",
        parent: "KXBTCD-26MAR1317",
      },
      { ticker: "KXBTCD-26MAR1318", index: 1, issues: expect.stringContaining("series_ticker"), kind: "event" },
    ]);
  });
});

describe("retries", () => {
  it("429 with Retry-After: waits at least that long, pauses the client, then succeeds", async () => {
    const { c, requests, sleeps, events } = client([
      json({ error: { code: "too_many_requests" } }, 429, { "Retry-After": "3" }),
      page([], ""),
    ]);
    await c.getMarketsPage();
    expect(requests).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(3000);
    expect(sleeps[0]).toBeLessThan(4000);
    expect(events.find((e) => e.type === "retry")).toMatchObject({ status: 429, attempt: 1 });
  });

  it("5xx and network errors are retried with growing jittered backoff", async () => {
    const { c, requests, sleeps, events } = client([
      json({ error: { code: "service_unavailable" } }, 503),
      new TypeError("Network connection lost"),
      new Response("oops", { status: 502 }),
      page([marketsFixture()[0]], ""),
    ]);
    const p = await c.getMarketsPage();
    expect(p.items).toHaveLength(1);
    expect(requests).toHaveLength(4);
    expect(sleeps).toEqual([125, 250, 500]); // random 0.5 × 250·2^n
    expect(events.filter((e) => e.type === "retry").map((e) => (e as { reason: string }).reason)).toEqual([
      "HTTP 503 (service_unavailable)",
      "network error: Network connection lost",
      "HTTP 502 (oops)",
    ]);
  });

  it("a timeout aborts the attempt and is retried", async () => {
    const { c, requests, events } = client(["hang", page([], "")], { timeoutMs: 20 });
    await c.getMarketsPage();
    expect(requests).toHaveLength(2);
    expect(requests[0]!.signal.aborted).toBe(true);
    expect(events.find((e) => e.type === "retry")).toMatchObject({ status: null, reason: "timeout after 20 ms" });
  });

  it("400 fails at once with URL, status and Kalshi's message", async () => {
    const { c, requests } = client([json(fixture("rest-error-400"), 400)]);
    const err = await c.getMarketsPage({ status: "closed", min_close_ts: 5 }).catch((e) => e);
    expect(err).toBeInstanceOf(KalshiHttpError);
    expect(err).toMatchObject({
      status: 400,
      attempts: 1,
      url: `${BASE}/markets?status=closed&min_close_ts=5&limit=1000`,
    });
    expect(err.message).toContain(`${BASE}/markets?status=closed`);
    expect(err.message).toContain("HTTP 400");
    expect(err.message).toContain("min_close_ts is not compatible with status=open");
    expect(requests).toHaveLength(1);
  });

  it("after the last try, the error names URL, last status and attempts", async () => {
    const { c, requests } = client(
      Array.from({ length: 3 }, () => json({ code: "internal" }, 500)),
      { maxRetries: 2 },
    );
    const err = await c.getMarketsPage().catch((e) => e);
    expect(err).toBeInstanceOf(KalshiHttpError);
    expect(err).toMatchObject({ status: 500, attempts: 3, body: '{"code":"internal"}' });
    expect(err.message).toBe(`Kalshi GET ${BASE}/markets?limit=1000 failed: HTTP 500 (internal) after 3 attempts`);
    expect(requests).toHaveLength(3);
  });

  it("network failure on every try: status null, reason kept", async () => {
    const { c } = client([new TypeError("ECONNRESET"), new TypeError("ECONNRESET")], { maxRetries: 1 });
    const err = await c.getSeries("KXBTCD").catch((e) => e);
    expect(err).toMatchObject({ name: "KalshiHttpError", status: null, attempts: 2 });
    expect(err.message).toContain("no response (network error: ECONNRESET) after 2 attempts");
  });

  it("a malformed envelope is retried, then KalshiMalformedPageError", async () => {
    const ok = client([new Response("<html>gateway</html>", { status: 200 }), page([], "")]);
    expect((await ok.c.getMarketsPage()).cursor).toBeNull();
    expect(ok.requests).toHaveLength(2);

    const bad = client([json({ markets: "nope" }), json({ items: [] }), json({ markets: null })], { maxRetries: 2 });
    const err = await bad.c.getMarketsPage().catch((e) => e);
    expect(err).toBeInstanceOf(KalshiMalformedPageError);
    expect(err).toMatchObject({ url: `${BASE}/markets?limit=1000`, attempts: 3 });
    expect(err.message).toContain("markets");
  });

  it("a body cut off mid-stream counts as a network error", async () => {
    const broken = () =>
      new Response(
        new ReadableStream({
          start(ctl) {
            ctl.enqueue(new TextEncoder().encode('{"markets": ['));
            ctl.error(new Error("connection dropped"));
          },
        }),
        { status: 200 },
      );
    const { c, events } = client([broken, page([], "")]);
    await c.getMarketsPage();
    expect(events.find((e) => e.type === "retry")).toMatchObject({
      reason: expect.stringContaining("connection dropped"),
    });
  });
});

describe("rate limit", () => {
  it("paces requests at readsPerSecond across calls", async () => {
    const { c, sleeps, events, elapsed } = client(
      Array.from({ length: 5 }, () => page([], "")),
      { readsPerSecond: 10 },
    );
    await Promise.all([c.getMarketsPage(), c.getMarketsPage(), c.getMarketsPage()]);
    await c.getMarketsPage();
    await c.getMarketsPage();
    // The fake sleep advances the shared clock at once, so each waiter sees the previous slot taken.
    expect(sleeps).toEqual([100, 100, 100, 100]);
    expect(elapsed()).toBe(400);
    expect(events.filter((e) => e.type === "rate_limit_wait")).toHaveLength(4);
  });

  it("burst: slots missed while idle are taken back to back, within the per-second rate", async () => {
    const { c, sleeps, elapsed } = client(
      Array.from({ length: 8 }, () => page([], "")),
      { readsPerSecond: 10, burst: 3 },
    );
    await c.getMarketsPage();
    await Promise.all(Array.from({ length: 5 }, () => c.getMarketsPage()));
    // Idle before: the first request and two saved slots go at once, the other three 100 ms apart
    // (evenly paced, burst 1, the five would wait 5 × 100 ms).
    expect(sleeps).toEqual([100, 100, 100]);
    expect(elapsed()).toBe(300);
  });
});

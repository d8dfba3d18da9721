/**
 * Kalshi trade API v2 REST client for the public security-master endpoints. Pure TS: the only
 * globals used are web-standard (fetch, AbortController, URL, setTimeout), all injectable.
 *
 * Behaviour
 * - One token bucket per client paces every request at `readsPerSecond` (default 20, Kalshi basic).
 * - Each attempt has its own timeout (AbortSignal). Retries (at most `maxRetries`) use jittered
 *   exponential backoff on 429 (waiting at least `Retry-After`, which also pauses the whole client),
 *   5xx, network errors, timeouts and malformed envelopes. Other 4xx fail at once. After the last
 *   try a KalshiHttpError names the URL, the last status and the number of attempts.
 * - Listings are fetched at the maximum page size and follow `cursor` until it is "", null or absent.
 *
 * Malformed-data rule (also in docs/data-model.md):
 * - A malformed ITEM (fails its own schema, e.g. a market without `ticker`/`status`, or a price that
 *   is not a decimal) is skipped and reported in `page.skipped` with its ticker when it has one, and
 *   through `onEvent({type: "skip"})`. The rest of the page is used. Nothing is zeroed or guessed.
 *   A listing with skipped items is incomplete: callers must not soft-delete rows based on it.
 * - A malformed ENVELOPE (body not JSON, or `markets`/`events`/... missing or not an array) is
 *   treated as a transient fault and retried; after the last try it throws KalshiMalformedPageError.
 */
import type { z } from "zod";
import { RETRY_POLICIES } from "../lib/backoff";
import { errorMessage } from "../lib/errors";
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from "./retry";
import { type Pacer, realSleep, TokenBucket } from "./ratelimit";
import {
  KalshiCandlestickSchema,
  KalshiCandlesticksEnvelopeSchema,
  KalshiCandlesticksQuery,
  type KalshiCandlestick,
} from "./wire/history";
import {
  kalshiErrorBody,
  KalshiErrorResponseSchema,
  KalshiEventEnvelopeSchema,
  KalshiEventShellSchema,
  KalshiEventsPageEnvelopeSchema,
  KalshiExchangeScheduleSchema,
  KalshiExchangeStatusSchema,
  KalshiMarketEnvelopeSchema,
  KalshiMarketSchema,
  KalshiMarketsPageEnvelopeSchema,
  KalshiSeriesEnvelopeSchema,
  KalshiSeriesFeeChangeSchema,
  KalshiSeriesFeeChangesEnvelopeSchema,
  KalshiSeriesListEnvelopeSchema,
  KalshiSeriesSchema,
  KalshiTradeSchema,
  KalshiTradesPageEnvelopeSchema,
  type KalshiEvent,
  type KalshiExchangeSchedule,
  type KalshiExchangeStatus,
  type KalshiMarket,
  type KalshiSeries,
  type KalshiSeriesFeeChange,
  type KalshiTrade,
} from "./wire/rest";
import {
  KalshiEventsQuery,
  KalshiMarketsQuery,
  KalshiMultivariateEventsQuery,
  KalshiTradesQuery,
  type KalshiSeriesFeeChangesQuery,
  type KalshiSeriesListQuery,
} from "./wire/queries";
import type { RequestSigner } from "./sign";

export const MAX_MARKETS_PAGE = 1000;
export const MAX_EVENTS_PAGE = 200;
export const MAX_TRADES_PAGE = 1000;
/** Kalshi's default page size for `GET /events/multivariate` (max MAX_EVENTS_PAGE). */
export const DEFAULT_MULTIVARIATE_EVENTS_PAGE = 100;

export interface KalshiClientOptions {
  /** e.g. https://api.elections.kalshi.com/trade-api/v2 or `${SIM_ORIGIN}/trade-api/v2`. */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Token-bucket rate; default 20 (Kalshi basic tier). */
  readsPerSecond?: number;
  /**
   * Slots missed while no request was ready that may be recovered back to back (the limiter's
   * capacity, src/kalshi/ratelimit.ts); never more than `readsPerSecond` in any 1-s window.
   * Default 1: evenly paced, a missed slot is lost.
   */
  burst?: number;
  /**
   * Paces the requests instead of the client's own token bucket (`readsPerSecond` and `burst` then
   * unused): e.g. a RemotePacer on the read budget shared with other clients (src/kalshi/ratelimit.ts).
   */
  pacer?: Pacer;
  /** Per-attempt timeout; default 10 000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt; default 5. */
  maxRetries?: number;
  signer?: RequestSigner;
  onEvent?: (e: ClientEvent) => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Backoff ceiling for the first retry (doubles per retry, capped at backoffMaxMs). Default 250. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export interface SkippedItem {
  /** The item's ticker (market `ticker`, event `event_ticker`, ...) when it has a readable one. */
  ticker: string | null;
  /** Position in the page's array (for nested markets: in the event's `markets`). */
  index: number;
  /** What failed, e.g. `status: Invalid input: expected string, received undefined`. */
  issues: string;
  /** What kind of item was skipped. */
  kind?: "market" | "event" | "series" | "series_fee_change" | "trade" | "candlestick";
  /** For nested markets: the event they were in. */
  parent?: string;
}

export interface KalshiPage<T> {
  items: T[];
  /** Cursor for the next page; null on the last page. */
  cursor: string | null;
  skipped: SkippedItem[];
}

export type ClientEvent =
  | { type: "request"; url: string; attempt: number }
  | { type: "retry"; url: string; attempt: number; status: number | null; reason: string; delayMs: number }
  | { type: "rate_limit_wait"; url: string; waitMs: number }
  | { type: "skip"; url: string; item: SkippedItem };

/** A request that failed for good: a non-retryable status, or retries exhausted. */
export class KalshiHttpError extends Error {
  override name = "KalshiHttpError";
  constructor(
    readonly url: string,
    /** Last HTTP status; null when the last attempt got no response (network error, timeout). */
    readonly status: number | null,
    readonly attempts: number,
    readonly body?: string,
    detail?: string,
  ) {
    super(
      `Kalshi GET ${url} failed: ${status == null ? "no response" : `HTTP ${status}`}` +
        `${detail ? ` (${detail})` : ""} after ${attempts} attempt${attempts === 1 ? "" : "s"}`,
    );
  }
}

/** A 2xx body whose envelope could not be parsed, on every attempt. */
export class KalshiMalformedPageError extends Error {
  override name = "KalshiMalformedPageError";
  constructor(
    readonly url: string,
    readonly attempts: number,
    readonly issues: string,
  ) {
    super(
      `Kalshi GET ${url} returned a malformed body after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${issues}`,
    );
  }
}

/** A single-object GET (`/markets/{ticker}`, ...) whose object fails its schema. */
export class KalshiMalformedItemError extends Error {
  override name = "KalshiMalformedItemError";
  constructor(
    readonly url: string,
    readonly ticker: string | null,
    readonly issues: string,
  ) {
    super(`Kalshi GET ${url} returned a malformed item${ticker ? ` ${ticker}` : ""}: ${issues}`);
  }
}

/** A query Kalshi would reject or silently answer empty (see marketsQueryProblem). */
export class KalshiQueryError extends Error {
  override name = "KalshiQueryError";
}

/** The repeated cursor guard: a server that hands back the cursor it was given would loop forever. */
export class KalshiPaginationError extends Error {
  override name = "KalshiPaginationError";
}

type QueryValue = string | number | boolean | string[] | null | undefined;

export function formatIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`)
    .join("; ");
}

function itemTicker(raw: unknown, key: string): string | null {
  if (raw && typeof raw === "object" && key in raw) {
    const v = (raw as Record<string, unknown>)[key];
    if (typeof v === "string" && v !== "") return v;
  }
  return null;
}

const nextCursor = (c: string | null | undefined): string | null => (c == null || c === "" ? null : c);

export class KalshiClient {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly bucket: Pacer;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly signer: RequestSigner | undefined;
  private readonly onEvent: (e: ClientEvent) => void;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;

  constructor(opts: KalshiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    // Bound call: a bare `fetch` detached from globalThis throws "Illegal invocation" in workerd.
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? realSleep;
    this.bucket =
      opts.pacer ??
      new TokenBucket({
        ratePerSecond: opts.readsPerSecond ?? 20,
        capacity: opts.burst,
        now: this.now,
        sleep: this.sleep,
      });
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxRetries = opts.maxRetries ?? 5;
    this.signer = opts.signer;
    this.onEvent = opts.onEvent ?? (() => {});
    this.random = opts.random ?? Math.random;
    this.backoffBaseMs = opts.backoffBaseMs ?? RETRY_POLICIES.kalshiRequest.baseMs;
    this.backoffMaxMs = opts.backoffMaxMs ?? RETRY_POLICIES.kalshiRequest.maxMs;
  }

  // -------------------------------------------------------------------------------------------
  // Markets

  async getMarketsPage(q: KalshiMarketsQuery = {}): Promise<KalshiPage<KalshiMarket>> {
    const parsed = KalshiMarketsQuery.safeParse(q);
    if (!parsed.success) throw new KalshiQueryError(`invalid markets query: ${formatIssues(parsed.error)}`);
    const query = { ...parsed.data, limit: parsed.data.limit ?? MAX_MARKETS_PAGE };
    const { url, body } = await this.get("/markets", query, KalshiMarketsPageEnvelopeSchema);
    const { items, skipped } = this.parseItems(url, body.markets, KalshiMarketSchema, "ticker", "market");
    return { items, skipped, cursor: nextCursor(body.cursor) };
  }

  listMarkets(q: KalshiMarketsQuery = {}): AsyncGenerator<KalshiPage<KalshiMarket>> {
    return this.paginate(q, (query) => this.getMarketsPage(query));
  }

  async getMarket(ticker: string): Promise<KalshiMarket | null> {
    const res = await this.get(`/markets/${encodeURIComponent(ticker)}`, {}, KalshiMarketEnvelopeSchema, {
      allow404: true,
    });
    if (!res) return null;
    return this.parseOne(res.url, res.body.market, KalshiMarketSchema, "ticker");
  }

  // -------------------------------------------------------------------------------------------
  // Public trades

  /** `GET /markets/trades` (public): newest first; `q.limit` defaults to the max (1000). `SkippedItem.ticker` is the trade's market. */
  async getTradesPage(q: KalshiTradesQuery = {}): Promise<KalshiPage<KalshiTrade>> {
    const parsed = KalshiTradesQuery.safeParse(q);
    if (!parsed.success) throw new KalshiQueryError(`invalid trades query: ${formatIssues(parsed.error)}`);
    const query = { ...parsed.data, limit: parsed.data.limit ?? MAX_TRADES_PAGE };
    const { url, body } = await this.get("/markets/trades", query, KalshiTradesPageEnvelopeSchema);
    const { items, skipped } = this.parseItems(url, body.trades ?? [], KalshiTradeSchema, "ticker", "trade");
    return { items, skipped, cursor: nextCursor(body.cursor) };
  }

  listTrades(q: KalshiTradesQuery = {}): AsyncGenerator<KalshiPage<KalshiTrade>> {
    return this.paginate(q, (query) => this.getTradesPage(query));
  }

  /**
   * Candlesticks of one market, oldest first (docs/kalshi-wire.md §2.13): the series route, or the
   * historical route for a market settled before the cutoff. A malformed candle is skipped and reported.
   */
  async getCandlesticks(
    market: { series: string; ticker: string; historical?: boolean },
    q: KalshiCandlesticksQuery,
  ): Promise<KalshiPage<KalshiCandlestick>> {
    const parsed = KalshiCandlesticksQuery.safeParse(q);
    if (!parsed.success) throw new KalshiQueryError(`invalid candlesticks query: ${formatIssues(parsed.error)}`);
    const t = encodeURIComponent(market.ticker);
    const path = market.historical
      ? `/historical/markets/${t}/candlesticks`
      : `/series/${encodeURIComponent(market.series)}/markets/${t}/candlesticks`;
    const { url, body } = await this.get(path, parsed.data, KalshiCandlesticksEnvelopeSchema);
    const { items, skipped } = this.parseItems(
      url,
      body.candlesticks,
      KalshiCandlestickSchema,
      "end_period_ts",
      "candlestick",
    );
    return { items, skipped, cursor: null };
  }

  // -------------------------------------------------------------------------------------------
  // Events

  async getEventsPage(q: KalshiEventsQuery = {}): Promise<KalshiPage<KalshiEvent>> {
    const parsed = KalshiEventsQuery.safeParse(q);
    if (!parsed.success) throw new KalshiQueryError(`invalid events query: ${formatIssues(parsed.error)}`);
    const query = { ...parsed.data, limit: parsed.data.limit ?? MAX_EVENTS_PAGE };
    const { url, body } = await this.get("/events", query, KalshiEventsPageEnvelopeSchema);
    return this.eventsPage(url, body);
  }

  private eventsPage(
    url: string,
    body: { events: unknown[]; cursor?: string | null | undefined },
  ): KalshiPage<KalshiEvent> {
    const items: KalshiEvent[] = [];
    const skipped: SkippedItem[] = [];
    for (let index = 0; index < body.events.length; index++) {
      const event = this.parseEvent(url, body.events[index], index, skipped);
      if (event) items.push(event);
    }
    return { items, skipped, cursor: nextCursor(body.cursor) };
  }

  listEvents(q: KalshiEventsQuery = {}): AsyncGenerator<KalshiPage<KalshiEvent>> {
    return this.paginate(q, (query) => this.getEventsPage(query));
  }

  /**
   * `GET /events/multivariate`: the multivariate (combo) events, which `GET /events` leaves out.
   * `q.limit` defaults to Kalshi's 100 (max 200). Malformed events or nested markets are skipped
   * and reported like in getEventsPage.
   */
  async getMultivariateEventsPage(q: KalshiMultivariateEventsQuery = {}): Promise<KalshiPage<KalshiEvent>> {
    const parsed = KalshiMultivariateEventsQuery.safeParse(q);
    if (!parsed.success) throw new KalshiQueryError(`invalid multivariate events query: ${formatIssues(parsed.error)}`);
    const query = { ...parsed.data, limit: parsed.data.limit ?? DEFAULT_MULTIVARIATE_EVENTS_PAGE };
    const { url, body } = await this.get("/events/multivariate", query, KalshiEventsPageEnvelopeSchema);
    return this.eventsPage(url, body);
  }

  listMultivariateEvents(q: KalshiMultivariateEventsQuery = {}): AsyncGenerator<KalshiPage<KalshiEvent>> {
    return this.paginate(q, (query) => this.getMultivariateEventsPage(query));
  }

  /**
   * `GET /events/{event_ticker}`. `markets` is the event's nested list when requested (and sent),
   * else the deprecated top-level list. Malformed markets are left out and listed in `skipped`.
   */
  async getEvent(
    eventTicker: string,
    opts: { withNestedMarkets?: boolean } = {},
  ): Promise<{ event: KalshiEvent; markets: KalshiMarket[]; skipped: SkippedItem[] } | null> {
    const query = opts.withNestedMarkets ? { with_nested_markets: true } : {};
    const res = await this.get(`/events/${encodeURIComponent(eventTicker)}`, query, KalshiEventEnvelopeSchema, {
      allow404: true,
    });
    if (!res) return null;
    const skipped: SkippedItem[] = [];
    const event = this.parseEvent(res.url, res.body.event, 0, skipped);
    if (!event) {
      const s = skipped[0]!;
      throw new KalshiMalformedItemError(res.url, s.ticker, s.issues);
    }
    let markets = event.markets;
    if (!markets || !opts.withNestedMarkets) {
      const top = this.parseItems(res.url, res.body.markets ?? [], KalshiMarketSchema, "ticker", "market");
      skipped.push(...top.skipped.map((s) => ({ ...s, parent: event.event_ticker })));
      markets = top.items;
    }
    return { event, markets, skipped };
  }

  // -------------------------------------------------------------------------------------------
  // Series and fees

  /** `GET /series` (not paginated per the spec; a returned cursor is followed anyway). */
  async listSeries(q: KalshiSeriesListQuery = {}): Promise<KalshiPage<KalshiSeries>> {
    const items: KalshiSeries[] = [];
    const skipped: SkippedItem[] = [];
    let cursor: string | null = null;
    for (;;) {
      const { url, body } = await this.get(
        "/series",
        { ...q, cursor: cursor ?? undefined },
        KalshiSeriesListEnvelopeSchema,
      );
      const page = this.parseItems(url, body.series ?? [], KalshiSeriesSchema, "ticker", "series");
      items.push(...page.items);
      skipped.push(...page.skipped);
      const next = nextCursor(body.cursor);
      if (next === null) break;
      if (next === cursor) throw new KalshiPaginationError(`Kalshi GET ${url} returned the same cursor again`);
      cursor = next;
    }
    return { items, skipped, cursor: null };
  }

  async getSeries(ticker: string, q: { include_volume?: boolean } = {}): Promise<KalshiSeries | null> {
    const res = await this.get(`/series/${encodeURIComponent(ticker)}`, q, KalshiSeriesEnvelopeSchema, {
      allow404: true,
    });
    if (!res) return null;
    return this.parseOne(res.url, res.body.series, KalshiSeriesSchema, "ticker");
  }

  async getSeriesFeeChanges(q: KalshiSeriesFeeChangesQuery = {}): Promise<KalshiPage<KalshiSeriesFeeChange>> {
    const { url, body } = await this.get("/series/fee_changes", q, KalshiSeriesFeeChangesEnvelopeSchema);
    const page = this.parseItems(
      url,
      body.series_fee_change_arr ?? [],
      KalshiSeriesFeeChangeSchema,
      "series_ticker",
      "series_fee_change",
    );
    return { ...page, cursor: null };
  }

  // -------------------------------------------------------------------------------------------
  // Exchange

  /** Kalshi may send this body with a 5xx during maintenance: such a body is an answer, not a fault. */
  async getExchangeStatus(): Promise<KalshiExchangeStatus> {
    const { body } = await this.get("/exchange/status", {}, KalshiExchangeStatusSchema, { acceptBodyOn5xx: true });
    return body;
  }

  async getExchangeSchedule(): Promise<KalshiExchangeSchedule> {
    const { body } = await this.get("/exchange/schedule", {}, KalshiExchangeScheduleSchema);
    return body;
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private async *paginate<Q extends { cursor?: string | undefined }, T>(
    q: Q,
    fetchPage: (q: Q) => Promise<KalshiPage<T>>,
  ): AsyncGenerator<KalshiPage<T>> {
    let cursor = q.cursor;
    for (;;) {
      const page = await fetchPage({ ...q, cursor });
      yield page;
      if (page.cursor === null) return;
      if (page.cursor === cursor) throw new KalshiPaginationError(`Kalshi returned cursor ${page.cursor} for itself`);
      cursor = page.cursor;
    }
  }

  buildUrl(path: string, query: Record<string, QueryValue>): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === "") continue;
      params.set(k, Array.isArray(v) ? v.join(",") : String(v));
    }
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ""}`;
  }

  private get<S extends z.ZodType>(
    path: string,
    query: Record<string, QueryValue>,
    envelope: S,
  ): Promise<{ url: string; body: z.infer<S> }>;
  private get<S extends z.ZodType>(
    path: string,
    query: Record<string, QueryValue>,
    envelope: S,
    opts: { allow404: true },
  ): Promise<{ url: string; body: z.infer<S> } | null>;
  private get<S extends z.ZodType>(
    path: string,
    query: Record<string, QueryValue>,
    envelope: S,
    opts: { acceptBodyOn5xx: true },
  ): Promise<{ url: string; body: z.infer<S> }>;
  private async get<S extends z.ZodType>(
    path: string,
    query: Record<string, QueryValue>,
    envelope: S,
    opts: { allow404?: boolean; acceptBodyOn5xx?: boolean } = {},
  ): Promise<{ url: string; body: z.infer<S> } | null> {
    const url = this.buildUrl(path, query);
    const signPath = new URL(url).pathname;
    const attempts = this.maxRetries + 1;
    let last: { status: number | null; reason: string; body?: string; malformed: boolean } = {
      status: null,
      reason: "not attempted",
      malformed: false,
    };

    for (let attempt = 1; attempt <= attempts; attempt++) {
      const waited = await this.bucket.acquire();
      if (waited > 0) this.onEvent({ type: "rate_limit_wait", url, waitMs: waited });
      this.onEvent({ type: "request", url, attempt });

      const headers: Record<string, string> = { accept: "application/json" };
      if (this.signer) Object.assign(headers, await this.signer("GET", signPath));

      let retryAfterMs: number | null = null;
      const result = await this.attempt(url, headers);
      if (result.kind === "response") {
        const { status, text } = result;
        if (status >= 200 && status < 300) {
          const parsed = parseEnvelope(text, envelope);
          if (parsed.ok) return { url, body: parsed.value };
          last = { status, reason: `malformed body: ${parsed.issues}`, body: text, malformed: true };
        } else if (status === 404 && opts.allow404) {
          return null;
        } else {
          if (opts.acceptBodyOn5xx && status >= 500) {
            const parsed = parseEnvelope(text, envelope);
            if (parsed.ok) return { url, body: parsed.value };
          }
          const detail = describeError(text);
          if (!isRetryableStatus(status)) throw new KalshiHttpError(url, status, attempt, text, detail);
          last = { status, reason: `HTTP ${status}${detail ? ` (${detail})` : ""}`, body: text, malformed: false };
          retryAfterMs = parseRetryAfter(result.retryAfter, this.now());
        }
      } else {
        last = { status: null, reason: result.reason, malformed: false };
      }

      if (attempt === attempts) break;
      const delayMs = retryDelayMs(attempt - 1, retryAfterMs, {
        baseMs: this.backoffBaseMs,
        maxMs: this.backoffMaxMs,
        random: this.random,
      });
      if (last.status === 429 && retryAfterMs != null) this.bucket.pause(retryAfterMs);
      this.onEvent({ type: "retry", url, attempt, status: last.status, reason: last.reason, delayMs });
      await this.sleep(delayMs);
    }

    if (last.malformed) throw new KalshiMalformedPageError(url, attempts, last.reason);
    throw new KalshiHttpError(
      url,
      last.status,
      attempts,
      last.body,
      last.status == null ? last.reason : describeError(last.body ?? ""),
    );
  }

  /** One HTTP exchange, body included, under the per-attempt timeout. */
  private async attempt(
    url: string,
    headers: Record<string, string>,
  ): Promise<
    { kind: "response"; status: number; text: string; retryAfter: string | null } | { kind: "failure"; reason: string }
  > {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const res = await this.fetchFn(url, { method: "GET", headers, signal: controller.signal });
      // Reading the body is part of the attempt: a connection dropped mid-body is a network error.
      const text = await res.text();
      return { kind: "response", status: res.status, text, retryAfter: res.headers.get("retry-after") };
    } catch (e) {
      if (timedOut) return { kind: "failure", reason: `timeout after ${this.timeoutMs} ms` };
      return { kind: "failure", reason: `network error: ${errorMessage(e)}` };
    } finally {
      clearTimeout(timer);
    }
  }

  private parseItems<S extends z.ZodType>(
    url: string,
    raw: unknown[],
    schema: S,
    tickerKey: string,
    kind: SkippedItem["kind"],
  ): { items: z.infer<S>[]; skipped: SkippedItem[] } {
    const items: z.infer<S>[] = [];
    const skipped: SkippedItem[] = [];
    for (let index = 0; index < raw.length; index++) {
      const item = raw[index];
      const r = schema.safeParse(item);
      if (r.success) items.push(r.data);
      else
        skipped.push(
          this.skip(url, { ticker: itemTicker(item, tickerKey), index, issues: formatIssues(r.error), kind }),
        );
    }
    return { items, skipped };
  }

  private parseOne<S extends z.ZodType>(url: string, raw: unknown, schema: S, tickerKey: string): z.infer<S> {
    const r = schema.safeParse(raw);
    if (!r.success) throw new KalshiMalformedItemError(url, itemTicker(raw, tickerKey), formatIssues(r.error));
    return r.data;
  }

  /** An event, with its nested markets validated one by one (a bad market does not sink the event). */
  private parseEvent(url: string, raw: unknown, index: number, skipped: SkippedItem[]): KalshiEvent | null {
    const shell = KalshiEventShellSchema.safeParse(raw);
    if (!shell.success) {
      skipped.push(
        this.skip(url, {
          ticker: itemTicker(raw, "event_ticker"),
          index,
          issues: formatIssues(shell.error),
          kind: "event",
        }),
      );
      return null;
    }
    const { markets: rawMarkets, ...rest } = shell.data;
    if (rawMarkets === undefined) return rest as KalshiEvent;
    const nested = this.parseItems(url, rawMarkets, KalshiMarketSchema, "ticker", "market");
    for (const s of nested.skipped) s.parent = shell.data.event_ticker;
    skipped.push(...nested.skipped);
    return { ...rest, markets: nested.items } as KalshiEvent;
  }

  private skip(url: string, item: SkippedItem): SkippedItem {
    this.onEvent({ type: "skip", url, item });
    return item;
  }
}

function parseEnvelope<S extends z.ZodType>(
  text: string,
  schema: S,
): { ok: true; value: z.infer<S> } | { ok: false; issues: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, issues: `not JSON (${errorMessage(e)}): ${text.slice(0, 120)}` };
  }
  const r = schema.safeParse(json);
  return r.success ? { ok: true, value: r.data } : { ok: false, issues: formatIssues(r.error) };
}

/** "bad_request: invalid parameters — min_close_ts is not ..." from either ErrorResponse form. */
function describeError(text: string): string | undefined {
  try {
    const r = KalshiErrorResponseSchema.safeParse(JSON.parse(text));
    if (!r.success) return undefined;
    const e = kalshiErrorBody(r.data);
    const parts = [e.code, e.message !== e.code ? e.message : undefined, e.details].filter((p): p is string => !!p);
    return parts.length ? parts.join(": ") : undefined;
  } catch {
    return text ? text.slice(0, 200) : undefined;
  }
}

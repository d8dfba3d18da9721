/**
 * One simulated Kalshi "world": data, clock, rate limit, faults, stats, the REST endpoints under
 * `/trade-api/v2`, the control API under `/_sim`, and the WebSocket feed engine. Web-standard
 * APIs only (Request/Response/ReadableStream/crypto.subtle): it runs in Node and in workerd.
 */
import {
  ClockSchema,
  FaultsSchema,
  FeedPumpSchema,
  MutateSchema,
  RuntimeConfigSchema,
  SimConfigSchema,
  resolveRates,
  type Faults,
  type ResolvedSimConfig,
  type SimConfig,
} from "./config";
import { checkAuth } from "./auth";
import { FaultEngine, type FiredRule } from "./faults";
import { isoMillis } from "./format";
import { ApiError, decodeCursor, encodeCursor, handleRest, routeOf, type RestResult } from "./rest";
import { renderEvent, renderMarket, type Json } from "./render";
import { TokenBucket } from "./ratelimit";
import { MARKET_STATUSES } from "./status";
import { World, type EventRec } from "./world";
import { Feed, type WsSession, type WsTransport } from "./ws";
import type { z } from "zod";

export const REST_PREFIX = "/trade-api/v2";
export const WS_PATH = "/trade-api/ws/v2";

/** What `fetch` throws (in-process) or the server turns into a destroyed socket. Mirrors fetch's TypeError. */
export class ConnectionDropped extends TypeError {
  constructor(message = "fetch failed") {
    super(message);
    this.name = "TypeError";
  }
}

export interface SimulatorOptions {
  /** Mount path of this world ("/w/<id>"); "" for the root world. */
  basePath?: string;
  /** Wall clock (ms) for the rate limiter and realtime clock; injectable for tests. */
  wallNow?: () => number;
  /** Delay implementation for slow responses. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface Stats {
  started_at: string;
  requests: number;
  by_route: Record<string, number>;
  by_status: Record<string, number>;
  rate_limited: number;
  auth_rejected: number;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

function json(status: number, body: unknown, extra?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...extra } });
}

function errorResponse(e: ApiError, extra?: Record<string, string>): Response {
  return json(e.status, e.body(), extra);
}

async function readJson<T extends z.ZodType>(req: Request, schema: T): Promise<z.output<T>> {
  let raw: unknown = {};
  const text = await req.text();
  if (text.trim() !== "") {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new ApiError(400, "bad_request", "invalid JSON body");
    }
  }
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new ApiError(
      400,
      "bad_request",
      "invalid body",
      r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
    );
  return r.data;
}

export class Simulator {
  readonly config: ResolvedSimConfig;
  readonly world: World;
  readonly feed: Feed;
  readonly basePath: string;
  private readonly wallNow: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly faultEngine: FaultEngine;
  private bucket: TokenBucket | null = null;
  private readonly startSimMs: number;
  private readonly startWallMs: number;
  /** Manual advances on top of the start (and, in realtime mode, of wall time). */
  private offsetMs = 0;
  private stats: Stats;

  constructor(config: SimConfig = {}, opts: SimulatorOptions = {}) {
    this.config = SimConfigSchema.parse(config);
    this.basePath = opts.basePath ?? "";
    this.wallNow = opts.wallNow ?? (() => Date.now());
    this.sleep = opts.sleep ?? abortableSleep;
    this.startWallMs = this.wallNow();
    this.startSimMs = this.config.start_time_ms ?? Date.now();
    this.world = new World({
      seed: this.config.seed,
      markets: this.config.markets,
      series: this.config.series,
      events: this.config.events,
      nowS: Math.floor(this.startSimMs / 1000),
      rates: resolveRates(this.config),
      unknownStatusShare: this.config.unknown_status_share,
      unknownStatus: this.config.unknown_status,
    });
    this.faultEngine = new FaultEngine(this.config.seed, FaultsSchema.parse(this.config.faults ?? {}));
    this.setRate(this.config.reads_per_second ?? null);
    this.feed = new Feed(
      this.world,
      () => this.nowMs(),
      () => this.faultEngine.settings.ws,
      () => this.config.legacy_fields,
    );
    this.stats = this.freshStats();
  }

  private freshStats(): Stats {
    return {
      started_at: new Date(this.wallNow()).toISOString(),
      requests: 0,
      by_route: {},
      by_status: {},
      rate_limited: 0,
      auth_rejected: 0,
    };
  }

  private setRate(rps: number | null): void {
    this.config.reads_per_second = rps;
    this.bucket = rps ? new TokenBucket(rps, this.wallNow) : null;
  }

  /** Simulated time now (ms). */
  nowMs(): number {
    const wall = this.config.clock === "realtime" ? this.wallNow() - this.startWallMs : 0;
    return this.startSimMs + wall + this.offsetMs;
  }

  /** Bring the world up to the simulated now (transitions + mutation rates). */
  syncClock(): void {
    this.world.advanceTo(Math.floor(this.nowMs() / 1000));
  }

  advance(ms: number): void {
    this.offsetMs += ms;
    this.syncClock();
  }

  /** Replace fault settings (counters restart). */
  setFaults(faults: z.input<typeof FaultsSchema>): Faults {
    const parsed = FaultsSchema.parse(faults);
    this.faultEngine.replace(parsed);
    return parsed;
  }

  /** Open a WebSocket protocol session on this world's feed. */
  openSession(transport: WsTransport, authenticated: boolean): WsSession {
    this.syncClock();
    return this.feed.open(transport, authenticated);
  }

  /** Checks the KALSHI-ACCESS-* headers of a WS upgrade (path signed is the WS path as requested). */
  async authorizeUpgrade(
    headers: Headers,
    path: string,
  ): Promise<{ ok: boolean; authenticated: boolean; reason?: string }> {
    const r = await checkAuth(headers, "GET", path, {
      required: this.config.require_auth,
      publicKeys: this.config.auth_public_keys,
      nowMs: this.wallNow(),
    });
    if (!r.ok) return { ok: false, authenticated: false, reason: r.reason };
    return { ok: true, authenticated: r.keyId !== null };
  }

  /** Handle an HTTP request (REST or control). Throws a TypeError when a connection drop is injected before headers. */
  async fetch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    let path = url.pathname;
    if (this.basePath && path.startsWith(this.basePath)) path = path.slice(this.basePath.length) || "/";
    try {
      if (path === "/_sim" || path.startsWith("/_sim/")) return await this.control(req, path.slice(5) || "/", url);
      if (path === REST_PREFIX || path.startsWith(`${REST_PREFIX}/`))
        return await this.rest(req, url, path.slice(REST_PREFIX.length) || "/");
      return errorResponse(new ApiError(404, "not_found", "not found", path));
    } catch (e) {
      if (e instanceof ApiError) return errorResponse(e);
      throw e;
    }
  }

  // ------------------------------------------------------------ REST

  private count(route: string, status: number): void {
    this.stats.requests++;
    this.stats.by_route[route] = (this.stats.by_route[route] ?? 0) + 1;
    this.stats.by_status[status] = (this.stats.by_status[status] ?? 0) + 1;
  }

  private async rest(req: Request, url: URL, path: string): Promise<Response> {
    this.syncClock();
    const route = routeOf(path) ?? "(unknown)";
    const label = `${req.method} ${route}`;
    const auth = await checkAuth(req.headers, req.method, url.pathname, {
      required: this.config.require_auth,
      publicKeys: this.config.auth_public_keys,
      nowMs: this.wallNow(),
    });
    if (!auth.ok) {
      this.stats.auth_rejected++;
      this.count(label, 401);
      return errorResponse(new ApiError(401, "unauthorized", "authentication failed", auth.reason));
    }
    if (this.bucket) {
      const wait = this.bucket.take();
      if (wait > 0) {
        this.stats.rate_limited++;
        this.count(label, 429);
        return errorResponse(new ApiError(429, "too_many_requests", "too many requests"), {
          "retry-after": String(Math.max(1, Math.ceil(wait / 1000))),
        });
      }
    }
    const fired = this.faultEngine.evaluate(path);
    const byType = (t: string) => fired.find((f) => f.rule.type === t);
    const slow = byType("slow");
    if (slow) await this.sleep(slow.rule.delay_ms ?? 2000, req.signal);
    const drop = byType("drop");
    if (drop && drop.rule.at === "before_headers") {
      this.count(label, 0);
      throw new ConnectionDropped("fetch failed");
    }
    const limited = byType("rate_limit");
    if (limited) {
      this.count(label, 429);
      return errorResponse(new ApiError(429, "too_many_requests", "too many requests"), {
        "retry-after": String(limited.rule.retry_after_s ?? 1),
      });
    }
    const failed = byType("server_error");
    if (failed) {
      const status = failed.rule.status ?? 503;
      this.count(label, status);
      const code =
        status === 503 ? "service_unavailable" : status === 504 ? "gateway_timeout" : "internal_server_error";
      return errorResponse(new ApiError(status, code, code));
    }
    let result: RestResult;
    try {
      result = handleRest(this.restContext(), req.method, path, url.searchParams);
    } catch (e) {
      if (e instanceof ApiError) {
        this.count(label, e.status);
        return errorResponse(e);
      }
      throw e;
    }
    this.count(label, result.status);
    const drift = byType("schema_drift");
    if (drift) applyDrift(result, drift);
    let text = JSON.stringify(result.body);
    const malformed = byType("malformed");
    if (malformed) text = malform(result, text, malformed);
    if (drop) return dropMidBody(result.status, text);
    return new Response(req.method === "HEAD" ? null : text, { status: result.status, headers: JSON_HEADERS });
  }

  private restContext() {
    const days = this.config.historical_cutoff_days;
    return {
      world: this.world,
      legacy: this.config.legacy_fields,
      incompatible: this.config.incompatible_filters,
      // Cutoff at a whole hour, `days` before now.
      historicalCutoffS: days === null ? null : Math.floor((this.world.nowS - days * 86400) / 3600) * 3600,
    };
  }

  // ------------------------------------------------------------ control

  private async control(req: Request, path: string, url: URL): Promise<Response> {
    const m = req.method;
    this.syncClock();
    if (m === "GET" && path === "/state") return json(200, this.state());
    if (m === "POST" && path === "/clock") {
      const body = await readJson(req, ClockSchema);
      if ("advance_ms" in body) this.advance(body.advance_ms);
      else {
        const delta = body.set_ms - this.nowMs();
        if (delta < 0)
          throw new ApiError(400, "bad_request", "the clock cannot move backwards", `now is ${this.nowMs()}`);
        this.advance(delta);
      }
      return json(200, this.state());
    }
    if (m === "GET" && path === "/faults") return json(200, this.faultEngine.state());
    if (m === "POST" && path === "/faults") {
      const body = await readJson(req, FaultsSchema);
      this.faultEngine.replace(body);
      return json(200, this.faultEngine.state());
    }
    if (m === "POST" && path === "/mutate") return json(200, this.mutate(await readJson(req, MutateSchema)));
    if (m === "POST" && path === "/config") {
      const body = await readJson(req, RuntimeConfigSchema);
      if (body.reads_per_second !== undefined) this.setRate(body.reads_per_second);
      if (body.trade_rate_per_s !== undefined) this.config.trade_rate_per_s = body.trade_rate_per_s;
      if (body.require_auth !== undefined) this.config.require_auth = body.require_auth;
      if (body.legacy_fields !== undefined) this.config.legacy_fields = body.legacy_fields;
      if (body.incompatible_filters !== undefined) this.config.incompatible_filters = body.incompatible_filters;
      if (body.historical_cutoff_days !== undefined) this.config.historical_cutoff_days = body.historical_cutoff_days;
      if (body.mutation_rates) {
        this.config.mutation_rates = { ...this.config.mutation_rates, ...body.mutation_rates };
        this.world.rates = resolveRates(this.config);
      }
      return json(200, this.state());
    }
    if (m === "GET" && path === "/stats")
      return json(200, { ...this.stats, faults_fired: { ...this.faultEngine.firedByType }, feed: this.feed.stats() });
    if (m === "POST" && path === "/stats/reset") {
      this.stats = this.freshStats();
      return json(200, this.stats);
    }
    if (m === "GET" && path === "/truth/markets") return this.truthMarkets(url);
    if (m === "GET" && path === "/truth/events") return this.truthEvents(url);
    if (m === "POST" && path === "/feed/pump") {
      const body = await readJson(req, FeedPumpSchema);
      this.syncClock();
      return json(200, { generated: this.feed.pump(body.trades), ...this.feed.stats() });
    }
    if (m === "POST" && path === "/ws/drop") return json(200, { dropped: this.feed.dropAll() });
    return errorResponse(new ApiError(404, "not_found", "unknown control endpoint", `${m} /_sim${path}`));
  }

  state(): Json {
    const w = this.world;
    const now = this.nowMs();
    return {
      now_ms: now,
      now: isoMillis(now),
      clock: this.config.clock,
      seed: this.config.seed,
      counts: {
        markets: w.count,
        events: w.events.length,
        series: w.series.length,
        fee_changes: w.feeChanges.length,
        statuses: w.statusCounts(),
      },
      reads_per_second: this.config.reads_per_second ?? null,
      trade_rate_per_s: this.config.trade_rate_per_s,
      legacy_fields: this.config.legacy_fields,
      require_auth: this.config.require_auth,
      incompatible_filters: this.config.incompatible_filters,
      historical_cutoff_days: this.config.historical_cutoff_days,
      unknown_status_share: this.config.unknown_status_share,
      unknown_status: this.config.unknown_status,
      mutation_rates: w.rates,
      faults: this.faultEngine.state(),
    };
  }

  mutate(body: z.output<typeof MutateSchema>): Json {
    this.syncClock();
    const w = this.world;
    const tickers = (ms: number[]) => ms.map((m) => w.marketTicker(m));
    const out: Json = {};
    if (body.change_fraction !== undefined) {
      const active = w.activeMarkets();
      const n = Math.round(active.length * body.change_fraction);
      // Distinct markets: shuffle-pick without replacement.
      const picked: number[] = [];
      const pool = [...active];
      for (let i = 0; i < n; i++) picked.push(pool.splice(w.rng.int(pool.length), 1)[0] as number);
      for (const mk of picked) w.changePrices([mk], 1);
      out.changed = picked.length;
    }
    if (body.metadata_changes)
      out.metadata_changed = tickers(w.changeMetadata(w.activeMarkets(), body.metadata_changes));
    if (body.new_markets) out.created = tickers(w.createMarkets(body.new_markets));
    if (body.vanish !== undefined) {
      if (typeof body.vanish === "number") out.vanished = tickers(w.vanishRandom(body.vanish));
      else out.vanished = tickers(w.vanish(this.resolve(body.vanish)));
    }
    if (body.reappear) out.reappeared = tickers(w.reappear(this.resolve(body.reappear)));
    if (body.set_unknown_status)
      out.unknown_status_set = tickers(w.setUnknownStatus(this.resolve(body.set_unknown_status), true));
    if (body.clear_unknown_status)
      out.unknown_status_cleared = tickers(w.setUnknownStatus(this.resolve(body.clear_unknown_status), false));
    return out;
  }

  private resolve(ts: string[]): number[] {
    const out: number[] = [];
    for (const t of ts) {
      const m = this.world.findMarket(t);
      if (m === null) throw new ApiError(404, "not_found", "market not found", t);
      out.push(m);
    }
    return out;
  }

  /**
   * The world's true markets as Kalshi wire JSON: NDJSON (format=ndjson, streamed) or pages
   * ({markets, cursor}, limit ≤ 10000). Filters: status (the served response status, the unknown
   * word included), series_ticker, event_ticker, include_vanished.
   */
  private truthMarkets(url: URL): Response {
    this.syncClock();
    const q = url.searchParams;
    const w = this.world;
    const status = q.get("status") || null;
    const served = [...MARKET_STATUSES, w.unknownStatus];
    if (status !== null && !served.includes(status))
      throw new ApiError(400, "bad_request", "invalid parameters", `status must be one of ${served.join(", ")}`);
    const series = q.get("series_ticker");
    const event = q.get("event_ticker");
    const includeVanished = q.get("include_vanished") === "true";
    const match = (m: number) => {
      if (!includeVanished && !w.visible(m)) return false;
      if (status !== null && w.statusName(m) !== status) return false;
      const ev = w.events[w.cols.ev[m] as number] as EventRec;
      if (event && ev.ticker !== event) return false;
      if (series && w.series[ev.series]!.ticker !== series) return false;
      return true;
    };
    const legacy = this.config.legacy_fields;
    if (q.get("format") === "ndjson") {
      let m = 0;
      const enc = new TextEncoder();
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          const lines: string[] = [];
          while (m < w.count && lines.length < 500) {
            if (match(m))
              lines.push(
                JSON.stringify({ ...renderMarket(w, m, legacy), ...(w.visible(m) ? {} : { _vanished: true }) }),
              );
            m++;
          }
          if (lines.length > 0) controller.enqueue(enc.encode(`${lines.join("\n")}\n`));
          if (m >= w.count) controller.close();
        },
      });
      return new Response(stream, { headers: { "content-type": "application/x-ndjson" } });
    }
    const limitRaw = q.get("limit");
    const limit = limitRaw ? Number(limitRaw) : 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10000)
      throw new ApiError(400, "bad_request", "invalid parameters", "limit must be between 1 and 10000");
    const after = decodeCursor("t", q.get("cursor"));
    const out: number[] = [];
    let more = false;
    for (let m = after + 1; m < w.count; m++) {
      if (!match(m)) continue;
      if (out.length === limit) {
        more = true;
        break;
      }
      out.push(m);
    }
    return json(200, {
      markets: out.map((m) =>
        w.visible(m) ? renderMarket(w, m, legacy) : { ...renderMarket(w, m, legacy), _vanished: true },
      ),
      cursor: more ? encodeCursor("t", out[out.length - 1] as number) : "",
    });
  }

  /** All events (including multivariate) as wire JSON, NDJSON, with `_market_count` of visible markets. */
  private truthEvents(_url: URL): Response {
    this.syncClock();
    const w = this.world;
    let i = 0;
    const enc = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const lines: string[] = [];
        while (i < w.events.length && lines.length < 500) {
          const ev = w.events[i++] as EventRec;
          lines.push(
            JSON.stringify({
              ...renderEvent(w, ev, null),
              _market_count: ev.markets.filter((m) => w.visible(m)).length,
              _multivariate: ev.kind === "mve",
            }),
          );
        }
        if (lines.length > 0) controller.enqueue(enc.encode(`${lines.join("\n")}\n`));
        if (i >= w.events.length) controller.close();
      },
    });
    return new Response(stream, { headers: { "content-type": "application/x-ndjson" } });
  }

  dispose(): void {
    this.feed.dispose();
  }
}

// ------------------------------------------------------------ body faults

/** Remove or rename a field on item(s) of a response (schema drift). */
function applyDrift(result: RestResult, fired: FiredRule): void {
  const d = fired.rule.drift ?? { field: "ticker", action: "remove" as const };
  const field = d.field ?? "ticker";
  const items: Json[] = [];
  if (result.listKey) {
    const list = result.body[result.listKey];
    if (Array.isArray(list)) items.push(...(list as Json[]));
  } else if (result.itemKey) {
    const item = result.body[result.itemKey];
    if (item && typeof item === "object") items.push(item as Json);
  }
  if (items.length === 0) return;
  const first = Math.min(d.item ?? Math.floor(items.length / 2), items.length - 1);
  const n = d.items ?? 1;
  for (let i = first; i < Math.min(items.length, first + n); i++) {
    const it = items[i] as Json;
    if (!(field in it)) continue;
    const v = it[field];
    delete it[field];
    if (d.action === "rename") it[d.to ?? `${field}_v2`] = v;
  }
}

function malform(result: RestResult, text: string, fired: FiredRule): string {
  switch (fired.rule.mode ?? "invalid_json") {
    case "wrong_envelope": {
      // Same data under an unexpected envelope key, and no cursor.
      const key = result.listKey ?? result.itemKey;
      if (!key) return JSON.stringify({ data: result.body });
      const { [key]: payload, cursor: _cursor, ...rest } = result.body;
      return JSON.stringify({ ...rest, data: payload });
    }
    case "truncated_json":
      return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    default:
      return `${text.slice(0, Math.max(1, Math.floor(text.length / 3)))}<html>502 Bad Gateway</html>`;
  }
}

/** A response whose body stops halfway with a network error, as when the socket is destroyed. */
function dropMidBody(status: number, text: string): Response {
  const bytes = new TextEncoder().encode(text);
  const half = bytes.slice(0, Math.floor(bytes.length / 2));
  let sent = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(half);
        return;
      }
      controller.error(new ConnectionDropped("terminated"));
    },
  });
  return new Response(stream, { status, headers: JSON_HEADERS });
}

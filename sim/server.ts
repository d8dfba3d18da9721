/**
 * Node HTTP + WebSocket server for the Kalshi simulator.
 *
 *   npx tsx sim/server.ts --port 8788 --markets 20000 --seed 1 [--reads-per-second 20]
 *
 * The default world is served at the root (`/trade-api/v2`, `/trade-api/ws/v2`, `/_sim/...`);
 * `POST /_sim/worlds` creates isolated worlds served under `/w/<id>/...`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { WebSocketServer, type WebSocket } from "ws";
import { ZodError } from "zod";
import { errorMessage } from "../src/lib/errors";
import { ConnectionDropped, PING_INTERVAL_MS, PING_PAYLOAD, Simulator, WS_PATH, type SimConfig } from "./core/index";

export interface SimServerOptions {
  host?: string;
  port?: number;
  config?: SimConfig;
  /** Most worlds kept besides the default one; the least recently used is dropped beyond. */
  maxWorlds?: number;
  log?: (line: string) => void;
}

export interface SimServer {
  origin: string;
  /** The default world. */
  sim: Simulator;
  worlds: Map<string, Simulator>;
  close(): Promise<void>;
}

const FEED_TICK_MS = 100;

function jsonResponse(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function toHeaders(req: IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) h.append(k, x);
    else h.set(k, v);
  }
  return h;
}

async function writeResponse(res: ServerResponse, r: Response): Promise<void> {
  const headers: Record<string, string> = {};
  r.headers.forEach((v, k) => {
    headers[k] = v;
  });
  res.writeHead(r.status, headers);
  if (!r.body) {
    res.end();
    return;
  }
  const reader = r.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((resolve) => res.once("drain", resolve));
    }
    res.end();
  } catch (e) {
    // An injected mid-body drop (or any body error): kill the socket so the client sees a dropped connection.
    res.socket?.destroy();
    if (!(e instanceof ConnectionDropped)) throw e;
  }
}

export async function startSimServer(opts: SimServerOptions = {}): Promise<SimServer> {
  const log = opts.log ?? (() => {});
  const maxWorlds = opts.maxWorlds ?? 256;
  const sim = new Simulator(opts.config ?? {});
  const worlds = new Map<string, Simulator>();
  const lastUsed = new Map<string, number>();
  let nextWorld = 1;
  const carry = new Map<Simulator, number>();
  const sockets = new Set<WebSocket>();

  const worldFor = (path: string): { sim: Simulator; id: string | null } | null => {
    const m = /^\/w\/([^/]+)(\/|$)/.exec(path);
    if (!m) return { sim, id: null };
    const w = worlds.get(m[1] as string);
    if (!w) return null;
    lastUsed.set(m[1] as string, Date.now());
    return { sim: w, id: m[1] as string };
  };

  const dropWorld = (id: string) => {
    worlds.get(id)?.dispose();
    worlds.delete(id);
    lastUsed.delete(id);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? "127.0.0.1";
    const url = new URL(req.url ?? "/", `http://${host}`);
    const path = url.pathname;
    if (path === "/_sim/worlds" && req.method === "POST") {
      const raw = (await readBody(req)).toString("utf8");
      let cfg: SimConfig;
      try {
        cfg = raw.trim() ? (JSON.parse(raw) as SimConfig) : {};
      } catch {
        return jsonResponse(res, 400, { error: { code: "bad_request", message: "invalid JSON body", service: "sim" } });
      }
      const id = `w${nextWorld++}`;
      let world: Simulator;
      try {
        world = new Simulator(cfg, { basePath: `/w/${id}` });
      } catch (e) {
        if (e instanceof ZodError)
          return jsonResponse(res, 400, {
            error: {
              code: "bad_request",
              message: "invalid SimConfig",
              details: e.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
              service: "sim",
            },
          });
        throw e;
      }
      worlds.set(id, world);
      lastUsed.set(id, Date.now());
      while (worlds.size > maxWorlds) {
        const oldest = [...lastUsed.entries()].sort((a, b) => a[1] - b[1])[0];
        if (!oldest) break;
        dropWorld(oldest[0]);
      }
      const origin = `http://${host}`;
      log(`world ${id}: ${world.world.count} markets, seed ${world.config.seed}`);
      return jsonResponse(res, 201, {
        id,
        base_url: `${origin}/w/${id}/trade-api/v2`,
        ws_url: `ws://${host}/w/${id}${WS_PATH}`,
        control_url: `${origin}/w/${id}/_sim`,
      });
    }
    if (path === "/_sim/worlds" && req.method === "GET") {
      return jsonResponse(res, 200, {
        worlds: [...worlds.entries()].map(([id, w]) => ({ id, markets: w.world.count, seed: w.config.seed })),
      });
    }
    const del = /^\/_sim\/worlds\/([^/]+)$/.exec(path);
    if (del && req.method === "DELETE") {
      const existed = worlds.has(del[1] as string);
      dropWorld(del[1] as string);
      return jsonResponse(
        res,
        existed ? 200 : 404,
        existed ? { deleted: del[1] } : { error: { code: "not_found", message: "unknown world", service: "sim" } },
      );
    }
    const target = worldFor(path);
    if (!target)
      return jsonResponse(res, 404, { error: { code: "not_found", message: "unknown world", service: "sim" } });
    const ac = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) ac.abort(new DOMException("client closed the connection", "AbortError"));
    });
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const body = hasBody ? await readBody(req) : undefined;
    const request = new Request(url, {
      method: req.method,
      headers: toHeaders(req),
      body: body && body.length > 0 ? new Uint8Array(body) : undefined,
      signal: ac.signal,
    });
    let response: Response;
    try {
      response = await target.sim.fetch(request);
    } catch (e) {
      if (e instanceof ConnectionDropped) {
        req.socket.destroy();
        return;
      }
      if (ac.signal.aborted) return;
      throw e;
    }
    await writeResponse(res, response);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`error: ${e instanceof Error ? e.stack : String(e)}`);
      if (!res.headersSent)
        jsonResponse(res, 500, { error: { code: "internal_server_error", message: String(e), service: "sim" } });
      else res.socket?.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://x");
    const target = worldFor(url.pathname);
    const base = target?.id ? `/w/${target.id}` : "";
    if (!target || url.pathname !== `${base}${WS_PATH}`) {
      socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    target.sim.authorizeUpgrade(toHeaders(req), url.pathname).then(
      (auth) => {
        if (!auth.ok) {
          socket.end("HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
          return;
        }
        wss.handleUpgrade(req, socket, head, (ws) => {
          sockets.add(ws);
          const session = target.sim.openSession(
            {
              send: (text) => {
                if (ws.readyState === ws.OPEN) ws.send(text);
              },
              close: (code, reason, abrupt) => (abrupt ? ws.terminate() : ws.close(code, reason)),
            },
            auth.authenticated,
          );
          const ping = setInterval(() => {
            if (ws.readyState === ws.OPEN) ws.ping(PING_PAYLOAD);
          }, PING_INTERVAL_MS);
          ws.on("message", (data, isBinary) => session.receive(isBinary ? "" : data.toString()));
          ws.on("close", () => {
            clearInterval(ping);
            sockets.delete(ws);
            session.onClose();
          });
          ws.on("error", () => ws.terminate());
        });
      },
      () => socket.destroy(),
    );
  });

  // Drive realtime clocks and the trade streams.
  let lastTick = Date.now();
  const ticker = setInterval(() => {
    const now = Date.now();
    const dt = (now - lastTick) / 1000;
    lastTick = now;
    for (const w of [sim, ...worlds.values()]) {
      if (w.config.clock === "realtime") w.syncClock();
      if (w.feed.stats().sessions === 0 || w.config.trade_rate_per_s <= 0) continue;
      const due = (carry.get(w) ?? 0) + w.config.trade_rate_per_s * dt;
      const n = Math.floor(due);
      carry.set(w, due - n);
      if (n > 0) w.feed.pump(n);
    }
  }, FEED_TICK_MS);
  ticker.unref();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("simulator: no TCP address");
  const origin = `http://${opts.host ?? "127.0.0.1"}:${addr.port}`;
  log(`kalshi simulator on ${origin} (${sim.world.count} markets, seed ${sim.config.seed})`);

  return {
    origin,
    sim,
    worlds,
    close: async () => {
      clearInterval(ticker);
      for (const ws of sockets) ws.terminate();
      wss.close();
      sim.dispose();
      for (const id of [...worlds.keys()]) dropWorld(id);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ------------------------------------------------------------------ CLI

const USAGE = `usage: npx tsx sim/server.ts [--port 8788] [--host 127.0.0.1] [--markets 2000] [--seed 1]
  [--series N] [--events N] [--reads-per-second N] [--trade-rate N] [--start-time ISO|ms]
  [--clock realtime|manual] [--legacy-fields] [--require-auth] [--config simconfig.json]
See docs/simulator.md.`;
const FLAGS = [
  "port",
  "host",
  "markets",
  "seed",
  "series",
  "events",
  "reads-per-second",
  "trade-rate",
  "start-time",
  "clock",
  "legacy-fields",
  "require-auth",
  "config",
  "help",
];

function parseArgs(argv: string[]): { host: string; port: number; config: SimConfig } {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const [k, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
    if (!FLAGS.includes(k)) throw new Error(`unknown flag --${k}\n${USAGE}`);
    if (k === "help") {
      console.log(USAGE);
      process.exit(0);
    }
    const flag = ["legacy-fields", "require-auth", "help"].includes(k);
    args.set(k, inline ?? (flag ? "true" : (argv[++i] ?? "")));
  }
  const num = (k: string) => {
    const v = args.get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${k} must be a number`);
    return n;
  };
  const fileCfg: SimConfig = args.has("config") ? JSON.parse(readFileSync(args.get("config") as string, "utf8")) : {};
  const start = args.get("start-time");
  const config: SimConfig = {
    clock: "realtime",
    ...fileCfg,
    ...(num("markets") !== undefined ? { markets: num("markets") } : {}),
    ...(num("seed") !== undefined ? { seed: num("seed") } : {}),
    ...(num("series") !== undefined ? { series: num("series") } : {}),
    ...(num("events") !== undefined ? { events: num("events") } : {}),
    ...(num("reads-per-second") !== undefined ? { reads_per_second: num("reads-per-second") } : {}),
    ...(num("trade-rate") !== undefined ? { trade_rate_per_s: num("trade-rate") } : {}),
    ...(start ? { start_time_ms: /^\d+$/.test(start) ? Number(start) : Date.parse(start) } : {}),
    ...(args.get("clock") ? { clock: args.get("clock") as "manual" | "realtime" } : {}),
    ...(args.get("legacy-fields") === "true" ? { legacy_fields: true } : {}),
    ...(args.get("require-auth") === "true" ? { require_auth: true } : {}),
  };
  return { host: args.get("host") ?? "127.0.0.1", port: num("port") ?? 8788, config };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(errorMessage(e));
    process.exit(2);
  }
  const { host, port, config } = parsed;
  const t0 = performance.now();
  const srv = await startSimServer({ host, port, config, log: (l) => console.log(`[sim] ${l}`) });
  console.log(
    `[sim] ready in ${Math.round(performance.now() - t0)} ms — REST ${srv.origin}/trade-api/v2, WS ${srv.origin.replace("http", "ws")}${WS_PATH}, control ${srv.origin}/_sim/state`,
  );
  const stop = () => {
    srv.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/**
 * The load client's own floor: a minimal Node HTTP server that answers each path with the bytes the
 * real service answered for it (fetched once from `--upstream`, then replayed from memory), so
 * `bench/api-load.ts --url=<this server>` measures the client (undici fetch, reading the body) and
 * the loopback HTTP hop with the same response sizes and no Worker at all. If this floor were close
 * to the service's figures, the client would be the bottleneck and every path would look alike.
 *
 *   npx tsx bench/api-replay.ts --upstream=http://127.0.0.1:8797 [--port=8799]
 *
 * Replayed answers carry the upstream status, Content-Type and ETag; Server-Timing and X-Cache are
 * dropped (no server work happens here).
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    upstream: { type: "string", default: "http://127.0.0.1:8787" },
    port: { type: "string", default: "8799" },
  },
});
const upstream = values.upstream!.replace(/\/+$/, "");

interface Recorded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}
const recorded = new Map<string, Promise<Recorded>>();

async function record(path: string): Promise<Recorded> {
  const res = await fetch(upstream + path);
  const body = Buffer.from(await res.arrayBuffer());
  const headers: Record<string, string> = { "content-length": String(body.byteLength) };
  for (const h of ["content-type", "etag", "cache-control"]) {
    const v = res.headers.get(h);
    if (v !== null) headers[h] = v;
  }
  return { status: res.status, headers, body };
}

const server = createServer((req, res) => {
  const path = req.url ?? "/";
  let r = recorded.get(path);
  if (!r) {
    r = record(path);
    recorded.set(path, r);
  }
  r.then(
    (x) => {
      res.writeHead(x.status, x.headers);
      res.end(x.body);
    },
    (err: unknown) => {
      recorded.delete(path);
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`upstream: ${String(err)}`);
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), "127.0.0.1", () => {
  process.stderr.write(`api-replay: http://127.0.0.1:${values.port} replaying ${upstream}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

/**
 * Rate limiting of the public surface (docs/decisions/0089-read-rate-limit.md): the Workers Rate
 * Limiting binding READ_LIMITER (wrangler.toml `[[ratelimits]]`), keyed by the client's address,
 * checked before any cache or D1 work, so a refused request costs neither. Admin routes (behind
 * the bearer token) and CORS preflights are not counted; a tool call the app dispatches to its own
 * REST route counts once, as the request that made it. READ_RATE_LIMIT "off" (the tests, the load
 * benches) turns it off: locally each check is a Durable Object call.
 */
import type { MiddlewareHandler } from "hono";
import { errorMessage } from "../lib/errors";
import { log } from "../lib/log";
import { ApiError } from "./errors";
import type { AppEnv } from "./factory";

/** READ_LIMITER's `period` in wrangler.toml (seconds): a refused client's counter resets within it. */
export const READ_LIMIT_PERIOD_S = 10;

const dispatched = new WeakSet<Request>();

/** Marks a request the app sends to itself (a tool call answered by its route): not counted again. */
export function internalRequest(req: Request): Request {
  dispatched.add(req);
  return req;
}

/**
 * The limiter key for a client address: IPv4 as is; IPv6 by its /64 (one subscriber's prefix, so
 * rotating addresses inside it does not escape the limit). No address (local tools) → "unknown".
 */
export function clientKey(address: string | undefined): string {
  const a = (address ?? "").trim();
  if (!a) return "unknown";
  if (!a.includes(":")) return a;
  const [head = "", tail = ""] = a.split("::", 2) as [string, string?];
  const left = head ? head.split(":") : [];
  const right = a.includes("::") && tail ? tail.split(":") : [];
  const groups = a.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (g || "0").toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** Is a request to `path` (a path or an OpenAPI path template) counted? Everything but the admin routes. */
export function countedByRateLimit(path: string): boolean {
  return !path.startsWith("/admin/");
}

export const rateLimitReads: MiddlewareHandler<AppEnv> = async (c, next) => {
  const limiter = c.env.READ_LIMITER;
  const exempt =
    !limiter ||
    c.env.READ_RATE_LIMIT === "off" ||
    c.req.method === "OPTIONS" ||
    dispatched.has(c.req.raw) ||
    !countedByRateLimit(c.req.path);
  if (exempt) {
    return next();
  }
  let allowed = true;
  try {
    allowed = (await limiter.limit({ key: clientKey(c.req.header("CF-Connecting-IP")) })).success;
  } catch (e) {
    // The limiter being unreachable must not take the read API down with it: serve, and say so.
    log("warn", "rate limiter failed; request served unlimited", { path: c.req.path, error: errorMessage(e) });
  }
  if (!allowed) {
    throw new ApiError(
      429,
      "rate_limited",
      `too many requests from this address; retry after ${READ_LIMIT_PERIOD_S} s`,
      { retry_after_s: READ_LIMIT_PERIOD_S },
      { "Retry-After": String(READ_LIMIT_PERIOD_S) },
    );
  }
  await next();
};

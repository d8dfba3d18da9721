/**
 * Neither Miniflare nor `wrangler dev` fires Cron Triggers by itself (see docs/decisions/0004-local-cron-triggers.md). This
 * is the tiny scheduler `npm start` uses: it reads the crons from wrangler.toml and, at each
 * matching minute, calls the local server's /cdn-cgi/local/scheduled endpoint (SCHEDULED_PATH in
 * ./serve-worker.mjs), which runs scheduled() once.
 * Supports the five-field forms wrangler.toml uses: `*`, `*\/n`, numbers, ranges and lists.
 */
import { readFileSync } from "node:fs";

/**
 * The `crons = [...]` of wrangler.toml's [triggers] (empty when there are none).
 * @param {string} wranglerTomlPath
 * @returns {string[]}
 */
export function readCrons(wranglerTomlPath) {
  const toml = readFileSync(wranglerTomlPath, "utf8");
  const m = toml.match(/^\s*crons\s*=\s*\[([^\]]*)\]/m);
  if (!m) return [];
  return [...(m[1] ?? "").matchAll(/"([^"]+)"/g)].map((x) => x[1] ?? "");
}

/**
 * @param {string} field  one cron field
 * @param {number} value
 * @param {number} min  the field's smallest value (what `*` starts from)
 */
function fieldMatches(field, value, min) {
  return field.split(",").some((part) => {
    // split() always yields a first element; the defaults below are for the type checker only.
    const [range = "", stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    /** @type {number} */ let lo;
    /** @type {number} */ let hi;
    if (range === "*") [lo, hi] = [min, Infinity];
    else if (range.includes("-")) [lo = Number.NaN, hi = Number.NaN] = range.split("-").map(Number);
    else [lo, hi] = stepText === undefined ? [Number(range), Number(range)] : [Number(range), Infinity];
    return value >= lo && value <= hi && (value - lo) % step === 0;
  });
}

/**
 * Whether a five-field UTC cron expression matches the minute containing `date`.
 * @param {string} expr
 * @param {Date} date
 */
export function cronMatches(expr, date) {
  const [min, hour, dom, mon, dow] = expr.trim().split(/\s+/);
  if (min === undefined || hour === undefined || dom === undefined || mon === undefined || dow === undefined)
    throw new Error(`cron expression '${expr}' does not have five fields`);
  return (
    fieldMatches(min, date.getUTCMinutes(), 0) &&
    fieldMatches(hour, date.getUTCHours(), 0) &&
    fieldMatches(dom, date.getUTCDate(), 1) &&
    fieldMatches(mon, date.getUTCMonth() + 1, 1) &&
    fieldMatches(dow, date.getUTCDay(), 0)
  );
}

/**
 * Calls `fire(cron)` for every cron matching each new minute until `signal` aborts.
 * @param {readonly string[]} crons
 * @param {(cron: string) => void} fire
 * @param {{ signal?: AbortSignal, now?: () => number }} [options]
 * @returns {() => void} stops the scheduler
 */
export function startLocalCron(crons, fire, { signal, now = () => Date.now() } = {}) {
  let lastMinute = Math.floor(now() / 60_000);
  const timer = setInterval(() => {
    const minute = Math.floor(now() / 60_000);
    if (minute === lastMinute) return;
    lastMinute = minute;
    const date = new Date(minute * 60_000);
    for (const cron of crons) if (cronMatches(cron, date)) fire(cron);
  }, 1000);
  timer.unref?.();
  signal?.addEventListener("abort", () => clearInterval(timer));
  return () => clearInterval(timer);
}

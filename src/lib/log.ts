/**
 * The structured logger: one JSON object per line (Workers Logs / `wrangler tail` index the
 * fields). `error` goes to console.error, `warn` to console.warn, `info` to console.log.
 */
export type LogLevel = "info" | "warn" | "error";

export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

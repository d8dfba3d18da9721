/**
 * The structured logger: one JSON object per line (Workers Logs / `wrangler tail` index the
 * fields). `error` goes to console.error, `warn` to console.warn, `info` to console.log.
 */
export type LogLevel = "info" | "warn" | "error";

export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
  const entry: Record<string, unknown> = { level, msg, ...fields };
  entry.level = level; // a field never hides the level or the message
  entry.msg = msg;
  const line = JSON.stringify(entry);
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/**
 * What each Cron Trigger in wrangler.toml means (pure, unit-tested).
 *
 * Kalshi's "market open" for the daily full sync is taken as the US equity open, 09:30 in
 * America/New_York. Cron Triggers run in UTC and New York moves between UTC−5 and UTC−4, so
 * wrangler.toml lists both 13:30 and 14:30 UTC and only the one that is 09:30 in New York that day
 * runs the full sync.
 */
export const FULL_SYNC_CRONS = ["30 13 * * *", "30 14 * * *"] as const;
export const INCREMENTAL_CRON = "*/15 * * * *";
export const MARKET_OPEN_NY = { hour: 9, minute: 30 } as const;

export interface CronAction {
  sync: "full" | "incremental" | null;
  /** Make sure the streaming ingest object is connected (a cheap no-op when it is). */
  ensureIngest: boolean;
}

/** Hour and minute of `epochMs` on New York's wall clock. */
export function newYorkTime(epochMs: number): { hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: "America/New_York",
    hour: "numeric",
    minute: "numeric",
    hourCycle: "h23",
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { hour: get("hour"), minute: get("minute") };
}

export function cronAction(cron: string, scheduledTime: number): CronAction {
  if ((FULL_SYNC_CRONS as readonly string[]).includes(cron)) {
    const ny = newYorkTime(scheduledTime);
    const isOpen = ny.hour === MARKET_OPEN_NY.hour && ny.minute === MARKET_OPEN_NY.minute;
    return { sync: isOpen ? "full" : null, ensureIngest: false };
  }
  if (cron === INCREMENTAL_CRON) return { sync: "incremental", ensureIngest: true };
  return { sync: null, ensureIngest: false };
}

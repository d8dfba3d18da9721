/**
 * Fixed clocks for the test suite. No test builds its data from the wall clock: every simulator
 * world starts at a fixed instant (PINNED_START_MS unless a test passes its own `start_time_ms`),
 * and the date-sensitive suites (sync, the agent workflow, the API's time filters, the per-day
 * ticker registry, the cron's DST twins) run once at each of INSTANTS with `describe.each`.
 *
 * Plain TypeScript with no imports: used by the workerd tests and by test/global-setup.ts (Node).
 */

/** 2026-11-20T12:00:00Z: the start of the default world and of every world that names none. */
export const PINNED_START_MS = Date.UTC(2026, 10, 20, 12, 0, 0);

export interface TestInstant {
  /** Short label for test names. */
  name: string;
  /** The instant, ISO-8601 (UTC). */
  iso: string;
  /** The instant, Unix ms. */
  ms: number;
}

const at = (name: string, iso: string): TestInstant => ({ name, iso, ms: Date.parse(iso) });

/**
 * Instants spread over a year, each chosen so something rolls over near it: a suite that advances
 * its clock by minutes or hours crosses the boundary inside its window.
 */
export const INSTANTS: readonly TestInstant[] = [
  at("ordinary day", new Date(PINNED_START_MS).toISOString()),
  // The UTC day, month and year all change 10 minutes in.
  at("New Year", "2026-12-31T23:50:00.000Z"),
  // US DST starts at 07:00Z (02:00 EST → 03:00 EDT).
  at("US DST start", "2027-03-14T06:45:00.000Z"),
  // A 30-day month ends 20 minutes in.
  at("month end", "2027-04-30T23:40:00.000Z"),
  // US DST ends at 06:00Z (02:00 EDT → 01:00 EST).
  at("US DST end", "2027-11-07T05:45:00.000Z"),
  // Feb 29 of a leap year; March 1 begins 30 minutes in.
  at("leap day", "2028-02-29T23:30:00.000Z"),
];

export const DAY_MS = 86_400_000;

/** UTC day (YYYY-MM-DD) of a Unix-ms instant. */
export const utcDayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Unix ms of 00:00:00Z of the UTC day containing `ms`. */
export const utcMidnight = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

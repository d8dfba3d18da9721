import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { TickerDayRegistry, utcDayText } from "../../src/stream/registry";
import { INSTANTS, utcMidnight } from "../instants";

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});

const at = (iso: string) => Date.parse(iso);

describe("TickerDayRegistry", () => {
  it("files each message under its UTC day, across day boundaries and out of order", async () => {
    const r = new TickerDayRegistry("registry-test");
    const msgs: [string, string][] = [
      ["KXA-1", "2026-11-24T23:59:59.999Z"],
      ["KXA-1", "2026-11-25T00:00:00.000Z"],
      ["KXB-1", "2026-11-25T12:00:00.000Z"],
      ["KXA-1", "2026-11-24T08:00:00.000Z"], // back to the previous day
      ["KXA-1", "2026-11-25T23:59:59.999Z"],
      ["KXB-1", "2026-11-26T00:00:00.001Z"],
      ["KXA-1", "1970-01-01T00:00:00.000Z"],
    ];
    for (const [ticker, iso] of msgs) r.note(ticker, at(iso));
    // Reference: computed per message with no memo.
    const expected = new Map<string, { first: number; last: number; messages: number }>();
    for (const [ticker, iso] of msgs) {
      const k = `${utcDayText(at(iso))}|${ticker}`;
      const e = expected.get(k);
      if (!e) expected.set(k, { first: at(iso), last: at(iso), messages: 1 });
      else (e.first = Math.min(e.first, at(iso))), (e.last = Math.max(e.last, at(iso))), e.messages++;
    }
    expect(r.pendingCount).toBe(expected.size);
    const { rows, newPairs } = await r.flush(env.DB);
    expect(rows).toBe(expected.size);
    expect(newPairs).toBe(expected.size);
    const { results } = await env.DB.prepare(
      "SELECT day, ticker, first_ts, last_ts, messages FROM ticker_days WHERE feed = 'registry-test'",
    ).all<{
      day: string;
      ticker: string;
      first_ts: number;
      last_ts: number;
      messages: number;
    }>();
    const got = new Map(
      results.map((x) => [`${x.day}|${x.ticker}`, { first: x.first_ts, last: x.last_ts, messages: x.messages }]),
    );
    expect(got).toEqual(expected);
    expect([...got.keys()].sort()).toEqual([
      "1970-01-01|KXA-1",
      "2026-11-24|KXA-1",
      "2026-11-25|KXA-1",
      "2026-11-25|KXB-1",
      "2026-11-26|KXB-1",
    ]);
  });

  it("adds to the stored counts on the next flush and reports only new pairs", async () => {
    const r = new TickerDayRegistry("registry-test-2");
    r.note("KXC-1", at("2026-11-25T10:00:00Z"));
    await r.flush(env.DB);
    r.note("KXC-1", at("2026-11-25T09:00:00Z"), 3);
    r.note("KXD-1", at("2026-11-25T11:00:00Z"));
    expect((await r.flush(env.DB)).newPairs).toBe(1);
    const row = await env.DB.prepare(
      "SELECT first_ts, last_ts, messages FROM ticker_days WHERE feed = 'registry-test-2' AND ticker = 'KXC-1'",
    ).first();
    expect(row).toEqual({ first_ts: at("2026-11-25T09:00:00Z"), last_ts: at("2026-11-25T10:00:00Z"), messages: 4 });
  });
});

/** The UTC calendar day of `ms`, from the date's fields (independent of the registry's utcDay and its memo). */
function calendarDay(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`;
}

describe.each(INSTANTS.map((instant, k) => ({ ...instant, k })))(
  "TickerDayRegistry around $name ($iso)",
  ({ ms, k }) => {
    it("files a time-ordered stream that crosses midnight, then late messages, under each message's UTC day", async () => {
      const feed = `registry-instant-${k}`;
      const midnight = utcMidnight(ms) + 86_400_000; // the next UTC midnight after the instant
      // In order: every 7 minutes from 2 h before the instant to 2 h after the next midnight, the
      // last millisecond before midnight and midnight itself; then messages from the day before.
      const stamps: number[] = [];
      for (let t = ms - 2 * 3_600_000; t <= midnight + 2 * 3_600_000; t += 7 * 60_000) stamps.push(t);
      stamps.push(midnight - 1, midnight, midnight + 1);
      stamps.sort((a, b) => a - b);
      stamps.push(utcMidnight(ms) - 1, ms - 86_400_000, midnight - 1);
      const r = new TickerDayRegistry(feed);
      const expected = new Map<string, { first: number; last: number; messages: number }>();
      stamps.forEach((ts, i) => {
        const ticker = i % 3 === 0 ? "KXB-1" : "KXA-1";
        r.note(ticker, ts);
        const key = `${calendarDay(ts)}|${ticker}`;
        const e = expected.get(key);
        if (!e) expected.set(key, { first: ts, last: ts, messages: 1 });
        else (e.first = Math.min(e.first, ts)), (e.last = Math.max(e.last, ts)), e.messages++;
      });
      // The instant's day, the next and the one before, for both tickers.
      expect(new Set([...expected.keys()].map((key) => key.split("|")[0]))).toEqual(
        new Set([calendarDay(ms - 86_400_000), calendarDay(ms), calendarDay(midnight)]),
      );
      await r.flush(env.DB);
      const { results } = await env.DB.prepare(
        "SELECT day, ticker, first_ts, last_ts, messages FROM ticker_days WHERE feed = ?",
      )
        .bind(feed)
        .all<{
          day: string;
          ticker: string;
          first_ts: number;
          last_ts: number;
          messages: number;
        }>();
      expect(
        new Map(
          results.map((x) => [`${x.day}|${x.ticker}`, { first: x.first_ts, last: x.last_ts, messages: x.messages }]),
        ),
      ).toEqual(expected);
      expect(utcDayText(midnight - 1)).toBe(calendarDay(midnight - 1));
      expect(utcDayText(midnight)).toBe(calendarDay(midnight));
    });
  },
);

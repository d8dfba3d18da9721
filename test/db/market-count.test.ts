/**
 * events.market_count (migration 0006) equals the correlated count GET /events served before it —
 * the event's markets with deleted_at NULL — after every kind of write: a market before or after
 * its event, soft delete, undelete, a market moved to another event, a deleted row inserted, a
 * hard delete, an event renamed.
 */
import { applyD1Migrations, env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";

const counted = async () =>
  (
    await env.DB.prepare(
      "SELECT event_ticker AS t, market_count AS stored, (SELECT count(*) FROM markets m WHERE m.event_ticker = e.event_ticker AND m.deleted_at IS NULL) AS counted FROM events e ORDER BY t",
    ).all<{ t: string; stored: number; counted: number }>()
  ).results;

const stored = async (t: string) =>
  (await env.DB.prepare("SELECT market_count AS n FROM events WHERE event_ticker = ?").bind(t).first<{ n: number }>())
    ?.n;

const event = (t: string) =>
  env.DB.prepare(
    "INSERT INTO events (event_ticker, series_ticker, title, mutually_exclusive, first_seen_at, updated_at) VALUES (?, 'S', 'title', 0, 0, 0)",
  ).bind(t);
const market = (ticker: string, eventTicker: string, deletedAt: number | null = null) =>
  env.DB.prepare(
    "INSERT INTO markets (ticker, event_ticker, market_type, status, status_raw, first_seen_at, updated_at, deleted_at) VALUES (?, ?, 'binary', 'unknown', 'frozen', 0, 0, ?)",
  ).bind(ticker, eventTicker, deletedAt);
const run = (q: string, ...args: unknown[]) =>
  env.DB.prepare(q)
    .bind(...args)
    .run();

beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});
beforeEach(async () => {
  await env.DB.batch([env.DB.prepare("DELETE FROM markets"), env.DB.prepare("DELETE FROM events")]);
});

describe("events.market_count", () => {
  it("counts markets written before and after their event, and not the deleted ones", async () => {
    await env.DB.batch([market("A1", "A"), market("A2", "A"), market("A3", "A", 5)]);
    await env.DB.batch([event("A"), event("B")]);
    await env.DB.batch([market("A4", "A"), market("B1", "B"), market("B2", "B", 7)]);
    expect(await stored("A")).toBe(3);
    expect(await stored("B")).toBe(1);
    for (const e of await counted()) expect(e.stored, e.t).toBe(e.counted);
  });

  it("follows soft deletes, undeletes, moves, hard deletes and renames", async () => {
    await env.DB.batch([event("A"), event("B"), market("A1", "A"), market("A2", "A"), market("B1", "B")]);
    await run("UPDATE markets SET deleted_at = 9 WHERE ticker = 'A1'");
    expect(await stored("A")).toBe(1);
    await run("UPDATE markets SET deleted_at = 10 WHERE ticker = 'A1'"); // already deleted: no change
    expect(await stored("A")).toBe(1);
    await run("UPDATE markets SET deleted_at = NULL, status = 'open' WHERE ticker = 'A1'");
    expect(await stored("A")).toBe(2);
    await run("UPDATE markets SET status = 'closed', title = 'x' WHERE ticker = 'A2'"); // no count change
    expect(await stored("A")).toBe(2);
    await run("UPDATE markets SET event_ticker = 'B' WHERE ticker = 'A2'");
    expect([await stored("A"), await stored("B")]).toEqual([1, 2]);
    await run("UPDATE markets SET event_ticker = 'A', deleted_at = 3 WHERE ticker = 'B1'"); // moved and deleted
    expect([await stored("A"), await stored("B")]).toEqual([1, 1]);
    await run("DELETE FROM markets WHERE ticker = 'A2'");
    expect(await stored("B")).toBe(0);
    await env.DB.batch([market("C1", "C"), market("C2", "C")]);
    await run("UPDATE events SET event_ticker = 'C' WHERE event_ticker = 'B'");
    expect(await stored("C")).toBe(2);
    for (const e of await counted()) expect(e.stored, e.t).toBe(e.counted);
  });

  it("is what the upserts of a sync leave: ON CONFLICT updates count like plain updates", async () => {
    await env.DB.batch([event("A"), market("A1", "A"), market("A2", "A", 4)]);
    // The markets upsert's conflict path sets every column (event_ticker, deleted_at = NULL included).
    await run(
      "INSERT INTO markets (ticker, event_ticker, market_type, status, status_raw, first_seen_at, updated_at) VALUES ('A2', 'A', 'binary', 'open', 'active', 0, 1) " +
        "ON CONFLICT(ticker) DO UPDATE SET event_ticker = excluded.event_ticker, status = excluded.status, deleted_at = NULL",
    );
    expect(await stored("A")).toBe(2);
    await run(
      "INSERT INTO markets (ticker, event_ticker, market_type, status, status_raw, first_seen_at, updated_at) VALUES ('A2', 'A', 'binary', 'closed', 'closed', 0, 2) " +
        "ON CONFLICT(ticker) DO UPDATE SET event_ticker = excluded.event_ticker, status = excluded.status, deleted_at = NULL",
    );
    expect(await stored("A")).toBe(2);
    for (const e of await counted()) expect(e.stored, e.t).toBe(e.counted);
  });
});

import { applyD1Migrations, env } from "cloudflare:test";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { jsonBatches } from "../../src/db/upsert";
import { deriveEventStatuses, upsertEvents } from "../../src/db/upsert-events";
import { dedupeFeeChanges, upsertFeeChanges } from "../../src/db/upsert-fees";
import { denormalizeMarkets, upsertMarkets } from "../../src/db/upsert-markets";
import { upsertSeries } from "../../src/db/upsert-series";
import { liveMustContain, scanCandidates, softDeleteMarkets } from "../../src/db/softdelete";
import { KalshiMarketSchema, KalshiEventSchema, KalshiSeriesSchema } from "../../src/kalshi/wire/rest";
import { normalizeEvent, normalizeMarket, normalizeSeries } from "../../src/sync/normalizers";
import marketFixture from "../fixtures/kalshi/rest-market.json";
import eventsFixture from "../fixtures/kalshi/rest-events-page.json";
import seriesFixture from "../fixtures/kalshi/rest-series.json";
import feeChangesFixture from "../fixtures/kalshi/rest-series-fee-changes.json";

const db = env.DB;

function market(ticker: string, over: Record<string, unknown> = {}) {
  return normalizeMarket(KalshiMarketSchema.parse({ ...marketFixture.market, ticker, ...over }));
}

/** The stored row as normalized content (booleans back as booleans). */
async function storedContent(ticker: string) {
  const r = (await row(ticker))!;
  const { first_seen_at: _f, updated_at: _u, deleted_at: _d, series_ticker: _s, category: _c, ...content } = r;
  for (const k of ["no_side_derived", "can_close_early", "fractional_trading_enabled", "is_provisional"]) {
    if (typeof content[k] === "number") content[k] = content[k] === 1;
  }
  return content;
}

async function row(ticker: string) {
  return db.prepare("SELECT * FROM markets WHERE ticker = ?").bind(ticker).first<Record<string, unknown>>();
}

beforeEach(async () => {
  await applyD1Migrations(db, env.TEST_MIGRATIONS);
  await db.batch([
    db.prepare("DELETE FROM markets"),
    db.prepare("DELETE FROM events"),
    db.prepare("DELETE FROM series"),
    db.prepare("DELETE FROM series_fees"),
  ]);
});

describe("jsonBatches", () => {
  it("splits by row count and by bytes, never losing a row", () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ i, pad: "x".repeat(100) }));
    const byRows = jsonBatches(rows, { maxBytes: 1e9, maxRows: 10 });
    expect(byRows.map((b) => (JSON.parse(b) as unknown[]).length)).toEqual([10, 10, 5]);
    const byBytes = jsonBatches(rows, { maxBytes: 500, maxRows: 1000 });
    expect(byBytes.length).toBeGreaterThan(5);
    for (const b of byBytes) expect(b.length).toBeLessThanOrEqual(500 + 120);
    expect(byBytes.flatMap((b) => JSON.parse(b) as unknown[])).toEqual(rows);
  });
});

describe("upsertMarkets", () => {
  it("inserts, then writes nothing when nothing changed, then only the changed row", async () => {
    const rows = Array.from({ length: 30 }, (_, i) => market(`M-${i}`));
    const first = await upsertMarkets(db, rows, 1000);
    expect(first.changed).toHaveLength(30);
    expect(first.rows_written).toBeGreaterThanOrEqual(30);

    const again = await upsertMarkets(db, rows, 2000, { maxBytes: 8000, maxRows: 7 });
    expect(again.rows_written).toBe(0);
    expect(again.changed).toEqual([]);
    expect((await row("M-3"))!.updated_at).toBe(1000);

    const changed = rows.map((r, i) => (i === 3 ? { ...r, yes_bid_dollars: "0.4600" } : r));
    const third = await upsertMarkets(db, changed, 3000);
    expect(third.changed).toEqual(["M-3"]);
    expect(third.rows_written).toBeGreaterThan(0);
    const m3 = (await row("M-3"))!;
    expect(m3.yes_bid_dollars).toBe("0.4600");
    expect(m3.updated_at).toBe(3000);
    expect(m3.first_seen_at).toBe(1000);
    expect((await row("M-4"))!.updated_at).toBe(1000);
  });

  it("never hides a change and never rewrites an unchanged row, whatever the values (pre-filter)", async () => {
    const base = market("P-1", {
      floor_strike: 66499.99,
      cap_strike: 1,
      title: 'naïve "quote" \\ back\nline\t€ 😀',
      custom_strike: { a: [1, 2.5] },
    });
    await upsertMarkets(db, [base], 1);
    let t = 2;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          "title",
          "floor_strike",
          "cap_strike",
          "yes_bid_dollars",
          "close_ts",
          "can_close_early",
          "rules_primary",
          "extra",
        ),
        fc.oneof(
          fc.string(),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.integer(),
          fc.constant(null),
          fc.boolean(),
        ),
        async (column, raw) => {
          const current = (await row("P-1"))!;
          const kind = typeof base[column as keyof typeof base];
          const picked =
            column === "floor_strike" || column === "cap_strike"
              ? typeof raw === "number"
                ? raw
                : null
              : column === "close_ts"
                ? typeof raw === "number"
                  ? Math.trunc(raw) % 1e13
                  : null
                : column === "can_close_early"
                  ? typeof raw === "boolean"
                    ? raw
                    : null
                  : typeof raw === "string"
                    ? raw
                    : raw === null
                      ? null
                      : String(raw);
          const value = picked === 0 ? 0 : picked; // no -0 on the wire
          void kind;
          const next = { ...(await storedContent("P-1")), [column]: value };
          const stored = typeof value === "boolean" ? (value ? 1 : 0) : value;
          const changed =
            !Object.is(current[column], stored) && !(typeof stored === "number" && current[column] === stored);
          const r = await upsertMarkets(db, [next as typeof base], ++t);
          expect(r.changed.length, `${column} ${JSON.stringify(current[column])} → ${JSON.stringify(value)}`).toBe(
            changed ? 1 : 0,
          );
          expect((await row("P-1"))![column]).toEqual(stored);
          expect((await upsertMarkets(db, [next as typeof base], ++t)).rows_written).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("stores every normalized column as given (null, booleans, numbers, JSON text)", async () => {
    const r = market("M-X", {
      floor_strike: 12.5,
      can_close_early: true,
      price_ranges: [{ start: "0.0000", end: "1.0000", step: "0.0010" }],
    });
    await upsertMarkets(db, [r], 1);
    const stored = (await row("M-X"))!;
    for (const [k, v] of Object.entries(r)) {
      const expected = typeof v === "boolean" ? (v ? 1 : 0) : v;
      expect(stored[k], k).toEqual(expected);
    }
  });

  it("denormalizes series_ticker/category from the event and follows event changes", async () => {
    const ev = KalshiEventSchema.parse(eventsFixture.events[0]);
    await upsertEvents(db, [normalizeEvent(ev)], 1);
    await upsertMarkets(db, [market("M-1", { event_ticker: ev.event_ticker })], 1);
    expect((await row("M-1"))!).toMatchObject({ series_ticker: "KXBTCD", category: "Crypto" });

    // A market whose event arrives later is filled in by denormalizeMarkets.
    await upsertMarkets(db, [market("M-2", { event_ticker: "EV-LATE" })], 1);
    expect((await row("M-2"))!.series_ticker).toBeNull();
    await upsertEvents(
      db,
      [normalizeEvent({ ...ev, event_ticker: "EV-LATE", series_ticker: "S2", category: "Sports" })],
      2,
    );
    const d = await denormalizeMarkets(db, ["EV-LATE", ev.event_ticker], 2);
    expect(d.rows_written).toBeGreaterThan(0);
    expect((await row("M-2"))!).toMatchObject({ series_ticker: "S2", category: "Sports", updated_at: 2 });
    expect((await row("M-1"))!.updated_at).toBe(1);
    expect((await denormalizeMarkets(db, ["EV-LATE", ev.event_ticker], 3)).rows_written).toBe(0);
  });

  it("undeletes a soft-deleted market that comes back, even unchanged", async () => {
    const r = market("M-1");
    await upsertMarkets(db, [r], 1);
    const del = await softDeleteMarkets(db, ["M-1", "NOPE"], 2);
    expect(del.deleted.map((d) => d.ticker)).toEqual(["M-1"]);
    expect((await softDeleteMarkets(db, ["M-1"], 3)).rows_written).toBe(0);
    expect((await row("M-1"))!.deleted_at).toBe(2);
    const back = await upsertMarkets(db, [r], 4);
    expect(back.undeleted).toEqual(["M-1"]);
    expect(back.changed).toEqual(["M-1"]);
    expect((await row("M-1"))!.deleted_at).toBeNull();
    expect((await upsertMarkets(db, [r], 5)).undeleted).toEqual([]);
  });
});

describe("deriveEventStatuses", () => {
  it("derives from live markets and writes only changes", async () => {
    const ev = KalshiEventSchema.parse(eventsFixture.events[0]);
    await upsertEvents(db, [normalizeEvent(ev)], 1);
    await upsertMarkets(
      db,
      [
        market("A", { event_ticker: ev.event_ticker, status: "finalized" }),
        market("B", { event_ticker: ev.event_ticker, status: "active" }),
      ],
      1,
    );
    const status = async () =>
      (await db
        .prepare("SELECT status FROM events WHERE event_ticker = ?")
        .bind(ev.event_ticker)
        .first<{ status: string }>())!.status;
    expect(await status()).toBe("unknown");
    expect((await deriveEventStatuses(db, [ev.event_ticker], 2)).changed).toBe(1);
    expect(await status()).toBe("open");
    expect((await deriveEventStatuses(db, [ev.event_ticker], 3)).rows_written).toBe(0);
    await softDeleteMarkets(db, ["B"], 4);
    await deriveEventStatuses(db, [ev.event_ticker], 4);
    expect(await status()).toBe("settled");
  });
});

describe("series and fees", () => {
  it("seeds series_fees at 0 once, records a later fee move, and dedupes the fee-change feed (docs/kalshi-wire.md Q17)", async () => {
    const s = normalizeSeries(KalshiSeriesSchema.parse(seriesFixture.series));
    const first = await upsertSeries(db, [s], 10);
    expect(first.changed).toEqual(["KXBTCD"]);
    expect(first.fee_rows_written).toBeGreaterThan(0);
    const again = await upsertSeries(db, [s], 20);
    expect(again.rows_written + again.fee_rows_written).toBe(0);
    await upsertSeries(db, [{ ...s, fee_multiplier: 0.5 }], 30);
    const fees = await db
      .prepare(
        "SELECT effective_ts, fee_multiplier, source FROM series_fees WHERE series_ticker = 'KXBTCD' ORDER BY effective_ts",
      )
      .all();
    expect(fees.results).toEqual([
      { effective_ts: 0, fee_multiplier: 1, source: "series" },
      { effective_ts: 30, fee_multiplier: 0.5, source: "series" },
    ]);

    const feed = feeChangesFixture.series_fee_change_arr;
    expect(dedupeFeeChanges(feed)).toHaveLength(2);
    const fc = await upsertFeeChanges(db, feed, 40);
    expect(fc.rows_written).toBeGreaterThan(0);
    const fed = (await db
      .prepare("SELECT * FROM series_fees WHERE series_ticker = 'KXFEDDECISION'")
      .first<Record<string, unknown>>())!;
    expect(JSON.parse(fed.change_ids as string)).toEqual([feed[0]!.id, feed[1]!.id].sort());
    expect(fed.effective_ts).toBe(Date.parse("2025-07-01T04:00:00Z"));
    expect((await upsertFeeChanges(db, feed, 50)).rows_written).toBe(0);
    // A third id for the same change is added; the others are kept.
    await upsertFeeChanges(db, [{ ...feed[0]!, id: "zzz" }], 60);
    const merged = (await db
      .prepare("SELECT change_ids FROM series_fees WHERE series_ticker = 'KXFEDDECISION'")
      .first<{ change_ids: string }>())!;
    expect(JSON.parse(merged.change_ids)).toEqual([feed[0]!.id, feed[1]!.id, "zzz"].sort());
  });
});

describe("scanCandidates / liveMustContain", () => {
  it("pages candidates of one predicate in index order; the exact predicate checks the rest", async () => {
    const day = 86_400_000;
    await upsertMarkets(
      db,
      [
        market("A", { status: "active" }),
        market("B", { status: "closed", close_time: new Date(100 * day).toISOString() }),
        market("C", { status: "closed", close_time: new Date(10 * day).toISOString() }),
        market("D", { status: "initialized" }),
        market("E", { status: "closed", close_time: new Date(60 * day).toISOString() }),
        market("F", { status: "closed", close_time: new Date(60 * day).toISOString() }),
        market("G", { status: "active", close_time: new Date(5 * day).toISOString() }),
      ],
      1,
    );
    // A market without a close time sorts first in its status.
    await db.prepare("UPDATE markets SET close_ts = NULL WHERE ticker = 'D'").run();
    await softDeleteMarkets(db, ["D"], 2);
    const closed = { status: "closed" as const, min_close_ms: 50 * day };
    const page = async (pred: Parameters<typeof scanCandidates>[1], limit: number) => {
      const out: string[] = [];
      let after: Awaited<ReturnType<typeof scanCandidates>>[number] | null = null;
      for (;;) {
        const keys = await scanCandidates(db, pred, after, limit);
        out.push(...keys.map((k) => k.ticker));
        if (keys.length < limit) return out;
        after = keys[keys.length - 1]!;
      }
    };
    // Close-time bound respected; ties on close_ts ordered by ticker; every page size gives the same list.
    for (const limit of [1, 2, 10]) expect(await page(closed, limit)).toEqual(["E", "F", "B"]);
    // Deleted and status_raw are not checked by the index scan (a superset)…
    // (the fixture's close time is years after G's 5 days past the epoch).
    for (const limit of [1, 2, 10]) expect(await page({ status: "open" }, limit)).toEqual(["D", "G", "A"]);
    // …but by liveMustContain.
    const preds = [{ status: "open" as const }, closed];
    expect(await liveMustContain(db, preds, ["A", "B", "C", "D", "E", "X"])).toEqual(["A", "B", "E"]);
    expect(await liveMustContain(db, [{ status: "open", status_raw: ["initialized"] }], ["A", "D"])).toEqual([]);
    expect(await liveMustContain(db, preds, [])).toEqual([]);
  });
});

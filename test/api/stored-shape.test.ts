/**
 * One source per stored shape: every column of the markets, events and series tables reaches the
 * API's output (schema and presenter) and is filled from the wire (a Kalshi field of the same name,
 * or one of the normalizer's documented derivations). A column added to a table without its wire
 * field, or hidden from the API, fails here (CONTRIBUTING.md, "Adding a Kalshi field").
 */
import { describe, expect, it } from "vitest";
import { events, markets, series } from "../../src/db/schema";
import { columnsOf, EVENT_SHAPE, MARKET_SHAPE, SERIES_SHAPE } from "../../src/db/shape";
import { EventOut, MarketOut, SeriesOut } from "../../src/api/schemas";
import { presentEvent, presentMarket, presentSeries } from "../../src/api/present";
import { KalshiEventSchema, KalshiMarketSchema, KalshiSeriesSchema } from "../../src/kalshi/wire/rest";

/** Columns the API deliberately does not serve, and why. */
const NOT_SERVED: Record<string, readonly string[]> = {
  // Sort keys: the same instants as open_time / close_time, as Unix ms.
  markets: ["open_ts", "close_ts"],
  events: [],
  series: [],
};

/** Columns the normalizers derive rather than copy from a wire field of the same name (src/kalshi/to-content.ts). */
const DERIVED: Record<string, readonly string[]> = {
  markets: ["status_raw", "status", "open_ts", "close_ts", "no_side_derived", "extra"],
  events: ["category", "extra"],
  series: ["extra"],
};

/** A row with a non-null value in every column, of the column's kind. */
function fullRow(table: Parameters<typeof columnsOf>[0]): Record<string, unknown> {
  return Object.fromEntries(
    columnsOf(table).map((c) => [
      c.name,
      c.kind === "json"
        ? '{"k":1}'
        : c.kind === "bool"
          ? true
          : c.kind === "number"
            ? 1
            : c.name.endsWith("_dollars")
              ? "0.5000"
              : c.name.endsWith("_fp")
                ? "1.00"
                : "open",
    ]),
  );
}

const TABLES = [
  {
    name: "markets",
    table: markets,
    out: MarketOut,
    present: (r: Record<string, unknown>) => presentMarket(r as never),
    shape: MARKET_SHAPE,
    wire: KalshiMarketSchema,
  },
  {
    name: "events",
    table: events,
    out: EventOut,
    present: (r: Record<string, unknown>) => presentEvent({ event: r as never, market_count: 0 }),
    shape: EVENT_SHAPE,
    wire: KalshiEventSchema,
  },
  {
    name: "series",
    table: series,
    out: SeriesOut,
    present: (r: Record<string, unknown>) => presentSeries(r as never),
    shape: SERIES_SHAPE,
    wire: KalshiSeriesSchema,
  },
] as const;

describe.each(TABLES)("$name", ({ name, table, out, present, shape, wire }) => {
  const served = columnsOf(table)
    .map((c) => c.name)
    .filter((c) => !NOT_SERVED[name]!.includes(c));

  it("every stored column is in the API output schema", () => {
    const keys = Object.keys(out.shape);
    expect(served.filter((c) => !keys.includes(c))).toEqual([]);
  });

  it("every stored column is presented, and the presented object is the schema's", () => {
    const presented = present(fullRow(table));
    expect(served.filter((c) => !(c in presented) || (presented as Record<string, unknown>)[c] == null)).toEqual([]);
    expect(Object.keys(presented)).toEqual(Object.keys(out.shape));
    expect(out.strict().safeParse(presented).error).toBeUndefined();
  });

  it("every content column is a Kalshi wire field of the same name, or a documented derivation", () => {
    const wireKeys = Object.keys(wire.shape);
    const content = shape.columns.map(([c]) => c as string);
    expect(content.length).toBeGreaterThan(5);
    expect(content.filter((c) => !wireKeys.includes(c) && !DERIVED[name]!.includes(c))).toEqual([]);
  });
});

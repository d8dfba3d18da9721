/**
 * The stored shapes as data: each table's columns with their kind, read from the drizzle tables of
 * schema.ts. The wire layer's normalizers (through src/sync) and the API's output schemas and
 * presenter (src/api/schemas.ts) are built from these, so a column added to a table reaches the
 * sync and the API with no other edit.
 */
import { getTableColumns } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { ColumnKind, ContentShape } from "../domain/content";
import {
  BOOKKEEPING,
  events,
  markets,
  series,
  type EventContent,
  type MarketContent,
  type SeriesContent,
} from "./schema";

/** How a column stores its value: JSON text columns are schema.ts's `jsonText` (the one custom type). */
export function columnKind(c: SQLiteColumn): ColumnKind {
  switch (c.dataType) {
    case "custom":
      return "json";
    case "boolean":
      return "bool";
    case "number":
      return "number";
    case "string":
      return "text";
    default:
      throw new Error(`column ${c.name}: no kind for drizzle dataType ${c.dataType}`);
  }
}

/** A column as the layers above need it: its name, kind, whether it may be NULL, and INTEGER (vs REAL) for numbers. */
export type ColumnInfo = { name: string; kind: ColumnKind; nullable: boolean; integer: boolean };

/** The columns of `table`, in table order. */
export function columnsOf(table: SQLiteTable): ColumnInfo[] {
  return Object.values(getTableColumns(table)).map((c) => ({
    name: c.name,
    kind: columnKind(c),
    nullable: !c.notNull,
    integer: c.columnType === "SQLiteInteger",
  }));
}

function tableKinds(table: SQLiteTable, exclude: readonly string[]): Array<[string, ColumnKind]> {
  return columnsOf(table)
    .filter((c) => !exclude.includes(c.name))
    .map((c) => [c.name, c.kind]);
}

function contentShape<R>(table: SQLiteTable, derivedByDb: readonly string[]): ContentShape<R> {
  return { columns: tableKinds(table, [...BOOKKEEPING, ...derivedByDb]) as unknown as ContentShape<R>["columns"] };
}

/** The content columns of each table: what a normalizer fills (see the content types in schema.ts). */
export const MARKET_SHAPE = contentShape<MarketContent>(markets, ["series_ticker", "category"]);
export const EVENT_SHAPE = contentShape<EventContent>(events, ["status", "market_count"]);
export const SERIES_SHAPE = contentShape<SeriesContent>(series, []);

/** A table's row type. */
export type RowOf<T extends SQLiteTable> = T["$inferSelect"];
/** The names of a table's JSON text columns (`jsonText` in schema.ts), at the type level. */
export type JsonColumnOf<T extends SQLiteTable> = {
  [K in keyof T["_"]["columns"]]: T["_"]["columns"][K]["_"]["dataType"] extends "custom" ? K : never;
}[keyof T["_"]["columns"]] &
  string;

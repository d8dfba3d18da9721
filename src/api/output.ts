/**
 * API output objects derived from the drizzle tables: one zod schema (OpenAPI, tool output schemas,
 * the `hc` client's types) and one presenter per table, built from the same field list, so the two
 * cannot disagree and a column added to a table is served with no edit here.
 *
 * Every column is an output field of the same name, in table order, by the API's conventions:
 * text/number/bool as stored (nullable like the column; `*_dollars`, `*_fp` and Kalshi's times
 * described as such), JSON text parsed back into JSON, ssmd's bookkeeping times (Unix ms) as ISO
 * 8601. A table's spec may hide a column, override one (schema + conversion), describe one, and add
 * computed views (the seed's cents/contracts numbers), each placed before the column it reads.
 */
import { z } from "@hono/zod-openapi";
import { BOOKKEEPING } from "../db/schema";
import { columnsOf, type ColumnInfo, type JsonColumnOf, type RowOf } from "../db/shape";

type Table = Parameters<typeof columnsOf>[0];
type Bookkeeping = (typeof BOOKKEEPING)[number];
const IS_BOOKKEEPING = new Set<string>(BOOKKEEPING);

const DOLLARS = 'Exact decimal dollars as Kalshi sent them, e.g. "0.5600"';
const FP = 'Exact fixed-point count as Kalshi sent it, e.g. "2233487.48"';
const TIME = "RFC 3339 timestamp as Kalshi sent it";
export const Dollars = z.string().nullable().openapi({ description: DOLLARS });
const Fp = z.string().nullable().openapi({ description: FP });
export const Time = z.string().nullable().openapi({ description: TIME });
/** Text columns described by their name's convention: `*_dollars`, `*_fp`, Kalshi's times. */
const TEXT_CONVENTIONS: ReadonlyArray<[RegExp, string, z.ZodType]> = [
  [/_dollars$/, DOLLARS, Dollars],
  [/_fp$/, FP, Fp],
  [/_(time|date|ts)$/, TIME, Time],
];
const Json = z.unknown().openapi({ description: "JSON value as Kalshi sent it" });
export const Iso = z.string().nullable().openapi({ format: "date-time", description: "ssmd bookkeeping time (UTC)" });

/** Parses a JSON column; a value that is not valid JSON is returned as the raw text. */
export function parseJsonColumn(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** A column served with another schema than the convention's, and how its value is converted. */
type Override<V> = { schema: z.ZodType<V>; present: (value: never) => V };
/** A computed field, placed just before the column `before`. */
type View<R, V> = { schema: z.ZodType<V>; before: keyof R & string; present: (row: R) => V };

type Spec<T extends Table> = {
  hidden?: ReadonlyArray<keyof RowOf<T> & string>;
  describe?: Partial<Record<keyof RowOf<T>, string>>;
  override?: Partial<Record<keyof RowOf<T>, Override<unknown>>>;
  views?: Record<string, View<RowOf<T>, unknown>>;
};

type Flat<T> = { [K in keyof T]: T[K] };
type ValueOf<T extends Table, K extends keyof RowOf<T>, S extends Spec<T>> = K extends keyof S["override"]
  ? S["override"][K] extends Override<infer V>
    ? V
    : never
  : K extends JsonColumnOf<T>
    ? unknown
    : K extends Bookkeeping
      ? string | null
      : RowOf<T>[K];
type HiddenOf<S> = S extends { hidden: ReadonlyArray<infer H> } ? H : never;
/** The presented object of table `T` under spec `S`. */
export type Presented<T extends Table, S extends Spec<T>> = Flat<
  { [K in Exclude<keyof RowOf<T>, HiddenOf<S>>]: ValueOf<T, K, S> } & {
    [K in keyof S["views"]]: S["views"][K] extends View<RowOf<T>, infer V> ? V : never;
  }
>;
type ShapeOf<O> = { [K in keyof O]: z.ZodType<O[K]> };

/** The convention's schema for a column. */
function columnSchema(c: ColumnInfo): z.ZodType {
  if (IS_BOOKKEEPING.has(c.name)) return Iso;
  if (c.kind === "json") return Json;
  if (c.kind === "text")
    for (const [re, description, nullable] of TEXT_CONVENTIONS)
      if (re.test(c.name)) return c.nullable ? nullable : z.string().openapi({ description });
  const base =
    c.kind === "text" ? z.string() : c.kind === "bool" ? z.boolean() : c.integer ? z.number().int() : z.number();
  return c.nullable ? base.nullable() : base;
}

/** How a column's value is converted; null: served as stored. */
function columnPresenter(c: ColumnInfo): ((v: unknown) => unknown) | null {
  if (IS_BOOKKEEPING.has(c.name)) return (v) => isoOrNull(v as number | null);
  if (c.kind === "json") return (v) => parseJsonColumn(v as string | null);
  return null;
}

/** One output field: a column (converted or as stored) or a view computed from the row. */
type Field =
  | { key: string; column: string; convert: ((v: unknown) => unknown) | null }
  | {
      key: string;
      view: (row: Record<string, unknown>) => unknown;
    };

/**
 * A presenter over `fields`, built once: the per-row loop copies stored values directly and calls
 * a function only for the fields that convert (a market's ~70 fields, ~10 of them converted), into
 * a copy of one template so every answer object has the same shape.
 */
function presenter(fields: readonly Field[]): (row: object) => Record<string, unknown> {
  const n = fields.length;
  const keys = fields.map((f) => f.key);
  const columns = fields.map((f) => ("column" in f ? f.column : ""));
  const fns = fields.map((f) =>
    "view" in f ? f.view : f.convert ? (r: Record<string, unknown>) => f.convert!(r[f.column]) : null,
  );
  const template = Object.fromEntries(keys.map((k) => [k, null]));
  return (row) => {
    const r = row as Record<string, unknown>;
    const out: Record<string, unknown> = { ...template };
    for (let i = 0; i < n; i++) {
      const f = fns[i];
      out[keys[i]!] = f === null ? r[columns[i]!] : f!(r);
    }
    return out;
  };
}

export type Output<T extends Table, S extends Spec<T>> = {
  /** The zod shape, in output order (wrap with z.object(...).openapi(name)). */
  shape: ShapeOf<Presented<T, S>>;
  present: (row: RowOf<T>) => Presented<T, S>;
  /** The same for some of the fields, in the order given, presented from a row holding at least their columns. */
  pick<const K extends keyof Presented<T, S> & keyof RowOf<T>>(
    keys: readonly K[],
  ): {
    shape: Pick<ShapeOf<Presented<T, S>>, K>;
    present: (row: Pick<RowOf<T>, K>) => Pick<Presented<T, S>, K>;
  };
};

/** The output schema and presenter of `table` under `spec`. */
export function tableOutput<T extends Table, const S extends Spec<T>>(table: T, spec: S): Output<T, S> {
  const hidden = new Set<string>(spec.hidden ?? []);
  const shape: Record<string, z.ZodType> = {};
  const fields: Field[] = [];
  const views = Object.entries(spec.views ?? {});
  const columns = columnsOf(table);
  for (const [, view] of views)
    if (!columns.some((c) => c.name === view.before)) throw new Error(`view before unknown column ${view.before}`);
  for (const c of columns) {
    for (const [key, view] of views) {
      if (view.before !== c.name) continue;
      shape[key] = view.schema;
      fields.push({ key, view: view.present as (row: Record<string, unknown>) => unknown });
    }
    if (hidden.has(c.name)) continue;
    const over = spec.override?.[c.name as keyof RowOf<T>];
    let schema = over ? over.schema : columnSchema(c);
    const description = spec.describe?.[c.name as keyof RowOf<T>];
    if (description) schema = schema.openapi({ description });
    shape[c.name] = schema;
    const convert = over ? (over.present as (v: unknown) => unknown) : columnPresenter(c);
    fields.push({ key: c.name, column: c.name, convert });
  }
  return {
    shape: shape as ShapeOf<Presented<T, S>>,
    present: presenter(fields) as (row: RowOf<T>) => Presented<T, S>,
    pick: (keys) => {
      const byKey = new Map(fields.map((f) => [f.key, f]));
      const list = keys.map((k) => {
        const f = byKey.get(k as string);
        if (!f) throw new Error(`no output field ${String(k)}`);
        return f;
      });
      return {
        shape: Object.fromEntries(keys.map((k) => [k, shape[k as string]])) as never,
        present: presenter(list) as never,
      };
    },
  };
}

/**
 * How ssmd stores a Kalshi object, as the wire layer needs to know it without importing src/db:
 * a table's content columns (the ones filled from Kalshi) in table order, each with how a wire value
 * goes into it. src/db/shape.ts derives these from the drizzle tables — the one source of the
 * stored shape — and src/sync hands them to the normalizers of src/kalshi/to-content.ts. `R` is the
 * row type the normalizer then produces (the table's content type, e.g. `MarketContent`).
 *
 * Conventions (docs/data-model.md): prices `*_dollars` and counts `*_fp` are Kalshi's decimal
 * strings as sent, `*_ts` are Unix ms, JSON arrays/objects are JSON text, `extra` keeps the fields
 * ssmd has no column for.
 */

/** text: the string as sent; json: JSON text of an object or array; bool and number: as sent. */
export type ColumnKind = "text" | "json" | "bool" | "number";

export type ContentShape<R> = {
  /** Content columns of the table, in table order: name and kind. */
  readonly columns: ReadonlyArray<readonly [name: keyof R & string, kind: ColumnKind]>;
  /** Phantom: the row type the columns make up. */
  readonly row?: R;
};

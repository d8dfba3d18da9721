import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compileChecker, fastParser, VERDICT_OTHER, VERDICT_REJECT, VERDICT_SAME } from "../../src/kalshi/fast-parse";
import * as queries from "../../src/kalshi/wire/queries";
import * as rest from "../../src/kalshi/wire/rest";
import * as scalars from "../../src/kalshi/wire/scalars";
import * as wire from "../../src/kalshi/wire/ws";
import { fixture, fixtures } from "./fixtures";

/** Every wire schema the project declares. */
const SCHEMAS = (
  [...Object.entries(scalars), ...Object.entries(rest), ...Object.entries(queries), ...Object.entries(wire)] as [
    string,
    unknown,
  ][]
).filter((e): e is [string, z.ZodType] => e[1] instanceof z.ZodType);

/** Values a field may be set to: every JSON kind, decimal texts, edge numbers, the wire's tags. */
const POOL: unknown[] = [
  null,
  undefined,
  "",
  "0.5600",
  "1",
  "10.00",
  "-3.00",
  "1e3",
  "abc",
  "yes",
  "no",
  "bid",
  "trade",
  "ticker",
  "2026-07-19T15:45:00Z",
  0,
  1,
  -1,
  1.5,
  2 ** 53,
  1e21,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  true,
  false,
  {},
  [],
  [1, 2],
  ["0.5600", "1.00"],
  [[1, 2]],
  { market_ticker: "X" },
];

type Json = unknown;
/** The places inside a value (paths of keys/indexes) a mutation can reach. */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) for (const [i, x] of v.entries()) paths(x, [...at, i], out);
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

type Mutation =
  | { kind: "set"; value: unknown }
  | { kind: "delete" }
  | { kind: "extra"; value: unknown }
  | { kind: "own-proto" }
  | { kind: "prototype" };

function mutate(base: Json, path: (string | number)[], m: Mutation): Json {
  const root = structuredClone(base) as any;
  if (path.length === 0) return m.kind === "set" ? m.value : root;
  const parent = path.slice(0, -1).reduce((o: any, k) => o[k], root);
  const key = path[path.length - 1]!;
  if (m.kind === "set") parent[key] = m.value;
  else if (m.kind === "delete") Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key];
  else if (m.kind === "extra" && parent && typeof parent === "object" && !Array.isArray(parent))
    parent.zz_unknown_field = m.value;
  else if (m.kind === "own-proto" && parent && typeof parent === "object" && !Array.isArray(parent)) {
    Object.defineProperty(parent, "__proto__", {
      value: { x: 1 },
      enumerable: true,
      configurable: true,
      writable: true,
    });
  } else if (m.kind === "prototype" && parent && typeof parent === "object" && !Array.isArray(parent))
    Object.setPrototypeOf(parent, { inherited: 1 });
  return root;
}

/** The invariant: SAME means zod accepts and returns the value unchanged; REJECT means zod refuses. */
function agrees(schema: z.ZodType, v: unknown): number {
  const verdict = compileChecker(schema)(v);
  const r = schema.safeParse(v);
  if (verdict === VERDICT_SAME) {
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
    expect(r.data).toStrictEqual(v);
  }
  if (verdict === VERDICT_REJECT) expect(r.success).toBe(false);
  const fast = fastParser(schema)(v);
  expect(fast.success).toBe(r.success);
  if (r.success) expect(fast.data).toStrictEqual(r.data);
  return verdict;
}

const SAMPLES = Object.values(fixtures).flatMap((f) => [
  f,
  ...Object.values(f as object).filter((x) => x && typeof x === "object"),
]);

describe("fast-parse: zod's verdict, without zod, for values zod returns unchanged", () => {
  it("takes the fast path for the frames of the stream (trade, ticker, book, lifecycle fixtures)", () => {
    for (const name of Object.keys(fixtures).filter(
      (n) => n.startsWith("ws-") && !/cmd|subscribed|ok|error|legacy/.test(n),
    )) {
      expect(agrees(wire.KalshiWsDataMessageSchema, fixture(name)), name).toBe(VERDICT_SAME);
    }
    expect(agrees(wire.KalshiTickerEnvelopeSchema, fixture("ws-ticker"))).toBe(VERDICT_SAME);
    expect(agrees(wire.KalshiTickerMsgSchema, fixture("ws-ticker-2026-03").msg)).toBe(VERDICT_SAME);
  });

  it("leaves transforms, stripped keys and refinements of changed values to zod", () => {
    const trade = fixture("ws-trade");
    trade.msg.no_price_dollars = ""; // zod turns "" into null
    expect(agrees(wire.KalshiTradeMessageSchema, trade)).toBe(VERDICT_OTHER);
    trade.msg.no_price_dollars = 0.11; // a JSON number becomes its decimal text
    expect(agrees(wire.KalshiTradeMessageSchema, trade)).toBe(VERDICT_OTHER);
    const noPrice = fixture("ws-trade");
    delete noPrice.msg.yes_price_dollars;
    delete noPrice.msg.no_price_dollars;
    expect(agrees(wire.KalshiTradeMessageSchema, noPrice)).toBe(VERDICT_REJECT); // the "has a price" refinement
    noPrice.msg.yes_price_dollars = ""; // the refinement sees zod's null: only zod can tell
    expect(agrees(wire.KalshiTradeMessageSchema, noPrice)).toBe(VERDICT_OTHER);
    const strip = z.object({ a: z.string() });
    expect(agrees(strip, { a: "x", b: 1 })).toBe(VERDICT_OTHER);
    expect(agrees(z.strictObject({ a: z.string() }), { a: "x", b: 1 })).toBe(VERDICT_REJECT);
    expect(agrees(z.looseObject({ a: z.string() }), JSON.parse('{"a": "x", "__proto__": {"y": 1}}'))).toBe(
      VERDICT_OTHER,
    );
  });

  it("answers OTHER for what it does not model, and zod still decides", () => {
    expect(agrees(z.string().email(), "a@b.co")).toBe(VERDICT_OTHER);
    expect(agrees(z.xor([z.string(), z.string().min(1)]), "a")).toBe(VERDICT_OTHER);
    expect(agrees(z.string().default("d"), undefined)).toBe(VERDICT_OTHER);
    expect(
      agrees(
        z.number().refine((n) => n > 0, { when: () => true }),
        1,
      ),
    ).toBe(VERDICT_OTHER);
  });

  it("a union is decided by its first accepting option, as zod does", () => {
    const u = z.union([z.string().transform((s) => s.length), z.string()]);
    expect(agrees(u, "abc")).toBe(VERDICT_OTHER);
    expect(agrees(z.union([z.number(), z.string()]), "abc")).toBe(VERDICT_SAME);
    expect(agrees(z.union([z.number(), z.string()]), true)).toBe(VERDICT_REJECT);
  });

  it("agrees with zod on every wire schema over mutated fixtures (property)", () => {
    expect(SCHEMAS.length).toBeGreaterThan(40);
    const seen = { [VERDICT_SAME]: 0, [VERDICT_REJECT]: 0, [VERDICT_OTHER]: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...SAMPLES).chain((base) =>
          fc.tuple(
            fc.constant(base),
            fc.constantFrom(...paths(base)),
            fc.oneof(
              fc.constantFrom(...POOL).map((value): Mutation => ({ kind: "set", value })),
              fc.constant<Mutation>({ kind: "delete" }),
              fc.constantFrom(...POOL).map((value): Mutation => ({ kind: "extra", value })),
              fc.constant<Mutation>({ kind: "own-proto" }),
              fc.constant<Mutation>({ kind: "prototype" }),
            ),
          ),
        ),
        ([base, path, m]) => {
          const v = mutate(base, path, m);
          for (const [, schema] of SCHEMAS) seen[agrees(schema, v) as Verdict]++;
        },
      ),
      { numRuns: 400, seed: 20261125 },
    );
    // Both shortcuts were taken often: the property cannot pass by always deferring to zod.
    expect(seen[VERDICT_SAME]).toBeGreaterThan(500);
    expect(seen[VERDICT_REJECT]).toBeGreaterThan(5000);
  });
});

type Verdict = typeof VERDICT_SAME | typeof VERDICT_REJECT | typeof VERDICT_OTHER;

/**
 * A fast path for zod on hot wire frames, compiled from the same schema (never a second copy of
 * the shape).
 *
 * zod 4 speeds up object parsing by generating code with `new Function`, which Workers forbid, so
 * on workerd every frame takes zod's general path: a result object per field, ~3 µs for a trade
 * frame, a fifth of the ingest isolate's time at 20k trades/s (docs/decisions/0054-zod-fast-path.md).
 * Most frames are valid and need no transform, so their parse output equals the input. The
 * compiled checker answers for a value in one walk without allocating:
 * - VERDICT_SAME:   zod accepts it and would return it unchanged → use the input as the output;
 * - VERDICT_REJECT: zod rejects it;
 * - VERDICT_OTHER:  zod would change it (a transform, a stripped key) or the checker does not know.
 * `fastParser` returns the input on SAME and otherwise asks zod, so errors and transforms stay
 * zod's own. A schema kind the compiler does not model compiles to "always OTHER": slower, never
 * wrong. test/kalshi/fast-parse.test.ts checks both verdicts against zod on mutated frames.
 */
import type { z } from "zod";

export const VERDICT_SAME = 0;
export const VERDICT_REJECT = 1;
export const VERDICT_OTHER = 2;
export type Verdict = typeof VERDICT_SAME | typeof VERDICT_REJECT | typeof VERDICT_OTHER;
type Check = (v: unknown) => Verdict;

// zod's definitions, as far as this compiler reads them (zod/v4/core `_zod.def`).
interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  [k: string]: unknown;
}
interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  length?: number;
  value?: number;
  inclusive?: boolean;
  fn?: (v: unknown) => unknown;
  when?: unknown;
}
const defOf = (s: unknown): Def => (s as { _zod: { def: Def } })._zod.def;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A JSON-like object: no prototype but Object's (or none), no own `__proto__` key. */
function isPlain(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && !Object.hasOwn(v, "__proto__");
}

/** A refinement or built-in check as a predicate on an accepted value, or null when not modelled. */
// biome-ignore lint/suspicious/noExplicitAny: a check applies to whatever value its schema accepted
function compileCheck(c: CheckDef): ((v: any) => boolean) | null {
  // zod gives length checks a `when` that skips values without a length; the type test before
  // them already guarantees one. Any other gated check is not modelled.
  const lengthCheck = c.check === "min_length" || c.check === "max_length" || c.check === "length_equals";
  if (c.when !== undefined && !lengthCheck) return null;
  switch (c.check) {
    case "custom": {
      const fn = c.fn;
      // A refinement's result decides; an async one is not modelled (its Promise would be truthy).
      return fn
        ? (v) => {
            const r = fn(v);
            return r instanceof Promise ? false : Boolean(r);
          }
        : null;
    }
    case "min_length":
      return (v) => v.length >= c.minimum!;
    case "max_length":
      return (v) => v.length <= c.maximum!;
    case "length_equals":
      return (v) => v.length === c.length;
    case "string_format":
      if (c.format !== "regex" || !c.pattern || c.pattern.global || c.pattern.sticky) return null;
      return (v) => c.pattern!.test(v);
    case "number_format":
      return c.format === "safeint" ? (v) => Number.isSafeInteger(v) : null;
    case "greater_than":
      return c.inclusive ? (v) => v >= c.value! : (v) => v > c.value!;
    case "less_than":
      return c.inclusive ? (v) => v <= c.value! : (v) => v < c.value!;
    default:
      return null;
  }
}

/** `base` (the type test) followed by the schema's checks, or null if one is not modelled. */
function withChecks(def: Def, base: (v: unknown) => boolean): Check | null {
  const preds = (def.checks ?? []).map((c) => compileCheck(c._zod.def));
  if (preds.some((p) => p === null)) return null;
  const all = preds as ((v: unknown) => boolean)[];
  if (all.length === 0) return (v) => (base(v) ? VERDICT_SAME : VERDICT_REJECT);
  return (v) => {
    if (!base(v)) return VERDICT_REJECT;
    for (const p of all) if (!p(v)) return VERDICT_REJECT;
    return VERDICT_SAME;
  };
}

function compileObject(def: Def): Check | null {
  const shape = def.shape as Record<string, unknown>;
  const keys = Object.keys(shape);
  const fields: Check[] = [];
  // What zod does with an absent key: skip it (optional), or refuse it, even when the field's
  // schema accepts undefined (z.unknown()).
  const absent: Verdict[] = [];
  for (const k of keys) {
    const f = compile(shape[k]);
    const { optin, optout } = (shape[k] as { _zod: { optin?: string; optout?: string } })._zod;
    if (!f || optin === "defaulted") return null;
    fields.push(f);
    absent.push(optin === undefined ? VERDICT_REJECT : optout === "optional" ? VERDICT_SAME : VERDICT_OTHER);
  }
  const catchall = def.catchall === undefined ? "strip" : defOf(def.catchall).type;
  if (catchall !== "strip" && catchall !== "unknown" && catchall !== "never") return null;
  const known = new Set(keys);
  const refine = withChecks(def, () => true);
  if (!refine) return null;
  return (v) => {
    if (!isObject(v)) return VERDICT_REJECT;
    let verdict: Verdict = VERDICT_SAME;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const r = k in v ? fields[i]!(v[k]) : absent[i]!;
      if (r === VERDICT_REJECT) return VERDICT_REJECT;
      if (r === VERDICT_OTHER) verdict = VERDICT_OTHER;
    }
    // zod copies inherited keys too and never an own `__proto__` (JSON.parse makes one from
    // `"__proto__": …`): only plain objects are returned as they are.
    if (!isPlain(v)) verdict = VERDICT_OTHER;
    if (catchall !== "unknown") {
      for (const k in v) {
        if (!known.has(k)) {
          if (catchall === "never") return VERDICT_REJECT;
          verdict = VERDICT_OTHER; // zod strips it
        }
      }
    }
    // Refinements see zod's output; when that differs from the input, only zod can tell.
    return verdict === VERDICT_OTHER ? VERDICT_OTHER : refine(v);
  };
}

/** The checker of one schema, or null when its kind (or a part of it) is not modelled. */
function compile(schema: unknown): Check | null {
  const def = defOf(schema);
  switch (def.type) {
    case "string":
      return withChecks(def, (v) => typeof v === "string");
    case "number":
      // zod 4 refuses NaN and ±Infinity.
      return withChecks(def, (v) => typeof v === "number" && Number.isFinite(v));
    case "boolean":
      return withChecks(def, (v) => typeof v === "boolean");
    case "null":
      return (v) => (v === null ? VERDICT_SAME : VERDICT_REJECT);
    case "unknown":
    case "any":
      return () => VERDICT_SAME;
    case "literal": {
      const values = def.values as unknown[];
      return (v) => (values.includes(v) ? VERDICT_SAME : VERDICT_REJECT);
    }
    case "enum": {
      const values = new Set(Object.values(def.entries as Record<string, unknown>));
      return (v) => (values.has(v) ? VERDICT_SAME : VERDICT_REJECT);
    }
    case "optional":
    case "nullable": {
      const inner = compile(def.innerType);
      if (!inner || (def.checks?.length ?? 0) > 0) return null;
      const empty = def.type === "optional" ? undefined : null;
      return (v) => (v === empty ? VERDICT_SAME : inner(v));
    }
    case "union": {
      // zod returns the first option that accepts: an earlier option must be known to reject
      // before a later one decides. A discriminated union's options exclude each other by their
      // literal tag, so trying them in order decides the same; an exclusive union (z.xor) is
      // not modelled.
      const options = (def.options as unknown[]).map(compile);
      const exclusive = def.inclusive === false && def.discriminator === undefined;
      if (options.some((o) => o === null) || (def.checks?.length ?? 0) > 0 || exclusive) return null;
      const opts = options as Check[];
      return (v) => {
        for (const o of opts) {
          const r = o(v);
          if (r !== VERDICT_REJECT) return r;
        }
        return VERDICT_REJECT;
      };
    }
    case "pipe": {
      // `.transform(fn)`: accepted exactly when its input is; the output is fn's, not the input.
      if (defOf(def.out).type !== "transform") return null;
      const input = compile(def.in);
      if (!input) return null;
      return (v) => (input(v) === VERDICT_REJECT ? VERDICT_REJECT : VERDICT_OTHER);
    }
    case "object":
      return compileObject(def);
    case "array": {
      const el = compile(def.element);
      const own = withChecks(def, Array.isArray);
      if (!el || !own) return null;
      return (v) => {
        if (own(v) === VERDICT_REJECT) return VERDICT_REJECT;
        let verdict: Verdict = VERDICT_SAME;
        for (const x of v as unknown[]) {
          const r = el(x);
          if (r === VERDICT_REJECT) return VERDICT_REJECT;
          if (r === VERDICT_OTHER) verdict = VERDICT_OTHER;
        }
        return verdict;
      };
    }
    case "record": {
      // Only string-keyed records whose keys zod does not check further.
      const key = defOf(def.keyType);
      const value = compile(def.valueType);
      if (key.type !== "string" || (key.checks?.length ?? 0) > 0 || !value || (def.checks?.length ?? 0) > 0)
        return null;
      return (v) => {
        if (!isObject(v)) return VERDICT_REJECT;
        if (!isPlain(v)) return VERDICT_OTHER;
        let verdict: Verdict = VERDICT_SAME;
        for (const k in v) {
          const r = value(v[k]);
          if (r === VERDICT_REJECT) return VERDICT_REJECT;
          if (r === VERDICT_OTHER) verdict = VERDICT_OTHER;
        }
        return verdict;
      };
    }
    case "tuple": {
      const items = (def.items as unknown[]).map(compile);
      if (items.some((i) => i === null) || def.rest != null || (def.checks?.length ?? 0) > 0) return null;
      const its = items as Check[];
      return (v) => {
        if (!Array.isArray(v)) return VERDICT_REJECT;
        if (v.length !== its.length) return VERDICT_OTHER; // optional trailing items, too long: zod decides
        let verdict: Verdict = VERDICT_SAME;
        for (let i = 0; i < its.length; i++) {
          const r = its[i]!(v[i]);
          if (r === VERDICT_REJECT) return VERDICT_REJECT;
          if (r === VERDICT_OTHER) verdict = VERDICT_OTHER;
        }
        return verdict;
      };
    }
    default:
      return null;
  }
}

/** The checker of `schema`; a schema that is not modelled gets one that always answers OTHER. */
export function compileChecker(schema: z.ZodType): Check {
  return compile(schema) ?? (() => VERDICT_OTHER);
}

/**
 * `schema.safeParse`, answered without zod for the values zod would accept unchanged. The data
 * returned on that path is the input itself (not a copy): callers must not mutate it.
 */
export function fastParser<S extends z.ZodType>(schema: S): (v: unknown) => z.ZodSafeParseResult<z.output<S>> {
  const check = compileChecker(schema);
  return (v) => (check(v) === VERDICT_SAME ? { success: true, data: v as z.output<S> } : schema.safeParse(v));
}

/**
 * Query-parameter building blocks shared by the routes and the agent tools. Query strings carry
 * only strings, so numbers and booleans are parsed here, strictly: "1e3", "true " or "yes" are
 * rejected rather than guessed at.
 */
import { z } from "@hono/zod-openapi";
import {
  describeEventStatusFilters,
  describeStatusFilters,
  EVENT_STATUS_FILTER_WORDS,
  MARKET_STATUS_FILTER_WORDS,
} from "../domain/status";
import { SEARCH_MAX_LENGTH, searchWords } from "../domain/search";
import { isUtcDay, parseInstant } from "../lib/validators";
import { invalidParameter } from "./errors";
import { MAX_CURSOR_LENGTH } from "./limits";

export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 100;

export const limitParam = (max = MAX_LIMIT, dflt = DEFAULT_LIMIT) =>
  z
    .string()
    .regex(/^[0-9]{1,7}$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(1, `must be between 1 and ${max}`).max(max, `must be between 1 and ${max}`))
    .optional()
    .transform((v) => v ?? dflt)
    .meta({
      type: "integer",
      minimum: 1,
      maximum: max,
      default: dflt,
      description: `Page size (1–${max}, default ${dflt})`,
    });

export const boolParam = (description: string) =>
  z
    .enum(["true", "false"], { error: "must be true or false" })
    .optional()
    .transform((v) => v === "true")
    .meta({ type: "boolean", default: false, description });

/** `q`: full-text search words (src/domain/search.ts; never FTS5 syntax). */
export const searchParam = (description: string) =>
  z
    .string()
    .max(SEARCH_MAX_LENGTH, `must be at most ${SEARCH_MAX_LENGTH} characters`)
    .refine((q) => searchWords(q).length > 0, "must contain a word (a letter or a digit)")
    .meta({ description })
    .optional();

export const cursorParam = () =>
  z
    .string()
    .min(1)
    .max(MAX_CURSOR_LENGTH, `must be at most ${MAX_CURSOR_LENGTH} characters`)
    .optional()
    .meta({ description: "Opaque cursor from the previous page's `cursor` (omit for the first page)" });

/**
 * The market `status` filter: the words and what each selects come from one table
 * (MARKET_STATUS_FILTERS, src/domain/status.ts), which the SQL, the docs and the tools' JSON Schema
 * share — the description below is what agents read.
 */
export const MarketStatusFilter = z
  .enum(MARKET_STATUS_FILTER_WORDS, { error: `must be one of ${MARKET_STATUS_FILTER_WORDS.join(", ")}` })
  .meta({
    description:
      `Status filter, by the raw Kalshi statuses (\`status_raw\`) each word selects — ${describeStatusFilters()}. ` +
      "The first four are the normalized `status` values; unopened, active and paused split open. Tradeable now: active.",
  });

/** The event `status` filter: an event's status is derived from its markets' normalized statuses. */
export const EventStatusFilter = z
  .enum(EVENT_STATUS_FILTER_WORDS, { error: `must be one of ${EVENT_STATUS_FILTER_WORDS.join(", ")}` })
  .meta({
    description: `Event status, derived from its live markets' normalized statuses — ${describeEventStatusFilters()}`,
  });

/** Exact raw status (Kalshi's word, case-sensitive), any word — one ssmd does not know included. */
export const statusRawParam = () =>
  z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").optional().meta({
    description:
      "Kalshi's raw status, exact and case-sensitive (e.g. determined, or a word ssmd does not know); combines with `status`",
  });

export const instantParam = (description: string) =>
  z
    .string()
    .transform((s, ctx) => {
      const ms = parseInstant(s);
      if (ms === null) {
        ctx.addIssue({
          code: "custom",
          message: "must be an ISO-8601 date (2026-03-01) or timestamp with zone (2026-03-01T17:00:00Z)",
        });
        return z.NEVER;
      }
      return ms;
    })
    .optional()
    .meta({
      type: "string",
      description: `${description} (ISO-8601 date like 2026-03-01 = midnight UTC, or timestamp with zone like 2026-03-01T17:00:00Z)`,
    });

export const dayParam = (description: string) =>
  z
    .string()
    .refine(isUtcDay, "must be a date YYYY-MM-DD")
    .optional()
    .meta({ type: "string", format: "date", description });

/** Identifier-like filters (tickers, categories): bounded and printable, never empty. */
export const tokenParam = (description: string, max = 128) =>
  z.string().min(1, "must not be empty").max(max, `must be at most ${max} characters`).optional().meta({ description });

export const tickerPath = (name: string, description: string) =>
  z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name, in: "path" }, description });

/** Cursor = base64url(JSON array): the sort key of the last row of the previous page. */
export function encodeCursor(key: readonly (string | number | null)[]): string {
  const json = JSON.stringify(key);
  const bytes = new TextEncoder().encode(json);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

type KeyKind = "string" | "number" | "number|null";

/** Decodes a cursor whose key has the given element kinds; anything else is a 400 on `cursor`. */
export function decodeCursor(cursor: string, kinds: readonly KeyKind[]): (string | number | null)[] {
  const bad = () => invalidParameter("cursor", "not a cursor returned by this endpoint");
  let key: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
    const bin = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
    key = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw bad();
  }
  if (!Array.isArray(key) || key.length !== kinds.length) throw bad();
  kinds.forEach((kind, i) => {
    const v: unknown = key[i];
    const ok =
      kind === "string"
        ? typeof v === "string"
        : kind === "number"
          ? typeof v === "number" && Number.isSafeInteger(v)
          : v === null || (typeof v === "number" && Number.isSafeInteger(v));
    if (!ok) throw bad();
  });
  return key as (string | number | null)[];
}

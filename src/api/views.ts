/**
 * Views of the API's objects: the `fields` projection shared by the REST routes and the agent
 * tools, and the compact market view the tools answer by default (what an agent needs to decide:
 * identity, titles, status, prices, volumes, close time, event and series — about a sixth of a full
 * market). One definition per object, taken from its output schema; the REST default stays complete.
 */
import { z } from "@hono/zod-openapi";
import {
  EventDetailOut,
  EventListOut,
  EventOut,
  MarketDetailOut,
  MarketListOut,
  MarketOut,
  MarketWithEventOut,
} from "./schemas";

type Shape = Record<string, z.ZodType>;

/** A projection over the fields of an output object (`key` is always kept: a row names itself). */
function projection<S extends Shape, const K extends keyof S & string>(
  schema: z.ZodObject<S>,
  key: K,
  compact?: ReadonlyArray<keyof S & string>,
) {
  const all = Object.keys(schema.shape) as Array<keyof S & string>;
  const known = new Set<string>(all);
  /** The `fields` query parameter: comma-separated names, checked against the schema; answers them in schema order. */
  const param = (what: string, example: string) =>
    z
      .string()
      .transform((s, ctx) => {
        const asked = new Set(
          s
            .split(",")
            .map((f) => f.trim())
            .filter((f) => f !== ""),
        );
        const unknown = [...asked].filter((f) => !known.has(f));
        for (const f of unknown)
          ctx.addIssue({ code: "custom", message: `unknown field '${f}'; known fields: ${all.join(", ")}` });
        if (unknown.length > 0) return z.NEVER;
        asked.add(key);
        return all.filter((f) => asked.has(f));
      })
      .optional()
      .meta({
        type: "string",
        description: `Comma-separated fields of each ${what} to answer, e.g. ${example} (\`${key}\` is always included; omitted: every field). Known: ${all.join(", ")}`,
      });
  /** The object with only `fields` (all of it when undefined). */
  const apply = <T extends object>(obj: T, fields: readonly string[] | undefined): T => {
    if (fields === undefined) return obj;
    const src = obj as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of fields) out[f] = src[f];
    return out as T;
  };
  /** The object's schema under any projection: every field optional but the key. */
  const projected: z.ZodObject = schema.partial().required({ [key]: true } as never);
  return { fields: all, key, compact: compact ?? all, param, apply, projected };
}

/** The compact market: what a screening agent reads to decide (prices in cents, volumes in contracts). */
const COMPACT_MARKET = [
  "ticker",
  "event_ticker",
  "series_ticker",
  "category",
  "title",
  "yes_sub_title",
  "status",
  "close_time",
  "yes_bid",
  "yes_ask",
  "no_bid",
  "no_ask",
  "last_price",
  "volume",
  "volume_24h",
  "open_interest",
] as const;

/** A market with its event (GET /markets, /markets/{ticker}). */
export const MARKET_VIEW = projection(MarketWithEventOut, "ticker", COMPACT_MARKET);
/** A market of an event (GET /events/{event_ticker}: no `event` of its own). */
export const EVENT_MARKET_VIEW = projection(MarketOut, "ticker", COMPACT_MARKET);

export const EVENT_VIEW = projection(EventOut, "event_ticker");

/** The tools' `detail` argument: `compact` (default) answers the compact view, `full` every field. */
export const detailArg = z.enum(["compact", "full"], { error: "must be compact or full" }).optional().meta({
  description:
    "compact (default): per market ticker, event_ticker, series_ticker, category, title, yes_sub_title, status, close_time, prices in cents and volumes in contracts; full: every field (about six times larger). `fields` picks exactly the fields wanted instead.",
});

/**
 * The REST query of a tool call with a `detail` argument: `fields` as given, else the compact view
 * unless `detail` is `full`. `param` is the REST parameter that takes the market fields.
 */
export function viewQuery(args: Record<string, string>, param = "fields"): Record<string, string> {
  const { detail, ...rest } = args;
  if (rest[param] === undefined && detail !== "full") rest[param] = COMPACT_MARKET.join(",");
  return rest;
}

/** The tools' answers: the routes' response schemas with projected rows (every view validates). */
export const MarketListView = MarketListOut.extend({ markets: z.array(MARKET_VIEW.projected) });
export const MarketDetailView = MarketDetailOut.extend({ market: MARKET_VIEW.projected });
export const EventListView = EventListOut.extend({ events: z.array(EVENT_VIEW.projected) });
export const EventDetailView = EventDetailOut.extend({ markets: z.array(EVENT_MARKET_VIEW.projected) });

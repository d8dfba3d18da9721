/**
 * Kalshi REST query parameters (docs/kalshi-wire.md §2.1, §2.3), as the client sends them: one zod
 * schema per listing endpoint, and the combinations Kalshi refuses.
 */
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// REST query parameters (docs/kalshi-wire.md §2.1, §2.3). Timestamps are Unix seconds.

const epochSeconds = z.number().int().nonnegative();
const tickerList = z.union([z.string(), z.array(z.string())]);

export const KALSHI_MARKET_STATUS_FILTERS = ["unopened", "open", "paused", "closed", "settled"] as const;

export const KalshiMarketsQuery = z
  .object({
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().optional(),
    event_ticker: tickerList.optional(),
    series_ticker: z.string().optional(),
    tickers: tickerList.optional(),
    status: z.enum(KALSHI_MARKET_STATUS_FILTERS).optional(),
    min_created_ts: epochSeconds.optional(),
    max_created_ts: epochSeconds.optional(),
    min_close_ts: epochSeconds.optional(),
    max_close_ts: epochSeconds.optional(),
    min_settled_ts: epochSeconds.optional(),
    max_settled_ts: epochSeconds.optional(),
    min_updated_ts: epochSeconds.optional(),
    mve_filter: z.enum(["only", "exclude"]).optional(),
  })
  .superRefine((q, ctx) => {
    const problem = kalshiMarketsQueryProblem(q);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
export type KalshiMarketsQuery = z.input<typeof KalshiMarketsQuery>;

/**
 * Kalshi's filter-compatibility table (docs/kalshi-wire.md §2.1). Kalshi may answer an incompatible combination with an
 * empty page instead of a 400 (docs/kalshi-wire.md Q7: `min_close_ts` + `status=open` silently lost markets), so such a
 * query is refused before it is sent.
 */
export function kalshiMarketsQueryProblem(q: {
  status?: string | undefined;
  mve_filter?: string | undefined;
  min_created_ts?: number | undefined;
  max_created_ts?: number | undefined;
  min_close_ts?: number | undefined;
  max_close_ts?: number | undefined;
  min_settled_ts?: number | undefined;
  max_settled_ts?: number | undefined;
  min_updated_ts?: number | undefined;
  [k: string]: unknown;
}): string | null {
  const families: Array<{ name: string; used: boolean; statuses: readonly string[] }> = [
    {
      name: "min/max_created_ts",
      used: q.min_created_ts != null || q.max_created_ts != null,
      statuses: ["unopened", "open"],
    },
    { name: "min/max_close_ts", used: q.min_close_ts != null || q.max_close_ts != null, statuses: ["closed"] },
    { name: "min/max_settled_ts", used: q.min_settled_ts != null || q.max_settled_ts != null, statuses: ["settled"] },
  ];
  const used = families.filter((f) => f.used);
  if (q.min_updated_ts != null) {
    const others = Object.entries(q).filter(
      ([k, v]) => v != null && !["min_updated_ts", "limit", "cursor", "mve_filter"].includes(k),
    );
    if (others.length > 0 || (q.mve_filter != null && q.mve_filter !== "exclude")) {
      return "min_updated_ts cannot be combined with other filters (except mve_filter=exclude)";
    }
    return null;
  }
  if (used.length > 1) return `timestamp filters ${used.map((f) => f.name).join(" and ")} are mutually exclusive`;
  const family = used[0];
  if (family && q.status != null && !family.statuses.includes(q.status)) {
    return `${family.name} is only compatible with status ${family.statuses.join("/")} or none (got status=${q.status})`;
  }
  return null;
}

export const KalshiEventsQuery = z.object({
  limit: z.number().int().min(1).max(200).optional(),
  cursor: z.string().optional(),
  with_nested_markets: z.boolean().optional(),
  with_milestones: z.boolean().optional(),
  status: z.enum(["open", "closed", "settled"]).optional(),
  series_ticker: z.string().optional(),
  min_close_ts: epochSeconds.optional(),
});
export type KalshiEventsQuery = z.input<typeof KalshiEventsQuery>;

/**
 * `GET /events/multivariate` (multivariate events only; `GET /events` leaves them out). Page size
 * 1–200, Kalshi's default 100. `collection_ticker` and `series_ticker` cannot be combined.
 */
export const KalshiMultivariateEventsQuery = z
  .object({
    limit: z.number().int().min(1).max(200).optional(),
    cursor: z.string().optional(),
    series_ticker: z.string().optional(),
    collection_ticker: z.string().optional(),
    with_nested_markets: z.boolean().optional(),
  })
  .refine((q) => q.series_ticker == null || q.collection_ticker == null, {
    message: "collection_ticker cannot be combined with series_ticker",
  });
export type KalshiMultivariateEventsQuery = z.input<typeof KalshiMultivariateEventsQuery>;

/** `GET /markets/trades`: all markets unless `ticker`; `min_ts`/`max_ts` are Unix seconds. */
export const KalshiTradesQuery = z
  .object({
    ticker: z.string().min(1).optional(),
    min_ts: epochSeconds.optional(),
    max_ts: epochSeconds.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().optional(),
  })
  .refine((q) => q.min_ts == null || q.max_ts == null || q.min_ts <= q.max_ts, {
    message: "min_ts must not be after max_ts",
  });
export type KalshiTradesQuery = z.input<typeof KalshiTradesQuery>;

export const KalshiSeriesListQuery = z.object({
  category: z.string().optional(),
  tags: z.string().optional(),
  include_product_metadata: z.boolean().optional(),
  include_volume: z.boolean().optional(),
});
export type KalshiSeriesListQuery = z.input<typeof KalshiSeriesListQuery>;

export const KalshiSeriesFeeChangesQuery = z.object({
  series_ticker: z.string().optional(),
  show_historical: z.boolean().optional(),
});
export type KalshiSeriesFeeChangesQuery = z.input<typeof KalshiSeriesFeeChangesQuery>;

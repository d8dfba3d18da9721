/**
 * Transitional: the wire schemas live in src/kalshi/wire/ (scalars.ts, rest.ts, queries.ts, ws.ts)
 * under `Kalshi*` names. These old names stay only for modules being reworked in parallel (issue #13);
 * delete this file once nothing imports it.
 */
export {
  type KalshiEvent as Event,
  KalshiEventSchema as EventSchema,
  type KalshiMarket as Market,
  KalshiMarketSchema as MarketSchema,
  type KalshiSeries as Series,
  KalshiSeriesSchema as SeriesSchema,
} from "./wire/rest";

/**
 * The wire normalizers bound to the tables' shapes: src/kalshi/to-content.ts knows how a Kalshi
 * object becomes a row, src/db/shape.ts which columns a row has (read from the drizzle tables).
 */
import { EVENT_SHAPE, MARKET_SHAPE, SERIES_SHAPE } from "../db/shape";
import { eventNormalizer, marketNormalizer, seriesNormalizer } from "../kalshi/to-content";

const market = marketNormalizer(MARKET_SHAPE);
export const normalizeMarket = market.normalize;
/** Inverse of normalizeMarket: the Kalshi wire object rebuilt from a row (columns + `extra`). */
export const marketToWire = market.toWire;
export const normalizeEvent = eventNormalizer(EVENT_SHAPE);
export const normalizeSeries = seriesNormalizer(SERIES_SHAPE);

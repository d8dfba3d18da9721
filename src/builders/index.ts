export * from "./trade";
export { PriceSet } from "./price-set";
export { TradeRing } from "./trade-ring";
export { PriceHistoryBuilder, DEFAULT_PRICE_WINDOW, type PriceHistory, type AddResult } from "./price-history";
export { VolumeProfileBuilder, DEFAULT_VOLUME_WINDOW_MS, type VolumeProfile } from "./volume-profile";
export { PriceHistorySchema, VolumeProfileSchema, PRICE_HISTORY_PRICES, pricedValues, type PriceHistoryPrice } from "./schemas";

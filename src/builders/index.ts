export * from "./trade";
export { PriceSet } from "./price-set";
export { TradeRing } from "./trade-ring";
export { PriceHistoryBuilder, DEFAULT_PRICE_WINDOW, type PriceHistory } from "./price-history";
export { VolumeProfileBuilder, DEFAULT_VOLUME_WINDOW_MS, type VolumeProfile } from "./volume-profile";
export { PriceHistorySchema, VolumeProfileSchema } from "./schemas";

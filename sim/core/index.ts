/** Runtime-agnostic Kalshi simulator (see docs/simulator.md). */
export { Simulator, ConnectionDropped, REST_PREFIX, WS_PATH, type SimulatorOptions } from "./simulator";
export { SimConfigSchema, FaultsSchema, FaultRuleSchema, WsFaultsSchema, MutateSchema, type SimConfig, type ResolvedSimConfig, type Faults, type FaultRule, type WsFaults, type Mutate } from "./config";
export { Feed, WsSession, WS_ERRORS, PING_INTERVAL_MS, PING_PAYLOAD, type WsTransport } from "./ws";
export { World, type MutationRates, type LifecycleEvent } from "./world";
export { ApiError, encodeCursor, decodeCursor, incompatibility, eventStatus } from "./rest";
export { FILTER_TO_STATUS_CODES, MARKET_STATUSES, STATUS_FILTERS, type MarketStatus, type StatusFilter } from "./status";
export { TEMPLATES, CATEGORIES } from "./catalog";
export { Rng, hash32, unit, uuidFrom } from "./prng";

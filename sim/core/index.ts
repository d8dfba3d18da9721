/** Runtime-agnostic Kalshi simulator (see docs/simulator.md). */
export { Simulator, ConnectionDropped, WS_PATH } from "./simulator";
export { SimConfigSchema, type SimConfig, type FaultRule } from "./config";
export { WsSession, PING_INTERVAL_MS, PING_PAYLOAD } from "./ws";
export { FILTER_TO_STATUS_CODES, MARKET_STATUSES, STATUS_FILTERS } from "./status";
export { uuidFrom } from "./prng";

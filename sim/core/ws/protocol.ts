/**
 * The WebSocket protocol's facts (docs/kalshi-wire.md §6): ping, channels, error codes, and the shape
 * of a subscription. Shared by the session (session.ts) and the feed (../ws.ts).
 */
import type { WsFaults } from "../config";
import type { World } from "../world";

export const PING_INTERVAL_MS = 10_000;
export const PING_PAYLOAD = "heartbeat";

export interface WsTransport {
  send(text: string): void;
  /** `abrupt` = drop the connection without a close handshake (fault injection). */
  close(code: number, reason: string, abrupt: boolean): void;
}

/**
 * Kalshi's WebSocket error codes (docs/kalshi-wire.md §6.2). The simulator is the test oracle, so it
 * keeps its own copy of the wire facts and imports nothing from src/ (.dependency-cruiser.cjs);
 * test/sim/wire-facts.test.ts checks that this table, the client's (src/kalshi/wire/ws.ts
 * KALSHI_WS_ERROR_CODES) and the docs agree.
 */
export const WS_ERRORS = {
  1: "Unable to process message",
  2: "Params required",
  3: "Channels required",
  4: "Subscription IDs required",
  5: "Unknown command",
  6: "Already subscribed",
  7: "Unknown subscription ID",
  8: "Unknown channel name",
  9: "Authentication required",
  10: "Channel error",
  11: "Invalid parameter",
  12: "Exactly one subscription ID required",
  13: "Unsupported action",
  14: "Market ticker required",
  15: "Action required",
  16: "Market not found",
  17: "Internal error",
} as const;
export type WsErrorCode = keyof typeof WS_ERRORS;

export const DATA_CHANNELS = ["ticker", "ticker_v2", "trade", "orderbook_delta", "market_lifecycle_v2"] as const;
/** Channels we accept (with auth) but never publish on: no portfolio state in the simulator. */
export const SILENT_CHANNELS = [
  "multivariate",
  "fill",
  "market_positions",
  "communications",
  "order_group_updates",
] as const;
export const AUTH_CHANNELS = new Set([
  "orderbook_delta",
  "fill",
  "market_positions",
  "communications",
  "order_group_updates",
]);
/** Channels where a subscription can be narrowed to markets. */
export const TICKERED = new Set(["ticker", "ticker_v2", "trade", "orderbook_delta"]);

export interface Subscription {
  sid: number;
  channel: string;
  /** null = all markets. */
  markets: Set<number> | null;
  seq: number;
}

export type Json = Record<string, unknown>;

export class CommandError extends Error {
  constructor(
    readonly code: WsErrorCode,
    detail?: string,
  ) {
    super(detail ? `${WS_ERRORS[code]}: ${detail}` : WS_ERRORS[code]);
  }
}

/** What a session needs from the feed it belongs to (the `Feed` of ../ws.ts). */
export interface SessionHost {
  readonly world: World;
  faults(): WsFaults;
  detach(s: { readonly subs: Map<number, Subscription> }): void;
  interestChanged(): void;
  snapshotMsg(m: number): Json;
}

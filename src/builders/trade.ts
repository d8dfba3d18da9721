/**
 * The builders' view of a trade, in exact integer units (no binary-float dollars anywhere):
 * - `price`: YES price in 1/10000 dollars (Kalshi's 4-decimal `yes_price_dollars`), 0..10000.
 * - `count`: contracts in 1/100 (Kalshi's 2-decimal `count_fp`), > 0.
 * - `ts`: Unix milliseconds.
 * Pure module: no Workers APIs.
 */

/** Units per dollar of `price` (1 unit = $0.0001). */
export const PRICE_SCALE = 10_000;
/** Units per contract of `count` (1 unit = 0.01 contract). */
export const COUNT_SCALE = 100;

export type TakerSide = "yes" | "no";

export interface BuilderTrade {
  /** Kalshi's trade id; with `ts` it orders trades totally, so replays converge. */
  id: string;
  /** Unix milliseconds. */
  ts: number;
  /** YES price in 1/10000 dollars. */
  price: number;
  /** Contracts in 1/100. */
  count: number;
  /** Side the taker bought: "yes" counts as buy volume, "no" as sell volume. */
  takerSide: TakerSide;
}

export class InvalidTradeError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = "InvalidTradeError";
  }
}

/** Throws InvalidTradeError unless the trade is in the builders' integer units. */
export function assertValidTrade(t: BuilderTrade): void {
  if (!Number.isSafeInteger(t.ts)) throw new InvalidTradeError(`trade ${t.id}: ts must be integer ms, got ${t.ts}`);
  if (!Number.isInteger(t.price) || t.price < 0 || t.price > PRICE_SCALE)
    throw new InvalidTradeError(
      `trade ${t.id}: price must be an integer in 0..${PRICE_SCALE} (1/10000 $), got ${t.price}`,
    );
  if (!Number.isSafeInteger(t.count) || t.count <= 0)
    throw new InvalidTradeError(`trade ${t.id}: count must be a positive integer (1/100 contracts), got ${t.count}`);
  if (t.takerSide !== "yes" && t.takerSide !== "no")
    throw new InvalidTradeError(`trade ${t.id}: takerSide must be "yes" or "no"`);
}

/**
 * Total order of trades: by ts, then by id. Kalshi's WS trade ts has one-second resolution, so
 * many trades tie on ts; breaking ties by id (not arrival) makes the result independent of
 * delivery order, duplicates and resubscriptions.
 */
export function compareTradeKeys(tsA: number, idA: string, tsB: number, idB: string): number {
  if (tsA !== tsB) return tsA < tsB ? -1 : 1;
  return idA < idB ? -1 : idA > idB ? 1 : 0;
}

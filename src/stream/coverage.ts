/**
 * What the ingest observed about a ticker's stream, carried to its ticker object (issue #14,
 * decision 0098): the losses (a sequence gap on a `trade` subscription that covered the ticker, a
 * dropped connection), whether the REST backfill recovered each one, the duplicate frames dropped,
 * and the trades only the backfill delivered. The ingest sends these as notes with the forwarded
 * batches (`TickerBatch.coverage`); the ticker object keeps them here (one `history_meta` row,
 * written only when a note or a duplicate arrives) and every builder answer and candle window
 * reports them over the window it concerns. Pure: no Workers APIs.
 *
 * A loss is open from the last trade seen before it (`from_ts`) until the backfill job that read it
 * succeeds (then [from_ts, to_ts] is known to be complete again) or is abandoned (then trades in
 * [from_ts, to_ts] may be missing for good). A pending loss covers everything after `from_ts`:
 * until it is recovered no window after it can be called complete.
 */
import { z } from "zod";

const HOUR_MS = 3_600_000;
/** Losses kept per ticker; older ones are forgotten (and a window reaching before the oldest kept is not called complete). */
const MAX_LOSSES = 500;
/** Loss events listed in one answer (the counts cover all of them). */
const MAX_LISTED = 20;

/**
 * One ingest instance numbers its losses 1, 2, … under its `epoch` (when it loaded): a backfill
 * job reports the highest number it covered, so a loss queued while the job ran is not taken as
 * recovered by it. A restarted ingest has a new epoch and an empty queue: older pending losses stay
 * pending (never presented as recovered).
 */
export interface LossRef {
  epoch: number;
  n: number;
}

export type CoverageNote =
  | {
      kind: "loss";
      cause: "gap" | "reconnect";
      id: LossRef;
      /** ts (ms) of the last trade seen before the loss: trades from here on may be missing. */
      from_ts: number;
      /** Wall clock (ms) when the ingest noticed it. */
      detected_at: number;
      /** Sequence numbers skipped on the subscription (a gap; all its markets together), null for a reconnect. */
      missed_seq: number | null;
    }
  | { kind: "recovered" | "unrecovered"; epoch: number; up_to: number; to_ts: number }
  | { kind: "duplicate_frames"; ts: number; frames: number };

export type LossState = "pending" | "backfilled" | "unrecovered";

interface Loss {
  cause: "gap" | "reconnect";
  epoch: number;
  n: number;
  from: number;
  to: number | null;
  at: number;
  missed: number | null;
  state: LossState;
}

/** What is persisted (the `coverage` row of `history_meta`). */
export interface CoverageLogState {
  losses: Loss[];
  /** Per UTC hour start: trades only the backfill delivered, duplicate frames the ingest dropped, stream trades the object dropped by trade_id. */
  hours: Record<string, { rec?: number; dupf?: number; dupt?: number }>;
  /** Losses before this (ms) were forgotten (MAX_LOSSES); null: none were. */
  forgotten_before: number | null;
}

const int = () => z.number().int();

export const StreamCoverageSchema = z
  .object({
    complete: z.boolean().meta({
      description:
        "No loss in the window is pending or unrecovered, and no part of it predates the stream unfilled: the answer rests on every trade",
    }),
    gaps: int().meta({ description: "Sequence gaps on a trade subscription covering this ticker, in the window" }),
    reconnects: int().meta({
      description: "Dropped connections in the window (trades while down are lost until backfilled)",
    }),
    backfilled: int().meta({ description: "Of those losses, read back from GET /markets/trades" }),
    pending: int().meta({ description: "Losses whose backfill has not finished: their trades may be missing" }),
    unrecovered: int().meta({ description: "Losses whose backfill was abandoned: trades may be missing for good" }),
    missed_seq: int().nullable().meta({
      description: "Sequence numbers the gaps skipped (on the whole subscription, all its markets); null: no gap",
    }),
    backfilled_trades: int().meta({ description: "Trades in the window only the REST backfill delivered" }),
    duplicate_frames: int().meta({ description: "Duplicate trade frames (seq already seen) the ingest dropped" }),
    duplicate_trades: int().meta({ description: "Stream trades the ticker object dropped as already held (trade_id)" }),
    losses: z
      .array(
        z.object({
          cause: z.enum(["gap", "reconnect"]),
          from_ts: int().meta({ description: "Last trade seen before the loss (Unix ms)" }),
          to_ts: int().nullable().meta({ description: "End of the backfilled window (Unix ms); null while pending" }),
          detected_at: int(),
          missed_seq: int().nullable(),
          backfill: z.enum(["pending", "backfilled", "unrecovered"]),
        }),
      )
      .meta({ description: `The losses overlapping the window, newest first (at most ${MAX_LISTED})` }),
  })
  .meta({
    id: "StreamCoverage",
    description: "What the ingest observed about the stream over the window (docs/streaming.md, 'Coverage')",
  });
export type StreamCoverage = z.infer<typeof StreamCoverageSchema>;

export const emptyCoverageLog = (): CoverageLogState => ({ losses: [], hours: {}, forgotten_before: null });

const hourOf = (ts: number) => String(Math.floor(ts / HOUR_MS) * HOUR_MS);

export class CoverageLog {
  constructor(private state: CoverageLogState = emptyCoverageLog()) {}

  get value(): CoverageLogState {
    return this.state;
  }

  /** Applies the ingest's notes; returns whether anything changed (the caller persists then). */
  apply(notes: readonly CoverageNote[]): boolean {
    let changed = false;
    for (const n of notes) {
      if (n.kind === "loss") {
        const dup = this.state.losses.some((l) => l.epoch === n.id.epoch && l.n === n.id.n);
        if (dup) continue; // a retried batch
        this.state.losses.push({
          cause: n.cause,
          epoch: n.id.epoch,
          n: n.id.n,
          from: n.from_ts,
          to: null,
          at: n.detected_at,
          missed: n.missed_seq,
          state: "pending",
        });
        if (this.state.losses.length > MAX_LOSSES) {
          const gone = this.state.losses.shift()!;
          this.state.forgotten_before = Math.max(this.state.forgotten_before ?? gone.from, gone.to ?? gone.from);
        }
        changed = true;
      } else if (n.kind === "duplicate_frames") {
        this.bump(n.ts, "dupf", n.frames);
        changed = true;
      } else {
        for (const l of this.state.losses) {
          if (l.state !== "pending" || l.epoch !== n.epoch || l.n > n.up_to) continue;
          l.state = n.kind === "recovered" ? "backfilled" : "unrecovered";
          l.to = Math.max(l.from, n.to_ts);
          changed = true;
        }
      }
    }
    return changed;
  }

  bump(ts: number, key: "rec" | "dupf" | "dupt", by: number): void {
    if (by <= 0) return;
    const h = (this.state.hours[hourOf(ts)] ??= {});
    h[key] = (h[key] ?? 0) + by;
  }

  /** Forgets hours and losses that ended before `ts` (the candle retention's start). */
  prune(ts: number): void {
    for (const k of Object.keys(this.state.hours)) if (Number(k) + HOUR_MS <= ts) delete this.state.hours[k];
    this.state.losses = this.state.losses.filter((l) => l.state === "pending" || (l.to ?? l.from) >= ts);
  }

  /** Coverage of [from, to] (ms, inclusive). `unfilled` = part of it predates the stream unfilled. */
  summarize(from: number, to: number, unfilled: boolean): StreamCoverage {
    const out: StreamCoverage = {
      complete: true,
      gaps: 0,
      reconnects: 0,
      backfilled: 0,
      pending: 0,
      unrecovered: 0,
      missed_seq: null,
      backfilled_trades: 0,
      duplicate_frames: 0,
      duplicate_trades: 0,
      losses: [],
    };
    const listed: Loss[] = [];
    for (const l of this.state.losses) {
      // A pending loss reaches to +∞: nothing after it is known complete.
      const end = l.state === "pending" ? Number.POSITIVE_INFINITY : (l.to ?? l.from);
      if (end < from || l.from > to) continue;
      if (l.cause === "gap") {
        out.gaps++;
        if (l.missed !== null) out.missed_seq = (out.missed_seq ?? 0) + l.missed;
      } else out.reconnects++;
      if (l.state === "backfilled") out.backfilled++;
      else if (l.state === "pending") out.pending++;
      else out.unrecovered++;
      listed.push(l);
    }
    for (const [k, h] of Object.entries(this.state.hours)) {
      const s = Number(k);
      if (s + HOUR_MS <= from || s > to) continue;
      out.backfilled_trades += h.rec ?? 0;
      out.duplicate_frames += h.dupf ?? 0;
      out.duplicate_trades += h.dupt ?? 0;
    }
    out.losses = listed
      .slice(-MAX_LISTED)
      .reverse()
      .map((l) => ({
        cause: l.cause,
        from_ts: l.from,
        to_ts: l.state === "pending" ? null : l.to,
        detected_at: l.at,
        missed_seq: l.missed,
        backfill: l.state,
      }));
    const forgotten = this.state.forgotten_before !== null && from <= this.state.forgotten_before;
    out.complete = out.pending === 0 && out.unrecovered === 0 && !unfilled && !forgotten;
    return out;
  }
}

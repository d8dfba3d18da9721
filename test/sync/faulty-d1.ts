/**
 * A D1Database-shaped proxy over the real (local) D1 that fails or delays a chosen share of
 * statement executions — `first`, `all`, `run`, `raw` of a prepared statement and `batch` — chosen
 * by a seeded generator, so a run with the same seed and the same order of calls meets the same
 * faults. A failure is thrown before the statement reaches D1 (nothing of it is applied), as a
 * D1 error is. `prepare`, `bind`, `exec` and `dump` pass through.
 *
 * Installed into the sync coordinator with `injectD1` (its env's DB, in workerd's test isolate):
 * the production code reads `this.env.DB` and knows nothing of it.
 */
import { runInDurableObject } from "cloudflare:test";
import { Rng } from "../../sim/core/prng";
import type { SyncCoordinator } from "../../src/sync/coordinator";

export interface D1FaultPlan {
  seed: number;
  /** Share (0..1) of matching executions that fail. */
  failShare?: number;
  /** Share (0..1) of matching executions delayed by `delayMs` (failures are decided first). */
  delayShare?: number;
  delayMs?: number;
  /** Only executions whose SQL (any statement of a batch) matches; default every one. */
  match?: RegExp;
  /** At most this many failures; afterwards matching executions pass. */
  maxFailures?: number;
}

export interface D1Fault {
  /** 1-based index among matching executions. */
  n: number;
  kind: "fail" | "delay";
  method: string;
  sql: string;
}

/** The simulator's seeded PRNG as a function. */
function rngOf(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

export class FaultyD1 {
  readonly faults: D1Fault[] = [];
  /** Matching executions seen. */
  executions = 0;
  private plan: D1FaultPlan | null;
  private random: () => number;
  private readonly inner = new WeakMap<object, D1PreparedStatement>();
  readonly db: D1Database;

  constructor(
    private readonly real: D1Database,
    plan: D1FaultPlan | null,
  ) {
    this.plan = plan;
    this.random = rngOf(plan?.seed ?? 0);
    this.db = this.wrapDb();
  }

  /** Changes the plan (null: every call passes) from the next execution on. */
  set(plan: D1FaultPlan | null): void {
    this.plan = plan;
    this.random = rngOf(plan?.seed ?? 0);
  }

  get failures(): D1Fault[] {
    return this.faults.filter((f) => f.kind === "fail");
  }

  private async gate(method: string, sql: string): Promise<void> {
    const p = this.plan;
    if (!p || (p.match && !p.match.test(sql))) return;
    const n = ++this.executions;
    const fails = this.failures.length;
    if (p.failShare && (p.maxFailures === undefined || fails < p.maxFailures) && this.random() < p.failShare) {
      this.faults.push({ n, kind: "fail", method, sql });
      throw new Error(`D1_ERROR: injected failure #${fails + 1} (${method})`);
    }
    if (p.delayShare && this.random() < p.delayShare) {
      this.faults.push({ n, kind: "delay", method, sql });
      await new Promise((r) => setTimeout(r, p.delayMs ?? 20));
    }
  }

  private wrapStatement(stmt: D1PreparedStatement, sql: string): D1PreparedStatement {
    const gate = (m: string) => this.gate(m, sql);
    const wrapped = {
      bind: (...values: unknown[]) => this.wrapStatement(stmt.bind(...values), sql),
      first: async (col?: string) => (await gate("first"), col === undefined ? stmt.first() : stmt.first(col)),
      all: async () => (await gate("all"), stmt.all()),
      run: async () => (await gate("run"), stmt.run()),
      raw: async (opts?: { columnNames?: boolean }) => (await gate("raw"), stmt.raw(opts as { columnNames: true })),
    } as unknown as D1PreparedStatement;
    this.inner.set(wrapped, stmt);
    this.sqlOf.set(wrapped, sql);
    return wrapped;
  }

  private readonly sqlOf = new WeakMap<object, string>();

  private wrapDb(): D1Database {
    const real = this.real;
    return {
      prepare: (sql: string) => this.wrapStatement(real.prepare(sql), sql),
      batch: async (stmts: D1PreparedStatement[]) => {
        await this.gate("batch", stmts.map((s) => this.sqlOf.get(s) ?? "").join(";\n"));
        return real.batch(stmts.map((s) => this.inner.get(s) ?? s));
      },
      exec: (q: string) => real.exec(q),
      dump: () => real.dump(),
      withSession: (c?: string) => real.withSession(c as D1SessionConstraint),
    } as unknown as D1Database;
  }
}

/** Gives the coordinator behind `stub` this D1 (until the object is evicted or aborted). */
export async function injectD1(stub: DurableObjectStub<SyncCoordinator>, db: D1Database): Promise<void> {
  await runInDurableObject(stub, (instance: SyncCoordinator) => {
    const self = instance as unknown as { env: Env };
    self.env = { ...self.env, DB: db };
  });
}

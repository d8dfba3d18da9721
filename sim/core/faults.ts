/**
 * Deterministic fault injection. Every rule counts the requests that match its path; whether
 * request #n fires depends only on (seed, rule index, n), so a test can target exactly one page
 * ("the 3rd GET /markets") and a rerun reproduces the same faults.
 */
import type { FaultRule, Faults } from "./config";
import { unit } from "./prng";

export function pathMatches(pattern: string | undefined, path: string): boolean {
  if (pattern === undefined || pattern === "*" || pattern === "") return true;
  const p = pattern.split("/").filter(Boolean);
  const s = path.split("/").filter(Boolean);
  if (p.length !== s.length) return false;
  return p.every((seg, i) => seg === "*" || seg === s[i]);
}

export interface FiredRule {
  index: number;
  rule: FaultRule;
  ordinal: number;
}

export class FaultEngine {
  private faults: Faults;
  private seen: number[] = [];
  private fired: number[] = [];
  readonly firedByType: Record<string, number> = {};

  constructor(
    private readonly seed: number,
    faults: Faults,
  ) {
    this.faults = faults;
    this.reset();
  }

  get settings(): Faults {
    return this.faults;
  }

  replace(faults: Faults): void {
    this.faults = faults;
    this.reset();
  }

  private reset(): void {
    this.seen = this.faults.rules.map(() => 0);
    this.fired = this.faults.rules.map(() => 0);
  }

  private triggers(i: number, rule: FaultRule, k: number): boolean {
    if (rule.nth !== undefined) return Array.isArray(rule.nth) ? rule.nth.includes(k) : rule.nth === k;
    if (rule.fraction !== undefined) return unit(this.seed, 0xfa17, i, k) < rule.fraction;
    return true;
  }

  /** Advance the counters of every rule matching `path` and return those that fire. */
  evaluate(path: string): FiredRule[] {
    const out: FiredRule[] = [];
    this.faults.rules.forEach((rule, i) => {
      if (!pathMatches(rule.path, path)) return;
      const n = (this.seen[i] = (this.seen[i] as number) + 1);
      if (rule.max !== undefined && (this.fired[i] as number) >= rule.max) return;
      const times = rule.times ?? 1;
      let fires = false;
      for (let k = Math.max(1, n - times + 1); k <= n && !fires; k++) fires = this.triggers(i, rule, k);
      if (!fires) return;
      this.fired[i] = (this.fired[i] as number) + 1;
      this.firedByType[rule.type] = (this.firedByType[rule.type] ?? 0) + 1;
      out.push({ index: i, rule, ordinal: n });
    });
    return out;
  }

  state() {
    return {
      ...this.faults,
      counters: this.faults.rules.map((_, i) => ({ seen: this.seen[i], fired: this.fired[i] })),
      fired_by_type: { ...this.firedByType },
    };
  }
}

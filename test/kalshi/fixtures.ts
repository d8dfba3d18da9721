/** The Kalshi wire fixtures (test/fixtures/kalshi, listed in docs/kalshi-wire.md §10). */
const modules = import.meta.glob<unknown>("../fixtures/kalshi/*.json", { eager: true, import: "default" });

export const fixtures: Record<string, unknown> = Object.fromEntries(
  Object.entries(modules).map(([path, json]) => [path.replace(/^.*\//, "").replace(/\.json$/, ""), json]),
);

/** A deep copy, so tests can mutate freely. */
export function fixture<T = any>(name: string): T {
  if (!(name in fixtures)) throw new Error(`no fixture ${name}`);
  return structuredClone(fixtures[name]) as T;
}

/**
 * The CLI's command-line options on `node:util` `parseArgs` (strict: only declared options;
 * `--name=value`, `--name value`, boolean `--flag`, positionals), plus what it leaves to us: one
 * `UsageError` for every mistake, an option given twice refused rather than the last one winning,
 * and the options' help text.
 */
import { parseArgs } from "node:util";

export interface OptionSpec {
  name: string;
  /** "string" takes a value; "boolean" is a flag. */
  type: "string" | "boolean";
  description: string;
  /** Placeholder shown in help, e.g. CATEGORY. */
  value?: string;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface ParsedArgs {
  options: Record<string, string | boolean>;
  positionals: string[];
  help: boolean;
}

export function parseCommandLine(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const config = Object.fromEntries([
    ...specs.map((s) => [s.name, { type: s.type }] as const),
    ["help", { type: "boolean", short: "h" }] as const,
  ]);
  let parsed: ReturnType<typeof parseArgs<{ options: typeof config; tokens: true; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: config, strict: true, allowPositionals: true, tokens: true });
  } catch (e) {
    // node:util's messages name the option; the first line, without its advice on '--', is the whole story.
    const message = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
    throw new UsageError(message.replace(/\. To specify .*$/, ""));
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens) {
    if (t.kind !== "option") continue;
    if (seen.has(t.name)) throw new UsageError(`option '--${t.name}' given more than once`);
    seen.add(t.name);
  }
  const { help, ...options } = parsed.values as Record<string, string | boolean | undefined>;
  return {
    options: Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Record<
      string,
      string | boolean
    >,
    positionals: parsed.positionals,
    help: help === true,
  };
}

export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map(
    (s) => [`--${s.name}${s.type === "string" ? `=${s.value ?? "VALUE"}` : ""}`, s.description] as const,
  );
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`).join("\n");
}

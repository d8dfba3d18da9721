/**
 * Command-line parsing for the ssmd CLI: `--name=value`, `--name value`, boolean `--flag`,
 * positionals. Only declared options are accepted; anything else is a usage error.
 */

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

export interface Parsed {
  options: Record<string, string | boolean>;
  positionals: string[];
  help: boolean;
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): Parsed {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const options: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help") {
      help = true;
      continue;
    }
    if (!arg.startsWith("--") || arg === "--") {
      if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option '${arg}'`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option '--${name}'`);
    if (name in options) throw new UsageError(`option '--${name}' given more than once`);
    if (spec.type === "boolean") {
      if (eq !== -1) throw new UsageError(`option '--${name}' takes no value`);
      options[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`option '--${name}' needs a value`);
      i++;
    }
    options[name] = value;
  }
  return { options, positionals, help };
}

export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map(
    (s) => [`--${s.name}${s.type === "string" ? `=${s.value ?? "VALUE"}` : ""}`, s.description] as const,
  );
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`).join("\n");
}

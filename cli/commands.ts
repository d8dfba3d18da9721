/**
 * The `ssmd` commands. Runtime-agnostic (all I/O comes in through `CliIO`), so they are unit
 * tested without a process or a network; cli/main.ts wires them to Node.
 *
 *   ssmd secmaster sync [--incremental]
 *   ssmd secmaster list [--category=… --status=… --series=… --closing-before=… --closing-after=… --limit=… --json]
 *   ssmd secmaster show TICKER [--json]
 */
import type { z } from "zod";
import type { FeeTierOut, MarketWithEventOut, SeriesFeeOut } from "../src/api/schemas";
import { MARKET_STATUS_FILTER_WORDS } from "../src/domain/status";
import type { SyncRunStatus } from "../src/sync/types";
import { errorMessage } from "../src/lib/errors";
import { type Api, CliError, call, connect } from "./client";
import { formatCents, formatDuration, formatNumber, formatTime, progressBar, table } from "./format";
import { formatOptions, type OptionSpec, parseCommandLine, UsageError } from "./options";

export const DEFAULT_URL = "http://127.0.0.1:8787";

export interface CliIO {
  fetch: typeof fetch;
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stderr is a terminal: redraw the progress bar in place. */
  stderrIsTTY?: boolean;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

interface Command {
  name: string;
  summary: string;
  usage: string;
  options: OptionSpec[];
  run(args: { options: Record<string, string | boolean>; positionals: string[] }, ctx: Ctx): Promise<number>;
}

interface Ctx {
  io: CliIO;
  api: Api;
}

const JSON_OPT: OptionSpec = { name: "json", type: "boolean", description: "Print the API's JSON instead of a table" };

// ---------------------------------------------------------------------------------------------
// secmaster sync

export function describeProgress(run: SyncRunStatus): string {
  const p = run.progress;
  const ratio = p.listings_total > 0 ? p.listings_done / p.listings_total : 0;
  // Listings done is most of the work; later phases (reconcile, verify, ...) hold the bar at 99 %.
  const shown = run.status === "succeeded" ? 1 : Math.min(ratio, 0.99);
  const phase = run.status === "running" && p.phase && p.phase !== "listings" ? ` · ${p.phase}` : "";
  return `${progressBar(shown)} ${p.listings_done}/${p.listings_total} listings · ${formatNumber(p.pages)} pages · ${formatNumber(p.items_seen)} items · ${formatNumber(p.rows_written)} rows written${phase}`;
}

export function syncSummary(run: SyncRunStatus): string {
  const p = run.progress;
  const took = run.finished_at ? formatDuration(Date.parse(run.finished_at) - Date.parse(run.started_at)) : "-";
  const lines = [
    `sync ${run.run_id} (${run.mode}, ${run.trigger}): ${run.status} in ${took}`,
    `  listings ${p.listings_done}/${p.listings_total}, pages ${formatNumber(p.pages)}, items seen ${formatNumber(p.items_seen)}`,
    `  rows written ${formatNumber(p.rows_written)}, soft-deleted ${formatNumber(p.soft_deleted)}, undeleted ${formatNumber(p.undeleted)}`,
    `  retries ${formatNumber(p.retries)}, skipped items ${formatNumber(p.skipped_items)}, errors ${p.errors.length}`,
  ];
  for (const e of p.errors.slice(0, 5)) lines.push(`    - ${e}`);
  if (run.error) lines.push(`  error: ${run.error}`);
  return lines.join("\n");
}

function startSync(api: Api, mode: "full" | "incremental") {
  return call(api, "POST /admin/sync", () => api.client.admin.sync.$post({ json: { mode } }));
}

/** The running run a 409 of POST /admin/sync names (`error.details.run`). */
function runInConflict(body: unknown): SyncRunStatus | null {
  return (body as { error?: { details?: { run?: SyncRunStatus } } } | null)?.error?.details?.run ?? null;
}

const syncCommand: Command = {
  name: "sync",
  summary: "Run a security-master sync now and wait for it (admin; needs SSMD_TOKEN)",
  usage: "ssmd secmaster sync [--incremental] [--no-wait]",
  options: [
    {
      name: "incremental",
      type: "boolean",
      description: "Incremental sync (1-day window) instead of the full 30-day sync",
    },
    { name: "no-wait", type: "boolean", description: "Start (or join) the run, print its id and return" },
    { name: "interval", type: "string", value: "MS", description: "Progress poll interval in ms (default 1000)" },
    JSON_OPT,
  ],
  async run({ options }, { io, api }) {
    const mode = options.incremental ? "incremental" : "full";
    const interval = options.interval === undefined ? 1000 : Number(options.interval);
    if (!Number.isInteger(interval) || interval < 50 || interval > 60_000)
      throw new UsageError("--interval must be a whole number of ms between 50 and 60000");
    let started: Awaited<ReturnType<typeof startSync>>;
    try {
      started = await startSync(api, mode);
    } catch (err) {
      const other = (err as CliError).status === 409 ? runInConflict((err as CliError).body) : null;
      if (other)
        throw new CliError(`a ${other.mode} sync is already running (run ${other.run_id}); try again when it ends`);
      throw err;
    }
    io.stderr(`${started.outcome === "joined" ? "joined running" : "started"} ${mode} sync ${started.run_id}\n`);
    if (options["no-wait"]) {
      io.stdout(options.json ? `${JSON.stringify(started, null, 2)}\n` : `${started.run_id}\n`);
      return 0;
    }
    const sleep = io.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    let run = started.run;
    let lastLine = "";
    while (run.status === "running") {
      const line = describeProgress(run);
      if (io.stderrIsTTY) io.stderr(`\r\x1b[2K${line}`);
      else if (line !== lastLine) io.stderr(`${line}\n`);
      lastLine = line;
      await sleep(interval);
      run = await call(api, `GET /admin/sync/${started.run_id}`, () =>
        api.client.admin.sync[":run_id"].$get({ param: { run_id: started.run_id }, query: {} }),
      );
    }
    if (io.stderrIsTTY) io.stderr(`\r\x1b[2K${describeProgress(run)}\n`);
    else io.stderr(`${describeProgress(run)}\n`);
    io.stdout(options.json ? `${JSON.stringify(run, null, 2)}\n` : `${syncSummary(run)}\n`);
    return run.status === "succeeded" ? 0 : 1;
  },
};

// ---------------------------------------------------------------------------------------------
// secmaster list

export const MARKET_COLUMNS = [
  { header: "TICKER", get: (m: MarketWithEventOut) => m.ticker },
  { header: "STATUS", get: (m: MarketWithEventOut) => m.status },
  { header: "BID", get: (m: MarketWithEventOut) => formatCents(m.yes_bid), align: "right" as const },
  { header: "ASK", get: (m: MarketWithEventOut) => formatCents(m.yes_ask), align: "right" as const },
  { header: "LAST", get: (m: MarketWithEventOut) => formatCents(m.last_price), align: "right" as const },
  { header: "VOLUME", get: (m: MarketWithEventOut) => formatNumber(m.volume), align: "right" as const },
  { header: "CLOSES", get: (m: MarketWithEventOut) => formatTime(m.close_time) },
  { header: "TITLE", get: (m: MarketWithEventOut) => [m.title, m.yes_sub_title].filter(Boolean).join(" — "), max: 60 },
];

const LIST_FLAGS: Array<[string, string]> = [
  ["category", "category"],
  ["status", "status"],
  ["status-raw", "status_raw"],
  ["series", "series"],
  ["closing-before", "closing_before"],
  ["closing-after", "closing_after"],
  ["limit", "limit"],
  ["cursor", "cursor"],
];

const listCommand: Command = {
  name: "list",
  summary: "List markets as a table",
  usage: "ssmd secmaster list [--category=Economics] [--status=open] [options]",
  options: [
    { name: "category", type: "string", value: "CATEGORY", description: "Category, exact (e.g. Economics)" },
    {
      name: "status",
      type: "string",
      value: "STATUS",
      description: `${MARKET_STATUS_FILTER_WORDS.join(" | ")} (active = tradeable now; open = not yet closed; docs/api.md)`,
    },
    { name: "status-raw", type: "string", value: "RAW", description: "Kalshi's raw status, exact (e.g. determined)" },
    { name: "series", type: "string", value: "SERIES", description: "Series ticker (e.g. KXBTCD)" },
    {
      name: "closing-before",
      type: "string",
      value: "WHEN",
      description: "Closing before (2026-03-01 or 2026-03-01T17:00:00Z)",
    },
    { name: "closing-after", type: "string", value: "WHEN", description: "Closing at or after" },
    { name: "limit", type: "string", value: "N", description: "Rows (1-1000, default 100)" },
    { name: "cursor", type: "string", value: "CURSOR", description: "Continue from a previous page's cursor" },
    JSON_OPT,
  ],
  async run({ options, positionals }, { io, api }) {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const query: Record<string, string> = {};
    for (const [flag, param] of LIST_FLAGS)
      if (typeof options[flag] === "string") query[param] = options[flag] as string;
    const qs = new URLSearchParams(query).toString();
    const page = await call(api, `GET /markets${qs ? `?${qs}` : ""}`, () => api.client.markets.$get({ query }));
    if (options.json) {
      io.stdout(`${JSON.stringify(page, null, 2)}\n`);
      return 0;
    }
    io.stdout(page.markets.length ? `${table(page.markets, MARKET_COLUMNS)}\n` : "no markets match\n");
    if (page.cursor) io.stderr(`more: ssmd secmaster list … --cursor=${page.cursor}\n`);
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------
// secmaster show

/** The parts of GET /fees `show` prints, typed from the API's own schemas (src/api/schemas.ts). */
interface FeesAnswer {
  tier: FeeTierOut;
  series: z.infer<typeof SeriesFeeOut> | null;
}

function kv(rows: Array<[string, string | number | boolean | null | undefined]>): string {
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows
    .map(([k, v]) => `  ${k.padEnd(w)}  ${v === null || v === undefined || v === "" ? "-" : String(v)}`)
    .join("\n");
}

export function renderShow(m: MarketWithEventOut, fees: FeesAnswer | null): string {
  const out: string[] = [];
  out.push(`${m.ticker}  ${m.title ?? ""}`.trimEnd());
  out.push(
    kv([
      ["status", `${m.status} (${m.status_raw})`],
      [
        "yes bid / ask",
        `${formatCents(m.yes_bid)} / ${formatCents(m.yes_ask)}  (${m.yes_bid_dollars ?? "-"} / ${m.yes_ask_dollars ?? "-"})`,
      ],
      [
        "no bid / ask",
        `${formatCents(m.no_bid)} / ${formatCents(m.no_ask)}${m.no_side_derived ? "  (derived from YES)" : ""}`,
      ],
      ["last price", `${formatCents(m.last_price)}  (${m.last_price_dollars ?? "-"})`],
      ["volume", `${formatNumber(m.volume)} (24h ${formatNumber(m.volume_24h)})`],
      ["open interest", formatNumber(m.open_interest)],
      ["opens", formatTime(m.open_time)],
      ["closes", formatTime(m.close_time)],
      ["result", m.result],
      ["deleted", m.deleted_at],
    ]),
  );
  if (m.event) {
    out.push("event");
    out.push(
      kv([
        ["ticker", m.event.event_ticker],
        ["title", m.event.title],
        ["series", m.event.series_ticker],
        ["category", m.event.category],
        ["status", m.event.status],
        ["strike date", formatTime(m.event.strike_date)],
        ["mutually exclusive", m.event.mutually_exclusive ? "yes" : "no"],
      ]),
    );
  }
  if (fees) {
    out.push("fees");
    const rows: Array<[string, string]> = [];
    if (fees.series) {
      const f = fees.series.in_force;
      rows.push(
        ["fee type", f.fee_type],
        ["multiplier", String(f.fee_multiplier)],
        ["in force since", f.effective_at ?? `first seen (${f.source})`],
      );
    }
    // Coefficients are unitless: fee = round_up(coefficient × multiplier × C × P × (1 − P)).
    rows.push(
      ["tier", fees.tier.tier],
      ["taker coefficient", fees.tier.taker_coefficient],
      ["maker coefficient", fees.tier.maker_coefficient],
      ["tier in force since", formatTime(fees.tier.updated_at)],
    );
    out.push(kv(rows));
  }
  if (m.rules_primary) out.push("rules", `  ${m.rules_primary}`);
  return out.join("\n");
}

const showCommand: Command = {
  name: "show",
  summary: "Show one market with its event and fees",
  usage: "ssmd secmaster show TICKER [--json]",
  options: [JSON_OPT],
  async run({ options, positionals }, { io, api }) {
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length ? `expected one TICKER, got ${positionals.length} arguments` : "missing TICKER",
      );
    const ticker = positionals[0]!;
    const { market } = await call(api, `GET /markets/${encodeURIComponent(ticker)}`, () =>
      api.client.markets[":ticker"].$get({ param: { ticker }, query: {} }),
    );
    const series = market.series_ticker ?? market.event?.series_ticker ?? undefined;
    const fees: FeesAnswer = await call(api, `GET /fees${series ? `?series=${encodeURIComponent(series)}` : ""}`, () =>
      api.client.fees.$get({ query: series ? { series } : {} }),
    );
    if (options.json) io.stdout(`${JSON.stringify({ market, fees }, null, 2)}\n`);
    else io.stdout(`${renderShow(market, fees)}\n`);
    return 0;
  },
};

// ---------------------------------------------------------------------------------------------
// Dispatch and help

const SECMASTER = [syncCommand, listCommand, showCommand];

const GLOBAL_HELP = `ssmd — Kalshi security master and market data

Usage: ssmd <group> <command> [options]

Commands:
${SECMASTER.map((c) => `  secmaster ${c.name.padEnd(6)}  ${c.summary}`).join("\n")}

Environment:
  SSMD_URL    service URL (default ${DEFAULT_URL})
  SSMD_TOKEN  admin bearer token (for sync; local dev: dev-admin-token)

Run 'ssmd secmaster <command> --help' for a command's options.
`;

const SECMASTER_HELP = `Usage: ssmd secmaster <command> [options]

${SECMASTER.map((c) => `  ${c.name.padEnd(6)}  ${c.summary}`).join("\n")}
`;

function commandHelp(c: Command): string {
  const options = formatOptions([...c.options, { name: "help", type: "boolean", description: "Show this help" }]);
  return `Usage: ${c.usage}\n\n${c.summary}\n\nOptions:\n${options}\n`;
}

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [group, name, ...rest] = argv;
  try {
    if (group === undefined || group === "--help" || group === "-h" || group === "help") {
      io.stdout(GLOBAL_HELP);
      return group === undefined ? 2 : 0;
    }
    if (group === "--version" || group === "-V") {
      io.stdout("ssmd cli\n");
      return 0;
    }
    if (group !== "secmaster") throw new UsageError(`unknown command '${group}'`);
    if (name === undefined || name === "--help" || name === "-h") {
      io.stdout(SECMASTER_HELP);
      return name === undefined ? 2 : 0;
    }
    const command = SECMASTER.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command 'secmaster ${name}'`);
    const parsed = parseCommandLine(rest, command.options);
    if (parsed.help) {
      io.stdout(commandHelp(command));
      return 0;
    }
    const api = connect(io.env.SSMD_URL || DEFAULT_URL, io.env.SSMD_TOKEN || undefined, io.fetch);
    return await command.run(parsed, { io, api });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`ssmd: ${err.message}\nRun 'ssmd --help' for usage.\n`);
      return 2;
    }
    if (err instanceof CliError) {
      io.stderr(`ssmd: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr(`ssmd: unexpected error: ${errorMessage(err)}\n`);
    return 1;
  }
}

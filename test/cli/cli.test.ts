/**
 * The ssmd CLI's core (argument parsing on node:util, tables, HTTP calls through the typed client) run in workerd against the real
 * Worker: the CLI's injected fetch is SELF.fetch, so every command talks to the real routes.
 */
import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../cli/options";
import { main, type CliIO } from "../../cli/commands";
import { formatCents, progressBar, table } from "../../cli/format";
import { migrate, refOrder, refStatus, syntheticCatalog, writeCatalog, type Catalog } from "../api/helpers";

let cat: Catalog;

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(
  argv: string[],
  opts: { env?: Record<string, string>; fetch?: typeof fetch; sleep?: () => Promise<void> } = {},
): Promise<Run> {
  let out = "";
  let err = "";
  const io: CliIO = {
    fetch: opts.fetch ?? ((input, init) => SELF.fetch(input as string, init)),
    env: { SSMD_URL: "https://ssmd.test", ...(opts.env ?? {}) },
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    sleep: opts.sleep ?? (async () => undefined),
  };
  const code = await main(argv, io);
  return { code, out, err };
}

beforeAll(async () => {
  await migrate();
  cat = syntheticCatalog(40, 13);
  await writeCatalog(cat);
});

describe("argument parsing", () => {
  const specs = [
    { name: "status", type: "string" as const, description: "" },
    { name: "json", type: "boolean" as const, description: "" },
  ];
  it("accepts --k=v, --k v, flags and positionals", () => {
    expect(parseCommandLine(["--status=open", "X", "--json"], specs)).toEqual({
      options: { status: "open", json: true },
      positionals: ["X"],
      help: false,
    });
    expect(parseCommandLine(["--status", "closed"], specs).options.status).toBe("closed");
    expect(parseCommandLine(["--help"], specs).help).toBe(true);
  });
  it("rejects unknown, repeated, valueless and misused options", () => {
    for (const argv of [
      ["--nope"],
      ["--status"],
      ["--status", "--json"],
      ["--json=1"],
      ["--status=a", "--status=b"],
      ["-x"],
    ]) {
      expect(() => parseCommandLine(argv, specs), argv.join(" ")).toThrow(UsageError);
    }
  });
});

describe("formatting", () => {
  it("aligns tables, right-aligns numbers, truncates long cells", () => {
    const t = table(
      [
        { a: "x", n: "1" },
        { a: "longer", n: "1000" },
      ],
      [
        { header: "A", get: (r) => r.a },
        { header: "N", get: (r) => r.n, align: "right" },
      ],
    );
    expect(t).toBe("A          N\nx          1\nlonger  1000");
    expect(table([{ a: "abcdefgh" }], [{ header: "A", get: (r) => r.a, max: 4 }])).toBe("A\nabc…");
  });
  it("cents and progress", () => {
    expect(formatCents(45)).toBe("45¢");
    expect(formatCents(99.9)).toBe("99.9¢");
    expect(formatCents(null)).toBe("-");
    expect(progressBar(0.5, 10)).toBe("[#####-----]  50%");
    expect(progressBar(2, 4)).toBe("[####] 100%");
  });
});

describe("ssmd secmaster list", () => {
  it("prints a table of the markets the API returns, filtered", async () => {
    const r = await cli(["secmaster", "list", "--category=Economics", "--status=open", "--limit=1000"]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TICKER\s+STATUS\s+BID\s+ASK\s+LAST\s+VOLUME\s+CLOSES\s+TITLE$/);
    const expected = cat.markets
      .filter((m) => refStatus(m.status) === "open")
      .filter((m) => {
        const ev = cat.events.find((e) => e.event_ticker === m.event_ticker)!;
        return (ev.category || cat.series.find((s) => s.ticker === ev.series_ticker)!.category) === "Economics";
      })
      .sort(refOrder);
    expect(expected.length).toBeGreaterThan(0);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(expected.map((m) => m.ticker));
    expect(lines.slice(1).every((l) => l.split(/\s+/)[1] === "open")).toBe(true);
  });

  it("--json prints the API's JSON; --limit pages with a cursor hint on stderr", async () => {
    const r = await cli(["secmaster", "list", "--limit", "3", "--json"]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.markets).toHaveLength(3);
    const t = await cli(["secmaster", "list", "--limit=3"]);
    expect(t.err).toContain(`--cursor=${body.cursor}`);
  });

  it("--status takes the API's filter words (active = tradeable now), --status-raw an exact raw status", async () => {
    for (const [flag, raw] of [
      ["--status=active", ["active"]],
      ["--status=paused", ["inactive"]],
      ["--status=unopened", ["initialized"]],
      ["--status-raw=determined", ["determined"]],
    ] as const) {
      const r = await cli(["secmaster", "list", flag, "--limit=1000", "--json"]);
      expect(r.code, r.err).toBe(0);
      const got = (JSON.parse(r.out).markets as Array<{ ticker: string; status_raw: string }>)
        .map((m) => m.ticker)
        .sort();
      const want = cat.markets
        .filter((m) => (raw as readonly string[]).includes(m.status))
        .map((m) => m.ticker)
        .sort();
      expect(want.length, flag).toBeGreaterThan(0);
      expect(got, flag).toEqual(want);
    }
    const help = await cli(["secmaster", "list", "--help"]);
    expect(help.out).toContain("open | closed | settled | unknown | unopened | active | paused");
  });

  it("an API error is one line on stderr and a non-zero exit", async () => {
    const r = await cli(["secmaster", "list", "--status=tradeable"]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain("400 invalid_parameter");
    expect(r.err).toContain("status");
  });
});

describe("ssmd secmaster show", () => {
  it("shows the market, its event and its series' fees", async () => {
    const m = cat.markets.find((x) => x.event_ticker.startsWith("KXINXU"))!;
    const r = await cli(["secmaster", "show", m.ticker]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(m.ticker);
    expect(r.out).toMatch(/event\n\s+ticker\s+KXINXU-/);
    expect(r.out).toMatch(/fee type\s+quadratic/);
    expect(r.out).toMatch(/multiplier\s+0\.5/);
    expect(r.out).toMatch(/taker coefficient\s+0\.07/);
    expect(r.out).toMatch(/tier in force since\s+2025-07-01 00:00Z/);
  });
  it("unknown ticker → 404 one-liner, exit 1; missing ticker → usage, exit 2", async () => {
    const r = await cli(["secmaster", "show", "NOPE"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("404 not_found");
    const u = await cli(["secmaster", "show"]);
    expect(u.code).toBe(2);
    expect(u.err).toContain("missing TICKER");
  });
});

describe("ssmd secmaster sync", () => {
  it("without a token: one-line 401 error, exit 1", async () => {
    const r = await cli(["secmaster", "sync"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("401");
    expect(r.err).toContain("SSMD_TOKEN");
  });

  it("starts a sync, shows progress until it ends, prints a summary", async () => {
    const stub = env.SYNC.get(env.SYNC.idFromName("global"));
    const r = await cli(["secmaster", "sync", "--incremental", "--interval=50"], {
      env: { SSMD_TOKEN: "test-admin-token" },
      // each poll interval lets the coordinator take a step
      sleep: async () => {
        await runDurableObjectAlarm(stub);
      },
    });
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.err).toMatch(/started incremental sync [0-9a-f-]{36}/);
    expect(r.err).toMatch(/\[#+-*\]\s+\d+% \d+\/\d+ listings/);
    expect(r.err).toMatch(/100% /);
    expect(r.out).toMatch(/^sync [0-9a-f-]{36} \(incremental, admin\): succeeded/);
    expect(r.out).toMatch(/rows written/);
  }, 60_000);
});

describe("help and errors", () => {
  it("--help on every command", async () => {
    for (const argv of [
      ["--help"],
      ["secmaster", "--help"],
      ["secmaster", "sync", "--help"],
      ["secmaster", "list", "--help"],
      ["secmaster", "show", "--help"],
    ]) {
      const r = await cli(argv);
      expect(r.code, argv.join(" ")).toBe(0);
      expect(r.out).toMatch(/Usage: ssmd/);
    }
  });
  it("unreachable server → one line, exit 1", async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
    };
    const r = await cli(["secmaster", "list"], { fetch: refused, env: { SSMD_URL: "http://127.0.0.1:1" } });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "ssmd: cannot reach ssmd at http://127.0.0.1:1 (ECONNREFUSED); is it running? set SSMD_URL to point elsewhere\n",
    );
  });
  it("unknown command/option → usage error, exit 2", async () => {
    expect((await cli(["secmaster", "nuke"])).code).toBe(2);
    expect((await cli(["secmaster", "list", "--colour=red"])).code).toBe(2);
    expect((await cli(["tickers"])).code).toBe(2);
  });
});

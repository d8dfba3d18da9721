// Every link between the repository's documents resolves.
//
// - Every relative Markdown link (`[text](path)`, `[text](path#anchor)`, `[text](#anchor)`,
//   reference definitions `[id]: path`) in README.md, CONTRIBUTING.md, docs/**/*.md and bench/results/*.md points at
//   a file or folder that exists, and an anchor into a Markdown file names one of its headings
//   (GitHub's heading ids).
// - Every document path named in plain text anywhere in the tree (`docs/….md`,
//   `bench/results/….md`, e.g. in a source comment) exists. A path pinned to a commit
//   (`docs/decisions.md@553290f`) names history and is not checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, extname, join, normalize, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const rel = (/** @type {string} */ p) => relative(ROOT, p).split(sep).join("/");

/**
 * Files under `dir` (no dot-folders, no node_modules) that `keep` accepts.
 * @param {string} dir
 * @param {(path: string) => boolean} keep
 * @param {string[]} [out]
 */
function walk(dir, keep, out = []) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}

const isMd = (/** @type {string} */ p) => extname(p) === ".md";
const MD_FILES = [
  join(ROOT, "README.md"),
  join(ROOT, "CONTRIBUTING.md"),
  ...walk(join(ROOT, "docs"), isMd),
  ...readdirSync(join(ROOT, "bench/results"), { withFileTypes: true })
    .filter((d) => d.isFile() && isMd(d.name))
    .map((d) => join(ROOT, "bench/results", d.name)),
].filter((p) => existsSync(p));

const TEXT_EXTS = new Set([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".md", ".sh", ".toml", ".sql", ".json"]);
/** The checkers' own sample strings and generated files are not references. */
const SKIP_TEXT = [
  /^test\/node\/[\w-]+\.test\.mjs$/,
  /^test\/fixtures\//,
  /^src\/worker-configuration\.d\.ts$/,
  /(^|\/)package(-lock)?\.json$/,
];
const TEXT_FILES = [
  ...["src", "sim", "test", "cli", "scripts", "bench", "docs"].flatMap((d) =>
    walk(join(ROOT, d), (p) => TEXT_EXTS.has(extname(p))),
  ),
  join(ROOT, "README.md"),
  join(ROOT, "CONTRIBUTING.md"),
].filter((p) => existsSync(p) && !SKIP_TEXT.some((re) => re.test(rel(p))));

/** Markdown text without fenced code blocks and inline code spans (same length, so offsets keep their lines). */
function stripCode(/** @type {string} */ md) {
  const blank = (/** @type {string} */ s) => s.replace(/[^\n]/g, " ");
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank).replace(/(`+)[^\n]*?\1/g, blank);
}

/** GitHub's heading id (github-slugger): lower case, punctuation and symbols dropped, spaces → '-'. */
function slug(/** @type {string} */ text) {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** @type {Map<string, Set<string>>} */
const anchorCache = new Map();
/** @param {string} file */
function anchorsOf(file) {
  const cached = anchorCache.get(file);
  if (cached) return cached;
  const text = readFileSync(file, "utf8").replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  const ids = new Set();
  const seen = new Map();
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1] ?? "");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) ids.add(m[1]);
  anchorCache.set(file, ids);
  return ids;
}

/**
 * @param {string} text
 * @param {number} index
 */
function lineOf(text, index) {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Problems with one link target as written in `file`, or null. */
/**
 * @param {string} file
 * @param {string} target
 */
function checkTarget(file, target) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // http:, https:, mailto:
  const [pathPart = "", anchor] = target.split("#", 2);
  const path = decodeURI(pathPart);
  const dest = path === "" ? file : normalize(join(dirname(file), path));
  if (!rel(dest) || rel(dest).startsWith("..")) return `${target}: outside the repository`;
  if (!existsSync(dest)) return `${target}: ${rel(dest)} does not exist`;
  if (anchor !== undefined && anchor !== "" && isMd(dest) && !anchorsOf(dest).has(anchor.toLowerCase())) {
    return `${target}: no heading with id "${anchor}" in ${rel(dest)}`;
  }
  return null;
}

function linkProblems() {
  const problems = [];
  let links = 0;
  for (const file of MD_FILES) {
    const raw = readFileSync(file, "utf8");
    const text = stripCode(raw);
    /** @type {(m: RegExpExecArray) => [index: number, target: string]} */
    const at = (m) => [m.index, m[1] ?? ""];
    const targets = [
      ...[...text.matchAll(/!?\[(?:[^\]\n]|\][^(\n])*?\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(at),
      ...[...text.matchAll(/^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map(at),
    ];
    for (const [index, target] of targets) {
      links++;
      const p = checkTarget(file, target);
      if (p) problems.push(`${rel(file)}:${lineOf(raw, index)}: ${p}`);
    }
  }
  return { problems, links };
}

const PATH_RE = /(?<![\w./-])((?:docs|bench\/results)\/[\w./-]*?\.md)(@[0-9a-f]{7,40})?(?![\w/-])/g;

function mentionProblems() {
  const problems = [];
  let mentions = 0;
  for (const file of TEXT_FILES) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(PATH_RE)) {
      if (m[2]) continue; // pinned to a commit: history
      mentions++;
      const path = m[1] ?? "";
      if (!existsSync(join(ROOT, path))) problems.push(`${rel(file)}:${lineOf(text, m.index)}: ${path} does not exist`);
    }
  }
  return { problems, mentions };
}

test("every relative Markdown link in README.md, CONTRIBUTING.md, docs/ and bench/results/ resolves (file and heading)", () => {
  const { problems, links } = linkProblems();
  assert.ok(links > 100, `expected the docs to link to each other (found ${links} links)`);
  assert.deepEqual(problems, [], `broken links:\n${problems.join("\n")}`);
});

test("every docs/… or bench/results/… path named in the tree exists", () => {
  const { problems, mentions } = mentionProblems();
  assert.ok(mentions > 20, `expected the tree to name its docs (found ${mentions})`);
  assert.deepEqual(problems, [], `paths to missing documents:\n${problems.join("\n")}`);
});

test("the checker itself: heading ids and link targets", () => {
  assert.equal(slug("Trade input formats (`POST /admin/ingest/trades`)"), "trade-input-formats-post-adminingesttrades");
  assert.equal(slug("Cost at Kalshi's rates (estimate)"), "cost-at-kalshis-rates-estimate");
  assert.equal(slug("Within Workers' limits"), "within-workers-limits");
  assert.equal(
    slug("0001. Native Durable Object RPC, not itty-durable"),
    "0001-native-durable-object-rpc-not-itty-durable",
  );
  assert.equal(slug("Durability (alarms)"), "durability-alarms");
  const readme = join(ROOT, "README.md");
  assert.equal(checkTarget(readme, "https://example.com/x.md"), null);
  assert.equal(checkTarget(readme, "docs/sync.md#soft-deletes"), null);
  assert.match(checkTarget(readme, "docs/sync.md#no-such-heading") ?? "", /no heading/);
  assert.match(checkTarget(readme, "docs/no-such-file.md") ?? "", /does not exist/);
  assert.deepEqual(
    [..."see docs/decisions.md@553290f and docs/sync.md, (docs/x/y.md)".matchAll(PATH_RE)].map((m) => [
      m[1],
      m[2] ?? null,
    ]),
    [
      ["docs/decisions.md", "@553290f"],
      ["docs/sync.md", null],
      ["docs/x/y.md", null],
    ],
  );
  assert.equal(stripCode("a `[x](nope.md)` b").includes("nope"), false);
});

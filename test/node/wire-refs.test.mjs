// Every reference to the Kalshi wire reference resolves inside the repository.
//
// Convention (stated at the top of docs/kalshi-wire.md): outside that file a reference is written
// `docs/kalshi-wire.md §2.1` / `docs/kalshi-wire.md Q7`, one path possibly carrying several ids
// (`docs/kalshi-wire.md §6, Q4/Q5/Q12`, `docs/kalshi-wire.md Q8–Q11, §2.12`). This test fails on
// - an id naming a section or quirk that docs/kalshi-wire.md does not have;
// - a bare quirk id (`Q7` without the path) anywhere but in docs/kalshi-wire.md itself;
// - a bare `§n` in source code not attributed to another document (`docs/x.md … §4`, `RFC 9110 §…`),
//   or in a doc that has no numbered sections of its own;
// - a path outside the repository (the old external wire notes) or a source tag of those notes;
// - a fixture list in §10 that differs from test/fixtures/kalshi/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DOC = "docs/kalshi-wire.md";
const SELF = "test/node/wire-refs.test.mjs";
const SCAN_DIRS = ["src", "sim", "test", "cli", "scripts", "bench", "docs"];
const SCAN_ROOT_FILES = ["README.md", "CONTRIBUTING.md"];
const EXTS = new Set([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".md", ".sh", ".toml", ".sql"]);
/** Data and generated files: their text is not ours to cite from. */
const SKIP = [/^test\/fixtures\//, /^src\/worker-configuration\.d\.ts$/, /(^|\/)node_modules\//];

const rel = (/** @type {string} */ p) => relative(ROOT, p).split(sep).join("/");

function listFiles() {
  /** @type {string[]} */
  const out = [];
  const walk = (/** @type {string} */ dir) => {
    let names;
    try {
      names = readdirSync(dir);
    } catch {
      return; // a listed directory may not exist
    }
    for (const name of names) {
      const p = join(dir, name);
      const r = rel(p);
      if (SKIP.some((re) => re.test(r))) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (EXTS.has(extname(name)) && r !== SELF) out.push(r);
    }
  };
  for (const d of SCAN_DIRS) walk(join(ROOT, d));
  for (const f of SCAN_ROOT_FILES) {
    try {
      if (statSync(join(ROOT, f)).isFile()) out.push(f);
    } catch {}
  }
  return out.sort();
}

const read = (/** @type {string} */ r) => readFileSync(join(ROOT, r), "utf8");

/** Section ids from headings (`## 2. …`, `### 2.13 …`) of a markdown text. */
function headingIds(/** @type {string} */ md) {
  const ids = new Set();
  for (const m of md.matchAll(/^#{2,4}\s+(\d+(?:\.\d+)*)[.\s]/gm)) ids.add(m[1]);
  return ids;
}

const wire = read(DOC);
const SECTIONS = headingIds(wire);
const QUIRKS = new Set([...wire.matchAll(/^\|\s*(Q\d+)\s*\|/gm)].map((m) => m[1] ?? ""));

const SEC_ID = String.raw`§\s?\d+(?:\.\d+)*(?:[–-]§?\d+(?:\.\d+)*)?`;
const Q_ID = String.raw`Q\d+(?:[–-]Q?\d+)?`;
const ID = `(?:${SEC_ID}|${Q_ID})`;
const ID_RE = new RegExp(ID, "g");
// The path, then ids joined by ", " "/" " and " (the first may follow a comment line break).
const GROUP_RE = new RegExp(
  String.raw`docs/kalshi-wire\.md(?:\s+(?:(?:\*|//|#)\s+)?${ID}(?:(?:,\s*|/|\s+and\s+)${ID})*)?`,
  "g",
);
const OUTSIDE_PATH_RE = /wire-format|\/work\/shared|\.\.\/shared/g;
const SOURCE_TAG_RE = /\[(?:SPEC|VREF|KDOCS|KV2|SSMD|LATE|FEE)\]/g;
const BARE_Q_RE = /(?<![\w/.-])Q\d+(?![\w])/g;
const BARE_SEC_RE = /§\s?\d+(?:\.\d+)*/g;
/** A document other than the wire reference, named before a bare `§` (within a short window). */
const OTHER_DOC_RE = /docs\/(?!kalshi-wire\.md)[\w.-]+\.md|\bRFC\s?\d+/;

/** Problems with one id (`§2.1`, `§6.4–6.6`, `Q8–Q11`), or [] when it resolves. */
function checkId(/** @type {string} */ id) {
  if (id.startsWith("Q")) {
    // split() always yields a first element: the default is for the type checker.
    const [a = Number.NaN, b] = id.split(/[–-]/).map((x) => Number(x.replace("Q", "")));
    const missing = [];
    for (let n = a; n <= (b ?? a); n++) if (!QUIRKS.has(`Q${n}`)) missing.push(`Q${n}`);
    if (b !== undefined && b < a) missing.push(id);
    return missing.map((q) => `quirk ${q} is not in ${DOC} §8`);
  }
  const ends = id.replace(/§\s?/g, "").split(/[–-]/);
  return ends.filter((s) => !SECTIONS.has(s)).map((s) => `section §${s} is not a heading of ${DOC}`);
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

function scan() {
  /** @type {string[]} */
  const problems = [];
  const refs = [];
  for (const file of listFiles()) {
    const text = read(file);
    const at = (/** @type {number} */ i, /** @type {string} */ msg) =>
      problems.push(`${file}:${lineOf(text, i)}: ${msg}`);
    for (const m of text.matchAll(OUTSIDE_PATH_RE)) at(m.index, `"${m[0]}" points outside the repository; cite ${DOC}`);
    for (const m of text.matchAll(SOURCE_TAG_RE))
      at(m.index, `source tag ${m[0]} of the old external notes does not resolve`);

    if (file === DOC) {
      // Inside the reference, bare ids mean the reference itself.
      for (const m of text.matchAll(ID_RE)) {
        refs.push(m[0]);
        for (const p of checkId(m[0])) at(m.index, p);
      }
      continue;
    }

    // Prefixed references; blank them out so that what remains is bare.
    let rest = text;
    for (const m of text.matchAll(GROUP_RE)) {
      for (const id of m[0].matchAll(ID_RE)) {
        refs.push(id[0]);
        for (const p of checkId(id[0])) at(m.index, `${p} (${m[0].replace(/\s+/g, " ")})`);
      }
      rest = rest.slice(0, m.index) + " ".repeat(m[0].length) + rest.slice(m.index + m[0].length);
    }
    for (const m of rest.matchAll(BARE_Q_RE)) at(m.index, `bare quirk id ${m[0]}: write "${DOC} ${m[0]}"`);

    const isMd = file.endsWith(".md");
    const ownSections = isMd ? headingIds(text) : new Set();
    for (const m of rest.matchAll(BARE_SEC_RE)) {
      const before = rest.slice(Math.max(0, m.index - 120), m.index);
      if (OTHER_DOC_RE.test(before)) continue; // another document's section
      if (isMd && ownSections.size > 0) continue; // a doc with numbered sections cites its own
      at(m.index, `bare ${m[0]}: write "${DOC} ${m[0]}" (or name the document it belongs to)`);
    }
  }
  return { problems, refs };
}

test("docs/kalshi-wire.md has sections §1–§10 and quirks numbered from Q1 without gaps", () => {
  for (let n = 1; n <= 10; n++) assert.ok(SECTIONS.has(String(n)), `§${n} missing`);
  for (const s of ["2.1", "2.9", "2.13", "6.1", "6.8"]) assert.ok(SECTIONS.has(s), `§${s} missing`);
  const nums = [...QUIRKS].map((q) => Number(q.slice(1))).sort((a, b) => a - b);
  assert.ok(nums.length > 0, "no quirk table");
  assert.deepEqual(
    nums,
    nums.map((_, i) => i + 1),
    "quirk ids must be Q1…Qn without gaps",
  );
});

test("every wire reference in the tree resolves inside the repository", () => {
  const { problems, refs } = scan();
  assert.ok(refs.length > 50, `expected the tree to cite the wire reference (found ${refs.length} ids)`);
  assert.deepEqual(problems, [], `unresolved wire references:\n${problems.join("\n")}`);
});

test("§10 lists exactly the fixtures in test/fixtures/kalshi", () => {
  const s10 = wire.slice(wire.search(/^## 10\./m));
  const listed = new Set([...s10.matchAll(/^\|\s*`([\w.-]+\.json)`/gm)].map((m) => m[1]));
  const present = new Set(readdirSync(join(ROOT, "test/fixtures/kalshi")).filter((f) => f.endsWith(".json")));
  assert.deepEqual([...listed].sort(), [...present].sort());
});

test("the checker itself: grammar of prefixed and bare references", () => {
  const m = (/** @type {string} */ s) =>
    [...s.matchAll(GROUP_RE)].map((x) => [...x[0].matchAll(ID_RE)].map((y) => y[0]));
  assert.deepEqual(m("see docs/kalshi-wire.md §6, Q4/Q5/Q12."), [["§6", "Q4", "Q5", "Q12"]]);
  assert.deepEqual(m("(docs/kalshi-wire.md Q8–Q11, §2.12)"), [["Q8–Q11", "§2.12"]]);
  assert.deepEqual(m("docs/kalshi-wire.md §2.11 and §4"), [["§2.11", "§4"]]);
  assert.deepEqual(m("Reference: docs/kalshi-wire.md."), [[]]);
  assert.deepEqual(checkId("§6.4–6.6"), []);
  assert.equal(checkId("§99.1").length, 1);
  assert.equal(checkId("Q999").length, 1);
  assert.ok(OTHER_DOC_RE.test('(docs/decisions.md, "Streaming" '));
  assert.ok(!OTHER_DOC_RE.test("(docs/kalshi-wire.md "));
});

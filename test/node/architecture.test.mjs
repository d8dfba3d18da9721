// docs/architecture.md states the dependency rules the checker enforces and tours the folders:
// - its "Dependency rules" list names exactly the rules of .dependency-cruiser.cjs and of
//   scripts/check-sql.ts (by name, each once);
// - its "Folders" table has one row per folder of the repository and of src/ (plus src/'s root files),
//   and README.md's tour ("Where things are") has the same rows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const doc = readFileSync(join(ROOT, "docs/architecture.md"), "utf8");
const section = (/** @type {string} */ title) => {
  const start = doc.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `docs/architecture.md has no "## ${title}"`);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
};
/**
 * The folder column (`| \`src/db/\` | …`) of the table under a "## " heading of a markdown text.
 * @param {string} text
 * @param {string} title
 */
const folderRows = (text, title) => {
  const start = text.indexOf(`\n## ${title}\n`);
  assert.ok(start >= 0, `no "## ${title}"`);
  const end = text.indexOf("\n## ", start + 1);
  return [...text.slice(start, end < 0 ? undefined : end).matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]).sort();
};
const dirs = (/** @type {string} */ dir) =>
  readdirSync(join(ROOT, dir)).filter(
    (n) => !n.startsWith(".") && n !== "node_modules" && statSync(join(ROOT, dir, n)).isDirectory(),
  );

test("the documented dependency rules are exactly the enforced ones", () => {
  const config = createRequire(import.meta.url)(join(ROOT, ".dependency-cruiser.cjs"));
  const sqlRules = [
    ...readFileSync(join(ROOT, "scripts/check-sql.ts"), "utf8").matchAll(
      /rule: "([a-z0-9-]+)"(?: \| "([a-z0-9-]+)")?(?: \| "([a-z0-9-]+)")?/g,
    ),
  ]
    .flatMap((m) => m.slice(1))
    .filter(Boolean);
  assert.ok(sqlRules.length > 0, "scripts/check-sql.ts names its rules in Finding['rule']");
  /** @type {{ name: string, severity: string }[]} */
  const forbidden = config.forbidden;
  for (const r of forbidden) assert.equal(r.severity, "error", r.name);
  const enforced = [...forbidden.map((r) => r.name), ...sqlRules].sort();
  const documented = [...section("Dependency rules").matchAll(/^- `([a-z0-9-]+)` —/gm)].map((m) => m[1]).sort();
  assert.deepEqual(documented, enforced);
  assert.match(section("Dependency rules"), /npm run lint:deps/);
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  assert.match(pkg.scripts["lint:deps"], /depcruise src sim cli app --config \.dependency-cruiser\.cjs/);
  assert.match(pkg.scripts["lint:deps"], /scripts\/check-sql\.ts/);
  // `npm test` runs the rules before the test suites.
  assert.match(pkg.scripts.test, /npm run lint:deps && .*vitest run/);
});

test("the folder tour has one row per folder", () => {
  const rows = [...section("Folders").matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]).sort();
  const expected = [
    ...dirs(".").map((d) => `${d}/`),
    ...dirs("src").map((d) => `src/${d}/`),
    "src/ (root files)",
  ].sort();
  assert.deepEqual(
    rows.map((r) => (r === "src/" ? "src/ (root files)" : r)).sort(),
    expected.filter((d) => d !== "src/").sort(),
  );
});

test("the README's tour of the folders has the rows of docs/architecture.md's table", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const tour = folderRows(readme, "Where things are");
  assert.ok(tour.length > 0, 'README.md "Where things are" is a table of folders');
  assert.deepEqual(tour, folderRows(doc, "Folders"));
});

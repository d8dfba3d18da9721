// No two modules under src/ export the same name (issue #13): a name says which layer it belongs to —
// `Kalshi*` for the wire (src/kalshi), `*Out` for the API's output shapes (src/api) — so that an import
// never picks the same-looking thing from the wrong layer.
//
// Counted: every name a module declares and exports (values and types; a value and a type of the
// same name in one module count once). Not counted: re-exports (`export { x } from "./y"`,
// `export * from`), which pass the same binding on; the generated src/worker-configuration.d.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SKIP = new Set(["src/worker-configuration.d.ts"]);

/**
 * Names allowed in more than one module, each with the modules and the reason. Keep it short: a
 * collision is fixed by renaming, this list is for names that cannot be.
 * @type {Record<string, { modules: string[]; why: string }>}
 */
const ALLOWED = {
  IngestObject: {
    modules: ["src/index.ts", "src/stream/ingest.ts"],
    why: "wrangler.toml binds class_name IngestObject to the Worker entry's class, which extends the stream's with the cache hook injected (stream ⇏ cache)",
  },
};

const rel = (/** @type {string} */ p) => relative(ROOT, p).split(sep).join("/");

/** @returns {string[]} */
function sourceFiles(/** @type {string} */ dir) {
  /** @type {string[]} */
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts)$/.test(name) && !SKIP.has(rel(p))) out.push(p);
  }
  return out;
}

/** @param {ts.Node} node */
const isExported = (node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The names a module declares and exports (re-exports from other modules excluded). */
function exportedNames(/** @type {string} */ text, /** @type {string} */ fileName) {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  /** @type {Set<string>} */
  const names = new Set();
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st)) {
      if (st.moduleSpecifier) continue; // a re-export: the binding is another module's
      if (st.exportClause && ts.isNamedExports(st.exportClause))
        for (const el of st.exportClause.elements) names.add(el.name.text);
      continue;
    }
    if (!isExported(st)) continue;
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    } else if (
      (ts.isFunctionDeclaration(st) ||
        ts.isClassDeclaration(st) ||
        ts.isInterfaceDeclaration(st) ||
        ts.isTypeAliasDeclaration(st) ||
        ts.isEnumDeclaration(st)) &&
      st.name
    ) {
      names.add(st.name.text);
    }
  }
  names.delete("default");
  return names;
}

test("the name check sees declarations and local export lists, not re-exports", () => {
  const names = exportedNames(
    [
      "export const A = 1, B = 2;",
      "export type A = number;",
      "export function f() {}",
      "export interface I {}",
      "const local = 1; export { local as renamed };",
      'export { X } from "./x";',
      'export * from "./y";',
      "export default 3;",
      "const hidden = 4;",
    ].join("\n"),
    "t.ts",
  );
  assert.deepEqual([...names].sort(), ["A", "B", "I", "f", "renamed"]);
});

test("no two modules under src/ export the same name", () => {
  /** @type {Map<string, string[]>} */
  const where = new Map();
  for (const file of sourceFiles(join(ROOT, "src"))) {
    for (const name of exportedNames(readFileSync(file, "utf8"), file)) {
      const list = where.get(name) ?? [];
      list.push(rel(file));
      where.set(name, list);
    }
  }
  assert.ok(where.size > 100, `expected the exports of src/ (found ${where.size} names)`);
  /** @type {string[]} */
  const collisions = [];
  for (const [name, modules] of where) {
    if (modules.length < 2) continue;
    const allowed = ALLOWED[name];
    if (allowed && [...modules].sort().join() === [...allowed.modules].sort().join()) continue;
    collisions.push(`${name}: ${modules.join(", ")}`);
  }
  assert.deepEqual(collisions.sort(), [], "rename so that each name says its layer (Kalshi*, *Out, …)");
  for (const [name, { modules }] of Object.entries(ALLOWED))
    assert.ok(
      (where.get(name)?.length ?? 0) >= 2,
      `ALLOWED.${name} (${modules.join(", ")}) no longer collides: remove it`,
    );
});

/**
 * All D1 SQL lives in src/db — the rule dependency-cruiser cannot see (an import graph has no SQL).
 * Run by `npm run lint:deps` (part of `npm test`) after `depcruise`; docs/architecture.md states it.
 *
 * Precisely, for every TypeScript file under src/ (declaration files aside), using the compiler's
 * types:
 * 1. d1-outside-db — outside src/db/, no member of a D1 handle may be used: no property access
 *    (`.prepare`, `.batch`, `.exec`, `.dump`, `.withSession`, `.bind`, `.first`, …) on a value whose
 *    type is D1Database, D1DatabaseSession or D1PreparedStatement, nor on drizzle's database
 *    (DrizzleD1Database / BaseSQLiteDatabase: `.select`, `.run`, …). The `DB` binding may be passed
 *    through as an opaque handle (`openDb(c.env.DB)`, `listTickerDays(c.env.DB, …)`, a field of a
 *    runner's dependencies) — only src/db opens it.
 * 2. do-sql-outside-its-module — a Durable Object's own SQLite (`ctx.storage.sql`, type SqlStorage:
 *    `.exec`, `.databaseSize`, …) is not D1 and is allowed, but only in the module that owns that
 *    object's storage (DO_STORAGE_MODULES below); everywhere else, src/db included, it is an error.
 * 3. untyped-sql-call — a `.prepare(` / `.exec(` / `.batch(` call on a receiver typed `any` outside
 *    src/db (a cast must not hide a D1 call from rule 1).
 * Drizzle's query builder and its `sql` tag are kept in src/db by the dependency rule
 * `drizzle-only-in-db` (.dependency-cruiser.cjs).
 *
 * Usage: tsx scripts/check-sql.ts [--root DIR]   (DIR defaults to the repository; it must hold src/)
 * Exit 0 when clean, 1 with one line per finding (file:line:col rule — text) otherwise.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The modules that own a Durable Object's SQLite storage, and whose object it is. */
const DO_STORAGE_MODULES: Readonly<Record<string, string>> = {
  "src/sync/store.ts": "SyncCoordinator (its run, listing and dedup tables)",
  "src/stream/ticker.ts": "TickerObject (its trade window and builder state)",
  "src/stream/history-store.ts": "TickerObject (its minute candles and their provenance)",
};

const D1_TYPES = new Set([
  "D1Database",
  "D1DatabaseSession",
  "D1PreparedStatement",
  "DrizzleD1Database",
  "BaseSQLiteDatabase",
]);
const DO_SQL_TYPES = new Set(["SqlStorage"]);
const SQL_METHODS = new Set(["prepare", "exec", "batch"]);

interface Finding {
  file: string;
  line: number;
  col: number;
  rule: "d1-outside-db" | "do-sql-outside-its-module" | "untyped-sql-call";
  text: string;
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Every `.ts` file under `dir` (declaration files included). */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith(".ts")) out.push(p);
  }
  return out;
}

function typeNames(checker: ts.TypeChecker, type: ts.Type): string[] {
  const t = checker.getNonNullableType(type);
  const parts = t.isUnion() ? t.types : [t];
  const names: string[] = [];
  for (const p of parts) {
    const sym = p.aliasSymbol ?? p.getSymbol();
    if (sym) names.push(sym.getName());
    for (const base of p.isClassOrInterface() ? (checker.getBaseTypes(p) ?? []) : []) {
      const b = base.getSymbol();
      if (b) names.push(b.getName());
    }
  }
  return names;
}

function checkSql(root: string): { files: number; findings: Finding[] } {
  const srcDir = join(root, "src");
  if (!existsSync(srcDir)) throw new Error(`no src/ under ${root}`);
  const all = tsFiles(srcDir);
  const files = all.filter((f) => !f.endsWith(".d.ts"));
  const declarations = all.filter((f) => f.endsWith(".d.ts"));
  const config = ts.readConfigFile(join(REPO, "tsconfig.json"), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO);
  const program = ts.createProgram({
    rootNames: [...files, ...declarations],
    options: { ...parsed.options, noEmit: true },
  });
  const checker = program.getTypeChecker();
  // One finding per position: a chain (`db.prepare(…).first()`) starts where its innermost access does,
  // which is visited last and kept.
  const findings = new Map<string, Finding>();

  for (const file of files) {
    const rel = relative(root, file).split(sep).join("/");
    const inDb = rel.startsWith("src/db/");
    const ownsDoStorage = rel in DO_STORAGE_MODULES;
    const sf = program.getSourceFile(file);
    if (!sf) continue;
    const report = (node: ts.Node, rule: Finding["rule"]) => {
      const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
      const text = node.getText(sf).replace(/\s+/g, " ").slice(0, 100);
      findings.set(`${rel}:${line}:${character}`, { file: rel, line: line + 1, col: character + 1, rule, text });
    };
    const visit = (node: ts.Node): void => {
      let receiver: ts.Expression | null = null;
      let member: string | null = null;
      if (ts.isPropertyAccessExpression(node)) (receiver = node.expression), (member = node.name.text);
      else if (ts.isElementAccessExpression(node))
        (receiver = node.expression),
          (member = ts.isStringLiteralLike(node.argumentExpression) ? node.argumentExpression.text : null);
      if (receiver) {
        const type = checker.getTypeAtLocation(receiver);
        const names = typeNames(checker, type);
        if (!inDb && names.some((n) => D1_TYPES.has(n))) report(node, "d1-outside-db");
        else if (!ownsDoStorage && names.some((n) => DO_SQL_TYPES.has(n))) report(node, "do-sql-outside-its-module");
        else if (
          !inDb &&
          member !== null &&
          SQL_METHODS.has(member) &&
          (type.flags & ts.TypeFlags.Any) !== 0 &&
          ts.isCallExpression(node.parent)
        ) {
          report(node, "untyped-sql-call");
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { files: files.length, findings: [...findings.values()] };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--root");
  const root = i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]!) : REPO;
  const { files, findings } = checkSql(root);
  for (const f of findings) console.log(`${f.file}:${f.line}:${f.col} ${f.rule} — ${f.text}`);
  if (findings.length > 0) {
    console.log(
      `check-sql: ${findings.length} finding(s) in ${files} files — D1 SQL belongs in src/db (scripts/check-sql.ts, docs/architecture.md)`,
    );
    process.exit(1);
  }
  console.log(
    `check-sql: ${files} files, no D1 use outside src/db, Durable Object SQLite only in ${Object.keys(DO_STORAGE_MODULES).join(", ")}`,
  );
}

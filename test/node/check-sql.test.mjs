// scripts/check-sql.ts (the "all D1 SQL inside src/db" half of `npm run lint:deps`) catches what it
// says it catches: run on a small tree written to a temporary directory, it reports each D1 use
// outside src/db and each Durable Object SQLite use outside the modules that own one, and nothing
// else — not src/db's own statements, not a RegExp's `.exec`, not the binding passed through.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const SCRIPT = join(ROOT, "scripts", "check-sql.ts");

const TREE = {
  "src/api/route.ts": [
    "export async function list(env: { DB: D1Database }) {",
    '  return env.DB.prepare("SELECT 1").all();', // line 2: d1-outside-db
    "}",
    "export async function untyped(env: { DB: D1Database }) {",
    '  await (env.DB as any).exec("DELETE FROM markets");', // line 5: untyped-sql-call
    "}",
    "const RE = /x/;",
    'export const match = RE.exec("x");',
    "export function pass(env: { DB: D1Database }, open: (d: D1Database) => void) {",
    "  open(env.DB);",
    "}",
  ].join("\n"),
  "src/db/queries.ts": [
    "export async function list(db: D1Database) {",
    '  return db.prepare("SELECT 1").all();',
    "}",
  ].join("\n"),
  "src/stream/other.ts": [
    "export function h(ctx: DurableObjectState) {",
    '  ctx.storage.sql.exec("SELECT 1");',
    "}",
  ].join("\n"), // line 2: do-sql-outside-its-module
  "src/stream/ticker.ts": [
    "export function h(ctx: DurableObjectState) {",
    '  ctx.storage.sql.exec("SELECT 1");',
    "}",
  ].join("\n"),
};

/** @param {string} root */
function run(root) {
  try {
    return { code: 0, out: execFileSync(TSX, [SCRIPT, "--root", root], { encoding: "utf8" }) };
  } catch (err) {
    // execFileSync's error: the exit status and the output.
    const e = /** @type {{ status: number | null, stdout: unknown }} */ (err);
    return { code: e.status, out: String(e.stdout) };
  }
}

test("check-sql reports D1 use outside src/db and DO SQLite outside its module, nothing else", () => {
  const root = mkdtempSync(join(tmpdir(), "check-sql-"));
  try {
    for (const [path, text] of Object.entries(TREE)) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), `${text}\n`);
    }
    const { code, out } = run(root);
    assert.equal(code, 1, out);
    const found = out
      .split("\n")
      .filter((l) => /^src\//.test(l))
      .map((l) => `${l.split(" ")[0]} ${l.split(" ")[1]}`)
      .sort();
    assert.deepEqual(found, [
      "src/api/route.ts:2:10 d1-outside-db",
      "src/api/route.ts:5:9 untyped-sql-call",
      "src/stream/other.ts:2:3 do-sql-outside-its-module",
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

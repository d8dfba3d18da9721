import { test } from "node:test";
import assert from "node:assert/strict";
import { cronMatches, readCrons } from "../../scripts/local-cron.mjs";
import { fileURLToPath } from "node:url";

test("cronMatches handles the forms wrangler.toml uses", () => {
  const at = (/** @type {number} */ h, /** @type {number} */ m) => new Date(Date.UTC(2026, 10, 25, h, m));
  assert.equal(cronMatches("*/15 * * * *", at(10, 45)), true);
  assert.equal(cronMatches("*/15 * * * *", at(10, 46)), false);
  assert.equal(cronMatches("30 14 * * *", at(14, 30)), true);
  assert.equal(cronMatches("30 14 * * *", at(13, 30)), false);
  assert.equal(cronMatches("0,30 9-17 * * 1-5", at(9, 30)), true); // Wednesday
  assert.equal(cronMatches("0 12 * * 0", at(12, 0)), false); // not a Sunday
});

test("readCrons reads the project's wrangler.toml", () => {
  const crons = readCrons(fileURLToPath(new URL("../../wrangler.toml", import.meta.url)));
  assert.ok(crons.includes("*/15 * * * *"));
  assert.equal(crons.length, 3);
});

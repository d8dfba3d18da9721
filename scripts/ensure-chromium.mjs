#!/usr/bin/env node
/**
 * Makes sure the browser the browser tests drive (test/browser/) is on this machine, before `npm test`
 * runs them: Debian's `chromium` package at /usr/bin/chromium (Playwright's own browser download does
 * not work offline). SSMD_CHROMIUM names another binary.
 *
 * Missing and running as root with apt-get: installs it (`apt-get update` first when the package is
 * unknown). Otherwise it exits non-zero with what to do — the browser tests are never skipped.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";

/** The Chromium binary the browser tests launch. */
const CHROMIUM = process.env.SSMD_CHROMIUM ?? "/usr/bin/chromium";

/** @param {string} path */
function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The browser's version line (`Chromium 150.0…`); throws when the binary does not run.
 * @param {string} path
 */
function versionOf(path) {
  return execFileSync(path, ["--version"], { encoding: "utf8", timeout: 30_000 }).trim();
}

/** @param {string} msg */
function fail(msg) {
  process.stderr.write(`[ensure-chromium] FAILED: ${msg}\n`);
  process.exit(1);
}

/**
 * @param {string[]} args
 * @returns {number}
 */
function aptGet(args) {
  // Waits for another apt/dpkg run (a parallel install) instead of failing on the lock.
  const r = spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=600", ...args], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return r.status ?? 1;
}

function install() {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  const how = "install Debian's chromium package (`sudo apt-get install -y chromium`) or set SSMD_CHROMIUM";
  if (process.env.SSMD_CHROMIUM) fail(`SSMD_CHROMIUM=${CHROMIUM} is not an executable file`);
  if (!hasApt) fail(`${CHROMIUM} is missing and this machine has no apt-get: ${how}`);
  if (!isRoot) fail(`${CHROMIUM} is missing and this is not root, so it cannot be installed here: ${how}`);
  process.stderr.write(`[ensure-chromium] ${CHROMIUM} missing: apt-get install -y chromium\n`);
  const known = spawnSync("apt-cache", ["show", "chromium"], { stdio: "ignore" }).status === 0;
  if (!known && aptGet(["update"]) !== 0) fail(`apt-get update failed: ${how}`);
  if (aptGet(["install", "-y", "--no-install-recommends", "chromium"]) !== 0) {
    fail(`apt-get install -y chromium failed: ${how}`);
  }
}

if (!executable(CHROMIUM)) install();
if (!executable(CHROMIUM)) fail(`${CHROMIUM} still missing after the install`);
try {
  process.stderr.write(`[ensure-chromium] ${versionOf(CHROMIUM)} at ${CHROMIUM}\n`);
} catch (e) {
  fail(`${CHROMIUM} does not run: ${e instanceof Error ? e.message : String(e)}`);
}

/**
 * `node:util` for the CLI's tests. The CLI parses its arguments with Node's `util.parseArgs`, but
 * its tests run in workerd (against the real Worker), whose node:util has no parseArgs ("not
 * implemented"). vitest.config.ts maps `node:util` to this module: workerd's own util, plus
 * parseArgs from @pkgjs/parseargs — the implementation Node's util.parseArgs was taken from (the
 * same options, errors and tokens). On Node (`npx ssmd`, test/e2e) the CLI uses Node's own.
 */
// biome-ignore lint/style/useNodejsImportProtocol: "node:util" is mapped to this very module (vitest.config.ts); bare "util" is workerd's own.
export * from "util";
export { parseArgs } from "@pkgjs/parseargs";

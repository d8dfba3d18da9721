/** @pkgjs/parseargs ships no types: it is Node's util.parseArgs (test/cli/node-util.ts). */
declare module "@pkgjs/parseargs" {
  export const parseArgs: typeof import("node:util").parseArgs;
}

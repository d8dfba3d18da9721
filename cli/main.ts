/** Node entry of the `ssmd` CLI (loaded by cli/bin.mjs). */
import { main } from "./commands";

const code = await main(process.argv.slice(2), {
  fetch: globalThis.fetch,
  env: process.env,
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stderrIsTTY: Boolean(process.stderr.isTTY),
});
process.exitCode = code;

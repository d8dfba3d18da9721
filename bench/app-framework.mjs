#!/usr/bin/env node
/**
 * Which front-end framework the web app uses, by measurement (docs/decisions/0085-web-app-stack.md):
 * bench/app-framework/explorer.tsx bundled with Vite (production, minified) once per framework —
 * Preact (preact + preact/hooks) and hono/jsx/dom (hono is already a dependency) — and the chart
 * library's minimal import (uPlot; lightweight-charts 5.2.1 measured the same way once, 51.1 KB gzip,
 * docs/decisions/0085-web-app-stack.md); prints the gzip size of each bundle.
 *
 *   node bench/app-framework.mjs
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const here = join(dirname(fileURLToPath(import.meta.url)), "app-framework");
const source = readFileSync(join(here, "explorer.tsx"), "utf8");

/** @type {{ name: string, entry: string, importSource?: string }[]} */
const variants = [
  {
    name: "preact 11 + preact/hooks",
    entry: source.replace(
      `import { render, useEffect, useState } from "FRAMEWORK";`,
      `import { render } from "preact";\nimport { useEffect, useState } from "preact/hooks";`,
    ),
    importSource: "preact",
  },
  {
    name: "hono/jsx/dom",
    entry: source.replace(`from "FRAMEWORK"`, `from "hono/jsx/dom"`),
    importSource: "hono/jsx/dom",
  },
  {
    name: "uplot (chart only)",
    entry: `import uPlot from "uplot";\nnew uPlot({ width: 1, height: 1, series: [{}, {}] }, [[0], [0]], document.body);`,
  },
];

for (const v of variants) {
  const dir = mkdtempSync(join(here, ".tmp-"));
  try {
    writeFileSync(join(dir, "entry.tsx"), v.entry);
    await build({
      configFile: false,
      logLevel: "silent",
      root: dir,
      oxc: v.importSource ? { jsx: { runtime: "automatic", importSource: v.importSource } } : {},
      build: {
        outDir: join(dir, "out"),
        lib: false,
        rollupOptions: { input: join(dir, "entry.tsx"), output: { entryFileNames: "bundle.js" } },
        minify: true,
      },
    });
    const files = readdirSync(join(dir, "out"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".js"));
    let raw = 0;
    let gz = 0;
    for (const f of files) {
      const b = readFileSync(join(dir, "out", f));
      raw += b.length;
      gz += gzipSync(b, { level: 9 }).length;
    }
    console.log(
      `${v.name.padEnd(34)} ${(raw / 1024).toFixed(1).padStart(7)} KB min  ${(gz / 1024).toFixed(1).padStart(6)} KB gzip`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

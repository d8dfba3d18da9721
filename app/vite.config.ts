/**
 * The web app's build (`npm run build:app`): app/ → app/dist, served by the Worker as Workers Static
 * Assets (wrangler.toml [assets]). Preact's JSX runtime; everything bundled, nothing from a CDN;
 * index.html gets the inline script that starts the explorer's first GET /markets (app/src/first-markets.ts).
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { preloadScript } from "./src/first-markets.ts";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [
    {
      // The explorer's first GET /markets starts from index.html, before the bundle loads.
      name: "ssmd-preload-first-markets",
      transformIndexHtml: () => [{ tag: "script", children: preloadScript(), injectTo: "head-prepend" }],
    },
  ],
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("dist", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    assetsDir: "assets",
  },
});

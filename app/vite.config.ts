/**
 * The web app's build (`npm run build:app`): app/ → app/dist, served by the Worker as Workers Static
 * Assets (wrangler.toml [assets]). Preact's JSX runtime; everything bundled, nothing from a CDN.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("dist", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    assetsDir: "assets",
  },
});

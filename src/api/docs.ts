/**
 * GET /docs: an interactive API reference (Swagger UI, through @hono/swagger-ui) over
 * /openapi.json, served entirely by this Worker — no CDN. Swagger UI's script and stylesheet come
 * from the swagger-ui-dist package, bundled into the Worker as Text modules (wrangler.toml
 * [[rules]]), and are served under /docs/assets/; the page points there instead of a CDN, so it
 * works offline under `npm start` (docs/decisions/0075-api-docs-swagger-ui-bundled.md).
 */
import { swaggerUI } from "@hono/swagger-ui";
import swaggerUiJs from "swagger-ui-dist/swagger-ui-bundle.js";
import swaggerUiCss from "swagger-ui-dist/swagger-ui.css";
import { createApiApp } from "./factory";

/** @hono/swagger-ui puts `<baseUrl>/swagger-ui-dist/<file>` in the page (no version: the bundled one). */
const ASSETS = "/docs/assets";
/** The asset bytes change only with the package version, which is part of nothing in the URL: revalidate daily. */
const ASSET_CACHE = "public, max-age=86400";

function asset(body: string, type: string): Response {
  return new Response(body, { headers: { "Content-Type": type, "Cache-Control": ASSET_CACHE } });
}

export const docsApp = createApiApp()
  .get(
    "/docs",
    swaggerUI({
      url: "/openapi.json",
      baseUrl: ASSETS,
      title: "ssmd API reference",
      // No badge asking validator.swagger.io about the document: nothing leaves the page's origin.
      validatorUrl: "none",
      displayOperationId: true,
      deepLinking: true,
    }),
  )
  .get(`${ASSETS}/swagger-ui-dist/swagger-ui-bundle.js`, () => asset(swaggerUiJs, "text/javascript; charset=utf-8"))
  .get(`${ASSETS}/swagger-ui-dist/swagger-ui.css`, () => asset(swaggerUiCss, "text/css; charset=utf-8"));

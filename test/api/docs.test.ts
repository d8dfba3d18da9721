/**
 * GET /docs: Swagger UI over /openapi.json, served whole by the Worker — the page names no other
 * origin, and its script and stylesheet are swagger-ui-dist's own files, bundled (the browser test
 * test/browser/docs.test.mjs renders it in Chromium and watches every request).
 */
import { SELF } from "cloudflare:test";
import swaggerUiJs from "swagger-ui-dist/swagger-ui-bundle.js";
import swaggerUiCss from "swagger-ui-dist/swagger-ui.css";
import { describe, expect, it } from "vitest";
import { toolOperations } from "../../src/api/openapi-doc";
import { TOOLS } from "../../src/api/tool-registry";

const BASE = "https://ssmd.test";

describe("GET /docs", () => {
  it("is an HTML page whose every script and stylesheet is served from this origin", async () => {
    const res = await SELF.fetch(`${BASE}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    // No absolute URL at all: nothing the page loads can come from elsewhere.
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    const srcs = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs.sort()).toEqual([
      "/docs/assets/swagger-ui-dist/swagger-ui-bundle.js",
      "/docs/assets/swagger-ui-dist/swagger-ui.css",
    ]);
    expect(html).toContain("url: '/openapi.json'");
    expect(html).toContain("validatorUrl: 'none'");
    for (const src of srcs) {
      const a = await SELF.fetch(`${BASE}${src}`);
      expect(a.status, src).toBe(200);
      const body = await a.text();
      if (src.endsWith(".js")) {
        expect(a.headers.get("content-type")).toMatch(/^text\/javascript/);
        expect(body).toBe(swaggerUiJs);
        expect(body).toContain("SwaggerUIBundle");
      } else {
        expect(a.headers.get("content-type")).toMatch(/^text\/css/);
        expect(body).toBe(swaggerUiCss);
        expect(body).toContain(".swagger-ui");
      }
      expect(body.length, src).toBeGreaterThan(100_000);
    }
  });

  it("the document it reads is served too, naming this origin as its server", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as any;
    expect(doc.servers[0].url).toBe(BASE);
    expect(doc.info.description).toContain("/docs");
  });

  it("every tool's route is an operation of the document, named after the (first) tool it answers", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/openapi.json`)).json()) as any;
    const ops = toolOperations(TOOLS);
    expect(ops.get("get /markets")).toBe("list_markets");
    expect(ops.get("get /markets/{ticker}")).toBe("get_market");
    expect(ops.get("get /tickers/{ticker}/volume_profile")).toBe("get_volume_profile");
    for (const t of TOOLS) {
      const key = [...ops].find(([, name]) => name === t.name)?.[0];
      if (!key) continue; // a second tool on a route already named (search_markets on GET /markets)
      const [method, path] = key.split(" ") as [string, string];
      expect(doc.paths[path]?.[method], `${t.name}: ${key}`).toBeDefined();
      expect(doc.paths[path][method].operationId, key).toBe(t.name);
    }
    expect(new Set(ops.values()).size).toBeGreaterThanOrEqual(12);
  });
});

/**
 * GET /tools (manifest) and POST /tools/{name}: a call is validated with the tool's schema and
 * answered by the REST route it maps to, so the JSON is exactly what the route returns.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { ApiError, ErrorResponseSchema } from "./errors";
import { createApiApp } from "./factory";
import { jsonContent, readErrors } from "./openapi-helpers";
import {
  READ_TOOL_ANNOTATIONS,
  toolInputJsonSchema,
  toolOutputJsonSchema,
  toolRequestPath,
  type Dispatch,
  type ToolDefinition,
} from "./tools";

const ToolManifestEntry = z
  .object({
    name: z.string(),
    title: z.string(),
    description: z.string(),
    annotations: z
      .object({
        readOnlyHint: z.boolean(),
        destructiveHint: z.boolean(),
        idempotentHint: z.boolean(),
        openWorldHint: z.boolean(),
      })
      .openapi({ description: "MCP tool annotations (every ssmd tool is a read)" }),
    input_schema: z.record(z.string(), z.unknown()).openapi({ description: "JSON Schema of the arguments object" }),
    output_schema: z
      .record(z.string(), z.unknown())
      .openapi({ description: "JSON Schema of the answer: the REST route's response schema" }),
    method: z.literal("POST"),
    path: z.string(),
  })
  .openapi("ToolManifestEntry");

const ToolManifest = z.object({ tools: z.array(ToolManifestEntry) }).openapi("ToolManifest");

export function toolManifest(tools: readonly ToolDefinition[]): z.infer<typeof ToolManifest> {
  return {
    tools: tools.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      annotations: { ...READ_TOOL_ANNOTATIONS },
      input_schema: toolInputJsonSchema(t),
      output_schema: toolOutputJsonSchema(t),
      method: "POST" as const,
      path: `/tools/${t.name}`,
    })),
  };
}

const manifestRoute = createRoute({
  method: "get",
  path: "/tools",
  tags: ["tools"],
  summary:
    "Agent tool manifest: name, title, description, annotations and the JSON Schemas of each tool's arguments and answer",
  request: { query: z.strictObject({}) },
  responses: { 200: jsonContent(ToolManifest, "The tools"), ...readErrors },
});

const callRoute = createRoute({
  method: "post",
  path: "/tools/{name}",
  tags: ["tools"],
  summary: "Call a tool with a JSON object of arguments; answers what the tool's REST route answers",
  request: {
    params: z.strictObject({
      name: z
        .string()
        .min(1)
        .max(64)
        .openapi({ param: { name: "name", in: "path" } }),
    }),
    query: z.strictObject({}),
  },
  responses: {
    200: { description: "The REST route's JSON", content: { "application/json": { schema: z.unknown() } } },
    ...readErrors,
    404: {
      description: "Unknown tool, or the route's 404",
      content: { "application/json": { schema: ErrorResponseSchema } },
    },
  },
});

/** Reads the optional JSON arguments body (empty body = no arguments). */
export async function readToolArgs(req: Request): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_body", "request body is not valid JSON", [
      { parameter: "(root)", issue: "invalid_json", message: "body must be a JSON object of arguments" },
    ]);
  }
}

export function unknownTool(name: string, tools: readonly ToolDefinition[]): ApiError {
  return new ApiError(
    404,
    "unknown_tool",
    `unknown tool '${name}'; known tools: ${tools.map((t) => t.name).join(", ")}`,
    {
      known_tools: tools.map((t) => t.name),
    },
  );
}

export function createToolRoutes(tools: readonly ToolDefinition[], dispatch: Dispatch) {
  const manifest = toolManifest(tools);
  return createApiApp()
    .openapi(manifestRoute, (c) => {
      c.header("Cache-Control", "public, max-age=300");
      return c.json(manifest, 200);
    })
    .openapi(callRoute, async (c) => {
      const { name } = c.req.valid("param");
      const tool = tools.find((t) => t.name === name);
      if (!tool) throw unknownTool(name, tools);
      const path = toolRequestPath(tool, await readToolArgs(c.req.raw));
      const inner = await dispatch(
        new Request(new URL(path, c.req.url), { headers: { Accept: "application/json" } }),
        c.env,
        c.executionCtx,
      );
      // Same body and status as the REST route; caching headers of a GET do not apply to this POST.
      const res = new Response(inner.body, inner);
      res.headers.set("Cache-Control", "no-store");
      res.headers.delete("ETag");
      return res as never;
    });
}

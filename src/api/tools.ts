/**
 * Agent tools, each defined once: its zod input schema IS the REST route's query (or path)
 * schema and its output schema IS the route's 200 response schema, so validation, the HTTP route
 * and the tool's JSON Schemas cannot drift apart, and a call is answered by the REST route itself
 * (same JSON, same cache).
 *
 * Tool arguments arrive as JSON; they are turned into the strings a query string would carry
 * (10 → "10", true → "true") and validated by the same schema the route uses.
 */
import { zodToOpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { z } from "@hono/zod-openapi";
import type { ExecutionContext as HonoExecutionContext } from "hono";
import { ApiError, validationError } from "./errors";

export interface ToolDefinition {
  name: string;
  /** Short human-readable name (MCP `title`). */
  title: string;
  description: string;
  /** A z.strictObject over string-valued arguments (the route's query schema, or its path params). */
  input: z.ZodObject;
  /** The REST route's own 200 response schema (see `routeOutput`): the tool's output schema. */
  output: z.ZodObject;
  /** The REST request that answers a call with these (already validated, stringified) arguments. */
  request(args: Record<string, string>): { path: string; query?: Record<string, string> };
}

/**
 * Every tool is a read: MCP annotations (hints to clients; ssmd's tools only read its own
 * database and ticker objects, never the open world).
 */
export const READ_TOOL_ANNOTATIONS = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;

/** A route's 200 JSON schema, taken from its createRoute config (the tool's output is never declared twice). */
export function routeOutput<S extends z.ZodObject>(route: {
  responses: { 200: { content: { "application/json": { schema: S } } } };
}): S {
  return route.responses[200].content["application/json"].schema;
}

/** A path parameter as a tool argument (same bounds as the route's `tickerPath`). */
export const pathArg = (description: string) => z.string().min(1).max(200).meta({ description });

/** The `key` argument goes into the path (URI-encoded), the others into the query string: `{ticker: "A", window: "5"}` → `/tickers/A/price_history?window=5`. */
export function pathRequest(
  args: Record<string, string>,
  key: string,
  build: (id: string) => string,
): { path: string; query: Record<string, string> } {
  const { [key]: id, ...query } = args;
  return { path: build(encodeURIComponent(id ?? "")), query };
}

export function defineTool<T extends ToolDefinition>(tool: T): T {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(tool.name)) throw new Error(`bad tool name ${tool.name}`);
  return tool;
}

type JsonSchema = Record<string, unknown>;

/**
 * zod → JSON Schema, the one path for tool arguments and answers. Query params are strings on the
 * wire but declared (`.meta`) as integer/boolean for callers: the string-level constraints
 * (pattern, "true"/"false" enum) that describe the wire form are dropped for those.
 *
 * `.openapi({description})` keeps its metadata in @hono/zod-openapi's own registry, which
 * z.toJSONSchema does not read (it reads `.meta()`): those descriptions are copied over here, so
 * a field described for /openapi.json is described to a model too.
 */
function jsonSchemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema }) => {
      const described = zodToOpenAPIRegistry.get(zodSchema as unknown as z.ZodType)?.description;
      if (typeof described === "string" && jsonSchema.description === undefined) jsonSchema.description = described;
      const declared = z.globalRegistry.get(zodSchema as unknown as z.ZodType)?.type;
      if (declared === "integer" || declared === "boolean" || declared === "number") {
        delete jsonSchema.pattern;
        delete jsonSchema.enum;
        delete jsonSchema.minLength;
        delete jsonSchema.maxLength;
      }
    },
  }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** JSON Schema of a tool's arguments, from its zod schema (types come from the params' `.meta`). */
export function toolInputJsonSchema(tool: ToolDefinition): JsonSchema {
  return jsonSchemaOf(tool.input, "input");
}

/** JSON Schema of a tool's answer: the REST route's response schema, as the route emits it. */
export function toolOutputJsonSchema(tool: ToolDefinition): JsonSchema {
  return jsonSchemaOf(tool.output, "output");
}

/** JSON arguments → query-string form. Objects/arrays are rejected naming the argument. */
export function stringifyToolArgs(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ApiError(400, "invalid_body", "tool arguments must be a JSON object", [
      { parameter: "(root)", issue: "invalid_type", message: "expected an object of arguments" },
    ]);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (value === null || value === undefined) continue;
    if (typeof value === "string") out[key] = value;
    else if (typeof value === "number" && Number.isFinite(value)) out[key] = String(value);
    else if (typeof value === "boolean") out[key] = value ? "true" : "false";
    else
      throw new ApiError(400, "invalid_body", `invalid argument '${key}': expected a string, number or boolean`, [
        { parameter: key, issue: "invalid_type", message: "expected a string, number or boolean" },
      ]);
  }
  return out;
}

/** Validates arguments with the tool's schema and builds the REST request path + query string. */
export function toolRequestPath(tool: ToolDefinition, rawArgs: unknown): string {
  const args = stringifyToolArgs(rawArgs);
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) throw validationError(parsed.error, "json");
  const { path, query } = tool.request(args);
  const qs = new URLSearchParams(query ?? {}).toString();
  return qs ? `${path}?${qs}` : path;
}

/** Forwards a request into the Worker's own router (the REST route answers the tool call). */
export type Dispatch = (req: Request, env: Env, ctx: HonoExecutionContext | undefined) => Response | Promise<Response>;

/**
 * POST /mcp: Model Context Protocol over Streamable HTTP (stateless: a fresh server and
 * transport per request, JSON responses), exposing the same tools as /tools with the same JSON
 * Schemas, validation and answers (a tools/call is dispatched to the tool's REST route).
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import { ApiError, errorBody } from "./errors";
import type { AppEnv } from "./factory";
import { toolInputJsonSchema, toolRequestPath, type Dispatch, type ToolDefinition } from "./tools";
import { SSMD_VERSION } from "../version";

type InputSchema = { type: "object"; properties?: Record<string, object>; required?: string[]; [k: string]: unknown };

function buildServer(
  tools: readonly ToolDefinition[],
  version: string,
  call: (tool: ToolDefinition, args: unknown) => Promise<CallToolResult>,
): Server {
  const server = new Server({ name: "ssmd", version }, { capabilities: { tools: {} } });
  const listed = tools.map((t) => ({
    name: t.name,
    description: t.description,
    inputSchema: toolInputJsonSchema(t) as InputSchema,
  }));
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listed }));
  server.setRequestHandler(CallToolRequestSchema, async (req) => {
    const tool = tools.find((t) => t.name === req.params.name);
    if (!tool) {
      const body = errorBody("unknown_tool", `unknown tool '${req.params.name}'`, {
        known_tools: tools.map((t) => t.name),
      });
      return { isError: true, content: [{ type: "text", text: JSON.stringify(body) }] };
    }
    return call(tool, req.params.arguments ?? {});
  });
  return server;
}

export async function handleMcp(
  c: Context<AppEnv>,
  tools: readonly ToolDefinition[],
  dispatch: Dispatch,
): Promise<Response> {
  const call = async (tool: ToolDefinition, args: unknown): Promise<CallToolResult> => {
    let text: string;
    let ok: boolean;
    try {
      const path = toolRequestPath(tool, args);
      const res = await dispatch(new Request(new URL(path, c.req.url)), c.env, c.executionCtx);
      text = await res.text();
      ok = res.ok;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      text = JSON.stringify(errorBody(err.code, err.message, err.details));
      ok = false;
    }
    const result: CallToolResult = { content: [{ type: "text", text }], isError: !ok };
    if (ok) {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
        result.structuredContent = parsed as Record<string, unknown>;
    }
    return result;
  };
  const server = buildServer(tools, SSMD_VERSION, call);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(c.req.raw);
  } finally {
    // Stateless: nothing outlives the request.
    await server.close();
  }
}

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
import {
  READ_TOOL_ANNOTATIONS,
  toolInputJsonSchema,
  toolOutputJsonSchema,
  toolRequestPath,
  type Dispatch,
  type ToolDefinition,
} from "./tools";
import { SSMD_VERSION } from "../version";

type ObjectSchema = { type: "object"; properties?: Record<string, object>; required?: string[]; [k: string]: unknown };

/** What the server tells a model before it calls anything (MCP `instructions`). */
export const MCP_INSTRUCTIONS = [
  "ssmd is a read-only Kalshi security master (markets, events, series, fees) with per-ticker stream data (latest ticker message, top of book, price_history and volume_profile builders). Every tool only reads.",
  "Units: a price under Kalshi's/the seed's own name (yes_bid, last_price, vwap, high, low, volatility, …) is in cents, fractional below a cent; a field ending in _dollars is in dollars (an exact decimal string where Kalshi sent it). Volumes and open interest are contracts (*_fp: exact strings). returns and ratio are unitless. Fee coefficients are unitless; fee amounts are *_dollars.",
  "Paging: list tools return `cursor`; null means the last page, otherwise pass it back unchanged with the same filters to get the next page. `limit` sets the page size.",
  "Times: arguments take ISO-8601 dates (2026-03-01, UTC midnight) or timestamps with a zone (2026-03-01T17:00:00Z); `date` / `has_stream_on` are UTC days YYYY-MM-DD. Answers give Kalshi's times as RFC 3339 strings and stream times (ts, first_ts, last_ts, effective_ts) as Unix milliseconds.",
  "Market status: `status` takes a filter word (see list_markets' schema); `active` = tradeable now, `open` also includes unopened and paused markets.",
  "Typical workflow: open Economics markets closing before a date that had stream data on a day, then their builders — list_markets {category: 'Economics', status: 'open', closing_before: DATE, has_stream_on: DAY} (or intersect list_markets with list_tickers {date: DAY}), following `cursor` to the end; then get_ticker {ticker} for each (price_history over the last 100 trades, volume_profile over 5 minutes; get_price_history / get_volume_profile for other windows).",
  "Errors come back as tool errors (isError) whose text is the API error {error: {code, message, details}}: e.g. not_found for an unknown ticker, invalid_parameter naming the argument.",
].join("\n");

function buildServer(
  tools: readonly ToolDefinition[],
  version: string,
  call: (tool: ToolDefinition, args: unknown) => Promise<CallToolResult>,
): Server {
  const server = new Server(
    { name: "ssmd", title: "ssmd: Kalshi security master", version },
    { capabilities: { tools: {} }, instructions: MCP_INSTRUCTIONS },
  );
  const listed = tools.map((t) => ({
    name: t.name,
    title: t.title,
    description: t.description,
    inputSchema: toolInputJsonSchema(t) as ObjectSchema,
    outputSchema: toolOutputJsonSchema(t) as ObjectSchema,
    annotations: { title: t.title, ...READ_TOOL_ANNOTATIONS },
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

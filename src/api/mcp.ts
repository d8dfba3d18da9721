/**
 * POST /mcp: Model Context Protocol over Streamable HTTP (stateless: a fresh server and
 * transport per request, JSON responses), exposing the same tools as /tools with the same JSON
 * Schemas, validation and answers (a tools/call is dispatched to the tool's REST route).
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
} from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import { ApiError, errorBody } from "./errors";
import type { AppEnv } from "./factory";
import { MAX_MCP_BATCH, mcpBatchTooLarge } from "./limits";
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
  "Typical workflow: open Economics markets closing before a date that had stream data on a day, then their builders — list_markets {category: 'Economics', status: 'open', closing_before: DATE, has_stream_on: DAY} (or intersect list_markets with list_tickers {date: DAY}), following `cursor` to the end; then get_ticker {ticker} for each (price_history over the last 100 trades, volume_profile over 5 minutes; get_price_history / get_volume_profile for other windows). Or all of it in one call: screen_markets with the same filters, conditions on the builder values (`where`, e.g. \"volatility>0.5,ratio>=0.6\") and `sort` (at most 500 candidate markets per call; `screened.capped` says when more matched).",
  "Errors come back as tool errors (isError) whose text is the API error {error: {code, message, details}}: e.g. not_found for an unknown ticker, invalid_parameter naming the argument.",
].join("\n");

/**
 * Resource templates: a market, an event (with its markets) and a ticker's stream state, each read
 * from the REST route it names — the same JSON a tool call answers.
 */
export const MCP_RESOURCE_TEMPLATES = [
  {
    uriTemplate: "ssmd://markets/{ticker}",
    name: "market",
    title: "A market",
    description: "GET /markets/{ticker}: the market with its event (prices in cents, *_dollars in dollars).",
    route: (id: string) => `/markets/${encodeURIComponent(id)}`,
  },
  {
    uriTemplate: "ssmd://events/{event_ticker}",
    name: "event",
    title: "An event with its markets",
    description: "GET /events/{event_ticker}: the event and every market it holds.",
    route: (id: string) => `/events/${encodeURIComponent(id)}`,
  },
  {
    uriTemplate: "ssmd://tickers/{ticker}",
    name: "ticker",
    title: "A ticker's stream state",
    description: "GET /tickers/{ticker}: latest ticker message, top of book, price_history and volume_profile.",
    route: (id: string) => `/tickers/${encodeURIComponent(id)}`,
  },
] as const;

/** The seed's workflow as a prompt: screen, intersect with the day's stream, read the builders. */
export const WORKFLOW_PROMPT = {
  name: "stream_signals",
  title: "Signals on streamed markets",
  description:
    "Open markets of a category closing before a date that had stream data on a day, then both builders for each.",
  arguments: [
    { name: "closing_before", description: "Date (YYYY-MM-DD) or timestamp with a zone", required: true },
    { name: "day", description: "UTC day with stream data (YYYY-MM-DD)", required: true },
    { name: "category", description: "Series category (default Economics)", required: false },
  ],
};

function workflowText(a: Record<string, string | undefined>): string {
  const category = a.category || "Economics";
  return [
    `Find ${category} markets that are open and close before ${a.closing_before}, and that had stream data on ${a.day}.`,
    `1. Call list_markets {category: "${category}", status: "open", closing_before: "${a.closing_before}", has_stream_on: "${a.day}"} and follow \`cursor\` until it is null.`,
    "2. For each market, call get_ticker {ticker} for the latest ticker, top of book, price_history and volume_profile (get_price_history / get_volume_profile for other windows).",
    "3. Build signals from those values. Prices are in cents; *_dollars fields are dollars.",
    `Or in one call: screen_markets {category: "${category}", status: "open", closing_before: "${a.closing_before}", has_stream_on: "${a.day}"} with \`where\` conditions on the builder values and \`sort\`, following \`cursor\`.`,
  ].join("\n");
}

function buildServer(
  tools: readonly ToolDefinition[],
  version: string,
  call: (tool: ToolDefinition, args: unknown) => Promise<CallToolResult>,
  read: (path: string) => Promise<{ ok: boolean; text: string }>,
): Server {
  const server = new Server(
    { name: "ssmd", title: "ssmd: Kalshi security master", version },
    { capabilities: { tools: {}, resources: {}, prompts: {} }, instructions: MCP_INSTRUCTIONS },
  );
  // Every resource is one of the templates' (there is no fixed list worth sending).
  server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: [] }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: MCP_RESOURCE_TEMPLATES.map(({ route: _route, ...t }) => ({
      ...t,
      mimeType: "application/json",
    })),
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (req) => {
    const m = /^ssmd:\/\/(markets|events|tickers)\/([^/]+)$/.exec(req.params.uri);
    const template = m && MCP_RESOURCE_TEMPLATES.find((t) => t.uriTemplate.startsWith(`ssmd://${m[1]}/`));
    if (!m || !template) throw new McpError(ErrorCode.InvalidParams, `unknown resource '${req.params.uri}'`);
    const { ok, text } = await read(template.route(decodeURIComponent(m[2]!)));
    // -32002: the MCP specification's "resource not found"; the API's error body is the data.
    if (!ok) throw new McpError(-32002, `resource not found: ${req.params.uri}`, JSON.parse(text));
    return { contents: [{ uri: req.params.uri, mimeType: "application/json", text }] };
  });
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: [WORKFLOW_PROMPT] }));
  server.setRequestHandler(GetPromptRequestSchema, async (req) => {
    if (req.params.name !== WORKFLOW_PROMPT.name)
      throw new McpError(ErrorCode.InvalidParams, `unknown prompt '${req.params.name}'`);
    const args = req.params.arguments ?? {};
    for (const a of WORKFLOW_PROMPT.arguments)
      if (a.required && !args[a.name]) throw new McpError(ErrorCode.InvalidParams, `missing argument '${a.name}'`);
    return {
      description: WORKFLOW_PROMPT.description,
      messages: [{ role: "user" as const, content: { type: "text" as const, text: workflowText(args) } }],
    };
  });
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
  const read = async (path: string) => {
    const res = await dispatch(new Request(new URL(path, c.req.url)), c.env, c.executionCtx);
    return { ok: res.ok, text: await res.text() };
  };
  const server = buildServer(tools, SSMD_VERSION, call, read);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  // The body is read here (bounded by the body limit) to count a batch before any message runs.
  const text = await c.req.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined; // the transport answers its own JSON-RPC parse error
  }
  if (Array.isArray(parsed) && parsed.length > MAX_MCP_BATCH) throw mcpBatchTooLarge(parsed.length);
  await server.connect(transport);
  try {
    return await (parsed === undefined
      ? transport.handleRequest(new Request(c.req.raw, { body: text }))
      : transport.handleRequest(c.req.raw, { parsedBody: parsed }));
  } finally {
    // Stateless: nothing outlives the request.
    await server.close();
  }
}

/**
 * The finishing touches of GET /openapi.json that the route declarations do not carry: `servers`
 * (the origin the document was fetched from, so /docs' "try it" calls the same service — also
 * offline under `npm start`) and an `operationId` for every operation: the tool's name on a route
 * that answers a tool (the first tool, where several share one), `<method>_<path words>` otherwise.
 * An operationId written in a createRoute is kept. And the responses every route shares through
 * the middleware rather than its own declaration: the request limits' 413/414 and the read rate
 * limit's 429 (./limits.ts).
 */
import { addLimitResponses } from "./limits";
import type { ToolDefinition } from "./tools";

interface Document {
  servers?: { url: string; description?: string }[];
  paths?: object;
}

/** `get /admin/sync/{run_id}` → `get_admin_sync_by_run_id`. */
function derivedOperationId(method: string, path: string): string {
  const words = path
    .split("/")
    .filter(Boolean)
    .map((seg) => (/^\{.+\}$/.test(seg) ? `by_${seg.slice(1, -1)}` : seg.replace(/[^A-Za-z0-9]+/g, "_")));
  return [method.toLowerCase(), ...words].join("_");
}

/**
 * `get <path template>` → tool name. A tool's request built from placeholder arguments
 * (`{ticker: "{ticker}"}`) gives its route's path template; tool calls are GETs (src/api/tools.ts).
 */
export function toolOperations(tools: readonly ToolDefinition[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of tools) {
    const args = Object.fromEntries(Object.keys(t.input.shape).map((k) => [k, `{${k}}`]));
    const key = `get ${decodeURIComponent(t.request(args).path)}`;
    if (!out.has(key)) out.set(key, t.name);
  }
  return out;
}

export function finishDocument<D extends Document>(doc: D, origin: string, tools: Map<string, string>): D {
  doc.servers = [{ url: origin, description: "This ssmd deployment (the origin this document was read from)" }];
  type Op = { operationId?: string; requestBody?: unknown; responses?: Parameters<typeof addLimitResponses>[0] };
  for (const [path, ops] of Object.entries(doc.paths ?? {}) as [string, Record<string, Op>][])
    for (const [method, op] of Object.entries(ops)) {
      op.operationId ??= tools.get(`${method} ${path}`) ?? derivedOperationId(method, path);
      op.responses = addLimitResponses(op.responses ?? {}, method, path, op.requestBody !== undefined);
    }
  return doc;
}

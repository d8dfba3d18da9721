/**
 * The finishing touches of GET /openapi.json that the route declarations do not carry: `servers`
 * (the origin the document was fetched from, so /docs' "try it" calls the same service — also
 * offline under `npm start`) and an `operationId` for every operation. Tool routes name theirs
 * explicitly (the tool's name, in createRoute); any other gets `<method>_<path words>`.
 */
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

export function finishDocument<D extends Document>(doc: D, origin: string): D {
  doc.servers = [{ url: origin, description: "This ssmd deployment (the origin this document was read from)" }];
  for (const [path, ops] of Object.entries(doc.paths ?? {}) as [string, Record<string, { operationId?: string }>][])
    for (const [method, op] of Object.entries(ops)) op.operationId ??= derivedOperationId(method, path);
  return doc;
}

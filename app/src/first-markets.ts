/**
 * The explorer's first GET /markets, started by index.html before the bundle has loaded (the
 * `preloadFirstMarkets` script app/vite.config.ts writes into it), and taken by the app's client
 * (app/src/api.ts) instead of asking again: the page's first row no longer waits for the bundle to
 * download and run before its data is even asked for.
 *
 * No imports: vite.config.ts reads this module to write the inline script, and the script is
 * `explorerQuery`'s own source.
 */

/** GET /markets's parameters the explorer takes from its URL, in the order it sends them. */
export const EXPLORER_FILTERS = [
  "q",
  "category",
  "status",
  "series",
  "closing_after",
  "closing_before",
  "limit",
  "cursor",
] as const;
export const EXPLORER_LIMIT = "50";

/** The explorer's GET /markets query for a page URL's search string. */
export function explorerQuery(search: string, filters: readonly string[], limit: string): Record<string, string> {
  const p = new URLSearchParams(search);
  const query: Record<string, string> = { limit };
  for (const f of filters) {
    const v = p.get(f);
    if (v) query[f] = v;
  }
  return query;
}

/** Set by index.html's script on the explorer's page: the request it started. */
interface FirstMarkets {
  path: string;
  res: Promise<Response>;
}
declare global {
  var ssmdFirstMarkets: FirstMarkets | undefined;
}

/**
 * The inline script for index.html: on the explorer's page (`/`), starts GET /markets with the
 * query the explorer will ask for and leaves it in `globalThis.ssmdFirstMarkets`.
 */
export function preloadScript(): string {
  return `if(location.pathname==="/"){const q=new URLSearchParams((${explorerQuery.toString()})(location.search,${JSON.stringify(EXPLORER_FILTERS)},${JSON.stringify(EXPLORER_LIMIT)}));const path="/markets?"+q;globalThis.ssmdFirstMarkets={path,res:fetch(path)}}`;
}

/**
 * A fetch that answers the first request for the preloaded URL with the preloaded response (once),
 * and passes everything else to `fetch`.
 */
export function fetchTakingPreload(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const first = globalThis.ssmdFirstMarkets;
  if (first && (init?.method ?? "GET") === "GET") {
    const url = new URL(input instanceof Request ? input.url : String(input), location.origin);
    if (url.origin === location.origin && url.pathname + url.search === first.path) {
      globalThis.ssmdFirstMarkets = undefined;
      return first.res;
    }
  }
  return fetch(input, init);
}

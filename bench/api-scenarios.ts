/**
 * The read API's benchmark scenarios, one list for bench/api-load.ts (throughput, latency) and
 * bench/api-cpu.ts (workerd CPU per request): filters, tickers and series are picked from the
 * running service's own data, so the same list fits any synced world.
 */

export interface Scenario {
  name: string;
  /** Paths requested round-robin. */
  paths: string[];
}

export async function getJson<T>(base: string, path: string): Promise<T> {
  const res = await fetch(base + path);
  if (!res.ok) throw new Error(`GET ${path} → HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.json()) as T;
}

/** A static route with no KV/D1 I/O: the per-request cost of the runtime and the middleware alone. */
export const FLOOR: Scenario = { name: "floor: GET /tools (static)", paths: ["/tools"] };

export async function readScenarios(base: string): Promise<Scenario[]> {
  const page = await getJson<{
    markets: Array<{ ticker: string; category: string | null; series_ticker: string | null; status: string }>;
  }>(base, "/markets?limit=1000&status=open");
  if (page.markets.length === 0) throw new Error("no open markets: sync the service first");
  const count = <T>(xs: T[]) =>
    [...xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<T, number>())].sort((a, b) => b[1] - a[1]);
  const category = count(page.markets.map((m) => m.category).filter((c): c is string => !!c))[0]![0];
  const series = count(page.markets.map((m) => m.series_ticker).filter((s): s is string => !!s))[0]![0];
  const tickers = page.markets.slice(0, 200).map((m) => `/markets/${encodeURIComponent(m.ticker)}`);
  const weekAhead = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  return [
    { name: "GET /markets?limit=100", paths: ["/markets?limit=100"] },
    { name: "GET /markets?status=open&limit=100", paths: ["/markets?status=open&limit=100"] },
    {
      name: `GET /markets?category=${category}&status=open`,
      paths: [`/markets?category=${encodeURIComponent(category)}&status=open`],
    },
    {
      name: `GET /markets?series=${series}&closing_before=+7d`,
      paths: [`/markets?series=${encodeURIComponent(series)}&closing_before=${weekAhead}`],
    },
    { name: `GET /markets/{ticker} (${tickers.length} tickers)`, paths: tickers },
    { name: "GET /events?limit=100", paths: ["/events?limit=100"] },
    // A filter served by another index than the page order's: every matching event is read and sorted.
    { name: "GET /events?status=open&limit=100", paths: ["/events?status=open&limit=100"] },
  ];
}

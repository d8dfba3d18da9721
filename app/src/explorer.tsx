/**
 * Markets explorer (`/`): GET /markets's filters and full-text search (`q`) as controls, cursor paging, sortable columns (the
 * rows of the page shown), prices in cents with the dollar value on hover. The URL carries the
 * filters, the page's cursor and the sort, so a view can be shared and reloaded.
 */
import type { InferResponseType } from "hono/client";
import { useEffect, useState } from "preact/hooks";
import { api, ok } from "./api";
import { EXPLORER_FILTERS, EXPLORER_LIMIT, explorerQuery } from "./first-markets";
import { cents, count, dollarsOf, when } from "./format";
import { Link, eventHref, marketHref, navigate } from "./router";

type MarketList = InferResponseType<typeof api.markets.$get, 200>;
type Market = MarketList["markets"][number];

/** GET /markets's status filter words (docs/api.md, "Status filters"). */
const STATUSES = ["open", "active", "unopened", "paused", "closed", "settled", "unknown"] as const;
const FILTERS = EXPLORER_FILTERS;
type Filter = (typeof FILTERS)[number];
type Filters = Partial<Record<Filter, string>>;

const SORTS = {
  close_time: (m: Market) => Date.parse(m.close_time ?? "") || 0,
  last_price: (m: Market) => m.last_price ?? -1,
  volume: (m: Market) => m.volume ?? -1,
  volume_24h: (m: Market) => m.volume_24h ?? -1,
  open_interest: (m: Market) => m.open_interest ?? -1,
} as const;
type SortKey = keyof typeof SORTS;

function readUrl(search: string): { filters: Filters; sort: SortKey | null; desc: boolean } {
  const p = new URLSearchParams(search);
  const filters: Filters = {};
  for (const f of FILTERS) {
    const v = p.get(f);
    if (v) filters[f] = v;
  }
  const s = p.get("sort");
  const sort = s && s in SORTS ? (s as SortKey) : null;
  return { filters, sort, desc: p.get("dir") === "desc" };
}

function writeUrl(filters: Filters, sort: SortKey | null, desc: boolean, replace = false) {
  const p = new URLSearchParams();
  for (const f of FILTERS) if (filters[f]) p.set(f, filters[f]!);
  if (sort) {
    p.set("sort", sort);
    p.set("dir", desc ? "desc" : "asc");
  }
  const qs = p.toString();
  navigate(qs ? `/?${qs}` : "/", replace);
}

/** `<input type="datetime-local">` (read as UTC) ⇄ the API's ISO instant. */
const toIso = (local: string) => (local ? `${local}:00Z` : "");
const toLocal = (iso: string | undefined) => (iso ? iso.replace(/Z$/, "").slice(0, 16) : "");

const DEFAULT_LIMIT = EXPLORER_LIMIT;
const WINDOWS: Record<string, number> = {
  "24 hours": 86_400_000,
  "7 days": 7 * 86_400_000,
  "30 days": 30 * 86_400_000,
};

export function Explorer(props: { search: string }) {
  const { filters, sort, desc } = readUrl(props.search);
  const [data, setData] = useState<MarketList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  // Cursors of the pages before this one (Previous): kept while the filters stay the same.
  const [history, setHistory] = useState<string[]>([]);
  const key = FILTERS.filter((f) => f !== "cursor")
    .map((f) => `${f}=${filters[f] ?? ""}`)
    .join("&");

  useEffect(() => setHistory([]), [key]);
  useEffect(() => {
    let live = true;
    setLoading(true);
    // The same query index.html's script may have started already (app/src/first-markets.ts).
    ok(api.markets.$get({ query: explorerQuery(props.search, FILTERS, EXPLORER_LIMIT) }))
      .then((d) => live && (setData(d), setError(null)))
      .catch((e: Error) => live && (setError(e.message), setData(null)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [key, filters.cursor]);

  const set = (f: Filter, v: string) => {
    const next = { ...filters, [f]: v || undefined };
    delete next.cursor;
    writeUrl(next, sort, desc);
  };
  const setWindow = (label: string) => {
    const next = { ...filters };
    delete next.cursor;
    if (label === "") {
      delete next.closing_after;
      delete next.closing_before;
    } else {
      const now = Date.now();
      next.closing_after = `${new Date(now).toISOString().slice(0, 16)}:00Z`;
      next.closing_before = `${new Date(now + WINDOWS[label]!).toISOString().slice(0, 16)}:00Z`;
    }
    writeUrl(next, sort, desc);
  };
  const toggleSort = (k: SortKey) => writeUrl(filters, k, sort === k ? !desc : true, true);

  const rows = data ? [...data.markets] : [];
  if (sort) {
    const f = SORTS[sort];
    rows.sort((a, b) => (f(a) - f(b)) * (desc ? -1 : 1) || a.ticker.localeCompare(b.ticker));
  }

  const header = (k: SortKey, label: string) => (
    <th scope="col" aria-sort={sort === k ? (desc ? "descending" : "ascending") : "none"} class="num">
      <button type="button" class="sort" onClick={() => toggleSort(k)} title={`Sort this page by ${label}`}>
        {label}
        <span aria-hidden="true">{sort === k ? (desc ? " ▼" : " ▲") : ""}</span>
      </button>
    </th>
  );

  return (
    <section aria-labelledby="explorer-title">
      <h1 id="explorer-title">Markets</h1>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filters">
        <label>
          Search
          <input
            type="search"
            name="q"
            value={filters.q ?? ""}
            placeholder="words of the title or a ticker"
            onChange={(e) => set("q", e.currentTarget.value.trim())}
          />
        </label>
        <label>
          Category
          <input
            name="category"
            value={filters.category ?? ""}
            placeholder="e.g. Economics"
            onChange={(e) => set("category", e.currentTarget.value.trim())}
          />
        </label>
        <label>
          Status
          <select name="status" value={filters.status ?? ""} onChange={(e) => set("status", e.currentTarget.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Series
          <input
            name="series"
            value={filters.series ?? ""}
            placeholder="e.g. KXBTCD"
            onChange={(e) => set("series", e.currentTarget.value.trim())}
          />
        </label>
        <label>
          Closes within
          <select name="window" value="" onChange={(e) => setWindow(e.currentTarget.value)}>
            <option value="">{filters.closing_after || filters.closing_before ? "custom" : "any time"}</option>
            {Object.keys(WINDOWS).map((w) => (
              <option value={w}>{w}</option>
            ))}
          </select>
        </label>
        <label>
          Closing after (UTC)
          <input
            type="datetime-local"
            name="closing_after"
            value={toLocal(filters.closing_after)}
            onChange={(e) => set("closing_after", toIso(e.currentTarget.value))}
          />
        </label>
        <label>
          Closing before (UTC)
          <input
            type="datetime-local"
            name="closing_before"
            value={toLocal(filters.closing_before)}
            onChange={(e) => set("closing_before", toIso(e.currentTarget.value))}
          />
        </label>
        <label>
          Per page
          <select
            name="limit"
            value={filters.limit ?? DEFAULT_LIMIT}
            onChange={(e) => set("limit", e.currentTarget.value)}
          >
            {["25", "50", "100", "250"].map((n) => (
              <option value={n}>{n}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => writeUrl({}, null, false)}>
          Clear
        </button>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <div class="table-wrap" aria-busy={loading}>
        <table class="markets">
          <caption class="sr-only">
            Markets matching the filters, in close-time order (sorting reorders this page)
          </caption>
          <thead>
            <tr>
              <th scope="col">Market</th>
              <th scope="col">Status</th>
              {header("close_time", "Closes")}
              {header("last_price", "Last")}
              <th scope="col" class="num">
                Bid / Ask
              </th>
              {header("volume", "Volume")}
              {header("volume_24h", "24 h volume")}
              {header("open_interest", "Open interest")}
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => (
              <tr key={m.ticker} data-ticker={m.ticker}>
                <td>
                  <Link href={marketHref(m.ticker)} class="ticker">
                    {m.ticker}
                  </Link>
                  <div class="sub">
                    {m.title}
                    {m.event ? (
                      <>
                        {" · "}
                        <Link href={eventHref(m.event_ticker)}>{m.event.category ?? "event"}</Link>
                      </>
                    ) : null}
                  </div>
                </td>
                <td>
                  <span class={`status status-${m.status}`} title={`Kalshi: ${m.status_raw}`}>
                    {m.status}
                  </span>
                </td>
                <td class="num">{when(m.close_time)}</td>
                <td class="num" title={dollarsOf(m.last_price)}>
                  {cents(m.last_price)}
                </td>
                <td class="num">
                  <span title={dollarsOf(m.yes_bid)}>{cents(m.yes_bid)}</span> /{" "}
                  <span title={dollarsOf(m.yes_ask)}>{cents(m.yes_ask)}</span>
                </td>
                <td class="num">{count(m.volume)}</td>
                <td class="num">{count(m.volume_24h)}</td>
                <td class="num">{count(m.open_interest)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && rows.length === 0 && <p class="empty">No market matches these filters.</p>}
      </div>
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={history.length === 0 && !filters.cursor}
          onClick={() => {
            const prev = history.slice(0, -1);
            const cursor = history.at(-1);
            setHistory(prev);
            writeUrl({ ...filters, cursor: cursor || undefined }, sort, desc);
          }}
        >
          ← Previous
        </button>
        <span aria-live="polite">
          {data ? `${data.markets.length} markets on this page` : loading ? "Loading…" : ""}
        </span>
        <button
          type="button"
          disabled={!data?.cursor}
          onClick={() => {
            setHistory([...history, filters.cursor ?? ""]);
            writeUrl({ ...filters, cursor: data!.cursor! }, sort, desc);
          }}
        >
          Next →
        </button>
      </nav>
    </section>
  );
}

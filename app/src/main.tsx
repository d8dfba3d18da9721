/** The ssmd web app: routes, the page frame (navigation, theme), rendering. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { EventPage } from "./event";
import { Explorer } from "./explorer";
import { OpsPage } from "./ops";
import { Link, parseRoute, useLocation } from "./router";
import "./style.css";

type Theme = "auto" | "light" | "dark";

/**
 * The market page (and with it the live panel's chart library) loads on first use: the explorer,
 * the landing page, ships without it (docs/performance.md, "Web app").
 */
function LazyMarketPage({ ticker }: { ticker: string }) {
  const [Page, setPage] = useState<typeof import("./market").MarketPage | null>(null);
  useEffect(() => {
    import("./market").then((m) => setPage(() => m.MarketPage));
  }, []);
  return Page ? <Page ticker={ticker} /> : <p aria-busy="true">Loading {ticker}…</p>;
}

function App() {
  const loc = useLocation();
  const route = parseRoute(loc.pathname);
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem("ssmd.theme") as Theme | null) ?? "auto");
  useEffect(() => {
    if (theme === "auto") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
    localStorage.setItem("ssmd.theme", theme);
  }, [theme]);
  useEffect(() => {
    if (route.page === "explorer") document.title = "Markets · ssmd";
    if (route.page === "ops") document.title = "Operations · ssmd";
  }, [route.page]);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          ssmd
        </Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={route.page === "explorer" ? "page" : undefined}>
            Markets
          </Link>
          <Link href="/ops" aria-current={route.page === "ops" ? "page" : undefined}>
            Operations
          </Link>
          <a href="/openapi.json">API</a>
        </nav>
        <label class="theme">
          Theme
          <select value={theme} onChange={(e) => setTheme(e.currentTarget.value as Theme)}>
            <option value="auto">system</option>
            <option value="light">light</option>
            <option value="dark">dark</option>
          </select>
        </label>
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === "explorer" && <Explorer search={loc.search} />}
        {route.page === "market" && <LazyMarketPage ticker={route.ticker} />}
        {route.page === "event" && <EventPage eventTicker={route.eventTicker} />}
        {route.page === "ops" && <OpsPage />}
        {route.page === "not_found" && (
          <p role="alert">
            No page at {route.path}. <Link href="/">Markets</Link>
          </p>
        )}
      </main>
    </>
  );
}

// When the bundle starts rendering (the browser test holds the explorer's first GET /markets to have started earlier).
performance.mark("ssmd-app-start");
render(<App />, document.getElementById("app")!);

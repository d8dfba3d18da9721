/** A tiny client-side router: the app's four routes, links that push history, back/forward. */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "explorer" }
  | { page: "market"; ticker: string }
  | { page: "event"; eventTicker: string }
  | { page: "ops" }
  | { page: "not_found"; path: string };

/**
 * The app's paths (`*`: one path segment). wrangler.toml's [assets] run_worker_first exempts exactly
 * these, so the Worker answers every other path (test/node/app-routes.test.mjs).
 */
const APP_PATHS = ["/", "/market/*", "/event/*", "/ops"] as const;

function pageAt(p: (typeof APP_PATHS)[number], segment: string): Route {
  switch (p) {
    case "/":
      return { page: "explorer" };
    case "/ops":
      return { page: "ops" };
    case "/market/*":
      return { page: "market", ticker: segment };
    case "/event/*":
      return { page: "event", eventTicker: segment };
  }
}

export function parseRoute(pathname: string): Route {
  for (const p of APP_PATHS) {
    if (!p.endsWith("/*")) {
      if (pathname === p) return pageAt(p, "");
      continue;
    }
    const prefix = p.slice(0, -1);
    const rest = pathname.slice(prefix.length);
    if (pathname.startsWith(prefix) && rest !== "" && !rest.includes("/")) return pageAt(p, decodeURIComponent(rest));
  }
  return { page: "not_found", path: pathname };
}

const listeners = new Set<() => void>();
export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  for (const l of listeners) l();
}

/** The current location, re-rendered on navigation. */
export function useLocation(): { pathname: string; search: string } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const on = () => setTick((t) => t + 1);
    listeners.add(on);
    addEventListener("popstate", on);
    return () => {
      listeners.delete(on);
      removeEventListener("popstate", on);
    };
  }, []);
  return { pathname: location.pathname, search: location.search };
}

export const marketHref = (t: string) => `/market/${encodeURIComponent(t)}`;
export const eventHref = (e: string) => `/event/${encodeURIComponent(e)}`;

export function Link(props: { href: string; children: ComponentChildren; class?: string; "aria-current"?: "page" }) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props["aria-current"]}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(props.href);
        scrollTo(0, 0);
      }}
    >
      {props.children}
    </a>
  );
}

/** Event page (`/event/{event_ticker}`): the event's metadata and its markets; a mutually exclusive event as one distribution. */
import type { InferResponseType } from "hono/client";
import { useEffect, useState } from "preact/hooks";
import { api, ok } from "./api";
import { cents, count, dollarsOf, when } from "./format";
import { Link, marketHref } from "./router";

type EventDetail = InferResponseType<(typeof api.events)[":event_ticker"]["$get"], 200>;

export function EventPage({ eventTicker }: { eventTicker: string }) {
  const [d, setD] = useState<EventDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setD(null);
    ok(api.events[":event_ticker"].$get({ param: { event_ticker: eventTicker }, query: {} }))
      .then((x) => {
        setD(x);
        document.title = `${x.event.event_ticker} · ssmd`;
      })
      .catch((e: Error) => setError(e.message));
  }, [eventTicker]);
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!d) return <p aria-busy="true">Loading {eventTicker}…</p>;
  const e = d.event;
  const total = d.markets.reduce((s, m) => s + (m.last_price ?? 0), 0);
  return (
    <article aria-labelledby="event-title">
      <p class="crumbs">
        <Link href="/">Markets</Link> ›
      </p>
      <h1 id="event-title">{e.title}</h1>
      <dl class="kv">
        <dt>event_ticker</dt>
        <dd class="ticker">{e.event_ticker}</dd>
        <dt>series</dt>
        <dd>
          <Link href={`/?series=${encodeURIComponent(e.series_ticker)}`}>{e.series_ticker}</Link>
        </dd>
        <dt>category</dt>
        <dd>{e.category ?? "—"}</dd>
        <dt>status</dt>
        <dd>{e.status}</dd>
        <dt>strike_date</dt>
        <dd>{when(e.strike_date)}</dd>
        <dt>mutually_exclusive</dt>
        <dd>{String(e.mutually_exclusive)}</dd>
      </dl>
      {e.mutually_exclusive && d.markets.length > 0 && (
        <section aria-labelledby="dist-h">
          <h2 id="dist-h">Distribution (last prices; they sum to {cents(total)})</h2>
          <ul class="dist">
            {[...d.markets]
              .sort((a, b) => (b.last_price ?? 0) - (a.last_price ?? 0))
              .map((m) => (
                <li>
                  <Link href={marketHref(m.ticker)}>{m.yes_sub_title || m.subtitle || m.ticker}</Link>
                  <span
                    class="bar"
                    style={{ width: `${Math.max(0.5, ((m.last_price ?? 0) / Math.max(total, 1)) * 100)}%` }}
                  />
                  <span class="num" title={dollarsOf(m.last_price)}>
                    {cents(m.last_price)}
                  </span>
                </li>
              ))}
          </ul>
        </section>
      )}
      <h2>Markets ({d.markets.length})</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Market</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Closes
              </th>
              <th scope="col" class="num">
                Last
              </th>
              <th scope="col" class="num">
                Volume
              </th>
            </tr>
          </thead>
          <tbody>
            {d.markets.map((m) => (
              <tr>
                <td>
                  <Link href={marketHref(m.ticker)} class="ticker">
                    {m.ticker}
                  </Link>
                  <div class="sub">{m.yes_sub_title || m.title}</div>
                </td>
                <td>{m.status}</td>
                <td class="num">{when(m.close_time)}</td>
                <td class="num" title={dollarsOf(m.last_price)}>
                  {cents(m.last_price)}
                </td>
                <td class="num">{count(m.volume)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </article>
  );
}

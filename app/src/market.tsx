/**
 * Market page (`/market/{ticker}`): everything GET /markets/{ticker} knows, the series' fees
 * (GET /series/{series}) with a fee-quote calculator (GET /fees quote mode), and the live panel.
 */
import type { InferResponseType } from "hono/client";
import { useEffect, useState } from "preact/hooks";
import { api, ok } from "./api";
import { cents, count, dollarsOf, when } from "./format";
import { LivePanel } from "./live";
import { Link, eventHref } from "./router";

type MarketDetail = InferResponseType<(typeof api.markets)[":ticker"]["$get"], 200>;
type Market = MarketDetail["market"];
type SeriesDetail = InferResponseType<(typeof api.series)[":series_ticker"]["$get"], 200>;
type Fees = InferResponseType<typeof api.fees.$get, 200>;

/** Fields shown in their own sections (the rest are listed under "All fields"). */
const PRICES = ["yes_bid", "yes_ask", "no_bid", "no_ask", "last_price"] as const;
const TIMES = [
  "created_time",
  "open_time",
  "close_time",
  "expected_expiration_time",
  "expiration_time",
  "latest_expiration_time",
  "settlement_ts",
  "fee_waiver_expiration_time",
  "updated_time",
] as const;

function Value({ v }: { v: unknown }) {
  if (v === null || v === undefined) return <span class="muted">—</span>;
  if (typeof v === "object") return <code class="json">{JSON.stringify(v)}</code>;
  return <>{String(v)}</>;
}

export function MarketPage({ ticker }: { ticker: string }) {
  const [m, setM] = useState<Market | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [series, setSeries] = useState<SeriesDetail | null>(null);
  useEffect(() => {
    setM(null);
    setError(null);
    ok(api.markets[":ticker"].$get({ param: { ticker }, query: {} }))
      .then((d) => {
        setM(d.market);
        document.title = `${d.market.ticker} · ssmd`;
        const s = d.market.series_ticker;
        if (!s) return;
        return ok(api.series[":series_ticker"].$get({ param: { series_ticker: s }, query: {} }))
          .then(setSeries)
          .catch(() => setSeries(null));
      })
      .catch((e: Error) => setError(e.message));
  }, [ticker]);

  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!m) return <p aria-busy="true">Loading {ticker}…</p>;
  const shown = new Set<string>([
    ...PRICES,
    ...PRICES.map((p) => `${p}_dollars`),
    ...TIMES,
    "rules_primary",
    "rules_secondary",
    "event",
  ]);
  return (
    <article aria-labelledby="market-title">
      <p class="crumbs">
        <Link href="/">Markets</Link> ›{" "}
        {m.event ? <Link href={eventHref(m.event_ticker)}>{m.event.title ?? m.event_ticker}</Link> : m.event_ticker} ›
      </p>
      <h1 id="market-title">
        <span class="ticker">{m.ticker}</span> <span class={`status status-${m.status}`}>{m.status}</span>
      </h1>
      <p class="lead">
        {m.title} {m.subtitle ? <span class="muted">— {m.subtitle}</span> : null}
      </p>
      <div class="cards">
        <section class="card" aria-labelledby="prices-h">
          <h2 id="prices-h">Prices</h2>
          <dl class="kv">
            {PRICES.map((p) => (
              <>
                <dt>{p}</dt>
                <dd title={dollarsOf(m[p])} data-field={p}>
                  {cents(m[p])} <span class="muted">({m[`${p}_dollars`] ?? "—"} $)</span>
                </dd>
              </>
            ))}
            <dt>volume</dt>
            <dd>{count(m.volume)}</dd>
            <dt>volume_24h</dt>
            <dd>{count(m.volume_24h)}</dd>
            <dt>open_interest</dt>
            <dd>{count(m.open_interest)}</dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="times-h">
          <h2 id="times-h">Timestamps</h2>
          <dl class="kv">
            {TIMES.map((t) => (
              <>
                <dt>{t}</dt>
                <dd>{when(m[t])}</dd>
              </>
            ))}
          </dl>
        </section>
        <FeeCard m={m} series={series} />
      </div>
      <section aria-labelledby="rules-h">
        <h2 id="rules-h">Rules and settlement</h2>
        <p>{m.rules_primary ?? "—"}</p>
        {m.rules_secondary && <p class="muted">{m.rules_secondary}</p>}
      </section>
      <LivePanel ticker={m.ticker} />
      <details class="all-fields">
        <summary>All fields</summary>
        <dl class="kv">
          {Object.entries(m)
            .filter(([k]) => !shown.has(k))
            .map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>
                  <Value v={v} />
                </dd>
              </>
            ))}
        </dl>
      </details>
    </article>
  );
}

/** The series' fee in force and schedule, and the fee-quote calculator (GET /fees, quote mode). */
function FeeCard({ m, series }: { m: Market; series: SeriesDetail | null }) {
  const [price, setPrice] = useState<string>(
    m.last_price_dollars && m.last_price_dollars !== "0.0000" ? m.last_price_dollars : "0.50",
  );
  const [contracts, setContracts] = useState("10");
  const [role, setRole] = useState<"taker" | "maker">("taker");
  const [quote, setQuote] = useState<Fees["quote"] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    const query = { price, contracts, role, ...(m.series_ticker ? { series: m.series_ticker } : {}) };
    ok(api.fees.$get({ query }))
      .then((f) => (setQuote(f.quote), setError(null)))
      .catch((err: Error) => (setQuote(null), setError(err.message)));
  };
  const inForce = series?.fee_in_force;
  return (
    <section class="card" aria-labelledby="fees-h">
      <h2 id="fees-h">Fees · series {m.series_ticker}</h2>
      {inForce ? (
        <p>
          In force: <strong>{inForce.fee_type}</strong>, multiplier <strong>{inForce.fee_multiplier}</strong>
          {series.fee_schedule.length > 0 && (
            <span class="muted"> · {series.fee_schedule.length} scheduled change(s)</span>
          )}
        </p>
      ) : (
        <p class="muted">Series fee: loading…</p>
      )}
      <form class="fee-form" onSubmit={submit} aria-label="Fee quote">
        <label>
          Price ($)
          <input
            name="price"
            inputMode="decimal"
            value={price}
            onInput={(e) => setPrice(e.currentTarget.value)}
            required
          />
        </label>
        <label>
          Contracts
          <input
            name="contracts"
            inputMode="decimal"
            value={contracts}
            onInput={(e) => setContracts(e.currentTarget.value)}
            required
          />
        </label>
        <label>
          Role
          <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as "taker" | "maker")}>
            <option value="taker">taker</option>
            <option value="maker">maker</option>
          </select>
        </label>
        <button type="submit">Quote fee</button>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {quote && (
        <p class="quote" aria-live="polite">
          Fee <strong data-testid="fee">${quote.fee_dollars}</strong> for {quote.contracts} contracts at $
          {quote.price_dollars} ({quote.role}, coefficient {quote.effective_coefficient})
        </p>
      )}
    </section>
  );
}

/**
 * Live ticker panel: the price chart (candles with the pushed trades folded in, or the trade line
 * until the ticker has candles; uPlot), the volume profile as buy/sell bars, top of
 * book, last trades and the builders' values with their window controls — from the ticker
 * object's push (GET /tickers/{ticker}/live: a WebSocket, or SSE where WebSockets are missing).
 * Each message is acknowledged so the server can tell a slow tab (it then sends a snapshot).
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { LiveMessage, LiveWindows } from "../../src/stream/live";
import { api, ok } from "./api";
import { type CandleSeries, fromAnswer, foldTrades, hasPrices, INTERVALS, type Interval } from "./candles";
import { cents, clock, count, dollarsOf } from "./format";

type StateMsg = Extract<LiveMessage, { type: "snapshot" | "update" }>;
type Trade = StateMsg["trades"][number];

const MAX_TRADES = 500;
const PRICE_WINDOWS = [10, 50, 100, 500, 1000];
const VOLUME_WINDOWS: [string, number][] = [
  ["250 ms", 250],
  ["90 s", 90_000],
  ["5 min", 300_000],
  ["1 h", 3_600_000],
];

const priceCents = (t: Trade) => Number(t.price_dollars) * 100;

export function LivePanel({ ticker }: { ticker: string }) {
  const [state, setState] = useState<StateMsg | null>(null);
  const [trades, setTrades] = useState<Trade[]>([]);
  const [snapshots, setSnapshots] = useState(0);
  const [conn, setConn] = useState<"connecting" | "live" | "reconnecting" | "sse">("connecting");
  const [windows, setWindows] = useState<LiveWindows>({ price_window: 100, volume_window_ms: 300_000 });
  const sockRef = useRef<WebSocket | null>(null);

  useEffect(() => {
    let stopped = false;
    let retry = 0;
    let es: EventSource | null = null;
    const url = api.tickers[":ticker"].live.$url({ param: { ticker }, query: {} });
    const onMessage = (text: string, ack: ((seq: number) => void) | null) => {
      const msg = JSON.parse(text) as LiveMessage;
      if (msg.type === "error") {
        console.warn(`live: ${msg.message}`);
        return;
      }
      setState(msg);
      if (msg.type === "snapshot") setSnapshots((n) => n + 1);
      setTrades((prev) => (msg.type === "snapshot" ? msg.trades : [...prev, ...msg.trades]).slice(-MAX_TRADES));
      ack?.(msg.seq);
    };
    const sse = () => {
      setConn("sse");
      es = new EventSource(url.toString());
      for (const ev of ["snapshot", "update"])
        es.addEventListener(ev, (e) => onMessage((e as MessageEvent).data, null));
    };
    const open = () => {
      if (stopped) return;
      if (typeof WebSocket === "undefined") return sse();
      const wsUrl = new URL(url);
      wsUrl.protocol = wsUrl.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(wsUrl);
      sockRef.current = ws;
      ws.onopen = () => {
        retry = 0;
        setConn("live");
      };
      ws.onmessage = (e) => onMessage(e.data as string, (seq) => ws.send(JSON.stringify({ type: "ack", seq })));
      ws.onclose = () => {
        sockRef.current = null;
        if (stopped) return;
        setConn("reconnecting");
        setTimeout(open, Math.min(10_000, 500 * 2 ** retry++));
      };
    };
    open();
    return () => {
      stopped = true;
      sockRef.current?.close(1000, "page left");
      es?.close();
    };
  }, [ticker]);

  const changeWindows = (w: LiveWindows) => {
    setWindows(w);
    sockRef.current?.send(JSON.stringify({ type: "windows", ...w }));
  };

  // Whether the ticker object has stream data (then GET /tickers/{ticker}/candles answers); null
  // before the first message.
  const known = state ? trades.length > 0 || state.orderbook !== null || state.ticker_message !== null : null;
  const ph = state?.price_history;
  const vp = state?.volume_profile;
  const book = state?.orderbook;
  return (
    <section class="live" aria-labelledby="live-h">
      <h2 id="live-h">
        Live <span class={`conn conn-${conn}`}>{conn === "sse" ? "live (SSE)" : conn}</span>
      </h2>
      {state && trades.length === 0 && (
        <p class="muted">No trades streamed for this ticker yet; they appear here as they arrive.</p>
      )}
      <div class="live-grid">
        <div class="card chart-card">
          <PriceChart ticker={ticker} trades={trades} resync={snapshots} known={known} />
        </div>
        <div class="card">
          <h3>Price history</h3>
          <label>
            Window
            <select
              name="price_window"
              value={String(windows.price_window)}
              onChange={(e) => changeWindows({ ...windows, price_window: Number(e.currentTarget.value) })}
            >
              {PRICE_WINDOWS.map((n) => (
                <option value={String(n)}>{n} trades</option>
              ))}
            </select>
          </label>
          <dl class="kv" data-testid="price-history">
            <dt>trades</dt>
            <dd>{ph?.count ?? "—"}</dd>
            {(["last", "vwap", "high", "low", "volatility"] as const).map((k) => (
              <>
                <dt>{k}</dt>
                <dd title={dollarsOf(ph?.[k])} data-field={k}>
                  {cents(ph?.[k])}
                </dd>
              </>
            ))}
            <dt>returns</dt>
            <dd>{ph?.returns === null || ph?.returns === undefined ? "—" : `${(ph.returns * 100).toFixed(2)} %`}</dd>
          </dl>
        </div>
        <div class="card">
          <h3>Volume profile</h3>
          <label>
            Window
            <select
              name="volume_window_ms"
              value={String(windows.volume_window_ms)}
              onChange={(e) => changeWindows({ ...windows, volume_window_ms: Number(e.currentTarget.value) })}
            >
              {VOLUME_WINDOWS.map(([label, ms]) => (
                <option value={String(ms)}>{label}</option>
              ))}
            </select>
          </label>
          <VolumeBars buy={vp?.buyVolume ?? 0} sell={vp?.sellVolume ?? 0} />
          <p class="muted">
            {vp ? `${vp.trades} trades · ratio ${vp.ratio === null ? "—" : vp.ratio.toFixed(2)}` : "—"}
          </p>
        </div>
        <div class="card">
          <h3>Top of book</h3>
          {book ? (
            <dl class="kv">
              <dt>yes bid</dt>
              <dd>
                {book.yes_bid_dollars ?? "—"} × {book.yes_bid_size_fp ?? "—"}
              </dd>
              <dt>yes ask</dt>
              <dd>
                {book.yes_ask_dollars ?? "—"} × {book.yes_ask_size_fp ?? "—"}
              </dd>
            </dl>
          ) : (
            <p class="muted">No book streamed yet.</p>
          )}
        </div>
      </div>
      <div class="card">
        <h3>Last trades</h3>
        <div class="table-wrap">
          <table class="trades" aria-live="polite">
            <thead>
              <tr>
                <th scope="col">Time (UTC)</th>
                <th scope="col" class="num">
                  Price
                </th>
                <th scope="col" class="num">
                  Contracts
                </th>
                <th scope="col">Taker</th>
              </tr>
            </thead>
            <tbody>
              {trades
                .slice(-20)
                .reverse()
                .map((t) => (
                  <tr key={t.trade_id} data-trade-id={t.trade_id}>
                    <td>{clock(t.ts)}</td>
                    <td class="num" title={`$${t.price_dollars}`}>
                      {cents(priceCents(t))}
                    </td>
                    <td class="num">{count(Number(t.count_fp))}</td>
                    <td class={t.taker_side === "yes" ? "buy" : "sell"}>
                      {t.taker_side === "yes" ? "buy YES" : "buy NO"}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  );
}

function VolumeBars({ buy, sell }: { buy: number; sell: number }) {
  const max = Math.max(buy, sell, 1);
  return (
    <div class="vbars" role="img" aria-label={`buy volume ${count(buy)}, sell volume ${count(sell)}`}>
      <div class="vbar">
        <span>Buy</span>
        <span class="bar buy" style={{ width: `${(buy / max) * 100}%` }} />
        <span class="num">{count(buy)}</span>
      </div>
      <div class="vbar">
        <span>Sell</span>
        <span class="bar sell" style={{ width: `${(sell / max) * 100}%` }} />
        <span class="num">{count(sell)}</span>
      </div>
    </div>
  );
}

/**
 * The price chart: candles (GET /tickers/{ticker}/candles at the chosen interval, uPlot with a
 * candlestick draw hook) with each pushed trade folded into its period; the trade line while the
 * ticker has no candle with a price. The candles are re-read when the interval changes, when a
 * pushed trade begins a new period, and after each snapshot (the first message, or a catch-up after
 * dropped updates).
 */
function PriceChart(props: { ticker: string; trades: Trade[]; resync: number; known: boolean | null }) {
  const { ticker, trades, resync, known } = props;
  const [interval, setIv] = useState<Interval>("1m");
  // null: no candles for this ticker (404: no stream data yet).
  const [series, setSeries] = useState<CandleSeries | null>(null);
  const [reread, setReread] = useState(0);
  // While the candles are read, pushed trades are not folded: the answer holds them.
  const pending = useRef(true);
  // The trades already in the candles (received before the answer, or folded since), by trade_id.
  const folded = useRef(new Set<string>());
  const latestTrades = useRef(trades);
  latestTrades.current = trades;

  useEffect(() => {
    let live = true;
    const done = (s: CandleSeries | null) => {
      if (!live) return;
      pending.current = false;
      folded.current = new Set(latestTrades.current.map((t) => t.trade_id));
      setSeries(s);
    };
    // Before the first snapshot, or when it shows the object has no stream data, there are no
    // candles to read (the route would answer 404).
    if (!known) return known === null ? undefined : done(null);
    pending.current = true;
    ok(api.tickers[":ticker"].candles.$get({ param: { ticker }, query: { interval } })).then(
      (a) => done(fromAnswer(a, interval)),
      () => done(null),
    );
    return () => {
      live = false;
    };
  }, [ticker, interval, resync, reread, known]);

  useEffect(() => {
    if (pending.current) return;
    const fresh = trades.filter((t) => !folded.current.has(t.trade_id));
    folded.current = new Set(trades.map((t) => t.trade_id));
    if (fresh.length === 0) return;
    // No candles yet: the ticker's first trades have made some.
    if (!series) return setReread((n) => n + 1);
    const r = foldTrades(series, fresh);
    setSeries(r.series);
    if (r.newPeriod) setReread((n) => n + 1);
  }, [trades]);

  const candles = hasPrices(series) ? series : null;
  const last = candles?.candles.findLast((c) => c.close !== null);
  return (
    <>
      <div class="chart-head">
        <h3>{candles ? `Candles (YES price, ¢) · ${interval}` : "Trades (YES price, ¢)"}</h3>
        <label>
          Interval
          <select name="interval" value={interval} onChange={(e) => setIv(e.currentTarget.value as Interval)}>
            {Object.keys(INTERVALS).map((k) => (
              <option value={k}>{k}</option>
            ))}
          </select>
        </label>
      </div>
      {candles ? <CandleChart key={interval} series={candles} /> : <TradeChart trades={trades} />}
      {last && (
        <p
          class="muted"
          data-testid="last-candle"
          data-start={last.start_ts}
          data-ohlcv={JSON.stringify([last.open, last.high, last.low, last.close, last.volume])}
        >
          {clock(last.start_ts)} · O {cents(last.open)} H {cents(last.high)} L {cents(last.low)} C {cents(last.close)} ·{" "}
          {count(last.volume)} contracts
        </p>
      )}
    </>
  );
}

/** Theme colours and axes for uPlot, read from the page's CSS variables. */
function chartStyle() {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const axis = { stroke: v("--fg", "#111"), grid: { stroke: "rgba(128,128,128,.2)" } };
  return {
    accent: v("--accent", "#2563eb"),
    up: v("--buy", "#15803d"),
    down: v("--sell", "#b91c1c"),
    axes: [axis, { ...axis, values: (_u: uPlot, vs: number[]) => vs.map((x) => `${x}¢`) }],
  };
}

/** A uPlot instance in a div, resized with it; `make` builds it, `data` is set on each change. */
function usePlot(make: (width: number) => uPlot.Options, data: uPlot.AlignedData) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const node = el.current!;
    plot.current = new uPlot(make(node.clientWidth || 600), data, node);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: node.clientWidth, height: 240 }));
    ro.observe(node);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
    };
  }, []);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  return el;
}

/**
 * Candlesticks: uPlot holds the open/high/low/close series for its scales but draws no path for
 * them (`paths: () => null`); the draw hook paints each period's wick and body (up: the buy
 * colour, down: the sell colour), as uPlot's candlestick demo does.
 */
function CandleChart({ series }: { series: CandleSeries }) {
  const cs = series.candles;
  const half = series.periodMs / 2000;
  const data = useMemo<uPlot.AlignedData>(
    () => [
      cs.map((c) => c.start_ts / 1000 + half),
      ...(["open", "high", "low", "close"] as const).map((k) => cs.map((c) => c[k])),
    ],
    [series],
  );
  const el = usePlot((width) => {
    const st = chartStyle();
    const hidden = { paths: () => null, points: { show: false } };
    return {
      width,
      height: 240,
      scales: {
        x: { time: true, range: (u) => [u.data[0][0]! - half, u.data[0].at(-1)! + half] },
        y: { auto: true },
      },
      axes: st.axes,
      series: [{}, ...["open", "high", "low", "close"].map((label) => ({ label, ...hidden }))],
      legend: { show: false },
      hooks: {
        draw: [
          (u) => {
            const [xs, o, h, l, c] = u.data as unknown as [number[], ...(number | null)[][]];
            const ctx = u.ctx;
            const w = Math.max(1, (u.valToPos(2 * half, "x", true) - u.valToPos(0, "x", true)) * 0.7);
            ctx.save();
            for (let i = 0; i < xs.length; i++) {
              const [oi, hi, li, ci] = [o![i], h![i], l![i], c![i]];
              if (oi == null || hi == null || li == null || ci == null) continue;
              const x = Math.round(u.valToPos(xs[i]!, "x", true));
              const [yo, yh, yl, yc] = [oi, hi, li, ci].map((p) => Math.round(u.valToPos(p, "y", true))) as [
                number,
                number,
                number,
                number,
              ];
              ctx.fillStyle = ci >= oi ? st.up : st.down;
              ctx.fillRect(
                x - Math.max(1, Math.round(devicePixelRatio)) / 2,
                yh,
                Math.max(1, Math.round(devicePixelRatio)),
                yl - yh,
              );
              ctx.fillRect(Math.round(x - w / 2), Math.min(yo, yc), Math.round(w), Math.max(2, Math.abs(yc - yo)));
            }
            ctx.restore();
          },
        ],
      },
    };
  }, data);
  const drawn = cs.filter((c) => c.open !== null).length;
  return (
    <div
      ref={el}
      class="chart"
      role="img"
      aria-label={`Candlestick chart of ${drawn} ${series.interval} periods`}
      data-mode="candles"
      data-candles={drawn}
    />
  );
}

/** uPlot line of the trades' YES prices over time (the ticker has no candles yet). */
function TradeChart({ trades }: { trades: Trade[] }) {
  const data = useMemo<uPlot.AlignedData>(() => [trades.map((t) => t.ts / 1000), trades.map(priceCents)], [trades]);
  const el = usePlot((width) => {
    const st = chartStyle();
    return {
      width,
      height: 240,
      scales: { x: { time: true }, y: { auto: true } },
      axes: st.axes,
      series: [
        {},
        {
          label: "YES price",
          stroke: st.accent,
          width: 2,
          points: { show: true, size: 4 },
          value: (_u, v) => (v == null ? "—" : `${v}¢`),
        },
      ],
      legend: { show: false },
    };
  }, data);
  return (
    <div
      ref={el}
      class="chart"
      role="img"
      aria-label={`Chart of the last ${trades.length} trades' prices`}
      data-mode="trades"
      data-points={trades.length}
    />
  );
}

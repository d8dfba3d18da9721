/**
 * Live ticker panel: the trade-window chart (uPlot), the volume profile as buy/sell bars, top of
 * book, last trades and the builders' values with their window controls — from the ticker
 * object's push (GET /tickers/{ticker}/live: a WebSocket, or SSE where WebSockets are missing).
 * Each message is acknowledged so the server can tell a slow tab (it then sends a snapshot).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { LiveMessage, LiveWindows } from "../../src/stream/live";
import { api } from "./api";
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
          <h3>Trades (YES price, ¢)</h3>
          <TradeChart trades={trades} />
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

/** uPlot line of the trades' YES prices over time; redrawn with each batch. */
function TradeChart({ trades }: { trades: Trade[] }) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = (): uPlot.AlignedData => [trades.map((t) => t.ts / 1000), trades.map(priceCents)];
  useEffect(() => {
    const node = el.current!;
    const css = getComputedStyle(document.documentElement);
    const stroke = css.getPropertyValue("--accent").trim() || "#2563eb";
    const axis = { stroke: css.getPropertyValue("--fg").trim() || "#111", grid: { stroke: "rgba(128,128,128,.2)" } };
    plot.current = new uPlot(
      {
        width: node.clientWidth || 600,
        height: 240,
        scales: { x: { time: true }, y: { auto: true } },
        axes: [axis, { ...axis, values: (_u, vs) => vs.map((v) => `${v}¢`) }],
        series: [
          {},
          {
            label: "YES price",
            stroke,
            width: 2,
            points: { show: true, size: 4 },
            value: (_u, v) => (v == null ? "—" : `${v}¢`),
          },
        ],
        legend: { show: false },
      },
      data(),
      node,
    );
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: node.clientWidth, height: 240 }));
    ro.observe(node);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
    };
  }, []);
  useEffect(() => {
    plot.current?.setData(data());
  }, [trades]);
  return (
    <div
      ref={el}
      class="chart"
      role="img"
      aria-label={`Chart of the last ${trades.length} trades' prices`}
      data-points={trades.length}
    />
  );
}

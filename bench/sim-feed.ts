/**
 * WebSocket feed throughput of the simulator's protocol engine (in-process, no sockets):
 * trades generated and messages serialized per second for typical subscriptions.
 *
 *   npx tsx bench/sim-feed.ts [--markets 20000] [--trades 200000]
 */
import { Simulator } from "../sim/core/index";

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : def;
};
const MARKETS = Number(arg("markets", "20000"));
const TRADES = Number(arg("trades", "200000"));
const START = Date.UTC(2026, 10, 20, 12);

async function run(label: string, channels: string[], tickers: number | null): Promise<void> {
  const sim = new Simulator({ seed: 1, markets: MARKETS, start_time_ms: START });
  let msgs = 0,
    bytes = 0;
  const session = sim.openSession(
    {
      send: (t) => {
        msgs++;
        bytes += t.length;
      },
      close: () => {},
    },
    true,
  );
  const params: Record<string, unknown> = { channels };
  if (tickers !== null) {
    const res = await sim.fetch(new Request(`http://sim/trade-api/v2/markets?status=open&limit=${tickers}`));
    params.market_tickers = ((await res.json()) as { markets: { ticker: string }[] }).markets.map((m) => m.ticker);
  }
  session.receive(JSON.stringify({ id: 1, cmd: "subscribe", params }));
  msgs = 0;
  bytes = 0;
  const t0 = performance.now();
  const n = sim.feed.pump(TRADES);
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${label}: ${n} trades in ${(s * 1000).toFixed(0)} ms → ${Math.round(n / s).toLocaleString("en-US")} trades/s, ${Math.round(msgs / s).toLocaleString("en-US")} msgs/s, ${(bytes / s / 1e6).toFixed(1)} MB/s`,
  );
}

console.log(`# sim-feed: ${MARKETS} markets, ${TRADES} trades per case, node ${process.version}`);
await run("trade, all markets", ["trade"], null);
await run("trade, 256 markets", ["trade"], 256);
await run("trade+ticker+orderbook_delta, 256 markets", ["trade", "ticker", "orderbook_delta"], 256);

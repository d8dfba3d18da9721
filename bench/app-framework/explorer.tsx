/**
 * The same small explorer (fetch a page of markets, a status filter, a sortable table, paging) written
 * once; bench/app-framework.mjs bundles it with each framework's JSX runtime and hooks (the import of
 * `useState`/`useEffect`/`render` is swapped per framework) and reports the gzip size.
 */
import { render, useEffect, useState } from "FRAMEWORK";

interface Row {
  ticker: string;
  title: string;
  last_price: number;
  volume: number;
}

function Explorer() {
  const [status, setStatus] = useState("open");
  const [rows, setRows] = useState<Row[]>([]);
  const [sort, setSort] = useState<keyof Row>("volume");
  const [cursor, setCursor] = useState<string | null>(null);
  useEffect(() => {
    fetch(`/markets?status=${status}${cursor ? `&cursor=${cursor}` : ""}`)
      .then((r) => r.json())
      .then((b: { markets: Row[] }) => setRows(b.markets));
  }, [status, cursor]);
  const sorted = [...rows].sort((a, b) => Number(b[sort]) - Number(a[sort]));
  return (
    <main>
      <label>
        Status
        <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
          <option value="open">open</option>
          <option value="closed">closed</option>
        </select>
      </label>
      <table>
        <thead>
          <tr>
            <th onClick={() => setSort("last_price")}>Last</th>
            <th onClick={() => setSort("volume")}>Volume</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((r) => (
            <tr key={r.ticker}>
              <td title={`$${(r.last_price / 100).toFixed(2)}`}>{r.last_price}¢</td>
              <td>{r.volume}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={() => setCursor("next")}>
        Next
      </button>
    </main>
  );
}

render(<Explorer />, document.getElementById("app") as HTMLElement);

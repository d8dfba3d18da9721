/**
 * Operations (`/ops`): sync runs (a running sync's progress, history), start a full or incremental
 * sync, ingest health refreshed live, cache and drift counters. The admin token is asked once and
 * kept in this tab only (sessionStorage), sent only to this origin's /admin routes.
 */
import type { InferResponseType } from "hono/client";
import { useEffect, useState } from "preact/hooks";
import { ApiFailure, adminApi, api, ok } from "./api";
import { count, when } from "./format";

const TOKEN_KEY = "ssmd.admin_token";
type Admin = ReturnType<typeof adminApi>;
type Runs = InferResponseType<Admin["admin"]["sync"]["$get"], 200>["runs"];
type Run = Runs[number];
type Health = InferResponseType<Admin["admin"]["ingest"]["health"]["$get"], 200>;
type Cache = InferResponseType<Admin["admin"]["cache"]["$get"], 200>;
type Healthz = InferResponseType<typeof api.healthz.$get, 200>;

export function OpsPage() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? "");
  const [draft, setDraft] = useState("");
  if (!token)
    return (
      <section aria-labelledby="ops-title">
        <h1 id="ops-title">Operations</h1>
        <form
          class="token-form"
          onSubmit={(e) => {
            e.preventDefault();
            sessionStorage.setItem(TOKEN_KEY, draft.trim());
            setToken(draft.trim());
          }}
        >
          <label>
            Admin token
            <input
              type="password"
              name="token"
              autoComplete="off"
              value={draft}
              onInput={(e) => setDraft(e.currentTarget.value)}
              required
            />
          </label>
          <button type="submit">Open</button>
          <p class="muted">Kept in this tab only (sessionStorage) and sent only to this service's /admin routes.</p>
        </form>
      </section>
    );
  return (
    <Ops
      token={token}
      forget={() => {
        sessionStorage.removeItem(TOKEN_KEY);
        setToken("");
      }}
    />
  );
}

/** Polls `load` every `ms` (and at once); the latest value or error. */
function usePoll<T>(load: () => Promise<T>, ms: number, deps: unknown[]): [T | null, string | null, () => void] {
  const [v, setV] = useState<T | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    const run = () =>
      load()
        .then((x) => live && (setV(x), setErr(null)))
        .catch((e: Error) => live && setErr(e.message));
    run();
    const id = setInterval(run, ms);
    return () => {
      live = false;
      clearInterval(id);
    };
  }, [...deps, ms, tick]);
  return [v, err, () => setTick((t) => t + 1)];
}

function Ops({ token, forget }: { token: string; forget: () => void }) {
  const admin = adminApi(token);
  const [runs, runsErr, reloadRuns] = usePoll<Runs>(
    () => ok(admin.admin.sync.$get({ query: { limit: "15" } })).then((r) => r.runs),
    1000,
    [token],
  );
  const [health, healthErr] = usePoll<Health>(() => ok(admin.admin.ingest.health.$get({ query: {} })), 2000, [token]);
  const [cache] = usePoll<Cache>(() => ok(admin.admin.cache.$get({ query: {} })), 5000, [token]);
  const [hz] = usePoll<Healthz>(() => ok(api.healthz.$get({ query: {} })), 10_000, []);
  const [startMsg, setStartMsg] = useState<string | null>(null);
  const unauthorized = [runsErr, healthErr].some((e) => e && /token|unauthori/i.test(e));

  const start = (mode: "full" | "incremental") =>
    ok(admin.admin.sync.$post({ json: { mode } }))
      .then((r) => {
        setStartMsg(`${mode} sync ${r.outcome}: run ${r.run_id}`);
        reloadRuns();
      })
      .catch((e: unknown) => setStartMsg(e instanceof ApiFailure ? `${e.code}: ${e.message}` : String(e)));

  const running = runs?.find((r) => r.status === "running") ?? null;
  return (
    <section aria-labelledby="ops-title">
      <h1 id="ops-title">
        Operations{" "}
        <button type="button" class="small" onClick={forget}>
          Forget token
        </button>
      </h1>
      {unauthorized && (
        <p role="alert" class="error">
          The admin token was refused.{" "}
          <button type="button" onClick={forget}>
            Enter another
          </button>
        </p>
      )}
      <div class="cards">
        <section class="card wide" aria-labelledby="sync-h">
          <h2 id="sync-h">Sync</h2>
          <p>
            <button type="button" onClick={() => start("full")}>
              Start full sync
            </button>{" "}
            <button type="button" onClick={() => start("incremental")}>
              Start incremental sync
            </button>
          </p>
          {startMsg && <p aria-live="polite">{startMsg}</p>}
          {running ? (
            <RunProgress run={running} />
          ) : (
            <p class="muted" data-testid="no-running">
              No sync running.
            </p>
          )}
          <div class="table-wrap">
            <table class="runs">
              <caption>Recent runs</caption>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Mode</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">
                    Pages
                  </th>
                  <th scope="col" class="num">
                    Rows written
                  </th>
                  <th scope="col" class="num">
                    Soft-deleted
                  </th>
                  <th scope="col" class="num">
                    Retries
                  </th>
                  <th scope="col" class="num">
                    Errors
                  </th>
                </tr>
              </thead>
              <tbody>
                {(runs ?? []).map((r) => (
                  <tr data-run-id={r.run_id} data-status={r.status}>
                    <td>{when(r.started_at)}</td>
                    <td>{r.mode}</td>
                    <td>{r.trigger}</td>
                    <td class={`status status-${r.status}`}>{r.status}</td>
                    <td class="num">{count(r.progress.pages)}</td>
                    <td class="num">{count(r.progress.rows_written)}</td>
                    <td class="num">{count(r.progress.soft_deleted)}</td>
                    <td class="num">{count(r.progress.retries)}</td>
                    <td class="num" title={r.progress.errors.join("\n")}>
                      {r.progress.errors.length}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
        <section class="card" aria-labelledby="ingest-h">
          <h2 id="ingest-h">Stream ingest</h2>
          {health ? (
            <dl class="kv">
              <dt>connected</dt>
              <dd data-testid="connected">{health.connected ? "yes" : "no"}</dd>
              <dt>markets</dt>
              <dd>{count(health.markets)}</dd>
              <dt>subscriptions</dt>
              <dd>{health.subscriptions.map((s) => `${s.channel} (${s.markets})`).join(", ") || "—"}</dd>
              <dt>messages/s</dt>
              <dd>{count(health.messages_per_s)}</dd>
              <dt>last message</dt>
              <dd>{health.last_message_age_ms === null ? "—" : `${count(health.last_message_age_ms)} ms ago`}</dd>
              <dt>gaps</dt>
              <dd>{count(health.protocol.gaps)}</dd>
              <dt>reconnects</dt>
              <dd>{count(health.reconnects)}</dd>
              <dt>backfills</dt>
              <dd>
                {count(health.backfill.backfills)} ({count(health.backfill.backfilled_trades)} trades)
              </dd>
              <dt>trades forwarded</dt>
              <dd>{count(health.forward.trades)}</dd>
            </dl>
          ) : (
            <p class="muted">{healthErr ?? "Loading…"}</p>
          )}
        </section>
        <section class="card" aria-labelledby="cache-h">
          <h2 id="cache-h">Cache (this isolate)</h2>
          {cache ? (
            <dl class="kv">
              {Object.entries(cache.isolate).map(([k, v]) => (
                <>
                  <dt>{k}</dt>
                  <dd>{count(v as number)}</dd>
                </>
              ))}
            </dl>
          ) : (
            <p class="muted">Loading…</p>
          )}
          <h2>Drift (all runs)</h2>
          {hz?.drift?.total ? (
            <dl class="kv">
              <dt>unknown statuses</dt>
              <dd>{count(hz.drift.total!.unknown_status.items)}</dd>
              <dt>unknown fields</dt>
              <dd>
                {count(
                  hz.drift.total!.unknown_fields.market.items +
                    hz.drift.total!.unknown_fields.event.items +
                    hz.drift.total!.unknown_fields.series.items,
                )}
              </dd>
              <dt>malformed</dt>
              <dd>{count(hz.drift.total!.malformed.items)}</dd>
            </dl>
          ) : (
            <p class="muted">—</p>
          )}
        </section>
      </div>
    </section>
  );
}

function RunProgress({ run }: { run: Run }) {
  const p = run.progress;
  const total = p.listings_total || 1;
  return (
    <div class="progress-box" data-testid="running-run">
      <label>
        {run.mode} sync running ({p.listings_done}/{p.listings_total} listings)
        <progress max={total} value={p.listings_done} />
      </label>
      <p class="muted">
        pages {count(p.pages)} · items {count(p.items_seen)} · rows written {count(p.rows_written)} · soft-deleted{" "}
        {count(p.soft_deleted)} · retries {count(p.retries)} · errors {p.errors.length}
      </p>
    </div>
  );
}

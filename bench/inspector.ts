/**
 * workerd's V8 inspector (Miniflare's `inspectorPort`), for the benchmarks: one client per isolate
 * target, CPU profiles and their self-time summary.
 */
import WebSocket from "ws";

export interface Inspector {
  /** One call; resolves with {} on an error or after `timeoutMs` without an answer. */
  call(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): void;
  title: string;
}

/** Connects to the first isolate whose title matches `title` (workerd names them e.g. "core:user:ssmd"). */
export async function connectInspector(
  port: number,
  title: RegExp,
  log: (...xs: unknown[]) => void = () => {},
): Promise<Inspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    title: string;
    webSocketDebuggerUrl: string;
  }>;
  log("inspector targets", targets.map((t) => t.title).join(" | "));
  const target = targets.find((t) => title.test(t.title)) ?? targets[0]!;
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((r) => ws.once("open", r));
  let msgId = 0;
  const pending = new Map<number, (v: Record<string, unknown>) => void>();
  ws.on("message", (data) => {
    const m = JSON.parse(String(data)) as {
      id?: number;
      result?: Record<string, unknown>;
      error?: { message: string };
    };
    if (m.id === undefined) return;
    if (m.error) log(`inspector error: ${m.error.message}`);
    pending.get(m.id)?.(m.result ?? {});
    pending.delete(m.id);
  });
  return {
    title: target.title,
    call: (method, params = {}, timeoutMs = 60_000) =>
      new Promise((resolve) => {
        const id = ++msgId;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
        setTimeout(() => resolve({}), timeoutMs);
      }),
    close: () => ws.close(),
  };
}

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export async function startCpuProfile(inspector: Inspector, intervalUs = 500): Promise<void> {
  await inspector.call("Profiler.enable");
  await inspector.call("Profiler.setSamplingInterval", { interval: intervalUs });
  await inspector.call("Profiler.start");
}

export async function stopCpuProfile(inspector: Inspector): Promise<CpuProfile | undefined> {
  return (await inspector.call("Profiler.stop")).profile as CpuProfile | undefined;
}

/**
 * Self time of a V8 CPU profile by category and by function. `category` gets each sample's stack,
 * leaf first, and returns a category name or undefined ("other JS").
 */
export function summarizeProfile(
  profile: CpuProfile,
  category: (stack: ProfileNode["callFrame"][]) => string | undefined,
): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const cats = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    total += us;
    const leaf = byId.get(id)!.callFrame;
    let cat: string | undefined;
    if (["(idle)", "(program)", "(garbage collector)"].includes(leaf.functionName)) cat = leaf.functionName;
    else {
      const stack: ProfileNode["callFrame"][] = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur))
        stack.push(byId.get(cur)!.callFrame);
      cat = category(stack);
    }
    cat ??= "other JS";
    cats.set(cat, (cats.get(cat) ?? 0) + us);
    const key = `${leaf.functionName || "(anonymous)"} ${leaf.url.split("/").pop()}:${leaf.lineNumber}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us: number) =>
    `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1e6).toFixed(2).padStart(6)} s`;
  const out = [`profile: ${(total / 1e6).toFixed(1)} s sampled`];
  for (const [k, v] of [...cats].sort((a, b) => b[1] - a[1])) out.push(`  ${k.padEnd(32)} ${pct(v)}`);
  out.push("  top self-time functions:");
  for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 25))
    out.push(`    ${k.slice(0, 70).padEnd(70)} ${pct(v)}`);
  return out.join("\n");
}

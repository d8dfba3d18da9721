/**
 * The workerd process behind a local service, read from /proc (Linux): which process listens on a
 * port, its CPU time, and how long its main thread — the one that runs every isolate's JavaScript —
 * waited for a core. CPU time does not grow when other processes share the cores (wall time does);
 * the wait is what sharing them costs, so a latency tail can be told from work (bench/api-cpu.ts,
 * bench/api-load.ts --cpu).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** The pid of the process listening on `port` (its socket's inode in /proc/net/tcp*, then /proc/<pid>/fd). */
export function listeningPid(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const inodes = new Set<string>();
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address, state 0A = LISTEN, inode
      if (cols[1]?.endsWith(hex) && cols[3] === "0A") inodes.add(cols[9]!);
    }
  }
  if (inodes.size === 0) throw new Error(`nothing listens on port ${port}`);
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1]!)) return Number(pid);
      } catch {}
    }
  }
  throw new Error(`no readable process holds the socket listening on ${port}: pass --pid`);
}

const CLOCK_TICKS = 100; // USER_HZ on Linux
/** utime + stime of a process (all its threads), in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at ") ": utime, stime are fields 14, 15.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
}

/**
 * The main thread's (tid = pid) time on a core and time runnable but waiting for one, in ms
 * (/proc/<pid>/task/<pid>/schedstat: nanoseconds, the scheduler's own clock, finer than `cpuMs`).
 */
export function mainThreadSched(pid: number): { runMs: number; waitMs: number } {
  const [run = "0", wait = "0"] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").trim().split(" ");
  return { runMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 };
}

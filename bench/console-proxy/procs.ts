import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, readdirSync } from "node:fs";
import { connect } from "node:net";
import { sleep } from "../lib/stats";

/**
 * Processes of bench/console-proxy: CPU time and RSS read from /proc, the processes on either end
 * of a loopback TCP connection (from `ss -p`), and the helper processes the bench starts
 * (websockify, ssh -L, the synthetic source), each in a process group of its own so that cleanup
 * ends exactly them and everything they forked, and nothing else.
 */

export const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime of the process itself, in clock ticks. */
  own: number;
  /** cutime + cstime: its reaped children (websockify's per-connection forks end up here). */
  reaped: number;
}

function statOf(pid: number): Stat | null {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // comm may hold spaces and parentheses: the fields start after the last ")".
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  // f[0] is field 3 (state): utime is field 14 -> f[11].
  return { pid, ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
}

function allStats(): Stat[] {
  const out: Stat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = statOf(Number(name));
    if (st) out.push(st);
  }
  return out;
}

/**
 * CPU seconds used so far by the processes `roots` and all their descendants, including children
 * that already exited and were reaped (their time is in the parent's cutime/cstime), so the sum is
 * continuous while a websockify fork comes and goes.
 */
export function cpuSeconds(roots: readonly number[]): number {
  const stats = allStats();
  const kids = new Map<number, Stat[]>();
  for (const s of stats) {
    const list = kids.get(s.ppid);
    if (list) list.push(s);
    else kids.set(s.ppid, [s]);
  }
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const seen = new Set<number>();
  let ticks = 0;
  const walk = (s: Stat) => {
    if (seen.has(s.pid)) return;
    seen.add(s.pid);
    ticks += s.own + s.reaped;
    for (const k of kids.get(s.pid) ?? []) walk(k);
  };
  for (const r of roots) {
    const s = byPid.get(r);
    if (s) walk(s);
  }
  return ticks / CLK_TCK;
}

/** Resident set size in MiB (VmRSS), or NaN when the process is gone. */
export function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

interface SsRow {
  local: number;
  peer: number;
  pids: number[];
}

function ssRows(args: string[]): SsRow[] {
  const out = execFileSync("ss", ["-Htnp", ...args], { encoding: "utf8" });
  const rows: SsRow[] = [];
  for (const line of out.split("\n")) {
    const cols = line.trim().split(/\s+/);
    // State Recv-Q Send-Q Local Peer Process (with -H and a state filter the State column is absent)
    const addrs = cols.filter((c) => /^(\d{1,3}\.){3}\d{1,3}:\d+$/.test(c) || /^\[.*\]:\d+$/.test(c));
    if (addrs.length < 2) continue;
    const port = (a: string) => Number(a.slice(a.lastIndexOf(":") + 1));
    rows.push({
      local: port(addrs[0]),
      peer: port(addrs[1]),
      pids: [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])),
    });
  }
  return rows;
}

/** The pid listening on 127.0.0.1:port (e.g. the node process under npx/tsx that serves the app). */
export function listenerPid(port: number): number {
  const out = execFileSync("ss", ["-Hltnp", `sport = :${port}`], { encoding: "utf8" });
  const m = /pid=(\d+)/.exec(out);
  if (!m) throw new Error(`nothing listens on port ${port}`);
  return Number(m[1]);
}

/**
 * The sshd processes (the per-connection monitor and its session child) serving the connections
 * that process `clientPid` holds to sshd on `sshPort`, plus the number of such connections.
 */
export function sshdFor(clientPid: number, sshPort: number): { pids: number[]; connections: number } {
  const rows = ssRows(["state", "established"]);
  const clientPorts = rows.filter((r) => r.peer === sshPort && r.pids.includes(clientPid)).map((r) => r.local);
  const pids = new Set<number>();
  for (const r of rows) if (r.local === sshPort && clientPorts.includes(r.peer)) r.pids.forEach((p) => pids.add(p));
  return { pids: [...pids], connections: clientPorts.length };
}

// --- helper processes ----------------------------------------------------------------------------
const groups = new Set<ChildProcess>();

export interface Helper {
  name: string;
  pid: number;
  child: ChildProcess;
  exited: () => string | false;
  stop(): Promise<void>;
}

/** Starts argv in its own process group, output to logFile. */
export function helperStart(
  name: string,
  argv: string[],
  logFile: string,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Helper {
  const log = openSync(logFile, "a");
  const child = spawn(argv[0], argv.slice(1), {
    detached: true,
    stdio: ["ignore", log, log],
    cwd: opts.cwd,
    env: opts.env ?? process.env,
  });
  closeSync(log);
  groups.add(child);
  let exited: string | false = false;
  child.once("exit", (code, signal) => (exited = `code ${code}, signal ${signal}`));
  child.once("error", (err) => (exited = String(err)));
  const stop = async () => {
    if (!child.pid) return;
    signalGroup(child, "SIGTERM");
    if (!(await groupGone(child.pid, 5_000))) {
      signalGroup(child, "SIGKILL");
      await groupGone(child.pid, 5_000);
    }
    groups.delete(child);
  };
  if (!child.pid) throw new Error(`${name}: could not start ${argv[0]}`);
  return { name, pid: child.pid, child, exited: () => exited, stop };
}

function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, sig);
  } catch {}
}

async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true;
    }
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

/** Last resort from exit/signal handlers: SIGKILL every helper group still alive. */
export function helpersKillAll(): void {
  for (const c of groups) signalGroup(c, "SIGKILL");
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitListening(port: number, helper: Helper, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    const ex = helper.exited();
    if (ex) throw new Error(`${helper.name} exited before listening on ${port} (${ex})`);
    if (Date.now() > deadline) throw new Error(`${helper.name} did not listen on ${port} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

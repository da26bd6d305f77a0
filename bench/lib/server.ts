import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { existsSync, openSync, closeSync, readFileSync, statSync, readdirSync } from "node:fs";
import path from "node:path";
import { sleep } from "./stats";

/**
 * A production virtdeck server started by a benchmark as `npm start` runs it (`node
 * scripts/start.mjs`: the bundled server in that one process) from the checkout with its own data
 * directory (embedded PGlite), listening on 127.0.0.1 only. Each server runs in its own process
 * group so stop() ends it and everything it started, and nothing else.
 */
export interface BenchServer {
  port: number;
  base: string;
  pid: number;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** `npx next build` when there is no build yet (or when forced). */
export function ensureBuild(root: string, force: boolean): void {
  if (!force && existsSync(path.join(root, ".next", "BUILD_ID"))) return;
  console.error("[bench] building: npx next build");
  const r = spawnSync("npx", ["next", "build"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error("next build failed");
}

/** BUILD_ID, its time, and source files newer than the build (the build may not hold them). */
export function buildInfo(root: string): { id: string; builtAt: string; newerSources: string[] } {
  const f = path.join(root, ".next", "BUILD_ID");
  const built = statSync(f).mtimeMs;
  const newer: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (
        /\.(ts|tsx)$/.test(e.name) &&
        !/\.test\.tsx?$/.test(e.name) &&
        statSync(path.join(root, rel)).mtimeMs > built
      )
        newer.push(rel);
    }
  };
  for (const d of ["lib", "app"]) if (existsSync(path.join(root, d))) walk(d);
  return { id: readFileSync(f, "utf8").trim(), builtAt: new Date(built).toISOString(), newerSources: newer };
}

/**
 * The environment of a bench's production server on `port`: its own data directory, and (unless
 * the caller sets them again) its own embedded database and generated secret, no trusted proxy.
 */
export function serverEnv(port: number, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    VIRTDECK_DATA_DIR: dataDir,
  };
  for (const k of ["DATABASE_URL", "VIRTDECK_SECRET_KEY", "VIRTDECK_TRUST_PROXY"]) delete env[k];
  return env;
}

export async function serverStart(opts: {
  root: string;
  dataDir: string;
  logFile: string;
  readyTimeoutMs?: number;
  nodeArgs?: string[];
  /** Set on top of serverEnv (e.g. DATABASE_URL for a PostgreSQL-backed server). */
  env?: Record<string, string>;
}): Promise<BenchServer> {
  const port = await freePort();
  const env = { ...serverEnv(port, opts.dataDir), ...opts.env };
  const log = openSync(opts.logFile, "a");
  const child = spawn("node", [...(opts.nodeArgs ?? []), "scripts/start.mjs"], {
    cwd: opts.root,
    env,
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  live.add(child);
  let exited: string | false = false;
  child.once("exit", (code, signal) => (exited = `code ${code}, signal ${signal}`));
  const base = `http://127.0.0.1:${port}`;
  // Wait until the whole process group is gone (the database closed), or the next server would
  // open the same data directory too early.
  const stop = async () => {
    if (!child.pid) return;
    killGroup(child, "SIGTERM");
    if (!(await groupGone(child.pid, 20_000))) {
      killGroup(child, "SIGKILL");
      await groupGone(child.pid, 5_000);
    }
    live.delete(child);
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  let lastError = "";
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`server exited during start (${exited}):\n${logTail(opts.logFile)}`);
    }
    try {
      const r = await fetch(`${base}/api/health`);
      await r.arrayBuffer();
      if (r.ok) break;
      lastError = `health ${r.status}`;
    } catch (err) {
      lastError = String((err as Error).cause ?? err);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`server did not become ready (${lastError}):\n${logTail(opts.logFile)}`);
    }
    await sleep(100);
  }
  return { port, base, pid: child.pid!, stop };
}

async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true; // ESRCH: no process left in the group
    }
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}

function logTail(file: string): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-15).join("\n");
  } catch {
    return "(no server log)";
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {}
}

/** Last-resort synchronous kill of every server this process started (exit/signal handlers). */
export function serverKillAll(): void {
  for (const c of live) killGroup(c, "SIGKILL");
}

/** A signed-in API client: session cookie plus x-csrf-token on mutations. */
export class ApiClient {
  cookie = "";
  csrf = "";
  constructor(public base: string) {}

  async call<T = unknown>(
    method: string,
    p: string,
    body?: unknown,
  ): Promise<{ status: number; json: T; text: string }> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers.cookie = this.cookie;
    if (method !== "GET" && this.csrf) headers["x-csrf-token"] = this.csrf;
    if (body !== undefined) headers["content-type"] = "application/json";
    const r = await fetch(this.base + p, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = r.headers.getSetCookie();
    if (set.length) this.cookie = set.map((c) => c.split(";")[0]).join("; ");
    const text = await r.text();
    let json: T;
    try {
      json = JSON.parse(text) as T;
    } catch {
      json = undefined as T;
    }
    return { status: r.status, json, text };
  }

  async ok<T = unknown>(method: string, p: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, p, body);
    if (r.status >= 300) throw new Error(`${method} ${p} -> ${r.status}: ${r.text.slice(0, 500)}`);
    return r.json;
  }
}

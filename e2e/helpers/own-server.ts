import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import pg from "pg";

/**
 * A second production server (the built dist/server.mjs, as `npm start` runs it) on its own
 * port and its own fresh PostgreSQL database, for specs that need its process (memory,
 * node flags) or settings the shared e2e server does not have (VIRTDECK_TRUST_PROXY).
 */
export interface OwnServer {
  base: string;
  port: number;
  pid: number;
  /** Resident memory of the server process, in bytes (VmRSS). */
  rss(): number;
  log(): string;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, "../..");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

async function databaseCreate(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.VD_TEST_PG_URL;
  if (!admin) throw new Error("VD_TEST_PG_URL is not set: source .stack/env");
  const name = `vd_e2e_own_${Date.now()}_${process.pid}`;
  const run = async (sql: string) => {
    const u = new URL(admin);
    u.pathname = "/postgres";
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export async function ownServerStart(
  opts: { env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<OwnServer> {
  const port = await freePort();
  const db = await databaseCreate();
  const dir = mkdtempSync("/tmp/vd-e2e-own-");
  const logFile = path.join(dir, "server.log");
  const log = openSync(logFile, "a");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATABASE_URL: db.url,
    VIRTDECK_DATA_DIR: path.join(dir, "data"),
    VIRTDECK_SECRET_KEY_FILE: path.join(dir, "secrets", "secret.key"),
    CHECKPOINT_DISABLE: "1",
    NEXT_TELEMETRY_DISABLED: "1",
    ...opts.env,
  };
  delete env.VIRTDECK_SECRET_KEY;
  // VD_E2E_SERVER_BUNDLE: another bundle (e.g. one built from an older server.ts, to show a test failing).
  const child: ChildProcess = spawn(
    "node",
    [...(opts.nodeArgs ?? []), process.env.VD_E2E_SERVER_BUNDLE ?? "dist/server.mjs"],
    { cwd: ROOT, env, detached: true, stdio: ["ignore", log, log] },
  );
  closeSync(log);
  let exited = false;
  child.once("exit", () => (exited = true));
  const base = `http://127.0.0.1:${port}`;
  const readLog = () => {
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };
  const stop = async () => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      for (let i = 0; i < 100 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
      if (!exited) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }
    }
    await db.drop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (exited) {
      await stop();
      throw new Error(`server exited during start:\n${readLog()}`);
    }
    try {
      const r = await fetch(`${base}/api/health`);
      await r.arrayBuffer();
      if (r.ok) break;
    } catch {}
    if (i > 1200) {
      await stop();
      throw new Error(`server did not become ready:\n${readLog()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  return {
    base,
    port,
    pid,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024,
    log: readLog,
    stop,
  };
}

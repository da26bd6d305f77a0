import { execFileSync } from "node:child_process";
import { chownSync, chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

/**
 * A PostgreSQL cluster this test file owns (initdb + pg_ctl as scripts/stack/up.sh does, in its
 * own temp dir, on a free port): the file may stop it (`pg_ctl stop -m immediate`, an outage)
 * and start it again on the same port. Never the stack's shared cluster.
 */
const PG_BIN = "/usr/lib/postgresql/15/bin";

function asPostgres(args: string[]): string {
  return execFileSync("runuser", ["-u", "postgres", "--", ...args], {
    cwd: "/",
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class PrivatePostgres {
  readonly dir: string;
  port = 0;

  constructor() {
    this.dir = mkdtempSync(path.join("/tmp", "vd-fdb-pg-"));
    chownSync(this.dir, ...idsOf("postgres"));
    chmodSync(this.dir, 0o700);
  }

  /** Superuser URL (the test creates its databases on it). */
  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async init(): Promise<void> {
    asPostgres([
      `${PG_BIN}/initdb`,
      "-D",
      path.join(this.dir, "data"),
      "-U",
      "postgres",
      "--auth=trust",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
    ]);
    this.port = await freePort();
    this.start();
  }

  /** Starts (or restarts, after stop()) on the same port. */
  start(): void {
    asPostgres([
      `${PG_BIN}/pg_ctl`,
      "-D",
      path.join(this.dir, "data"),
      "-l",
      path.join(this.dir, "server.log"),
      "-w",
      "-t",
      "60",
      "-o",
      // Durable commits (the defaults): an immediate stop is a crash, and a commit must survive it.
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
      "start",
    ]);
  }

  /** An outage: the server stops at once, every connection drops. */
  stop(): void {
    asPostgres([`${PG_BIN}/pg_ctl`, "-D", path.join(this.dir, "data"), "-m", "immediate", "-w", "stop"]);
  }

  running(): boolean {
    try {
      asPostgres([`${PG_BIN}/pg_ctl`, "-D", path.join(this.dir, "data"), "status"]);
      return true;
    } catch {
      return false;
    }
  }

  /** Stops the cluster (if running) and deletes its directory. */
  destroy(): void {
    if (this.running()) this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function idsOf(user: string): [number, number] {
  const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
  return [uid, gid];
}

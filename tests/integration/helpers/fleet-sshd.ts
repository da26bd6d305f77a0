import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createConnection, createServer } from "node:net";
import path from "node:path";
import { stackEnv } from "./stack-env";
import { until } from "./fleet-stack";

/**
 * A private sshd for fault tests, so they can stop "a host" without touching the stack's sshds
 * that other tests use. Same recipe as scripts/stack/up.sh: own port on 127.0.0.1, own host key,
 * the stack's authorized keys for root (host1's client key logs in), StrictModes no, UsePAM no.
 *
 * Processes are signalled by pid only: the listener from its PidFile plus every descendant
 * (per-connection sshd processes, the shells and virsh they run), collected before signalling.
 */
export class PrivateSshd {
  readonly dir: string;
  readonly config: string;
  readonly pidFile: string;
  readonly hostKeySha256: string;
  port = 0;
  /** Who may log in and extra sshd_config lines (fault helpers: another user, SetEnv, ForceCommand). */
  #opts: PrivateSshdOptions = {};

  private constructor() {
    this.dir = mkdtempSync(path.join("/tmp", "vdtest-fleet-sshd-"));
    chmodSync(this.dir, 0o755);
    this.config = path.join(this.dir, "sshd_config");
    this.pidFile = path.join(this.dir, "sshd.pid");
    const key = path.join(this.dir, "host_ed25519");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "vdtest-fleet-faults", "-f", key]);
    this.hostKeySha256 = execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", `${key}.pub`], {
      encoding: "utf8",
    }).split(" ")[1];
  }

  static async start(opts: PrivateSshdOptions = {}): Promise<PrivateSshd> {
    const s = new PrivateSshd();
    s.#opts = opts;
    let lastErr: unknown;
    for (let attempt = 0; attempt < 5; attempt++) {
      s.port = await freePort();
      s.#writeConfig();
      try {
        await s.launch();
        return s;
      } catch (err) {
        lastErr = err;
      }
    }
    s.remove();
    throw new Error(`private sshd did not start: ${String(lastErr)}`);
  }

  #writeConfig(): void {
    const lines = [
      "# vdtest-fleet faults: a third, private test host (root, host1's libvirt).",
      `Port ${this.port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${path.join(this.dir, "host_ed25519")}`,
      `PidFile ${this.pidFile}`,
      `AuthorizedKeysFile ${path.join(stackEnv().stackDir, "ssh1", "authorized_keys")}`,
      `AllowUsers ${this.#opts.user ?? "root"}`,
      "PermitRootLogin prohibit-password",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "AllowTcpForwarding yes",
      "X11Forwarding no",
      "PrintMotd no",
      "PrintLastLog no",
      "MaxStartups 64",
      ...(this.#opts.extraConfig ?? []),
    ];
    writeFileSync(this.config, lines.join("\n") + "\n");
  }

  /** Starts sshd with this config (same port, same host key every time) unless it runs; waits until it accepts. */
  async launch(): Promise<void> {
    if (this.listenerPid() !== undefined) return; // already up (its pidfile is how kill() finds it)
    mkdirSync("/run/sshd", { recursive: true });
    rmSync(this.pidFile, { force: true });
    // sshd binds before it daemonizes: a taken port fails right here.
    execFileSync("/usr/sbin/sshd", ["-f", this.config, "-E", path.join(this.dir, "sshd.log")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    await until(
      "the private sshd to accept connections",
      async () => existsSync(this.pidFile) && (await accepts(this.port)),
      { timeoutMs: 10_000 },
    );
  }

  /** Pid of the listener, when it runs. */
  listenerPid(): number | undefined {
    if (!existsSync(this.pidFile)) return undefined;
    const pid = Number(readFileSync(this.pidFile, "utf8").trim());
    return alive(pid) ? pid : undefined;
  }

  /** The listener and all its descendants. */
  processTree(): number[] {
    const root = this.listenerPid();
    return root === undefined ? [] : descendants(root);
  }

  /** Sends sig to the listener and every descendant (collected first, so none escapes by re-parenting). */
  signal(sig: NodeJS.Signals): number[] {
    const pids = this.processTree();
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
    return pids;
  }

  /** SIGKILLs the whole tree (listener and connection children) and waits until the port refuses. */
  async kill(): Promise<void> {
    const pids = this.signal("SIGKILL");
    await until("the private sshd to die", async () => pids.every((p) => !alive(p)) && !(await accepts(this.port)), {
      timeoutMs: 10_000,
    });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface PrivateSshdOptions {
  /** The one user allowed in (default root); host1's client key from the stack logs in as them. */
  user?: string;
  /** Appended to sshd_config. */
  extraConfig?: string[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/** Running (not a zombie) according to /proc. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid ...: comm may contain spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

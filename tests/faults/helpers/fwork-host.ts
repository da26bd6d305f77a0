import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import path from "node:path";
import { PrivateSshd } from "../../integration/helpers/fleet-sshd";
import { until } from "../../integration/helpers/fleet-stack";

/**
 * A "host" whose libvirt connections this test owns: a private sshd (fleet-sshd.ts) started in its
 * own mount namespace, where /run/libvirt/libvirt-sock is a proxy socket of this file that forwards
 * to the machine's libvirtd. Cutting the proxy's connections is what a libvirtd restart looks like
 * to every virsh of that host (a stale connection), without touching the shared libvirtd; killing
 * the sshd's connection children drops the app's SSH connections. Everything is found by pid.
 */
export const LIBVIRT_SOCK = "/run/libvirt/libvirt-sock";

export class LibvirtProxy {
  readonly pairs = new Set<[Socket, Socket]>();
  private constructor(
    readonly sockPath: string,
    private readonly server: Server,
  ) {}

  static async start(sockPath: string): Promise<LibvirtProxy> {
    rmSync(sockPath, { force: true });
    const server = createServer();
    const proxy = new LibvirtProxy(sockPath, server);
    server.on("connection", (client) => {
      const daemon = createConnection(LIBVIRT_SOCK);
      const pair: [Socket, Socket] = [client, daemon];
      proxy.pairs.add(pair);
      const end = () => {
        proxy.pairs.delete(pair);
        client.destroy();
        daemon.destroy();
      };
      client.on("error", end).on("close", end);
      daemon.on("error", end).on("close", end);
      client.pipe(daemon);
      daemon.pipe(client);
    });
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(sockPath, resolve));
    return proxy;
  }

  /** Closes every open libvirt connection (as libvirtd does when it restarts); returns how many. */
  cut(): number {
    const n = this.pairs.size;
    for (const [a, b] of [...this.pairs]) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
    return n;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.sockPath, { force: true });
  }
}

/** Starts a PrivateSshd again inside a private mount namespace where libvirt's socket is `proxy`'s. */
export async function sshdBehindProxy(proxy: LibvirtProxy): Promise<PrivateSshd> {
  const sshd = await PrivateSshd.start();
  await sshd.kill();
  await sshdRelaunch(sshd, proxy);
  return sshd;
}

/** (Re)starts the sshd, same port and key, in a fresh namespace with the proxy's socket. */
export async function sshdRelaunch(sshd: PrivateSshd, proxy: LibvirtProxy): Promise<void> {
  rmSync(sshd.pidFile, { force: true });
  execFileSync(
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "sh",
      "-c",
      'mount --bind "$1" "$2" && exec /usr/sbin/sshd -f "$3" -E "$4"',
      "sh",
      proxy.sockPath,
      LIBVIRT_SOCK,
      sshd.config,
      path.join(sshd.dir, "sshd.log"),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  await until("the namespaced sshd to listen", () => sshd.listenerPid() !== undefined, { timeoutMs: 10_000 });
  await until("the namespaced sshd to accept", () => accepts(sshd.port), { timeoutMs: 10_000 });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** SIGKILLs the sshd's connection children (the app's SSH connections drop), sparing the listener. */
export function sshConnectionsKill(sshd: PrivateSshd): number[] {
  const listener = sshd.listenerPid();
  const pids = sshd.processTree().filter((p) => p !== listener);
  for (const p of pids) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone
    }
  }
  return pids;
}

/** Processes under the sshd (host-side work of the app) as pid + argv. */
export function hostProcesses(sshd: PrivateSshd): { pid: number; argv: string[] }[] {
  return sshd.processTree().flatMap((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      return [{ pid, argv }];
    } catch {
      return [];
    }
  });
}

/** Processes on the machine whose argv mentions `needle` (host-side work that outlived its sshd). */
export function processesMentioning(needle: string): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0").filter(Boolean);
      if (argv.some((a) => a.includes(needle))) out.push({ pid: Number(e), argv });
    } catch {
      // gone
    }
  }
  return out;
}

export function fileExists(p: string): boolean {
  return existsSync(p);
}

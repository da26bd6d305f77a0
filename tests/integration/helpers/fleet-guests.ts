import { execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { testGuestXml } from "../../shared/guest-xml";
import { stackEnv, type TestHost } from "./stack-env";

/**
 * Real tiny guests on the stack's libvirts, driven with plain `virsh` run
 * locally (argv arrays only): root's qemu:///system for host1, and vdhost2's
 * own qemu:///session for host2 (run as that user with the environment its
 * sshd logins get, so both reach the same session daemon).
 *
 * Every guest is addressed by UUID and removed (with its managed save) by
 * cleanup(), which test files call in afterAll, also after failures.
 */
export type HostKey = "host1" | "host2";

export interface Guest {
  host: HostKey;
  name: string;
  uuid: string;
  disk: string;
  /** Virtual size of the qcow2 disk in bytes. */
  diskBytes: number;
}

export interface GuestOptions {
  /** Full domain name; default vdtest-fleet-<tag>-<n>. */
  name?: string;
  /** VNC listen address; default 127.0.0.1. */
  listen?: string;
  diskMiB?: number;
}

const HOST2_HOME = (() => {
  try {
    return execFileSync("getent", ["passwd", "vdhost2"], { encoding: "utf8" }).split(":")[5];
  } catch {
    return "/home/vdhost2";
  }
})();

/** argv that runs a program as host2's user with a login-like environment (like down.sh does). */
function asHost2(argv: string[]): string[] {
  const user = stackEnv().host2.username;
  return [
    "runuser",
    "-u",
    user,
    "--",
    "env",
    "-i",
    `HOME=${HOST2_HOME}`,
    `USER=${user}`,
    `LOGNAME=${user}`,
    "PATH=/usr/bin:/bin",
    ...argv,
  ];
}

export function virshArgvLocal(host: HostKey, args: string[]): string[] {
  const h: TestHost = stackEnv()[host];
  const argv = ["virsh", "-q", "-c", h.libvirtUri, ...args];
  return host === "host2" ? asHost2(argv) : argv;
}

/** Runs virsh locally against the host's libvirt, synchronously; throws with virsh's stderr. */
export function virshSync(host: HostKey, args: string[]): string {
  const [cmd, ...rest] = virshArgvLocal(host, args);
  try {
    return execFileSync(cmd, rest, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C.UTF-8" },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`virsh ${args.join(" ")} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** The same, without blocking the event loop (for timing live events). */
export function virshAsync(host: HostKey, args: string[]): Promise<string> {
  const [cmd, ...rest] = virshArgvLocal(host, args);
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, rest, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C.UTF-8" } });
    let out = "";
    let err = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    p.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    p.on("error", reject);
    p.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`virsh ${args.join(" ")} failed (${code}): ${err.trim()}`)),
    );
  });
}

/** `virsh domstate UUID` -> "running", "paused", "shut off"... */
export function domstate(g: Guest): string {
  return virshSync(g.host, ["domstate", g.uuid]).trim();
}

/** `virsh dominfo UUID` as a key -> value map ("Autostart", "Managed save", "State"...). */
export function dominfo(g: Guest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of virshSync(g.host, ["dominfo", g.uuid]).split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** UUIDs of every domain the host's libvirt has (`virsh list --all --uuid`). */
export function listAllUuids(host: HostKey): string[] {
  return virshSync(host, ["list", "--all", "--uuid"])
    .split("\n")
    .map((l) => l.trim().toLowerCase())
    .filter(Boolean)
    .sort();
}

/** Domain XML built with a DOM: no NIC, 64 MiB, 1 vCPU, one qcow2 disk (vda, virtio), VGA + VNC. */
export function guestXml(o: { name: string; uuid: string; disk: string; listen: string; domainType: string }): string {
  const { listen, ...guest } = o;
  return testGuestXml({
    ...guest,
    memoryMiB: 64,
    currentMemory: true,
    acpi: true,
    displays: [{ type: "vnc", listen }],
  });
}

export class GuestLab {
  /** Unique per run, so concurrent runs (other checkouts, other back ends) never see each other's guests. */
  readonly tag = `${process.pid.toString(36)}${randomBytes(3).toString("hex")}`;
  readonly guests: Guest[] = [];
  readonly #dirs = new Map<HostKey, string>();
  #n = 0;

  constructor(readonly label: string) {}

  /** A directory QEMU can read: under /var/lib/libvirt/images for the system libvirt, owned by vdhost2 for its session. */
  diskDir(host: HostKey): string {
    let dir = this.#dirs.get(host);
    if (dir) return dir;
    if (host === "host1") {
      mkdirSync("/var/lib/libvirt/images", { recursive: true });
      dir = mkdtempSync(path.join("/var/lib/libvirt/images", `vdtest-fleet-${this.label}-`));
      chmodSync(dir, 0o755);
    } else {
      dir = mkdtempSync(path.join("/tmp", `vdtest-fleet-${this.label}-`));
      const [uid, gid] = idsOf(stackEnv().host2.username);
      chownSync(dir, uid, gid);
      chmodSync(dir, 0o700);
    }
    this.#dirs.set(host, dir);
    return dir;
  }

  /** An empty qcow2 image created with qemu-img, owned by whoever runs the guest. */
  createDisk(host: HostKey, file: string, mib: number): void {
    const argv = ["qemu-img", "create", "-q", "-f", "qcow2", file, `${mib}M`];
    const [cmd, ...rest] = host === "host2" ? asHost2(argv) : argv;
    execFileSync(cmd, rest, { stdio: ["ignore", "pipe", "pipe"] });
  }

  /** Defines a guest with virsh and remembers it for cleanup. */
  define(host: HostKey, opts: GuestOptions = {}): Guest {
    const n = this.#n++;
    const name = opts.name ?? `vdtest-fleet-${this.label}-${this.tag}-${n}`;
    const uuid = randomUUID();
    const mib = opts.diskMiB ?? 16;
    const disk = path.join(this.diskDir(host), `disk-${n}.qcow2`);
    this.createDisk(host, disk, mib);
    const guest: Guest = { host, name, uuid, disk, diskBytes: mib * 1024 * 1024 };
    this.guests.push(guest);
    // A file, not /dev/stdin: Node's stdio pipes are sockets, which /dev/stdin cannot open.
    const xmlFile = path.join(this.diskDir(host), `domain-${n}.xml`);
    writeFileSync(
      xmlFile,
      guestXml({ name, uuid, disk, listen: opts.listen ?? "127.0.0.1", domainType: stackEnv().domainType }),
    );
    if (host === "host2") chownSync(xmlFile, ...idsOf(stackEnv().host2.username));
    virshSync(host, ["define", xmlFile]);
    return guest;
  }

  /** Forgets a guest the test removed itself. */
  forget(g: Guest): void {
    const i = this.guests.indexOf(g);
    if (i >= 0) this.guests.splice(i, 1);
  }

  /** Destroys and undefines (with managed save and snapshot metadata) every guest, in parallel, then deletes the disks. Returns what failed. */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(
      this.guests.map(async (g) => {
        await virshAsync(g.host, ["destroy", g.uuid]).catch(() => {}); // not running
        await virshAsync(g.host, ["undefine", g.uuid, "--managed-save", "--snapshots-metadata"]).catch((err) => {
          if (!/failed to get domain|Domain not found/i.test(String(err))) problems.push(String(err));
        });
      }),
    );
    this.guests.length = 0;
    for (const dir of this.#dirs.values()) rmSync(dir, { recursive: true, force: true });
    this.#dirs.clear();
    return problems;
  }
}

function idsOf(user: string): [number, number] {
  const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
  return [uid, gid];
}

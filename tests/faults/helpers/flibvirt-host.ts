import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PrivateSshd } from "../../integration/helpers/fleet-sshd";
import { stackEnv, until } from "../../integration/helpers/fleet-stack";
import type { TestHost } from "../../integration/helpers/stack-env";

/**
 * A test host whose libvirtd this file owns: the unix user `vdfault1` (created like up.sh creates
 * vdhost2: group kvm, password '*'), its own qemu:///session libvirtd started here with its own
 * runtime dir, behind a private sshd (helpers/fleet-sshd.ts) that logs in only that user. Killing
 * this libvirtd never touches the stack's.
 *
 * The sshd sets LIBVIRT_AUTOSTART=0 for the user's sessions, so a virsh run over SSH never spawns
 * a session daemon itself: "libvirtd down" stays down until the test restarts it. Every SSH exec
 * goes through a ForceCommand wrapper that logs one line, so a test can count execs.
 */
export const FAULT_USER = "vdfault1";

export class FlibvirtHost {
  readonly dir: string;
  readonly runDir: string;
  readonly execLog: string;
  sshd!: PrivateSshd;

  private constructor() {
    this.dir = mkdtempSync(path.join("/tmp", "vdtest-flibvirt-"));
    chmodSync(this.dir, 0o755);
    this.runDir = path.join(this.dir, "run");
    this.execLog = path.join(this.dir, "execs.log");
  }

  static async start(): Promise<FlibvirtHost> {
    userEnsure();
    const h = new FlibvirtHost();
    execFileSync("mkdir", ["-m", "700", h.runDir]);
    chownSync(h.runDir, uid(), uid());
    writeFileSync(h.execLog, "");
    chmodSync(h.execLog, 0o666);
    const wrapper = path.join(h.dir, "count-exec.sh");
    writeFileSync(
      wrapper,
      `#!/bin/sh\necho "$(date +%s.%N) $SSH_ORIGINAL_COMMAND" >> ${h.execLog}\n` +
        `[ -n "$SSH_ORIGINAL_COMMAND" ] && exec /bin/bash -c "$SSH_ORIGINAL_COMMAND"\nexec /bin/bash -l\n`,
    );
    chmodSync(wrapper, 0o755);
    await h.libvirtdStart();
    h.sshd = await PrivateSshd.start({
      user: FAULT_USER,
      extraConfig: [
        `SetEnv LIBVIRT_AUTOSTART=0 XDG_RUNTIME_DIR=${h.runDir}`,
        `ForceCommand ${wrapper}`,
        "LogLevel VERBOSE",
      ],
    });
    return h;
  }

  /** The host as fleetSetup().addHost takes it: host1's client key, this sshd, the user's session libvirt. */
  testHost(): TestHost {
    const host1 = stackEnv().host1;
    return {
      ...host1,
      port: this.sshd.port,
      username: FAULT_USER,
      hostKeySha256: this.sshd.hostKeySha256,
      libvirtUri: "qemu:///session",
    };
  }

  /** virsh as the user on its session libvirt (never autostarting one). */
  virsh(args: string[], input?: string): string {
    return execFileSync(
      "runuser",
      ["-u", FAULT_USER, "--", "env", ...this.#env(), "virsh", "-q", "-c", "qemu:///session", ...args],
      {
        encoding: "utf8",
        input,
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
  }

  /** Defines a small domain (never started) from XML on stdin; returns its uuid. */
  define(name: string): string {
    const xml = `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory><os><type arch='x86_64'>hvm</type></os></domain>`;
    const file = path.join(this.dir, `${name}.xml`);
    writeFileSync(file, xml);
    chmodSync(file, 0o644);
    this.virsh(["define", file]);
    return this.virsh(["domuuid", name]).trim();
  }

  libvirtdPid(): number | undefined {
    const file = path.join(this.runDir, "libvirt", "libvirtd.pid");
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, "utf8").trim());
    return alive(pid) ? pid : undefined;
  }

  async libvirtdStart(): Promise<void> {
    execFileSync("runuser", ["-u", FAULT_USER, "--", "env", ...this.#env(), "/usr/sbin/libvirtd", "--daemon"]);
    await until(
      "the fault host's libvirtd to answer",
      () => {
        this.virsh(["uri"]);
        return this.libvirtdPid() !== undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  }

  /** SIGKILLs this host's libvirtd (by its own pidfile) and waits until it is gone. */
  async libvirtdKill(): Promise<void> {
    const pid = this.libvirtdPid();
    if (pid === undefined) return;
    process.kill(pid, "SIGKILL");
    await until("the fault host's libvirtd to die", () => !alive(pid), { timeoutMs: 10_000 });
  }

  /** Lines the exec wrapper logged so far (one per SSH exec). */
  execs(): string[] {
    return readFileSync(this.execLog, "utf8").split("\n").filter(Boolean);
  }

  /** SSH logins accepted so far (sshd at LogLevel VERBOSE logs one line per new connection). */
  logins(): number {
    const log = path.join(this.sshd.dir, "sshd.log");
    if (!existsSync(log)) return 0;
    return readFileSync(log, "utf8")
      .split("\n")
      .filter((l) => l.includes(`Accepted publickey for ${FAULT_USER}`)).length;
  }

  /** Running (non-zombie) processes of the user: none once stop() ran. */
  userProcesses(): string[] {
    try {
      return execFileSync("ps", ["-u", FAULT_USER, "-o", "pid=,stat=,comm="], { encoding: "utf8" })
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !/^\d+\s+Z/.test(l));
    } catch {
      return []; // ps exits 1 when there is none
    }
  }

  /** Undefines the given domains, kills this libvirtd and the sshd (with its connection children). */
  async stop(domains: string[]): Promise<void> {
    try {
      if (this.libvirtdPid() === undefined) await this.libvirtdStart();
      for (const d of domains) this.virsh(["undefine", d]);
    } finally {
      await this.libvirtdKill().catch(() => {});
      if (this.sshd) {
        await this.sshd.kill().catch(() => {});
        this.sshd.remove();
      }
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  #env(): string[] {
    return [`HOME=/home/${FAULT_USER}`, `XDG_RUNTIME_DIR=${this.runDir}`, "LIBVIRT_AUTOSTART=0"];
  }
}

function uid(): number {
  return Number(execFileSync("id", ["-u", FAULT_USER], { encoding: "utf8" }).trim());
}

/** Creates the user if missing, in group kvm, with password '*' (sshd without PAM refuses a locked "!"). */
function userEnsure(): void {
  try {
    execFileSync("id", ["-u", FAULT_USER], { stdio: "ignore" });
  } catch {
    execFileSync("useradd", ["--create-home", "--shell", "/bin/bash", "--groups", "kvm", FAULT_USER]);
  }
  const groups = execFileSync("id", ["-nG", FAULT_USER], { encoding: "utf8" }).trim().split(/\s+/);
  if (!groups.includes("kvm")) execFileSync("usermod", ["-aG", "kvm", FAULT_USER]);
  const shadow = readFileSync("/etc/shadow", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${FAULT_USER}:`));
  if (shadow?.split(":")[1] !== "*") execFileSync("usermod", ["-p", "*", FAULT_USER]);
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

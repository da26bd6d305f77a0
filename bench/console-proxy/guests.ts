import { execFileSync, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { testGuestXml } from "../../tests/shared/guest-xml";
import { freePort } from "../lib/server";
import { sleep } from "../lib/stats";

/**
 * The bench's guests on host1 (qemu:///system), all named vdbench-console-*:
 * - "rfb" guests: the project's tiny real Linux guest (Debian cloud kernel + busybox initramfs,
 *   scripts/stack/tiny-guest.sh) under TCG, VGA + VNC on 127.0.0.1 at a fixed free port;
 * - one "carrier" guest: no OS, started paused, whose VNC server is then moved by QMP
 *   display-update to another port. libvirt's live XML still names the original port, so
 *   virtdeck's proxy (which reads the port from the live XML) connects there, where the bench's
 *   synthetic source listens. The proxy code path is unchanged; only the bytes come from the bench.
 */
export const GUEST_PREFIX = "vdbench-console-";
const NAME = /^vdbench-console-[a-z0-9-]+$/;

export interface Guest {
  name: string;
  uuid: string;
  /** The VNC port in libvirt's XML. */
  vncPort: number;
  /** Where QEMU's VNC server really listens (differs for the carrier). */
  qemuVncPort: number;
}

function guestXml(o: {
  name: string;
  uuid: string;
  vncPort?: number;
  memMiB: number;
  kernel?: { kernel: string; initrd: string };
}): string {
  return testGuestXml({
    name: o.name,
    uuid: o.uuid,
    // TCG: Linux guests hang under this machine's nested KVM (STACK-NOTES.md); the carrier never runs.
    domainType: "qemu",
    description: "Defined by bench/console-proxy; removed again when the bench ends.",
    memoryMiB: o.memMiB,
    currentMemory: true,
    kernelBoot: o.kernel,
    acpi: true,
    lifecycle: true,
    serial: true,
    // A fixed port: host1's and host2's libvirt daemons share this machine's ports and their autoport
    // allocators do not see each other's guests.
    displays: [{ type: "vnc", port: o.vncPort }],
    noBalloon: true,
  });
}

export class Guests {
  readonly list: Guest[] = [];
  constructor(
    private readonly uri: string,
    private readonly dir: string,
  ) {}

  private virsh(...args: string[]): string {
    return execFileSync("virsh", ["-q", "-c", this.uri, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  }

  private async define(name: string, xml: (uuid: string, port: number) => string): Promise<Guest> {
    const uuid = randomUUID();
    const port = await freePort();
    const file = path.join(this.dir, `${name}.xml`);
    writeFileSync(file, xml(uuid, port));
    this.virsh("define", file);
    const g: Guest = { name, uuid, vncPort: port, qemuVncPort: port };
    this.list.push(g);
    return g;
  }

  /** Tiny Linux guests, started; resolves once they have booted (their CPU use has settled). */
  async startRfbGuests(
    tag: string,
    n: number,
    kernel: { kernel: string; initrd: string },
  ): Promise<{ guests: Guest[]; settleMs: number }> {
    const guests: Guest[] = [];
    for (let i = 0; i < n; i++) {
      const g = await this.define(`${GUEST_PREFIX}${tag}-g${i}`, (uuid, vncPort) =>
        guestXml({ name: `${GUEST_PREFIX}${tag}-g${i}`, uuid, vncPort, memMiB: 128, kernel }),
      );
      this.virsh("start", g.uuid);
      guests.push(g);
    }
    const t0 = Date.now();
    await this.settle(guests);
    return { guests, settleMs: Date.now() - t0 };
  }

  /** Waits until every guest uses less than 15% of a core (booted, idle at its shell), at most 60 s. */
  private async settle(guests: Guest[]): Promise<void> {
    const cpu = () => {
      const out = this.virsh("domstats", "--cpu-total", "--raw", ...guests.map((g) => g.uuid));
      return [...out.matchAll(/cpu\.time=(\d+)/g)].map((m) => Number(m[1]) / 1e9);
    };
    const deadline = Date.now() + 60_000;
    let prev = cpu();
    for (;;) {
      await sleep(1_000);
      const cur = cpu();
      if (cur.every((c, i) => c - prev[i] < 0.15)) return;
      if (Date.now() > deadline) return;
      prev = cur;
    }
  }

  /** The carrier: defined, started paused, its VNC server moved away from the port in the XML. */
  async startCarrier(tag: string): Promise<Guest> {
    const name = `${GUEST_PREFIX}${tag}-carrier`;
    const g = await this.define(name, (uuid, vncPort) => guestXml({ name, uuid, vncPort, memMiB: 64 }));
    this.virsh("start", "--paused", g.uuid);
    const moved = await freePort();
    const cmd = {
      execute: "display-update",
      arguments: { type: "vnc", addresses: [{ type: "inet", host: "127.0.0.1", port: String(moved) }] },
    };
    const out = this.virsh("qemu-monitor-command", g.uuid, JSON.stringify(cmd));
    if (!out.includes('"return"')) throw new Error(`display-update failed: ${out}`);
    g.qemuVncPort = moved;
    return g;
  }

  /**
   * n inactive domains (never started), to see what the host's domain count costs a ticket; one
   * virsh process fed `define` lines on stdin. Returns their names for idleRemove().
   */
  idleDefine(tag: string, n: number): string[] {
    const names: string[] = [];
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `${GUEST_PREFIX}${tag}-idle-${i}`;
      const file = path.join(this.dir, `${name}.xml`);
      writeFileSync(file, guestXml({ name, uuid: randomUUID(), memMiB: 64 }));
      names.push(name);
      lines.push(`define ${file}`);
    }
    const r = spawnSync("virsh", ["-q", "-c", this.uri], { input: `${lines.join("\n")}\n`, encoding: "utf8" });
    if (r.status !== 0 || /^error:/m.test(r.stderr))
      throw new Error(`defining idle domains failed: ${r.stderr.slice(0, 300)}`);
    return names;
  }

  idleRemove(names: string[]): void {
    spawnSync("virsh", ["-q", "-c", this.uri], {
      input: `${names.map((n) => `undefine ${n}`).join("\n")}\n`,
      encoding: "utf8",
    });
  }

  /** Every vdbench-console-* domain on the host (also those an earlier, interrupted run left). */
  cleanupAll(): number {
    let names: string[];
    try {
      names = this.virsh("list", "--all", "--name")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => NAME.test(l));
    } catch {
      return 0;
    }
    for (const n of names) {
      spawnSync("virsh", ["-q", "-c", this.uri, "destroy", n], { stdio: "ignore" });
      spawnSync("virsh", ["-q", "-c", this.uri, "undefine", n], { stdio: "ignore" });
    }
    return names.length;
  }

  /** Domains defined on the host (all users'): every ticket refreshes the inventory of all of them. */
  domainCount(): number {
    return this.virsh("list", "--all", "--uuid")
      .split("\n")
      .filter((l) => l.trim()).length;
  }

  qemuVersion(): string {
    return this.virsh("version", "--daemon")
      .split("\n")
      .filter((l) => /hypervisor|library/i.test(l))
      .map((l) => l.trim())
      .join("; ");
  }
}

/** The tiny guest's kernel and initrd: from the stack's environment, else from scripts/stack/tiny-guest.sh (cached). */
export function tinyGuestFiles(root: string): { kernel: string; initrd: string } {
  let kernel = process.env.VD_TEST_TINY_KERNEL;
  let initrd = process.env.VD_TEST_TINY_INITRD;
  if (!kernel || !initrd || !existsSync(kernel) || !existsSync(initrd)) {
    const r = spawnSync("bash", [path.join(root, "scripts/stack/tiny-guest.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (r.status !== 0) throw new Error("scripts/stack/tiny-guest.sh failed");
    kernel = /^VD_TEST_TINY_KERNEL=(.+)$/m.exec(r.stdout)?.[1];
    initrd = /^VD_TEST_TINY_INITRD=(.+)$/m.exec(r.stdout)?.[1];
  }
  if (!kernel || !initrd) throw new Error("no tiny guest kernel/initrd");
  return { kernel, initrd };
}

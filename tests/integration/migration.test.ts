// Live and offline migration between two real system libvirt daemons (host 1 and host 3, which have
// no SSH keys for each other): the source libvirtd reaches the destination's libvirt through a unix
// socket relayed over virtdeck's own SSH connections (lib/migration/relay.ts). The tiny guest keeps
// counting on its serial console across the move: the count continues on host 3, it did not reboot.
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectSsh } from "@/lib/hosts/ssh-transport";
import { runChecked, type CommandStream, type HostTransport } from "@/lib/hosts/transport";
import { virshArgv } from "@/lib/hosts/virsh-command";
import type { MigrationJobInfo } from "@/lib/libvirt/migration-jobinfo";
import { openLibvirtRelay } from "@/lib/virt/migration-relay";
import { runMigration } from "@/lib/virt/migration";
import { stackEnv, type TestHost } from "./helpers/stack-env";
import { TINY_BANNER, tinyGuestFiles, tinyGuestXml } from "./helpers/tiny-guest";

const stack = stackEnv();
const h1 = stack.host1;
const h3 = stack.host3;

/** Serial console output, and a wait for a pattern after an offset. */
class Transcript {
  text = "";
  #waiters = new Set<() => void>();
  constructor(stream: CommandStream) {
    const push = (b: Buffer) => {
      this.text += b.toString("utf8");
      for (const w of [...this.#waiters]) w();
    };
    stream.on("data", push);
    stream.stderr.on("data", push);
  }
  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.text.slice(from).match(re);
        if (!m) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `no ${re} on the console within ${timeoutMs} ms; it showed:\n${this.text.slice(from).slice(-1500)}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
  /** The highest TICK the guest printed at or after `from`. */
  lastTick(from = 0): number {
    const ticks = [...this.text.slice(from).matchAll(/TICK (\d+)\r?\n/g)].map((m) => Number(m[1]));
    return ticks.length ? Math.max(...ticks) : -1;
  }
}

function connect(h: TestHost): Promise<HostTransport> {
  return connectSsh({
    host: h.host,
    port: h.port,
    username: h.username,
    privateKey: readFileSync(h.privateKeyPath),
    expectedHostKeySha256: h.hostKeySha256,
    readyTimeoutMs: 15_000,
  });
}

async function state(t: HostTransport, uri: string, uuid: string): Promise<string> {
  const r = await t.run(virshArgv({ uri, command: "domstate", args: [{ domain: uuid }] }));
  return r.code === 0 ? r.stdout.trim() : "absent";
}

async function openConsole(t: HostTransport, uri: string, uuid: string): Promise<[CommandStream, Transcript]> {
  const s = await t.openStream(virshArgv({ uri, command: "console", args: [{ domain: uuid }, { flag: "--force" }] }), {
    pty: true,
  });
  return [s, new Transcript(s)];
}

function closeConsole(s: CommandStream | undefined): void {
  if (!s) return;
  try {
    s.write("\x1d");
    s.end();
  } catch {}
  s.destroy();
}

describe("migration between host 1 and host 3 through virtdeck's SSH relay", () => {
  const files = tinyGuestFiles();
  const id = randomBytes(4).toString("hex");
  const live = { name: `vdtest-mig-${id}`, uuid: randomUUID() };
  const off = { name: `vdtest-migoff-${id}`, uuid: randomUUID() };
  let t1: HostTransport;
  let t3: HostTransport;
  let con1: CommandStream | undefined;
  let con3: CommandStream | undefined;
  let serial1: Transcript;
  let bootBanners = 0;

  beforeAll(async () => {
    [t1, t3] = await Promise.all([connect(h1), connect(h3)]);
    const define = (t: HostTransport, uri: string, g: { name: string; uuid: string }) =>
      runChecked(t, virshArgv({ uri, command: "define", args: [{ arg: "/dev/stdin" }] }), {
        stdin: tinyGuestXml({ ...g, ...files }),
      });
    await define(t1, h1.libvirtUri, live);
    await define(t1, h1.libvirtUri, off);
    await runChecked(
      t1,
      virshArgv({ uri: h1.libvirtUri, command: "start", args: [{ domain: live.uuid }, { flag: "--paused" }] }),
    );
    [con1, serial1] = await openConsole(t1, h1.libvirtUri, live.uuid);
    await runChecked(t1, virshArgv({ uri: h1.libvirtUri, command: "resume", args: [{ domain: live.uuid }] }));
    const m = await serial1.waitFor(TINY_BANNER, 30_000);
    bootBanners = 1;
    await serial1.waitFor(/tiny:[^\r\n]*# /, 15_000, m.index! + m[0].length);
    // A counter in the guest: one line a second on ttyS0, whoever is connected.
    con1.write("i=0; while :; do i=$((i+1)); echo TICK $i; sleep 1; done &\r");
    await serial1.waitFor(/TICK 2\r?\n/, 15_000);
  }, 90_000);

  afterAll(async () => {
    closeConsole(con1);
    closeConsole(con3);
    for (const [t, uri] of [
      [t1, h1.libvirtUri],
      [t3, h3.libvirtUri],
    ] as const) {
      if (!t || t.closed) continue;
      for (const g of [live, off]) {
        await t.run(virshArgv({ uri, command: "destroy", args: [{ domain: g.uuid }] })).catch(() => {});
        await t.run(virshArgv({ uri, command: "undefine", args: [{ domain: g.uuid }] })).catch(() => {});
      }
    }
    t1?.close();
    t3?.close();
  }, 60_000);

  it("relays the source's libvirt client to the destination's libvirt over SSH, and removes the socket", async () => {
    const relay = await openLibvirtRelay({ source: t1, dest: t3 });
    try {
      expect(relay.socketPath).toMatch(/^\/run\/virtdeck-migrate-[0-9a-f]{16}\.sock$/);
      const r = await runChecked(t1, ["stat", "-c", "%a %U %F", relay.socketPath]);
      expect(r.stdout.trim()).toBe("600 root socket");
      // From host 1, a virsh through the socket answers with host 3's libvirt (its own host UUID).
      const remote = await runChecked(t1, ["virsh", "-q", "-c", relay.destUri, "capabilities"]);
      const direct = await runChecked(t3, virshArgv({ uri: h3.libvirtUri, command: "capabilities" }));
      const uuidOf = (xml: string) => /<uuid>([^<]+)<\/uuid>/.exec(xml)?.[1];
      expect(uuidOf(remote.stdout)).toBe(uuidOf(direct.stdout));
      const own = await runChecked(t1, virshArgv({ uri: h1.libvirtUri, command: "capabilities" }));
      expect(uuidOf(remote.stdout)).not.toBe(uuidOf(own.stdout));
    } finally {
      await relay.close();
    }
    const gone = await t1.run(["test", "-e", relay.socketPath]);
    expect(gone.code).toBe(1);
  });

  it("cancel mid-way leaves the guest running on the source, still counting", async () => {
    const ac = new AbortController();
    const seen: MigrationJobInfo[] = [];
    const tickBefore = serial1.lastTick();
    const result = await runMigration({
      source: t1,
      dest: t3,
      sourceUri: h1.libvirtUri,
      destUri: h3.libvirtUri,
      uuid: live.uuid,
      // 1 MiB/s: the 128 MiB guest takes long enough to be cancelled after the first progress report.
      options: { mode: "live", persistent: true, undefineSource: true, bandwidthMiB: 1 },
      signal: ac.signal,
      pollMs: 300,
      onProgress: (j) => {
        seen.push(j);
        if ((j.dataProcessed ?? 0) > 0) ac.abort();
      },
    });
    expect(result.outcome, result.error).toBe("cancelled");
    expect(result.runningOn).toBe("source");
    expect(result.error).toMatch(/cancel/i);
    expect(seen.some((j) => (j.dataProcessed ?? 0) > 0 && (j.dataTotal ?? 0) > 0)).toBe(true);
    expect(await state(t1, h1.libvirtUri, live.uuid)).toBe("running");
    expect(await state(t3, h3.libvirtUri, live.uuid)).toBe("absent");
    const from = serial1.text.length;
    await serial1.waitFor(new RegExp(`TICK ${tickBefore + 2}\\r?\\n`), 20_000, 0);
    expect(serial1.text.slice(from)).not.toMatch(TINY_BANNER);
  }, 120_000);

  it("live-migrates the running guest to host 3: it runs there, is gone from host 1 and keeps counting", async () => {
    const seen: MigrationJobInfo[] = [];
    const tickBefore = serial1.lastTick();
    expect(tickBefore).toBeGreaterThan(0);
    const result = await runMigration({
      source: t1,
      dest: t3,
      sourceUri: h1.libvirtUri,
      destUri: h3.libvirtUri,
      uuid: live.uuid,
      options: { mode: "live", persistent: true, undefineSource: true },
      pollMs: 200,
      onProgress: (j) => seen.push(j),
    });
    expect(result.outcome, result.error).toBe("completed");
    expect(result.runningOn).toBe("destination");
    expect(result.bytesRelayed).toBeGreaterThan(1_000_000);
    expect(result.downtimeMs).not.toBeNull();
    console.log(
      `[migration] live host1 -> host3: ${result.elapsedMs} ms, ${(result.bytesRelayed / 1048576).toFixed(1)} MiB relayed, ` +
        `downtime ${result.downtimeMs} ms, ${seen.length} progress reports`,
    );
    expect(await state(t1, h1.libvirtUri, live.uuid)).toBe("absent");
    expect(await state(t3, h3.libvirtUri, live.uuid)).toBe("running");
    // Persistent on host 3.
    const info = await runChecked(
      t3,
      virshArgv({ uri: h3.libvirtUri, command: "dominfo", args: [{ domain: live.uuid }] }),
    );
    expect(info.stdout).toMatch(/Persistent:\s+yes/);

    // The counter continues on host 3's console: a higher TICK than host 1 showed, no new boot banner.
    const tickOnSource = serial1.lastTick();
    let serial3: Transcript;
    [con3, serial3] = await openConsole(t3, h3.libvirtUri, live.uuid);
    // (a pty console drops what the guest printed while nobody was attached: the first TICK seen here
    // is later than the source's last one; a rebooted guest would not count at all, or from 1.)
    const first = await serial3.waitFor(/TICK (\d+)\r?\n/, 20_000);
    expect(Number(first[1])).toBeGreaterThan(tickOnSource);
    await serial3.waitFor(new RegExp(`TICK ${Number(first[1]) + 2}\\r?\\n`), 20_000);
    const ticks3 = [...serial3.text.matchAll(/TICK (\d+)\r?\n/g)].map((m) => Number(m[1]));
    expect(Math.min(...ticks3)).toBeGreaterThan(tickBefore);
    expect(serial3.text).not.toMatch(TINY_BANNER);
    expect(serial1.text.match(new RegExp(TINY_BANNER, "g"))?.length).toBe(bootBanners);
    // And the kernel's uptime counts from the original boot, not from the move.
    const from = serial3.text.length;
    con3!.write("cut -d. -f1 /proc/uptime | sed 's/^/UP=/'\r");
    const up = await serial3.waitFor(/\nUP=(\d+)\r?\n/, 10_000, from);
    expect(Number(up[1])).toBeGreaterThanOrEqual(tickOnSource);
  }, 180_000);

  it("offline-migrates a shut-off guest: defined on host 3, undefined on host 1", async () => {
    expect(await state(t1, h1.libvirtUri, off.uuid)).toBe("shut off");
    const result = await runMigration({
      source: t1,
      dest: t3,
      sourceUri: h1.libvirtUri,
      destUri: h3.libvirtUri,
      uuid: off.uuid,
      options: { mode: "offline", persistent: true, undefineSource: true },
    });
    expect(result.outcome, result.error).toBe("completed");
    expect(await state(t1, h1.libvirtUri, off.uuid)).toBe("absent");
    expect(await state(t3, h3.libvirtUri, off.uuid)).toBe("shut off");
    const xml = await runChecked(
      t3,
      virshArgv({ uri: h3.libvirtUri, command: "dumpxml", args: [{ domain: off.uuid }] }),
    );
    expect(xml.stdout).toContain(`<name>${off.name}</name>`);
  }, 60_000);
});

// Host-side work when things fail under it: a clone whose early `define` connection went stale,
// the app SIGKILLed mid full clone (and as its copy ends), an upload whose SSH connection drops, a partial volume whose
// removal fails at first, one a dead instance left, and a clone into a pool too small for it.
// The host is host1's system libvirt reached through a private sshd in its own mount namespace
// (helpers/fwork-host.ts): its SSH connections and its libvirt connections are this file's to cut;
// the stack's sshd, libvirtd and PostgreSQL are never touched. Pools and domains carry PREFIX.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import path from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fleetSetup,
  stackEnv,
  taskEnded,
  until,
  type FleetContext,
  type HostView,
} from "../integration/helpers/fleet-stack";
import { virshLocal, virshLocalTry, domainsRemove } from "../integration/helpers/provisioning-pool";
import type { PrivateSshd } from "../integration/helpers/fleet-sshd";
import {
  hostProcesses,
  LibvirtProxy,
  processesMentioning,
  sshConnectionsKill,
  sshdBehindProxy,
  sshdRelaunch,
} from "./helpers/fwork-host";

const PREFIX = `vdtest-fwork-${randomUUID().slice(0, 6)}-`;
const POOL = `${PREFIX}pool`;
const DIR = path.join("/var/lib/virtdeck-test", POOL);
const SMALL_POOL = `${PREFIX}small`;
const MiB = 1024 * 1024;
const SRC_MIB = 300;
const postgres = process.env.VD_TEST_DB === "postgres";
type RouteHandler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const stack = stackEnv();
let f: FleetContext;
let host: HostView;
let sshd: PrivateSshd;
let proxy: LibvirtProxy;
let tmp: string;
let smallDir: string | undefined;
let srcUuid: string;
let upload: typeof import("@/lib/storage/upload");
let partial: typeof import("@/lib/storage/partial-volumes");
let clone: typeof import("@/lib/provisioning/vm-clone");
let c: typeof import("@/lib/contracts/provisioning");
let tasks: typeof import("@/lib/tasks/tasks");

function domainXml(name: string, disk: string): string {
  return `<domain type='${process.env.VD_TEST_DOMAIN_TYPE ?? "qemu"}'><name>${name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;
}

function defineDomain(name: string, disk: string): string {
  const file = path.join(tmp, `${name}.xml`);
  execFileSync("sh", ["-c", 'printf "%s" "$1" > "$2"', "sh", domainXml(name, disk), file]);
  virshLocal("define", file);
  return virshLocal("domuuid", name).trim();
}

function volumes(pool = POOL): string[] {
  return virshLocal("vol-list", pool)
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0])
    .filter(Boolean);
}

/** The app's host-side copies and uploads still running, under our sshd or anywhere on the machine. */
function hostWorkLeft(): string[] {
  const mine = hostProcesses(sshd)
    .filter((p) => /^(cp|timeout|qemu-img)$/.test(path.basename(p.argv[0] ?? "")) || p.argv.includes("vol-upload"))
    .map((p) => p.argv.join(" "));
  const anywhere = processesMentioning(DIR)
    .filter((p) => !/^(virsh|vitest|node)/.test(path.basename(p.argv[0] ?? "")))
    .map((p) => p.argv.join(" "));
  return [...mine, ...anywhere];
}

async function partialRows() {
  return f.mod.db.db().partialVolume.findMany();
}

async function activeTasks() {
  return (await tasks.taskList(f.caller, { status: "active" })).map((t) => `${t.kind} ${t.status}`);
}

/** A request body of `size` bytes in chunks of `chunkKiB`, paced; counts what the app pulled. */
function pacedBody(size: number, paceMs = 15, chunkKiB = 256) {
  const counter = { pulled: 0 };
  const chunk = new Uint8Array(chunkKiB * 1024);
  const body = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (counter.pulled >= size) return ctl.close();
      await new Promise((r) => setTimeout(r, paceMs));
      const n = Math.min(chunk.length, size - counter.pulled);
      counter.pulled += n;
      ctl.enqueue(chunk.slice(0, n));
    },
  });
  return { body, counter };
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join("/tmp", "vdtest-fwork-"));
  // The small filesystem for the full-pool case (ext4 on a loop device), mounted before the host's
  // namespace copies the mounts.
  smallDir = path.join("/var/lib/virtdeck-test", SMALL_POOL);
  mkdirSync(smallDir, { recursive: true });
  const image = path.join(tmp, "small.ext4");
  execFileSync("truncate", ["-s", "96M", image]);
  execFileSync("mkfs.ext4", ["-q", "-F", "-m", "0", image]);
  execFileSync("mount", ["-o", "loop", image, smallDir]);
  rmSync(path.join(smallDir, "lost+found"), { recursive: true }); // else libvirt lists it as a volume
  proxy = await LibvirtProxy.start(path.join(tmp, "libvirt-sock"));
  sshd = await sshdBehindProxy(proxy);
  f = await fleetSetup();
  host = await f.addHost(
    { ...stack.host1, port: sshd.port },
    { name: "fwork", port: sshd.port, expectedHostKeySha256: sshd.hostKeySha256 },
  );
  upload = await import("@/lib/storage/upload");
  partial = await import("@/lib/storage/partial-volumes");
  clone = await import("@/lib/provisioning/vm-clone");
  c = await import("@/lib/contracts/provisioning");
  tasks = await import("@/lib/tasks/tasks");
  await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 0.5 });

  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  // Random bytes: a copy that takes a few seconds and has no holes to skip.
  execFileSync("sh", ["-c", `head -c ${SRC_MIB}M /dev/urandom > "$1"`, "sh", path.join(DIR, `${PREFIX}src.img`)]);
  virshLocal("pool-define-as", POOL, "dir", "--target", DIR);
  virshLocal("pool-start", POOL);
  srcUuid = defineDomain(`${PREFIX}src`, path.join(DIR, `${PREFIX}src.img`));
}, 120_000);

afterAll(async () => {
  try {
    partial?.partialVolumesStop();
    await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 }).catch(() => {});
    await f?.teardown();
  } finally {
    domainsRemove(PREFIX);
    for (const p of [POOL, SMALL_POOL]) {
      virshLocalTry("pool-destroy", p);
      virshLocalTry("pool-undefine", p);
    }
    if (smallDir) {
      virshLocalTry("pool-destroy", SMALL_POOL);
      execFileSync("umount", ["-l", smallDir], { stdio: "ignore" });
      rmSync(smallDir, { recursive: true, force: true });
    }
    rmSync(DIR, { recursive: true, force: true });
    if (sshd) {
      await sshd.kill().catch(() => {});
      sshd.remove();
    }
    await proxy?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}, 60_000);

/**
 * Runs a full clone in a child app process, stops its host-side cp mid-copy and SIGKILLs the app. With
 * `endOfCopy`, the copy's watcher loop is stopped too, so cp finishes after its owner is gone and only
 * the end-of-copy check stands between the host and a finished orphan file.
 */
async function cloneKilledMidCopy(name: string, endOfCopy: boolean): Promise<void> {
  const dst = path.join(DIR, `${name}.raw`);
  const src = path.join(DIR, `${PREFIX}src.img`);
  const plan = {
    hostId: host.id,
    start: false,
    volumes: [
      {
        kind: "copy",
        pool: POOL,
        name: `${name}.raw`,
        format: "raw",
        srcFormat: "raw",
        capacityBytes: SRC_MIB * MiB,
        srcPool: POOL,
        srcName: `${PREFIX}src.img`,
        srcAllocationBytes: SRC_MIB * MiB,
      },
    ],
    cleanup: [],
    domain: { name, uuid: randomUUID(), domainType: "qemu", vcpus: 1, memoryMiB: 64, maxMemoryMiB: 64, disks: [] },
    clone: {
      sourceXml: virshLocal("dumpxml", "--inactive", srcUuid),
      disks: [{ from: src, volume: { pool: POOL, name: `${name}.raw` } }],
    },
  };
  const child: ChildProcess = spawn(
    "npx",
    ["tsx", "--conditions", "react-server", path.join(process.cwd(), "tests/faults/helpers/fwork-copy-child.ts")],
    {
      env: { ...process.env, FWORK_PLAN: JSON.stringify(plan) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: npx, tsx and node die together
    },
  );
  let out = "";
  child.stdout?.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise((r) => child.once("exit", r));
  const cp = await until(
    "the child's host-side cp",
    () => hostProcesses(sshd).find((p) => p.argv[0] === "cp" && p.argv.includes(path.join(DIR, `${name}.raw`))),
    { timeoutMs: 60_000, intervalMs: 20 },
  ).catch((err) => {
    throw new Error(`${err.message}; child said: ${out}`);
  });
  process.kill(cp.pid, "SIGSTOP"); // surely mid-copy when its owner dies
  expect(existsSync(dst)).toBe(true);
  const shells = () =>
    processesMentioning(dst)
      .filter((p) => path.basename(p.argv[0] ?? "") === "sh")
      .map((p) => p.pid);
  let watcher: number | undefined;
  if (endOfCopy) {
    // The watcher is the shell whose child is the tick's `sleep`: stopped, it never sees its owner go.
    watcher = await until("the copy's watcher loop", () => shells().find((pid) => childArgv(pid).includes("sleep")), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    process.kill(watcher, "SIGSTOP");
  }
  // SIGKILL the whole child (npx, tsx, node): the app dies without a word to the host.
  process.kill(-child.pid!, "SIGKILL");
  await exited;
  if (!endOfCopy) {
    // The watcher notices within a tick, while cp is still stopped: SIGCONT before that would let
    // cp finish first and test the end-of-copy check instead.
    await until("the watcher to remove the partial file", () => !existsSync(dst), { timeoutMs: 10_000 });
    process.kill(cp.pid, "SIGCONT");
  } else {
    try {
      // The owner's sshd session is gone once the script's shells are no longer under the sshd.
      await until("the app's sshd session to end", () => !shells().some((p) => sshd.processTree().includes(p)), {
        timeoutMs: 10_000,
      });
      process.kill(cp.pid, "SIGCONT"); // cp finishes the file; only the end-of-copy check can remove it
      await until("the end-of-copy check to remove the finished file", () => !existsSync(dst), {
        timeoutMs: 20_000,
      }).catch((err) => {
        throw new Error(`${err.message}: ${hostWorkLeft().join("; ")}`);
      });
    } finally {
      process.kill(watcher!, "SIGCONT"); // its pending SIGTERM ends it
    }
  }
  await until("the host-side copy to end with its owner", () => hostWorkLeft().length === 0, {
    timeoutMs: 10_000,
  }).catch((err) => {
    throw new Error(`${err.message}: ${hostWorkLeft().join("; ")}`);
  });
  expect(existsSync(dst)).toBe(false);
  virshLocal("pool-refresh", POOL);
  expect(volumes()).not.toContain(`${name}.raw`);
}

/** How many sockets a process holds open. */
function socketsOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:");
      } catch {
        return false;
      }
    }).length;
  } catch {
    return 0;
  }
}

/** The argv[0] names of a process's children. */
function childArgv(pid: number): string[] {
  return processesMentioning("")
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p.pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map((p) => path.basename(p.argv[0] ?? ""));
}

describe("host-side work under faults", () => {
  it("a full clone whose early define connection went stale (libvirtd restart) is defined, not thrown away", async () => {
    const name = `${PREFIX}c1`;
    const { taskId } = await clone.vmClone(f.caller, host.id, srcUuid, c.VmCloneSchema.parse({ name, mode: "full" }));
    // Hold the copy: the early `virsh define` is connected and waiting for its XML.
    const cp = await until("the host-side cp", () => hostProcesses(sshd).find((p) => p.argv[0] === "cp"), {
      timeoutMs: 30_000,
      intervalMs: 20,
    });
    process.kill(cp.pid, "SIGSTOP");
    const define = await until(
      "the early define",
      () => hostProcesses(sshd).find((p) => p.argv[0] === "virsh" && p.argv.includes("define")),
      { timeoutMs: 10_000 },
    );
    // Its libvirt connection is open once it holds a socket (its stdio are the SSH channel's pipes).
    await until("the early define's libvirt connection", () => socketsOf(define.pid) > 0, { timeoutMs: 10_000 });
    // libvirtd "restarts": every libvirt connection of this host closes under its virsh.
    expect(proxy.cut()).toBeGreaterThan(0);
    // (The host's virsh session reconnects on its next command: not this test's subject.)
    await until(
      "the session to reconnect",
      async () => !!(await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 }).catch(() => false)),
      { timeoutMs: 15_000 },
    );
    process.kill(cp.pid, "SIGCONT");
    const t = await taskEnded(f, taskId, "the clone ends");
    expect({ status: t.status, error: t.error }).toEqual({ status: "succeeded", error: null });
    expect(virshLocal("domstate", name).trim()).toBe("shut off");
    expect(volumes()).toContain(`${name}.raw`);
    expect(hostWorkLeft()).toEqual([]);
    expect(await activeTasks()).toEqual([]);
  }, 120_000);

  it.skipIf(!postgres)(
    "the app SIGKILLed mid full clone leaves no cp running and no partial file on the host",
    async () => {
      const name = `${PREFIX}k1`;
      await cloneKilledMidCopy(name, false);
      // Recovery without a restart: the same name copies fine from this instance.
      const { taskId } = await clone.vmClone(f.caller, host.id, srcUuid, c.VmCloneSchema.parse({ name, mode: "full" }));
      expect((await taskEnded(f, taskId)).status).toBe("succeeded");
      expect(volumes()).toContain(`${name}.raw`);
    },
    180_000,
  );

  it.skipIf(!postgres)(
    "a full copy that finishes after the app died is removed, not left as an orphan file",
    async () => {
      await cloneKilledMidCopy(`${PREFIX}k2`, true);
    },
    180_000,
  );

  it("an upload whose SSH connection drops stops reading, answers the error, and leaves no volume", async () => {
    // A browser slower than the host: SSH never pushes back, so only the host's end can stop the reading.
    const size = 32 * MiB;
    const { body, counter } = pacedBody(size, 10, 64);
    const name = `${PREFIX}up1.iso`;
    // Through the route, as the browser sends it (its session cookie and CSRF token).
    const s = await f.mod.session.sessionCreate(f.caller.principal.user.id, { ip: "127.0.0.9", userAgent: "vitest" });
    const route = await import("@/app/api/hosts/[id]/storage/upload/route");
    const q = new URLSearchParams({ pool: POOL, name, format: "iso", size: String(size) });
    const req = new NextRequest(`http://127.0.0.1:3000/api/hosts/${host.id}/storage/upload?${q}`, {
      method: "POST",
      headers: {
        "content-type": "application/octet-stream",
        cookie: `vd_session=${s.token}`,
        "x-csrf-token": s.csrfToken,
        "user-agent": "vitest",
        "x-virtdeck-peer": "127.0.0.9",
      },
      body,
      duplex: "half",
    } as ConstructorParameters<typeof NextRequest>[1]);
    const pending = (route.POST as unknown as RouteHandler)(req, { params: Promise.resolve({ id: host.id }) });
    await until("bytes flowing to the host", () => volumes().includes(name) && counter.pulled > 2 * MiB, {
      timeoutMs: 30_000,
    });
    expect(sshConnectionsKill(sshd).length).toBeGreaterThan(0);
    const started = Date.now();
    const res = await pending;
    const pulledAtEnd = counter.pulled;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(pulledAtEnd).toBeLessThan(size / 2); // it stopped reading the body
    // The answer is the error (not 200 with a failed task), naming the task.
    const answer = (await res.json()) as { error?: { code: string; message: string; taskId: string } };
    expect({ status: res.status, code: answer.error?.code }).toEqual({ status: 502, code: "host_unreachable" });
    expect(answer.error?.message).toMatch(
      /^fwork: the connection to the host was lost after \d+ of 33554432 bytes; the upload stopped$/,
    );
    const t = await tasks.taskGet(f.caller, answer.error!.taskId);
    expect({ status: t.status, error: t.error }).toEqual({ status: "failed", error: answer.error?.message });
    // Nothing left: the volume (removed over a new connection), its record, the task, the host's virsh.
    await until("the partial volume to go", () => !volumes().includes(name), { timeoutMs: 15_000 });
    expect(await partialRows()).toEqual([]);
    expect(await activeTasks()).toEqual([]);
    expect(hostWorkLeft()).toEqual([]);
    // Recovery without a restart: the same upload now succeeds.
    const again = pacedBody(4 * MiB, 0);
    const ok = await upload.storageUpload(
      f.caller,
      host.id,
      { pool: POOL, name, format: "iso", size: 4 * MiB },
      again.body,
      new AbortController().signal,
    );
    expect(ok.status).toBe("succeeded");
    expect(await partialRows()).toEqual([]);
  }, 120_000);

  it("a partial volume whose removal fails is removed once the host is back, without a restart", async () => {
    const size = 64 * MiB;
    const { body, counter } = pacedBody(size);
    const name = `${PREFIX}up2.iso`;
    const pending = upload.storageUpload(
      f.caller,
      host.id,
      { pool: POOL, name, format: "iso", size },
      body,
      new AbortController().signal,
    );
    await until("bytes flowing to the host", () => volumes().includes(name) && counter.pulled > 4 * MiB, {
      timeoutMs: 30_000,
    });
    await sshd.kill(); // the whole sshd: the first removal cannot reach the host
    const t = await pending;
    expect(t.status).toBe("failed");
    expect(upload.uploadFailureError(t)?.code).toBe("host_unreachable");
    const detail = await tasks.taskGet(f.caller, t.id);
    expect(detail.logs.map((l) => l.line)).toContain(
      `Could not delete the partial volume ${name} yet: retrying until it is gone`,
    );
    await new Promise((r) => setTimeout(r, 2500));
    expect(volumes()).toContain(name);
    const [row] = await partialRows();
    expect(row).toMatchObject({ hostId: host.id, pool: POOL, name, taskId: t.id });
    expect(row.attempts).toBeGreaterThanOrEqual(1);
    await sshdRelaunch(sshd, proxy);
    await until("the retried removal", async () => !volumes().includes(name) && (await partialRows()).length === 0, {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    expect(await activeTasks()).toEqual([]);
  }, 120_000);

  it("a partial volume a dead instance left is found and removed by the sweep", async () => {
    const name = `${PREFIX}dead.iso`;
    virshLocal("vol-create-as", POOL, name, "1M", "--format", "raw");
    // As a dead instance leaves it: the record written before the volume, its task gone.
    await f.mod.db.db().partialVolume.create({
      data: { id: randomUUID(), hostId: host.id, pool: POOL, name, taskId: randomUUID() },
    });
    const found = await partial.partialVolumesSweep();
    expect(found).toHaveLength(1);
    await until("the sweep's removal", async () => !volumes().includes(name) && (await partialRows()).length === 0, {
      timeoutMs: 10_000,
    });
    // A volume whose upload still runs is not touched.
    const { body } = pacedBody(16 * MiB, 30);
    const live = `${PREFIX}live.iso`;
    const pending = upload.storageUpload(
      f.caller,
      host.id,
      { pool: POOL, name: live, format: "iso", size: 16 * MiB },
      body,
      new AbortController().signal,
    );
    await until("the live upload's record", async () => (await partialRows()).length === 1, { timeoutMs: 15_000 });
    expect(await partial.partialVolumesSweep()).toEqual([]);
    expect((await pending).status).toBe("succeeded");
    expect(volumes()).toContain(live);
    expect(await partialRows()).toEqual([]);
  }, 60_000);

  it("a full clone into a pool without the room is refused up front, naming the pool and the sizes", async () => {
    if (!smallDir) throw new Error("no small pool directory");
    execFileSync("sh", ["-c", 'head -c 32M /dev/urandom > "$1"', "sh", path.join(smallDir, `${PREFIX}s.img`)]);
    // Filled up to leave less than the clone needs (not a volume: a file beside the pool's images).
    const filler = path.join(smallDir, `${PREFIX}filler`);
    const freeMiB = Number(
      execFileSync("df", ["--output=avail", "-B1M", smallDir], { encoding: "utf8" }).split("\n")[1],
    );
    execFileSync("sh", ["-c", 'head -c "$2" /dev/zero > "$1"', "sh", filler, `${freeMiB - 16}M`]);
    virshLocal("pool-define-as", SMALL_POOL, "dir", "--target", smallDir);
    virshLocal("pool-start", SMALL_POOL);
    const uuid = defineDomain(`${PREFIX}s`, path.join(smallDir, `${PREFIX}s.img`));
    const before = await f.auditActions("vm.clone");
    const err = await clone
      .vmClone(f.caller, host.id, uuid, c.VmCloneSchema.parse({ name: `${PREFIX}s2`, mode: "full" }))
      .catch((e) => e);
    expect(`${err.code}: ${err.message}`).toMatch(/^invalid_state: /);
    expect(err.status).toBe(409);
    const m = new RegExp(
      `^Pool ${SMALL_POOL} on fwork has (\\d+\\.\\d) MiB free; the full clone needs 32\\.0 MiB \\(the allocation of its disks\\)\\. Free space in ${SMALL_POOL} first\\.$`,
    ).exec(err.message);
    expect(m, err.message).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(8);
    expect(Number(m![1])).toBeLessThan(32);

    // Nothing queued, nothing made, the refusal audited.
    expect(await activeTasks()).toEqual([]);
    expect(volumes(SMALL_POOL)).toEqual([`${PREFIX}filler`, `${PREFIX}s.img`]);
    const audits = (await f.auditActions("vm.clone")).slice(before.length);
    expect(audits).toMatchObject([{ outcome: "failure", details: { reason: "pool_full", pool: SMALL_POOL } }]);
    // Room made: the same clone goes through, no restart.
    rmSync(filler);
    const { taskId } = await clone.vmClone(
      f.caller,
      host.id,
      uuid,
      c.VmCloneSchema.parse({ name: `${PREFIX}s2`, mode: "full" }),
    );
    expect((await taskEnded(f, taskId)).status).toBe("succeeded");
    expect(volumes(SMALL_POOL)).toContain(`${PREFIX}s2.raw`);
  }, 120_000);
});

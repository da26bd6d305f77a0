// Backups on host 1's real libvirt: a running TCG tiny guest (scripts/stack/tiny-guest.sh) with a
// qcow2 and a raw data disk; a full backup (libvirt's push backup job + a checkpoint), data written
// between two backups, an incremental, a restore as a new VM whose disk holds both writes, a
// verify that catches a damaged image, a failed backup into a full repository (small loop
// filesystem) that leaves no point and no checkpoint, a shut-off VM's backup, and bad input.
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DOMParser, XMLSerializer } from "@xmldom/xmldom";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisioningStackStart, type ProvisioningStack } from "./helpers/provisioning-stack";
import { stackEnv, taskEnded } from "./helpers/fleet-stack";
import { virshLocal, virshLocalTry } from "./helpers/provisioning-pool";
import { tinyGuestFiles, tinyGuestXml } from "./helpers/tiny-guest";

const TAG = `vdbk${randomBytes(3).toString("hex")}`;
const VM = { name: `${TAG}-vm`, uuid: randomUUID() };
const REPO_DIR = `/var/tmp/${TAG}-repo`;
const SMALL_DIR = `/var/tmp/${TAG}-small`;
const SMALL_IMG = `/var/tmp/${TAG}-small.ext4`;
const REMOTE_DIR = `/var/tmp/${TAG}-remote`;
const MiB = 1024 * 1024;

let s: ProvisioningStack;
let repos: typeof import("@/lib/backup/repositories");
let backups: typeof import("@/lib/backup/backups");
let jobs: typeof import("@/lib/backup/jobs");
let tasks: typeof import("@/lib/tasks/tasks");
let dbm: typeof import("@/lib/db/client");
let dataDisk: string;
let rawDisk: string;
let repoId: string;

const qemuIo = (file: string, fmt: string, cmd: string) =>
  execFileSync("qemu-io", ["-f", fmt, "-c", cmd, file], { encoding: "utf8" });

/** The bytes of an image (any chain) at offset, through qemu-img convert to raw. */
function readBytes(file: string, offset: number, length: number): Buffer {
  const raw = `/var/tmp/${TAG}-read-${randomBytes(3).toString("hex")}.raw`;
  try {
    execFileSync("qemu-img", ["convert", "-U", "-O", "raw", file, raw]);
    return readFileSync(raw).subarray(offset, offset + length);
  } finally {
    rmSync(raw, { force: true });
  }
}

function vmXml(): string {
  const files = tinyGuestFiles();
  const doc = new DOMParser().parseFromString(tinyGuestXml({ name: VM.name, uuid: VM.uuid, ...files }), "text/xml");
  const devices = doc.getElementsByTagName("devices")[0];
  for (const [file, fmt, dev] of [
    [dataDisk, "qcow2", "vdb"],
    [rawDisk, "raw", "vdc"],
  ]) {
    const disk = doc.createElement("disk");
    disk.setAttribute("type", "file");
    disk.setAttribute("device", "disk");
    const driver = doc.createElement("driver");
    driver.setAttribute("name", "qemu");
    driver.setAttribute("type", fmt);
    const source = doc.createElement("source");
    source.setAttribute("file", file);
    const target = doc.createElement("target");
    target.setAttribute("dev", dev);
    target.setAttribute("bus", "virtio");
    for (const c of [driver, source, target]) disk.appendChild(c);
    devices.appendChild(disk);
  }
  return new XMLSerializer().serializeToString(doc);
}

const checkpoints = () =>
  virshLocal("checkpoint-list", VM.uuid, "--name")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
const vmDir = () => path.join(REPO_DIR, VM.uuid);
const logText = (t: { logs?: { line: string }[] }) => (t.logs ?? []).map((l) => l.line).join("\n");

async function backupNow(repositoryId: string) {
  const task = await backups.backupStart(s.f.caller, s.host.id, VM.uuid, { repositoryId });
  const done = await taskEnded(s.f, task.id, "the backup ends");
  return tasks.taskGet(s.f.caller, done.id);
}

beforeAll(async () => {
  s = await provisioningStackStart(`${TAG}-`);
  await import("@/lib/backup/run");
  await import("@/lib/backup/restore");
  repos = await import("@/lib/backup/repositories");
  backups = await import("@/lib/backup/backups");
  jobs = await import("@/lib/backup/jobs");
  tasks = await import("@/lib/tasks/tasks");
  dbm = await import("@/lib/db/client");
  dataDisk = path.join(s.pool.dir, `${TAG}-data.qcow2`);
  rawDisk = path.join(s.pool.dir, `${TAG}-raw.img`);
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", dataDisk, "64M"]);
  execFileSync("qemu-img", ["create", "-q", "-f", "raw", rawDisk, "8M"]);
  // Written before the first backup: the full point must hold it.
  qemuIo(dataDisk, "qcow2", "write -P 0x11 0 64k");
  const xmlFile = `/var/tmp/${TAG}-def.xml`;
  writeFileSync(xmlFile, vmXml());
  virshLocal("define", xmlFile);
  rmSync(xmlFile);
  virshLocal("start", VM.uuid);
  rmSync(REPO_DIR, { recursive: true, force: true });
}, 120_000);

afterAll(async () => {
  for (const d of [VM.uuid]) {
    virshLocalTry("destroy", d);
    virshLocalTry("undefine", d, "--checkpoints-metadata");
  }
  try {
    execFileSync("umount", ["-l", SMALL_DIR], { stdio: "ignore" });
  } catch {
    /* not mounted */
  }
  rmSync(SMALL_IMG, { force: true });
  rmSync(SMALL_DIR, { recursive: true, force: true });
  rmSync(REPO_DIR, { recursive: true, force: true });
  rmSync(REMOTE_DIR, { recursive: true, force: true });
  virshLocalTry("undefine", `${TAG}-fromremote`);
  await s?.close();
}, 120_000);

describe("backup repositories", () => {
  it("refuses a path that is a file, naming the field", async () => {
    const file = `/var/tmp/${TAG}-afile`;
    writeFileSync(file, "x");
    try {
      const err = await repos
        .repositoryCreate(s.f.caller, s.host.id, { name: `${TAG}-file`, path: file })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "invalid_input", extra: { issues: [{ path: "path" }] } });
      expect(String((err as Error).message)).toMatch(/not a directory/);
    } finally {
      rmSync(file);
    }
    expect(await dbm.db().backupRepository.count({ where: { name: `${TAG}-file` } })).toBe(0);
  });

  it("refuses hostile names and paths before touching the host", async () => {
    for (const body of [
      { name: `${TAG} x`, path: REPO_DIR },
      { name: `-${TAG}`, path: REPO_DIR },
      { name: `${TAG}x`, path: `${REPO_DIR}/$(touch /tmp/${TAG}-pwned)` },
      { name: `${TAG}x`, path: "relative" },
    ])
      await expect(repos.repositoryCreate(s.f.caller, s.host.id, body)).rejects.toThrow();
    expect(existsSync(`/tmp/${TAG}-pwned`)).toBe(false);
  });

  it("creates a missing directory and records the repository", async () => {
    const r = await repos.repositoryCreate(s.f.caller, s.host.id, { name: `${TAG}-repo`, path: `${REPO_DIR}/` });
    expect(r).toMatchObject({ path: REPO_DIR, hostName: s.host.name, pointCount: 0 });
    expect(r.freeBytes).toBeGreaterThan(0);
    repoId = r.id;
    const audit = await s.f.auditActions("backup.repository.create");
    expect(audit.length).toBeGreaterThan(0);
  });
});

describe("full and incremental backups of a running guest", () => {
  let fullId: string;
  let incId: string;

  it("takes a full backup through libvirt's backup job, with a checkpoint, and publishes it checksummed", async () => {
    const t = await backupNow(repoId);
    expect(t.status, t.error ?? "").toBe("succeeded");
    expect(logText(t)).toMatch(/First backup of this VM in this repository: full backup/);
    const [p] = await backups.pointList(s.f.caller, s.host.id, VM.uuid);
    expect(p).toMatchObject({ kind: "full", method: "backup-begin", parentId: null });
    expect(p.disks.map((d) => d.target).sort()).toEqual(["vdb", "vdc"]);
    fullId = p.id;
    expect(readdirSync(vmDir())).toEqual([p.id]);
    const dir = path.join(vmDir(), p.id);
    expect(readdirSync(dir).sort()).toEqual(["SHA256SUMS", "domain.xml", "vdb.qcow2", "vdc.qcow2"]);
    execFileSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: dir });
    expect(readFileSync(path.join(dir, "domain.xml"), "utf8")).toContain(VM.uuid);
    expect(checkpoints()).toEqual([`virtdeck-${p.id}`]);
    expect(readBytes(path.join(dir, "vdb.qcow2"), 0, 65536).equals(Buffer.alloc(65536, 0x11))).toBe(true);
  }, 120_000);

  it("after a write between two backups, takes an incremental holding only the changed clusters", async () => {
    // The guest has no block driver: it is shut off, the host writes to its disks, and it starts again.
    virshLocal("destroy", VM.uuid);
    qemuIo(dataDisk, "qcow2", "write -P 0xab 8M 256k");
    qemuIo(rawDisk, "raw", "write -P 0xcd 1M 4k");
    virshLocal("start", VM.uuid);
    const t = await backupNow(repoId);
    expect(t.status, t.error ?? "").toBe("succeeded");
    expect(logText(t)).toMatch(/Incremental backup since virtdeck-/);
    expect(logText(t)).toMatch(/Disk vdc: copied in full \(raw disks have no dirty bitmap\)/);
    const [p] = await backups.pointList(s.f.caller, s.host.id, VM.uuid);
    expect(p).toMatchObject({ kind: "incremental", parentId: fullId });
    incId = p.id;
    const vdb = p.disks.find((d) => d.target === "vdb")!;
    // Only the changed 256 KiB (plus qcow2 metadata), not the 64 MiB disk.
    expect(vdb.bytes).toBeLessThan(4 * MiB);
    const info = JSON.parse(
      execFileSync("qemu-img", ["info", "-U", "--output=json", path.join(vmDir(), incId, "vdb.qcow2")], {
        encoding: "utf8",
      }),
    );
    expect(info["backing-filename"]).toBe(`../${fullId}/vdb.qcow2`);
    // The older checkpoint went: only the newest one remains.
    expect(checkpoints()).toEqual([`virtdeck-${incId}`]);
  }, 120_000);

  it("restores the incremental point as a new VM whose disks hold both writes", async () => {
    const name = `${TAG}-restored`;
    const task = await backups.restoreStart(s.f.caller, { hostId: s.host.id, uuid: VM.uuid }, incId, {
      hostId: s.host.id,
      name,
      pool: s.pool.name,
      start: false,
    });
    const done = await taskEnded(s.f, task.id, "the restore ends");
    expect(done.status, done.error ?? "").toBe("succeeded");
    const xml = virshLocal("dumpxml", name);
    expect(xml).not.toContain(VM.uuid);
    const vdb = path.join(s.pool.dir, `${name}-vdb.qcow2`);
    const vdc = path.join(s.pool.dir, `${name}-vdc.raw`);
    expect(xml).toContain(vdb);
    expect(readBytes(vdb, 0, 65536).equals(Buffer.alloc(65536, 0x11))).toBe(true);
    expect(readBytes(vdb, 8 * MiB, 256 * 1024).equals(Buffer.alloc(256 * 1024, 0xab))).toBe(true);
    expect(readBytes(vdb, 8 * MiB + 256 * 1024, 4096).equals(Buffer.alloc(4096, 0))).toBe(true);
    expect(readBytes(vdc, 1 * MiB, 4096).equals(Buffer.alloc(4096, 0xcd))).toBe(true);
    // A standalone image: no backing file into the repository.
    const info = JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", vdb], { encoding: "utf8" }));
    expect(info["backing-filename"]).toBeUndefined();
    virshLocalTry("undefine", name);
  }, 180_000);

  it("verifies a point and reports a damaged one", async () => {
    const ok = await backups.verifyStart(s.f.caller, { hostId: s.host.id, uuid: VM.uuid }, incId);
    expect((await taskEnded(s.f, ok.id)).status).toBe("succeeded");
    const file = path.join(vmDir(), incId, "vdc.qcow2");
    const fd = readFileSync(file);
    fd[fd.length - 1] ^= 0xff;
    writeFileSync(file, fd);
    const bad = await backups.verifyStart(s.f.caller, { hostId: s.host.id, uuid: VM.uuid }, incId);
    const t = await taskEnded(s.f, bad.id);
    expect(t.status).toBe("failed");
    expect(t.error).toMatch(/vdc\.qcow2: checksum differs/);
    fd[fd.length - 1] ^= 0xff;
    writeFileSync(file, fd);
  }, 60_000);
});

describe("a failed backup", () => {
  it("into a full repository leaves no point, no partial directory and no new checkpoint", async () => {
    mkdirSync(SMALL_DIR, { recursive: true });
    execFileSync("truncate", ["-s", "8M", SMALL_IMG]);
    execFileSync("mkfs.ext4", ["-q", "-F", "-m", "0", SMALL_IMG]);
    execFileSync("mount", ["-o", "loop", SMALL_IMG, SMALL_DIR]);
    chmodSync(SMALL_DIR, 0o755);
    // 20 MiB of data that does not fit in 8 MiB.
    virshLocal("destroy", VM.uuid);
    qemuIo(dataDisk, "qcow2", "write -P 0x5a 16M 20M");
    virshLocal("start", VM.uuid);
    const small = await repos.repositoryCreate(s.f.caller, s.host.id, {
      name: `${TAG}-small`,
      path: `${SMALL_DIR}/repo`,
    });
    const before = checkpoints();
    const t = await backupNow(small.id);
    expect(t.status).toBe("failed");
    expect(t.error).toMatch(/space|No space|ENOSPC|failed/i);
    expect(logText(t)).toMatch(/unfinished backup point was removed/);
    expect(await dbm.db().backupPoint.count({ where: { repositoryId: small.id } })).toBe(0);
    expect(readdirSync(path.join(SMALL_DIR, "repo", VM.uuid))).toEqual([]);
    expect(checkpoints()).toEqual(before);
    // The next backup to the good repository is still incremental from the last good checkpoint.
    const next = await backupNow(repoId);
    expect(next.status, next.error ?? "").toBe("succeeded");
    expect(logText(next)).toMatch(/Incremental backup since/);
  }, 180_000);
});

describe("a shut-off VM", () => {
  it("is copied in full with qemu-img, and the task log says why", async () => {
    virshLocal("destroy", VM.uuid);
    const t = await backupNow(repoId);
    expect(t.status, t.error ?? "").toBe("succeeded");
    expect(logText(t)).toMatch(/shut off: libvirt's backup job needs a running VM/);
    const [p] = await backups.pointList(s.f.caller, s.host.id, VM.uuid);
    expect(p).toMatchObject({ kind: "full", method: "copy" });
    expect(readBytes(path.join(vmDir(), p.id, "vdb.qcow2"), 16 * MiB, 4096).equals(Buffer.alloc(4096, 0x5a))).toBe(
      true,
    );
  }, 120_000);
});

describe("backup jobs", () => {
  it("refuse a retention of 0 and a bad schedule, naming the field", async () => {
    const base = { name: `${TAG}-job`, repositoryId: repoId };
    const err = await jobs
      .backupJobCreate(s.f.caller, s.host.id, VM.uuid, { ...base, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 })
      .catch((e: unknown) => e);
    expect(JSON.stringify(err)).toMatch(/keepDaily/);
    await expect(
      jobs.backupJobCreate(s.f.caller, s.host.id, VM.uuid, { ...base, schedule: "0 2 * * *; rm -rf /" }),
    ).rejects.toThrow();
    expect(await dbm.db().backupJob.count({ where: { name: `${TAG}-job` } })).toBe(0);
  });

  it("run now, and keep only what retention says", async () => {
    const job = await jobs.backupJobCreate(s.f.caller, s.host.id, VM.uuid, {
      name: `${TAG}-job`,
      repositoryId: repoId,
      schedule: "0 3 * * *",
      keepDaily: 1,
      keepWeekly: 0,
      keepMonthly: 0,
    });
    const a = await jobs.backupJobRunNow(s.f.caller, { hostId: s.host.id, uuid: VM.uuid }, job.id);
    expect((await taskEnded(s.f, a.id)).status).toBe("succeeded");
    const b = await jobs.backupJobRunNow(s.f.caller, { hostId: s.host.id, uuid: VM.uuid }, job.id);
    expect((await taskEnded(s.f, b.id)).status).toBe("succeeded");
    const own = await dbm.db().backupPoint.findMany({ where: { jobId: job.id } });
    // Same day: keep 1 daily keeps only the newest of the job's own points.
    expect(own).toHaveLength(1);
    await jobs.backupJobDelete(s.f.caller, { hostId: s.host.id, uuid: VM.uuid }, job.id);
  }, 180_000);
});

describe("a repository on another host", () => {
  it("gets the images streamed over virtdeck's SSH connections, incremental too, and restores back to the VM's host", async () => {
    const host2 = await s.f.addHost(stackEnv().host2);
    const remote = await repos.repositoryCreate(s.f.caller, host2.id, { name: `${TAG}-remote`, path: REMOTE_DIR });
    virshLocalTry("start", VM.uuid);
    const full = await backupNow(remote.id);
    expect(full.status, full.error ?? "").toBe("succeeded");
    expect(logText(full)).toMatch(/staged on .*, streamed over SSH/);
    expect(logText(full)).toMatch(/Streamed [\d.]+ MiB/);
    virshLocal("destroy", VM.uuid);
    qemuIo(dataDisk, "qcow2", "write -P 0x77 40M 128k");
    virshLocal("start", VM.uuid);
    const inc = await backupNow(remote.id);
    expect(inc.status, inc.error ?? "").toBe("succeeded");
    expect(logText(inc)).toMatch(/Incremental backup since/);
    const points = (await backups.pointList(s.f.caller, s.host.id, VM.uuid)).filter(
      (p) => p.repositoryId === remote.id,
    );
    expect(points.map((p) => p.kind)).toEqual(["incremental", "full"]);
    // On host 2's side: the points with their checksums, nothing half-written; nothing staged on host 1.
    const dir = path.join(REMOTE_DIR, VM.uuid);
    expect(readdirSync(dir).sort()).toEqual(points.map((p) => p.id).sort());
    for (const p of points) execFileSync("sha256sum", ["-c", "--quiet", "SHA256SUMS"], { cwd: path.join(dir, p.id) });
    expect(readdirSync("/var/tmp").filter((n) => n.startsWith("virtdeck-backup-"))).toEqual([]);

    const name = `${TAG}-fromremote`;
    const task = await backups.restoreStart(s.f.caller, { hostId: s.host.id, uuid: VM.uuid }, points[0].id, {
      hostId: s.host.id,
      name,
      pool: s.pool.name,
    });
    const done = await taskEnded(s.f, task.id, "the restore ends");
    expect(done.status, done.error ?? "").toBe("succeeded");
    const vdb = path.join(s.pool.dir, `${name}-vdb.qcow2`);
    expect(readBytes(vdb, 40 * MiB, 128 * 1024).equals(Buffer.alloc(128 * 1024, 0x77))).toBe(true);
    expect(readBytes(vdb, 0, 65536).equals(Buffer.alloc(65536, 0x11))).toBe(true);
    virshLocal("destroy", VM.uuid);
  }, 240_000);
});

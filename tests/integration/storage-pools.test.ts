// Storage pool management through the API (app/api/hosts/[id]/storage/pools/**) on host 1's real
// libvirtd: dir, fs (ext4 on a loop device) and logical (LVM on a loop device), with bad input, a
// failed create that is rolled back, and "delete data" refused while a VM uses a volume.
// Every pool, directory and loop device is named with this run's prefix (process id + random tag);
// afterAll removes them, and beforeAll removes what a killed earlier run (a dead process id) left.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { NextRequest } from "next/server";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, taskEnded, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { routeCall, whoCreate, type Who } from "./helpers/route-call";

const stack = stackEnv();
const tag = randomBytes(3).toString("hex");
/** Prefix of everything this run makes on the host: pools, directories, loop backing files, VG names. */
const PREFIX = "vdtest-pool";
const RUN = `${PREFIX}-${process.pid}-${tag}`;
const BASE = `/var/tmp/${RUN}`;
const VG = `vdtest_pool_${process.pid}_${tag}`;
const P = {
  dir: `${RUN}-dir`,
  fs: `${RUN}-fs`,
  lvm: `${RUN}-lvm`,
  bad: `${RUN}-bad`,
  other: `${RUN}-other`,
  vol: `${RUN}-vol`,
};
const VM = { name: `${RUN}-vm`, uuid: randomUUID() };

let f: FleetContext;
let host1: HostView;
let admin: Who;
const loops: string[] = [];

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: "pipe" });
const virsh = (args: string[]) => run("virsh", ["-q", "-c", stack.host1.libvirtUri, ...args]);
const quietly = (fn: () => unknown) => {
  try {
    fn();
  } catch {}
};
const poolNames = () =>
  virsh(["pool-list", "--all", "--name"])
    .split("\n")
    .map((s) => s.trim())
    .filter((n) => n.startsWith(RUN))
    .sort();
const vgNames = () =>
  run("vgs", ["--noheadings", "-o", "vg_name"])
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);
/** The signature blkid finds on a device ("" when none: blkid exits 2). */
const fsType = (dev: string) => {
  try {
    return run("blkid", ["-p", "-o", "value", "-s", "TYPE", dev]).trim();
  } catch {
    return "";
  }
};
const mounted = (dir: string) =>
  readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .some((l) => l.split(" ")[1] === dir);

/** A 64 MiB loop device backed by a file under this run's directory. */
function loopCreate(n: number): string {
  const file = `${BASE}/loop-${n}.img`;
  run("truncate", ["-s", "64M", file]);
  const dev = run("losetup", ["--find", "--show", file]).trim();
  loops.push(dev);
  return dev;
}

/** Removes a pool of this prefix whatever its state (destroy, delete the VG, undefine). */
function poolRemove(name: string) {
  quietly(() => virsh(["pool-destroy", name]));
  quietly(() => virsh(["pool-undefine", name]));
}

/** Loop devices whose backing file is under /var/tmp/<prefix>-<pid>-..., with that pid. */
function loopsOfPrefix(): { dev: string; pid: number; file: string }[] {
  const out = run("losetup", ["--list", "--noheadings", "--output", "NAME,BACK-FILE"]);
  return out.split("\n").flatMap((l) => {
    const [dev, file] = l.trim().split(/\s+/, 2);
    const m = file ? new RegExp(`^/var/tmp/${PREFIX}-(\\d+)-[0-9a-f]+/`).exec(file) : null;
    return dev && m ? [{ dev, pid: Number(m[1]), file: file! }] : [];
  });
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Undoes what this run (or a killed run with process id `pid`) left: pools, VGs, mounts, loops, files. */
function cleanup(pid: number) {
  const runPrefix = `${PREFIX}-${pid}-`;
  const vgPrefix = `vdtest_pool_${pid}_`;
  for (const name of virsh(["pool-list", "--all", "--name"])
    .split("\n")
    .map((s) => s.trim()))
    if (name.startsWith(runPrefix)) poolRemove(name);
  quietly(() => virsh(["undefine", VM.uuid]));
  let vgs: string[] = [];
  quietly(() => (vgs = vgNames()));
  for (const vg of vgs.filter((v) => v.startsWith(vgPrefix))) quietly(() => run("vgremove", ["-f", vg]));
  const mine = loopsOfPrefix().filter((l) => l.pid === pid);
  for (const l of mine) {
    for (const line of readFileSync("/proc/mounts", "utf8").split("\n"))
      if (line.startsWith(`${l.dev} `)) quietly(() => run("umount", [line.split(" ")[1]!]));
    quietly(() => run("pvremove", ["-ff", "-y", l.dev]));
    quietly(() => run("losetup", ["-d", l.dev]));
  }
  for (const d of readdirSync("/var/tmp"))
    if (d.startsWith(runPrefix)) rmSync(`/var/tmp/${d}`, { recursive: true, force: true });
}

const api = (method: string, file: string, params: Record<string, string> = {}, body?: unknown) =>
  routeCall(admin, method, file, params, body);
const create = (body: unknown) => api("POST", "hosts/[id]/storage/pools", { id: host1.id }, body);
const onPool = (method: string, pool: string, body?: unknown) =>
  api(method, "hosts/[id]/storage/pools/[pool]", { id: host1.id, pool }, body);
const deleteData = (pool: string, confirm: string) =>
  api("POST", "hosts/[id]/storage/pools/[pool]/delete-data", { id: host1.id, pool }, { confirm });
const volumeCreate = (pool: string, name: string, format = "qcow2") =>
  api("POST", "hosts/[id]/storage/volumes", { id: host1.id }, { pool, name, format, capacityBytes: 8 * 1024 * 1024 });
const volumeResize = (pool: string, name: string, capacityBytes: number) =>
  api("POST", "hosts/[id]/storage/volumes/resize", { id: host1.id }, { pool, name, capacityBytes });
const volumeClone = (pool: string, name: string, newName: string) =>
  api("POST", "hosts/[id]/storage/volumes/clone", { id: host1.id }, { pool, name, newName });
const fieldOf = (res: { status: number; json: Record<string, any> }) => ({
  status: res.status,
  field: res.json.error?.issues?.[0]?.path,
});

beforeAll(async () => {
  // A killed earlier run of this file: its process is gone, its leftovers are this prefix's.
  const dead = new Set(loopsOfPrefix().map((l) => l.pid));
  for (const d of readdirSync("/var/tmp")) {
    const m = new RegExp(`^${PREFIX}-(\\d+)-`).exec(d);
    if (m) dead.add(Number(m[1]));
  }
  for (const pid of dead) if (pid !== process.pid && !alive(pid)) cleanup(pid);
  mkdirSync(BASE, { recursive: true });
  f = await fleetSetup();
  host1 = await f.addHost(stack.host1, { name: "host1" });
  admin = await whoCreate(f, "pools.admin", "admin");
  await import("@/lib/storage/volume-ops");
  const workers = await import("@/lib/tasks/workers");
  await workers.taskWorkersStart({ concurrency: 1, pollingIntervalSeconds: 0.5 });
}, 60_000);

afterAll(async () => {
  const workers = await import("@/lib/tasks/workers");
  await workers.taskWorkersStop({ graceMs: 1000 });
  cleanup(process.pid);
  expect(loopsOfPrefix().filter((l) => l.pid === process.pid)).toEqual([]);
  await f?.teardown();
}, 60_000);

describe("storage pools: bad input", () => {
  it("refuses bad names, paths and devices with 422 naming the field, and changes nothing on the host", async () => {
    const file = `${BASE}/a-file`;
    writeFileSync(file, "not a directory");
    const loopMounted = loopCreate(90);
    run("mkfs.ext4", ["-q", "-F", loopMounted]);
    mkdirSync(`${BASE}/mnt`, { recursive: true });
    run("mount", [loopMounted, `${BASE}/mnt`]);
    const loopPv = loopCreate(91);
    run("pvcreate", ["-q", "-y", loopPv]);
    const loopOther = loopCreate(92);
    mkdirSync(`${BASE}/other`);
    // Another pool (defined only) already has loopOther as its source.
    const other = await create({
      name: P.other,
      type: "fs",
      sourceDevice: loopOther,
      targetPath: `${BASE}/other`,
      build: false,
      start: false,
      autostart: false,
    });
    expect(other.status).toBe(201);
    const before = { pools: poolNames(), files: readdirSync(BASE).sort(), vgs: vgNames() };

    const dir = (extra: Record<string, unknown>) => ({ name: P.bad, type: "dir", targetPath: `${BASE}/bad`, ...extra });
    const fs = (dev: string) => ({ name: P.bad, type: "fs", sourceDevice: dev, targetPath: `${BASE}/bad` });
    const cases: [unknown, string][] = [
      [dir({ name: `a"b` }), "name"],
      [dir({ name: "a b" }), "name"],
      [dir({ name: "a;reboot" }), "name"],
      [dir({ name: "-a" }), "name"],
      [dir({ name: "$(id)" }), "name"],
      [dir({ name: "a'b" }), "name"],
      [dir({ targetPath: "relative/dir" }), "targetPath"],
      [dir({ targetPath: `${BASE}/x y` }), "targetPath"],
      [dir({ targetPath: `${BASE}/../etc` }), "targetPath"],
      [dir({ targetPath: file }), "targetPath"],
      [dir({ targetPath: `${BASE}/missing`, build: false }), "targetPath"],
      [dir({ start: "yes" }), "start"],
      [fs("/dev/vdtest-no-such-device"), "sourceDevice"],
      [fs("/dev/null"), "sourceDevice"],
      [fs(loopMounted), "sourceDevice"],
      [fs(loopOther), "sourceDevice"],
      [{ name: P.bad, type: "logical", sourceDevices: [loopPv] }, "sourceDevices.0"],
      [{ name: P.bad, type: "logical", sourceDevices: [loopOther, loopOther] }, "sourceDevices.1"],
      [{ name: P.bad, type: "iscsi", sourceHost: "san", target: "not-an-iqn" }, "target"],
      [{ name: P.bad, type: "netfs", sourceHost: "a;b", sourcePath: "/x", targetPath: `${BASE}/n` }, "sourceHost"],
    ];
    for (const [body, field] of cases) {
      const res = await create(body);
      expect(fieldOf(res), JSON.stringify(body)).toEqual({ status: 422, field });
      expect(res.json.error.message).toContain(field);
    }
    // What the host said is in the message: the file, the mount point, the PV, the other pool.
    expect((await create(dir({ targetPath: file }))).json.error.message).toContain("regular file");
    expect((await create(fs(loopMounted))).json.error.message).toContain(`mounted at ${BASE}/mnt`);
    expect((await create({ name: P.bad, type: "logical", sourceDevices: [loopPv] })).json.error.message).toContain(
      "LVM physical volume",
    );
    expect((await create(fs(loopOther))).json.error.message).toContain(P.other);
    // The same name again: 409 naming the field.
    expect(fieldOf(await create(dir({ name: P.other })))).toEqual({ status: 409, field: "name" });

    expect({ pools: poolNames(), files: readdirSync(BASE).sort(), vgs: vgNames() }).toEqual(before);
    run("umount", [`${BASE}/mnt`]);
    expect((await onPool("DELETE", P.other)).status).toBe(200);
    expect(poolNames()).not.toContain(P.other);
  }, 120_000);
});

describe("storage pools: dir", () => {
  it("creates (build, start, autostart), refreshes, stops, starts, toggles autostart, deletes data and the pool", async () => {
    const target = `${BASE}/dir`;
    const res = await create({ name: P.dir, type: "dir", targetPath: target });
    expect(res.status).toBe(201);
    expect(res.json.pool).toMatchObject({
      hostId: host1.id,
      name: P.dir,
      type: "dir",
      active: true,
      autostart: true,
      persistent: true,
      targetPath: target,
    });
    expect(res.json.pool.capacityBytes).toBeGreaterThan(0);
    expect(existsSync(target)).toBe(true);
    expect(virsh(["pool-info", P.dir])).toMatch(/State:\s+running[\s\S]*Autostart:\s+yes/);

    // A file copied in by hand shows after a refresh.
    writeFileSync(`${target}/by-hand.raw`, Buffer.alloc(4096));
    expect((await onPool("POST", P.dir, { action: "refresh" })).status).toBe(200);
    expect(virsh(["vol-list", P.dir])).toContain("by-hand.raw");

    const off = await onPool("POST", P.dir, { action: "autostart", autostart: false });
    expect(off.json.pool).toMatchObject({ autostart: false });
    expect(virsh(["pool-info", P.dir])).toMatch(/Autostart:\s+no/);
    const stopped = await onPool("POST", P.dir, { action: "stop" });
    expect(stopped.json.pool).toMatchObject({ active: false });
    expect(fieldOf(await onPool("POST", P.dir, { action: "stop" })).status).toBe(409);
    expect((await onPool("POST", P.dir, { action: "start" })).json.pool).toMatchObject({ active: true });

    // A VM (defined, never started) with a volume of the pool as its disk: delete data and delete refused, naming it.
    expect((await volumeCreate(P.dir, "disk.qcow2")).status).toBe(201);
    const vmXml = `${BASE}/vm.xml`;
    writeFileSync(
      vmXml,
      `<domain type='qemu'><name>${VM.name}</name><uuid>${VM.uuid}</uuid><memory unit='MiB'>64</memory>` +
        `<os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'>` +
        `<driver name='qemu' type='qcow2'/><source file='${target}/disk.qcow2'/><target dev='vda' bus='virtio'/>` +
        `</disk></devices></domain>`,
    );
    virsh(["define", vmXml]);
    const refused = await deleteData(P.dir, P.dir);
    expect(refused.status).toBe(409);
    expect(refused.json.error.message).toContain(VM.name);
    const refusedDelete = await onPool("DELETE", P.dir);
    expect(refusedDelete.status).toBe(409);
    expect(refusedDelete.json.error.message).toContain(VM.name);
    expect(existsSync(`${target}/disk.qcow2`)).toBe(true);
    virsh(["undefine", VM.uuid]);

    // Delete data wants the name typed again.
    expect(fieldOf(await deleteData(P.dir, "wrong"))).toEqual({ status: 422, field: "confirm" });
    expect(existsSync(target)).toBe(true);
    const wiped = await deleteData(P.dir, P.dir);
    expect(wiped.status).toBe(200);
    expect(wiped.json.pool).toMatchObject({ name: P.dir, active: false });
    expect(existsSync(target)).toBe(false);

    expect((await onPool("DELETE", P.dir)).status).toBe(200);
    expect(poolNames()).not.toContain(P.dir);
    expect(fieldOf(await onPool("DELETE", P.dir)).status).toBe(404);

    const audit = await f.mod.db.db().auditEvent.findMany({ where: { targetName: P.dir }, orderBy: { at: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        "storage.pool.create",
        "storage.pool.refresh",
        "storage.pool.autostart",
        "storage.pool.stop",
        "storage.pool.start",
        "storage.pool.delete_data",
        "storage.pool.delete",
      ]),
    );
  }, 120_000);
});

describe("storage pools: fs on a loop device", () => {
  it("formats (ext4), mounts, holds a volume, unmounts on stop, and rolls back a create that fails", async () => {
    const dev = loopCreate(1);
    const target = `${BASE}/fs`;
    const res = await create({ name: P.fs, type: "fs", sourceDevice: dev, format: "ext4", targetPath: target });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.pool).toMatchObject({ type: "fs", active: true, source: { devices: [dev], format: "ext4" } });
    expect(fsType(dev)).toBe("ext4");
    expect(mounted(target)).toBe(true);
    expect((await volumeCreate(P.fs, "v.qcow2")).status).toBe(201);
    expect(existsSync(`${target}/v.qcow2`)).toBe(true);
    // The device is now this pool's: a second pool on it is refused.
    const again = await create({ name: P.bad, type: "fs", sourceDevice: dev, build: false, targetPath: BASE });
    expect(fieldOf(again)).toEqual({ status: 422, field: "sourceDevice" });

    expect((await onPool("POST", P.fs, { action: "stop" })).json.pool).toMatchObject({ active: false });
    expect(mounted(target)).toBe(false);
    expect((await onPool("DELETE", P.fs)).status).toBe(200);
    expect(poolNames()).not.toContain(P.fs);

    // A create whose build fails (a file system this host has no mkfs for): undone, nothing stays
    // defined, the mount point it made is gone, and the device is left as it was.
    const missing = (["xfs", "btrfs", "vfat"] as const).find(
      (fmt) => !existsSync(`/usr/sbin/mkfs.${fmt}`) && !existsSync(`/sbin/mkfs.${fmt}`),
    );
    expect(missing, "a file system without mkfs on this host").toBeDefined();
    const fresh = loopCreate(3);
    const failing = await create({
      name: P.bad,
      type: "fs",
      sourceDevice: fresh,
      format: missing,
      targetPath: `${BASE}/rollback`,
    });
    expect(failing.status, JSON.stringify(failing.json)).toBe(502);
    expect(poolNames()).not.toContain(P.bad);
    expect(existsSync(`${BASE}/rollback`)).toBe(false);
  }, 120_000);
});

/** LVM activates logical volumes through device-mapper; this machine's kernel may have none. */
const deviceMapper = readFileSync("/proc/misc", "utf8").includes("device-mapper");

describe("storage pools: logical (LVM) on a loop device", () => {
  it("creates a volume group (pvcreate, vgcreate), holds logical volumes where device-mapper exists, deletes the data (VG and PV gone)", async () => {
    const dev = loopCreate(2);
    const res = await create({ name: P.lvm, type: "logical", sourceDevices: [dev], vgName: VG });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.pool).toMatchObject({
      type: "logical",
      active: true,
      autostart: true,
      targetPath: `/dev/${VG}`,
      source: { devices: [dev], name: VG, format: "lvm2" },
    });
    expect(res.json.pool.capacityBytes).toBeGreaterThan(32 * 1024 * 1024);
    expect(vgNames()).toContain(VG);
    expect(fsType(dev)).toBe("LVM2_member");
    // The device is now a PV of this pool: another pool on it is refused naming the field.
    const again = await create({ name: P.bad, type: "logical", sourceDevices: [dev], vgName: `${VG}_b` });
    expect(fieldOf(again)).toEqual({ status: 422, field: "sourceDevices.0" });

    const vol = await volumeCreate(P.lvm, "lv1", "raw");
    if (deviceMapper) {
      expect(vol.status, JSON.stringify(vol.json)).toBe(201);
      expect(run("lvs", ["--noheadings", "-o", "lv_name", VG])).toContain("lv1");
    } else {
      // This kernel has no device-mapper: lvcreate cannot activate the volume, and says so.
      expect(vol.status, JSON.stringify(vol.json)).toBe(502);
      expect(vol.json.error.message).toContain("host1");
    }

    expect(fieldOf(await deleteData(P.lvm, P.dir)).status).toBe(422);
    const wiped = await deleteData(P.lvm, P.lvm);
    expect(wiped.status, JSON.stringify(wiped.json)).toBe(200);
    expect(vgNames()).not.toContain(VG);
    expect(fsType(dev)).not.toBe("LVM2_member");
    expect((await onPool("DELETE", P.lvm)).status).toBe(200);
    expect(poolNames()).not.toContain(P.lvm);
  }, 120_000);
});

/** GET .../volumes/download as the admin's browser, with extra request headers; the body as bytes. */
async function download(pool: string, name: string, headers: Record<string, string> = {}) {
  const file = "hosts/[id]/storage/volumes/download";
  const mod = await import(/* @vite-ignore */ path.resolve(import.meta.dirname, "../../app/api", file, "route.ts"));
  const url = `http://127.0.0.1:3000/api/hosts/${host1.id}/storage/volumes/download?${new URLSearchParams({ pool, name })}`;
  const res: Response = await mod.GET(
    new NextRequest(url, {
      headers: {
        "x-virtdeck-peer": "127.0.0.9",
        "user-agent": "vitest",
        cookie: `vd_session=${admin.token}`,
        ...headers,
      },
    }),
    { params: Promise.resolve({ id: host1.id }) },
  );
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("volumes: resize, clone, download", () => {
  it("grows a volume, clones it as a task, and streams it whole or by Range (resumable)", async () => {
    const target = `${BASE}/vol`;
    expect((await create({ name: P.vol, type: "dir", targetPath: target, autostart: false })).status).toBe(201);
    const data = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(`${target}/data.raw`, data);
    expect((await onPool("POST", P.vol, { action: "refresh" })).status).toBe(200);

    // Download: whole, a range, a resume from an offset, outside the volume, and If-Range of another version.
    const whole = await download(P.vol, "data.raw");
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-length")).toBe(String(data.length));
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(sha(whole.body)).toBe(sha(data));
    const part = await download(P.vol, "data.raw", { range: "bytes=1000-1999" });
    expect(part.status, part.body.toString().slice(0, 300)).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 1000-1999/${data.length}`);
    expect(part.body.equals(data.subarray(1000, 2000))).toBe(true);
    const etag = whole.headers.get("etag")!;
    const resume = await download(P.vol, "data.raw", { range: "bytes=2000000-", "if-range": etag });
    expect(resume.status).toBe(206);
    expect(resume.body.equals(data.subarray(2000000))).toBe(true);
    expect((await download(P.vol, "data.raw", { range: `bytes=${data.length}-` })).status).toBe(416);
    const changed = await download(P.vol, "data.raw", { range: "bytes=0-9", "if-range": '"another"' });
    expect({ status: changed.status, length: changed.body.length }).toEqual({ status: 200, length: data.length });
    expect((await download(P.vol, "no-such.raw")).status).toBe(404);

    // Resize: grow; smaller is refused naming the field.
    const grow = await volumeResize(P.vol, "data.raw", 8 * 1024 * 1024);
    expect(grow.status, JSON.stringify(grow.json)).toBe(200);
    expect(grow.json.volume.capacityBytes).toBe(8 * 1024 * 1024);
    const shrink = await volumeResize(P.vol, "data.raw", 4 * 1024 * 1024);
    expect(fieldOf(shrink)).toEqual({ status: 422, field: "capacityBytes" });

    // Clone: a task; the copy has the same bytes; the same name again is refused naming the field.
    const clone = await volumeClone(P.vol, "data.raw", "copy.raw");
    expect(clone.status, JSON.stringify(clone.json)).toBe(202);
    const done = await taskEnded(f, clone.json.task.id);
    expect(done.status, JSON.stringify(done)).toBe("succeeded");
    expect(sha(readFileSync(`${target}/copy.raw`))).toBe(sha(readFileSync(`${target}/data.raw`)));
    const again = await volumeClone(P.vol, "data.raw", "copy.raw");
    expect(fieldOf(again)).toEqual({ status: 409, field: "newName" });
    const bad = await volumeClone(P.vol, "data.raw", "-x; rm");
    expect(fieldOf(bad)).toEqual({ status: 422, field: "newName" });

    const audit = await f.mod.db.db().auditEvent.findMany({ where: { targetName: { in: ["data.raw", "copy.raw"] } } });
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(["storage.volume.download", "storage.volume.resize", "storage.volume.clone"]),
    );
    expect((await deleteData(P.vol, P.vol)).status).toBe(200);
    expect((await onPool("DELETE", P.vol)).status).toBe(200);
  }, 120_000);
});

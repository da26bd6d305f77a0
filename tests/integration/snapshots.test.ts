import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DOMParser, XMLSerializer } from "@xmldom/xmldom";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, taskEnded, type FleetContext } from "./helpers/fleet-stack";
import { GuestLab, guestXml, virshSync, type Guest } from "./helpers/fleet-guests";
import { stackEnv } from "./helpers/stack-env";
import { tinyGuestFiles, tinyGuestXml } from "./helpers/tiny-guest";
import { grantPost, routeCall, whoCreate } from "./helpers/route-call";

/**
 * Snapshots on host 1's real libvirt (9.0), through the services and their tasks: internal snapshots
 * of a shut-off qcow2 VM (create, edit, revert running/paused, delete leaf/subtree), external
 * disk-only snapshots of a raw-disk VM and of a running TCG tiny guest (create while running, merge
 * back into the parent with progress), the refusals, and hostile names. Its own guests only.
 */
const lab = new GuestLab("snap");
let f: FleetContext;
let hostId: string;
let snaps: typeof import("@/lib/snapshots/snapshots");
let A: Guest; // qcow2, shut off
let R: { name: string; uuid: string; disk: string }; // raw disk, shut off
let T: { name: string; uuid: string; disk: string }; // tiny guest with a qcow2 disk, running (TCG)

const HOSTILE = `before "upgrade"; $(id) 'x' <&> ünï`;

const snapshotNames = (uuid: string) =>
  virshSync("host1", ["snapshot-list", uuid, "--name"])
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
const state = (uuid: string) => virshSync("host1", ["domstate", uuid]).trim();
const diskSource = (uuid: string) => {
  const xml = virshSync("host1", ["dumpxml", uuid]);
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  const disk = Array.from(doc.getElementsByTagName("disk")).find((d) => d.getAttribute("device") === "disk")!;
  return disk.getElementsByTagName("source")[0]!.getAttribute("file")!;
};

/** Domain XML with one more disk (DOM), or with the first disk's format changed. */
function withDisk(xml: string, file: string, format: "qcow2" | "raw", replace: boolean): string {
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  const devices = doc.getElementsByTagName("devices")[0]!;
  if (replace) {
    const old = Array.from(doc.getElementsByTagName("disk"))[0];
    if (old) devices.removeChild(old);
  }
  const disk = doc.createElement("disk");
  disk.setAttribute("type", "file");
  disk.setAttribute("device", "disk");
  const driver = doc.createElement("driver");
  driver.setAttribute("name", "qemu");
  driver.setAttribute("type", format);
  const source = doc.createElement("source");
  source.setAttribute("file", file);
  const target = doc.createElement("target");
  target.setAttribute("dev", "vda");
  target.setAttribute("bus", "virtio");
  for (const c of [driver, source, target]) disk.appendChild(c);
  devices.appendChild(disk);
  return new XMLSerializer().serializeToString(doc);
}

function define(xml: string) {
  const file = path.join(lab.diskDir("host1"), `def-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  virshSync("host1", ["define", file]);
}

async function run(p: Promise<{ taskId: string }>) {
  const { taskId } = await p;
  return taskEnded(f, taskId);
}

beforeAll(async () => {
  f = await fleetSetup();
  snaps = await import("@/lib/snapshots/snapshots");
  hostId = (await f.addHost(stackEnv().host1)).id;
  await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 0.5 });
  A = lab.define("host1");
  const dir = lab.diskDir("host1");
  R = { name: `vdtest-fleet-snap-${lab.tag}-raw`, uuid: crypto.randomUUID(), disk: path.join(dir, "raw.img") };
  execFileSync("qemu-img", ["create", "-q", "-f", "raw", R.disk, "8M"]);
  define(withDisk(guestXml({ ...R, listen: "127.0.0.1", domainType: stackEnv().domainType }), R.disk, "raw", true));
  T = { name: `vdtest-fleet-snap-${lab.tag}-tiny`, uuid: crypto.randomUUID(), disk: path.join(dir, "tiny.qcow2") };
  lab.createDisk("host1", T.disk, 16);
  define(withDisk(tinyGuestXml({ ...T, ...tinyGuestFiles() }), T.disk, "qcow2", false));
  virshSync("host1", ["start", T.uuid]);
});

afterAll(async () => {
  for (const g of [R, T]) {
    try {
      virshSync("host1", ["destroy", g?.uuid]);
    } catch {}
    try {
      virshSync("host1", ["undefine", g?.uuid, "--snapshots-metadata"]);
    } catch {}
  }
  for (const g of lab.guests) {
    try {
      virshSync("host1", ["snapshot-list", g.uuid]);
      for (const n of snapshotNames(g.uuid)) virshSync("host1", ["snapshot-delete", g.uuid, n, "--metadata"]);
    } catch {}
  }
  if (snaps) await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 });
  const problems = await lab.cleanup();
  await f?.teardown();
  expect(problems).toEqual([]);
});

describe("internal snapshots of a shut-off qcow2 VM", () => {
  it("creates one with a hostile name and description, as a task; the tree marks it current", async () => {
    const t = await run(
      snaps.snapshotCreateEnqueue(f.caller, hostId, A.uuid, {
        name: HOSTILE,
        description: "desc <b> & 'q'",
        kind: "internal",
      }),
    );
    expect(t.error).toBeNull();
    expect(t.status).toBe("succeeded");
    expect(t).toMatchObject({ kind: "vm.snapshot.create", titleKey: "titles.snapshotCreate" });
    expect(snapshotNames(A.uuid)).toEqual([HOSTILE]);
    const { snapshots, capabilities } = await snaps.snapshotsOf(f.caller, hostId, A.uuid);
    expect(snapshots).toEqual([
      expect.objectContaining({
        name: HOSTILE,
        description: "desc <b> & 'q'",
        parent: null,
        state: "shutoff",
        memory: false,
        diskOnly: false,
        location: "internal",
        current: true,
        children: [],
      }),
    ]);
    expect(capabilities).toMatchObject({
      vmState: "shut off",
      internalRefusal: null,
      externalRevert: false,
      libvirtVersion: "9.0.0",
    });
    expect((await f.auditActions("vm.snapshot.create")).at(-1)).toMatchObject({
      outcome: "success",
      targetName: A.name,
    });
  });

  it("refuses bad names naming the field, and a taken name, changing nothing", async () => {
    for (const name of ["-rf", "a/b", " lead", "x".repeat(101), "a\nb"]) {
      await expect(snaps.snapshotCreateEnqueue(f.caller, hostId, A.uuid, { name })).rejects.toMatchObject({
        code: "invalid_input",
        message: expect.stringContaining("name"),
      });
    }
    await expect(
      snaps.snapshotCreateEnqueue(f.caller, hostId, A.uuid, { name: "ok", kind: "both" as never }),
    ).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("kind") });
    await expect(snaps.snapshotCreateEnqueue(f.caller, hostId, A.uuid, { name: HOSTILE })).rejects.toMatchObject({
      code: "invalid_state",
      message: expect.stringContaining("exists already"),
    });
    expect(snapshotNames(A.uuid)).toEqual([HOSTILE]);
  });

  it("edits the description (current kept); refuses to rename an internal snapshot", async () => {
    await run(snaps.snapshotCreateEnqueue(f.caller, hostId, A.uuid, { name: "child" }));
    const edited = await snaps.snapshotEdit(f.caller, hostId, A.uuid, "child", { description: "after ; edit" });
    expect(edited).toMatchObject({ name: "child", description: "after ; edit", parent: HOSTILE, current: true });
    expect(virshSync("host1", ["snapshot-current", A.uuid, "--name"]).trim()).toBe("child");
    await expect(snaps.snapshotEdit(f.caller, hostId, A.uuid, "child", { name: "renamed" })).rejects.toMatchObject({
      code: "invalid_state",
      message: expect.stringContaining("qcow2 images know it by that name"),
    });
    expect(snapshotNames(A.uuid)).toEqual([HOSTILE, "child"]);
  });

  it("reverts: running, then paused, as the user picks", async () => {
    let t = await run(snaps.snapshotRevertEnqueue(f.caller, hostId, A.uuid, HOSTILE, { after: "running" }));
    expect(t.error).toBeNull();
    expect(state(A.uuid)).toBe("running");
    t = await run(snaps.snapshotRevertEnqueue(f.caller, hostId, A.uuid, "child", { after: "paused" }));
    expect(t.error).toBeNull();
    expect(state(A.uuid)).toBe("paused");
    expect(virshSync("host1", ["snapshot-current", A.uuid, "--name"]).trim()).toBe("child");
    virshSync("host1", ["destroy", A.uuid]);
    await expect(
      snaps.snapshotRevertEnqueue(f.caller, hostId, A.uuid, "child", { after: "later" as never }),
    ).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("after") });
    await expect(snaps.snapshotRevertEnqueue(f.caller, hostId, A.uuid, "-x", {})).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("delete: a parent as a leaf is refused; the subtree goes", async () => {
    await expect(snaps.snapshotDeleteEnqueue(f.caller, hostId, A.uuid, HOSTILE, "leaf")).rejects.toMatchObject({
      code: "invalid_state",
      message: expect.stringContaining("has 1 child snapshot(s) (child)"),
    });
    await expect(snaps.snapshotDeleteEnqueue(f.caller, hostId, A.uuid, HOSTILE, "merge")).rejects.toMatchObject({
      message: expect.stringContaining("no overlay to merge"),
    });
    const t = await run(snaps.snapshotDeleteEnqueue(f.caller, hostId, A.uuid, HOSTILE, "subtree"));
    expect(t.error).toBeNull();
    expect(t.result).toEqual({ removed: [HOSTILE, "child"] });
    expect(snapshotNames(A.uuid)).toEqual([]);
    expect((await f.auditActions("vm.snapshot.delete")).at(-1)).toMatchObject({ outcome: "success" });
  });
});

describe("external disk-only snapshots", () => {
  it("raw disk: internal refused with what to do instead; external works; then internal refused, revert refused", async () => {
    await expect(
      snaps.snapshotCreateEnqueue(f.caller, hostId, R.uuid, { name: "i", kind: "internal" }),
    ).rejects.toMatchObject({
      code: "invalid_state",
      message: expect.stringMatching(/Disk vda is raw: .*Take an external/),
    });
    const t = await run(snaps.snapshotCreateEnqueue(f.caller, hostId, R.uuid, { name: "ext 1", kind: "external" }));
    expect(t.error).toBeNull();
    const overlay = diskSource(R.uuid);
    expect(overlay).toMatch(/\/raw\.snap-\d{8}T\d{6}-[0-9a-f]{4}\.qcow2$/);
    expect(existsSync(overlay)).toBe(true);
    const { snapshots, capabilities } = await snaps.snapshotsOf(f.caller, hostId, R.uuid);
    expect(snapshots[0]).toMatchObject({
      name: "ext 1",
      diskOnly: true,
      location: "external",
      memory: false,
      current: true,
    });
    expect(capabilities.internalRefusal).toMatch(/external snapshot overlays/);
    await expect(snaps.snapshotRevertEnqueue(f.caller, hostId, R.uuid, "ext 1", {})).rejects.toMatchObject({
      code: "invalid_state",
      message: expect.stringMatching(/libvirt 9\.0\.0 on this host cannot revert to external snapshots/),
    });
    await expect(snaps.snapshotDeleteEnqueue(f.caller, hostId, R.uuid, "ext 1", "leaf")).rejects.toMatchObject({
      message: expect.stringContaining('Choose "merge into parent"'),
    });
  });

  it("raw disk, shut off: merge into parent puts the VM back on its image", async () => {
    const t = await run(snaps.snapshotDeleteEnqueue(f.caller, hostId, R.uuid, "ext 1", "merge"));
    expect(t.error).toBeNull();
    expect(t.titleKey).toBe("titles.snapshotDelete");
    expect(snapshotNames(R.uuid)).toEqual([]);
    expect(diskSource(R.uuid)).toBe(R.disk);
  });

  it("running tiny guest: an external snapshot while it runs, merged back into its image with the VM running", async () => {
    expect(state(T.uuid)).toBe("running");
    const t = await run(snaps.snapshotCreateEnqueue(f.caller, hostId, T.uuid, { name: "live; 1", kind: "external" }));
    expect(t.error).toBeNull();
    // No guest agent in the tiny guest: not quiesced, and the log does not claim it.
    expect(t.result).toMatchObject({ quiesced: false });
    expect(t.logs.map((l) => l.lineKey)).not.toContain("lines.snapshotQuiesce");
    expect(state(T.uuid)).toBe("running");
    const overlay = diskSource(T.uuid);
    expect(overlay).toMatch(/tiny\.snap-.*\.qcow2$/);
    const info = JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", overlay], { encoding: "utf8" }));
    expect(info["backing-filename"]).toBe(T.disk);

    const m = await run(snaps.snapshotDeleteEnqueue(f.caller, hostId, T.uuid, "live; 1", "merge"));
    expect(m.error).toBeNull();
    expect(m.status).toBe("succeeded");
    expect(m.progress).toBe(100);
    expect(state(T.uuid)).toBe("running");
    expect(diskSource(T.uuid)).toBe(T.disk);
    expect(snapshotNames(T.uuid)).toEqual([]);
  });

  it("rename and describe an external snapshot (redefine), current kept", async () => {
    await run(snaps.snapshotCreateEnqueue(f.caller, hostId, R.uuid, { name: "e-old", kind: "external" }));
    const v = await snaps.snapshotEdit(f.caller, hostId, R.uuid, "e-old", { name: "e new 'x'", description: "d" });
    expect(v).toMatchObject({ name: "e new 'x'", description: "d", current: true, location: "external" });
    expect(snapshotNames(R.uuid)).toEqual(["e new 'x'"]);
    const m = await run(snaps.snapshotDeleteEnqueue(f.caller, hostId, R.uuid, "e new 'x'", "merge"));
    expect(m.error).toBeNull();
    expect(diskSource(R.uuid)).toBe(R.disk);
  });
});

describe("scheduled snapshots", () => {
  it("runs as tasks from the minute tick; retention deletes only the schedule's own oldest snapshots", async () => {
    const sched = await import("@/lib/snapshots/schedules");
    expect(await sched.snapshotSchedulerStart({ pollingIntervalSeconds: 1 })).toEqual(expect.any(String));
    const { taskQueue } = await import("@/lib/tasks/queue");
    expect((await (await taskQueue()).getSchedules()).map((s) => s.name)).toContain(sched.SNAPSHOT_SCHEDULE_QUEUE);

    await run(snaps.snapshotCreateEnqueue(f.caller, hostId, A.uuid, { name: "manual; keep me" }));
    await expect(
      sched.snapshotScheduleCreate(f.caller, hostId, A.uuid, { every: { mode: "hours", hours: 1 }, keep: 0 }),
    ).rejects.toMatchObject({ code: "invalid_input", message: expect.stringContaining("keep") });
    const s = await sched.snapshotScheduleCreate(f.caller, hostId, A.uuid, {
      every: { mode: "hours", hours: 1 },
      keep: 2,
    });
    expect(s.nextRuns).toHaveLength(5);
    expect(new Date(s.nextRuns[0]!).getUTCMinutes()).toBe(0);
    const db = f.mod.db.db();
    const names: string[] = [];
    for (const hour of [1, 2, 3]) {
      const due = new Date(Date.UTC(2026, 0, 1, hour));
      await db.snapshotSchedule.update({ where: { id: s.id }, data: { nextRunAt: due } });
      const [taskId, ...more] = await sched.snapshotSchedulesTick(new Date(Date.UTC(2026, 0, 1, hour, 0, 30)));
      expect(more).toEqual([]);
      // A second tick in the same minute (another instance) finds nothing due: the run was claimed.
      expect(await sched.snapshotSchedulesTick(new Date(Date.UTC(2026, 0, 1, hour, 0, 40)))).toEqual([]);
      const t = await taskEnded(f, taskId!);
      expect(t.error).toBeNull();
      names.push(`auto-20260101-0${hour}00`);
    }
    expect(snapshotNames(A.uuid).sort()).toEqual(["manual; keep me", names[1], names[2]].sort());
    const [view] = await sched.snapshotSchedulesOf(f.caller, hostId, A.uuid);
    expect(view).toMatchObject({ snapshots: 2, lastTask: { status: "succeeded" } });
    const tree = await snaps.snapshotsOf(f.caller, hostId, A.uuid);
    expect(tree.snapshots.filter((x) => x.scheduled).map((x) => x.name)).toEqual([names[1], names[2]]);
    const deletes = await f.auditActions("vm.snapshot.delete");
    expect(deletes.at(-1)).toMatchObject({
      outcome: "success",
      details: expect.objectContaining({ retention: true, snapshot: names[0] }),
    });
    await sched.snapshotScheduleDelete(f.caller, hostId, A.uuid, s.id);
    expect(await sched.snapshotSchedulesOf(f.caller, hostId, A.uuid)).toEqual([]);
  });

  it("a run that fails shows in the schedule, the task and the audit log", async () => {
    const sched = await import("@/lib/snapshots/schedules");
    const s = await sched.snapshotScheduleCreate(f.caller, hostId, R.uuid, {
      every: { mode: "daily", at: "02:00" },
      keep: 7,
    });
    expect(s.every).toEqual({ mode: "daily", at: "02:00" });
    await f.mod.db
      .db()
      .snapshotSchedule.update({ where: { id: s.id }, data: { nextRunAt: new Date(Date.UTC(2026, 0, 2, 2)) } });
    const queued = await sched.snapshotSchedulesTick(new Date(Date.UTC(2026, 0, 2, 2, 0, 5)));
    const tasks = await Promise.all(queued.map((id) => taskEnded(f, id)));
    const t = tasks.find((x) => x.vmUuid === R.uuid)!;
    expect(t.status).toBe("failed");
    expect(t.error).toMatch(/Disk vda is raw/);
    const [view] = await sched.snapshotSchedulesOf(f.caller, hostId, R.uuid);
    expect(view!.lastTask).toMatchObject({ status: "failed", error: expect.stringMatching(/raw/) });
    expect((await f.auditActions("vm.snapshot.create")).at(-1)).toMatchObject({
      outcome: "failure",
      details: expect.objectContaining({ scheduleId: s.id }),
    });
    await sched.snapshotScheduleDelete(f.caller, hostId, R.uuid, s.id);
  });
});

describe("through the routes", () => {
  it("422 names the field; a viewer sees the tree but may not take a snapshot (403)", async () => {
    const admin = await whoCreate(f, `snap-admin-${lab.tag}`, "admin");
    const bad = await routeCall(
      admin,
      "POST",
      "vms/[hostId]/[uuid]/snapshots",
      { hostId, uuid: A.uuid },
      { name: "-x" },
    );
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.json)).toContain("name");
    const viewer = await whoCreate(f, `snap-viewer-${lab.tag}`, "helpdesk");
    const g = await grantPost(admin, {
      subject: { kind: "user", id: viewer.id },
      roleId: "viewer",
      scope: { kind: "vm", hostId, vmUuid: A.uuid },
    });
    expect(g.status).toBe(201);
    const before = snapshotNames(A.uuid);
    const list = await routeCall(viewer, "GET", "vms/[hostId]/[uuid]/snapshots", { hostId, uuid: A.uuid });
    expect(list.status).toBe(200);
    const denied = await routeCall(
      viewer,
      "POST",
      "vms/[hostId]/[uuid]/snapshots",
      { hostId, uuid: A.uuid },
      { name: "n" },
    );
    expect(denied.status).toBe(403);
    expect(snapshotNames(A.uuid)).toEqual(before);
  });
});

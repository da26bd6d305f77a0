import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { DOMParser, XMLSerializer } from "@xmldom/xmldom";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, until, type FleetContext } from "./helpers/fleet-stack";
import { guestXml, virshSync } from "./helpers/fleet-guests";
import { stackEnv } from "./helpers/stack-env";

/**
 * Delete a VM with storage on host 1's real libvirt: a base image that another VM's overlay
 * uses as its backing file is refused, the VM's own disk goes with it, and a VM with a managed
 * save and snapshot metadata is undefined cleanly. Its own transient pool and guests only.
 */
const TAG = `vdvmdel${randomBytes(3).toString("hex")}`;
const POOL = `${TAG}-pool`;
const DIR = `/var/tmp/${TAG}`;
const A = { name: `${TAG}-a`, uuid: randomUUID() };
const B = { name: `${TAG}-b`, uuid: randomUUID() };

let f: FleetContext;
let hostId: string;
let del: typeof import("@/lib/provisioning/vm-delete");
let tasks: typeof import("@/lib/tasks/tasks");

/** guestXml plus extra disks, through the DOM. */
function domainXml(g: { name: string; uuid: string }, disks: string[]): string {
  const base = guestXml({
    name: g.name,
    uuid: g.uuid,
    disk: disks[0],
    listen: "127.0.0.1",
    domainType: stackEnv().domainType,
  });
  const doc = new DOMParser().parseFromString(base, "text/xml");
  const devices = doc.getElementsByTagName("devices")[0];
  disks.slice(1).forEach((file, i) => {
    const disk = doc.createElement("disk");
    disk.setAttribute("type", "file");
    disk.setAttribute("device", "disk");
    const driver = doc.createElement("driver");
    driver.setAttribute("name", "qemu");
    driver.setAttribute("type", "qcow2");
    const source = doc.createElement("source");
    source.setAttribute("file", file);
    const target = doc.createElement("target");
    target.setAttribute("dev", `vd${String.fromCharCode(98 + i)}`);
    target.setAttribute("bus", "virtio");
    for (const c of [driver, source, target]) disk.appendChild(c);
    devices.appendChild(disk);
  });
  return new XMLSerializer().serializeToString(doc);
}

function define(xml: string) {
  const file = `${DIR}/def-${randomBytes(3).toString("hex")}.xml`;
  writeFileSync(file, xml);
  virshSync("host1", ["define", file]);
  rmSync(file);
}

const vols = () => virshSync("host1", ["vol-list", POOL]);
const defined = (uuid: string) => {
  try {
    virshSync("host1", ["domstate", uuid]);
    return true;
  } catch {
    return false;
  }
};

async function finished(id: string) {
  return until(
    "the task finishes",
    async () => {
      const t = await tasks.taskGet(f.caller, id);
      return (t.status === "succeeded" || t.status === "failed") && t;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  virshSync("host1", ["pool-create-as", POOL, "dir", "--target", DIR]);
  virshSync("host1", ["vol-create-as", POOL, "base.qcow2", "16M", "--format", "qcow2"]);
  virshSync("host1", [
    "vol-create-as",
    POOL,
    "a-overlay.qcow2",
    "16M",
    "--format",
    "qcow2",
    "--backing-vol",
    `${DIR}/base.qcow2`,
    "--backing-vol-format",
    "qcow2",
  ]);
  virshSync("host1", ["vol-create-as", POOL, "b-disk.qcow2", "16M", "--format", "qcow2"]);
  define(domainXml(A, [`${DIR}/a-overlay.qcow2`]));
  // B uses its own disk, and the base image directly as a second disk.
  define(domainXml(B, [`${DIR}/b-disk.qcow2`, `${DIR}/base.qcow2`]));
  f = await fleetSetup();
  del = await import("@/lib/provisioning/vm-delete");
  tasks = await import("@/lib/tasks/tasks");
  hostId = (await f.addHost(stackEnv().host1)).id;
  await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 0.5 });
});

afterAll(async () => {
  for (const g of [A, B]) {
    try {
      virshSync("host1", ["destroy", g.uuid]);
    } catch {}
    try {
      virshSync("host1", ["undefine", g.uuid, "--managed-save", "--snapshots-metadata"]);
    } catch {}
  }
  try {
    virshSync("host1", ["pool-destroy", POOL]);
  } catch {}
  rmSync(DIR, { recursive: true, force: true });
  if (tasks) await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 });
  await f?.teardown();
});

describe("delete a VM with storage", () => {
  it("plans: the base image in another VM's backing chain may not go, the VM's own disk may", async () => {
    const plan = await del.vmDeletePlan(hostId, B.uuid);
    expect(plan.vmName).toBe(B.name);
    const own = plan.disks.find((d) => d.path === `${DIR}/b-disk.qcow2`)!;
    const base = plan.disks.find((d) => d.path === `${DIR}/base.qcow2`)!;
    expect(own).toMatchObject({ deletable: true, reason: null, usedBy: [] });
    expect(base).toMatchObject({ deletable: false, usedBy: [A.name] });
    expect(base.reason).toBe(
      `used by ${A.name} (in a backing chain); read by volume ${POOL}/a-overlay.qcow2 (backed by it)`,
    );
  });

  it("refuses up front to delete a volume in another VM's backing chain, and changes nothing", async () => {
    await expect(del.vmDeleteEnqueue(f.caller, hostId, B.uuid, [`${DIR}/base.qcow2`])).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining(`used by ${A.name} (in a backing chain)`),
    });
    await expect(del.vmDeleteEnqueue(f.caller, hostId, B.uuid, ["/etc/passwd"])).rejects.toMatchObject({
      code: "invalid_input",
    });
    expect(defined(B.uuid)).toBe(true);
    expect(vols()).toContain("base.qcow2");
  });

  it("deletes a VM with a managed save and snapshot metadata together with its own disk, as a task", async () => {
    virshSync("host1", ["snapshot-create-as", B.uuid, "s1"]);
    virshSync("host1", ["start", B.uuid]);
    virshSync("host1", ["managedsave", B.uuid]);
    const plan = await del.vmDeletePlan(hostId, B.uuid);
    expect(plan).toMatchObject({ hasManagedSave: true, hasSnapshots: true, state: "shut off" });

    const t = await del.vmDeleteEnqueue(f.caller, hostId, B.uuid, [`${DIR}/b-disk.qcow2`]);
    expect(t).toMatchObject({
      kind: "vm.delete",
      vmUuid: B.uuid,
      hostId,
      title: `Delete ${B.name} and 1 volume(s)`,
      titleKey: "titles.vmDelete",
      titleParams: { name: B.name, volumes: 1 },
    });
    const done = await finished(t.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    expect(done.result).toEqual({
      vmName: B.name,
      deletedVolumes: [`${DIR}/b-disk.qcow2`],
      keptVolumes: [`${DIR}/base.qcow2`],
    });
    expect(defined(B.uuid)).toBe(false);
    expect(existsSync(`${DIR}/b-disk.qcow2`)).toBe(false);
    expect(existsSync(`${DIR}/base.qcow2`)).toBe(true); // not selected, and still A's backing file
    expect((await f.auditActions("vm.delete")).at(-1)).toMatchObject({ targetName: B.name });
    // Each log line and the last status message keep their English and their message key + arguments.
    expect(done).toMatchObject({ message: "Deleted", messageKey: "steps.deleted", messageParams: {} });
    expect(done.logs.map(({ line, lineKey, lineParams }) => ({ line, lineKey, lineParams }))).toEqual([
      {
        line: `Undefined ${B.name} with its managed save and snapshot metadata`,
        lineKey: "lines.undefined",
        lineParams: { name: B.name, managedSave: "yes", snapshots: "yes" },
      },
      {
        line: `Deleted ${DIR}/b-disk.qcow2`,
        lineKey: "lines.volumeDeleted",
        lineParams: { path: `${DIR}/b-disk.qcow2` },
      },
      {
        line: expect.stringMatching(/: used by .+ \(in a backing chain\)/),
        lineKey: "lines.volumeKept",
        lineParams: { path: `${DIR}/base.qcow2`, reason: expect.stringContaining(`used by ${A.name}`) },
      },
    ]);
  });

  it("a running VM is forced off first; its overlay goes, the base stays", async () => {
    virshSync("host1", ["start", A.uuid]);
    const t = await del.vmDeleteEnqueue(f.caller, hostId, A.uuid, [`${DIR}/a-overlay.qcow2`]);
    const done = await finished(t.id);
    expect(done.status).toBe("succeeded");
    expect(done.logs).toContainEqual(
      expect.objectContaining({
        line: `Forced off ${A.name}`,
        lineKey: "lines.forcedOff",
        lineParams: { name: A.name },
      }),
    );
    expect(defined(A.uuid)).toBe(false);
    expect(vols()).not.toContain("a-overlay.qcow2");
    expect(vols()).toContain("base.qcow2");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskEnded, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { domstate, isolatedNetworkCreate, networkRemove, virshLocal, type TestPool } from "./helpers/provisioning-pool";
import { provisioningStackStart, type ProvisioningStack } from "./helpers/provisioning-stack";

/**
 * Hardware edits, clone and the template guard against host 1's real libvirt: each edit is
 * checked in `virsh dumpxml` (persistent and live); a running guest shows what applies after
 * shutdown. NICs go on an isolated libvirt network with no IP and no DHCP.
 */
const PREFIX = "vdprove-";
const NET = `${PREFIX}net`;

type Create = typeof import("@/lib/provisioning/vm-create");
type Clone = typeof import("@/lib/provisioning/vm-clone") & typeof import("@/lib/provisioning/vm-template");
type Edit = typeof import("@/lib/provisioning/vm-edit");
type Contracts = typeof import("@/lib/contracts/provisioning");
type Hardware = typeof import("@/lib/contracts/hardware");

let f: FleetContext;
let host: HostView;
let pool: TestPool;
let stack: ProvisioningStack;
let create: Create;
let clone: Clone;
let edit: Edit;
let c: Contracts;
let hwc: Hardware;
let templateId: string;

beforeAll(async () => {
  isolatedNetworkCreate(NET, "vdpe0");
  stack = await provisioningStackStart(PREFIX);
  ({ pool, f, host } = stack);
  create = await import("@/lib/provisioning/vm-create");
  clone = { ...(await import("@/lib/provisioning/vm-clone")), ...(await import("@/lib/provisioning/vm-template")) };
  edit = await import("@/lib/provisioning/vm-edit");
  c = await import("@/lib/contracts/provisioning");
  hwc = await import("@/lib/contracts/hardware");
  const templates = await import("@/lib/templates/templates");
  templateId = (
    await templates.templateCreate(
      f.caller,
      c.TemplateInputSchema.parse({
        name: "edit base",
        vcpus: 1,
        memoryMiB: 64,
        maxMemoryMiB: 96,
        domainType: "qemu",
        disks: [{ sizeMiB: 32, format: "qcow2", bus: "virtio", pool: pool.name }],
        source: { kind: "image", pool: pool.name, volume: pool.baseVolume },
      }),
    )
  ).id;
});

afterAll(async () => {
  await stack?.close();
  networkRemove(NET);
});

async function deploy(name: string, start: boolean): Promise<string> {
  const r = await create.vmCreate(
    f.caller,
    c.VmCreateSchema.parse({
      mode: "template",
      hostId: host.id,
      templateId,
      name: `${PREFIX}${name}`,
      clone: "linked",
      start,
    }),
  );
  return r.vm!.uuid;
}

/** Edits a VM of host 1 as the admin (the input as the API takes it). */
const hardwareEdit = (uuid: string, input: Record<string, unknown>) =>
  edit.vmHardwareEdit(f.caller, host.id, uuid, hwc.VmEditSchema.parse(input));

/** An 8 MiB qcow2 volume in the test pool backed by the qcow2 file `backing`. */
const overlayCreate = (name: string, backing: string) =>
  virshLocal(
    "vol-create-as",
    pool.name,
    name,
    "8M",
    "--format",
    "qcow2",
    "--backing-vol",
    backing,
    "--backing-vol-format",
    "qcow2",
  );

const inactiveXml = (uuid: string) => virshLocal("dumpxml", "--inactive", uuid);
const liveXml = (uuid: string) => virshLocal("dumpxml", uuid);

const taskDone = (id: string) => taskEnded(f, id);

describe("edit hardware", () => {
  it("changes a shut-off VM's CPU, memory, boot, title, disks, ISO and NICs in its definition", async () => {
    const uuid = await deploy("off", false);
    const hostile = `T <b>"x"</b> & 'y'`;
    const r = await hardwareEdit(uuid, {
      vcpus: 2,
      memoryMiB: 80,
      maxMemoryMiB: 128,
      title: hostile,
      bootOrder: ["cdrom", "hd"],
      bootMenu: true,
    });
    expect(r.afterShutdown).toEqual([]);
    let xml = inactiveXml(uuid);
    expect(xml).toContain("<vcpu placement='static'>2</vcpu>");
    expect(xml).toContain("<memory unit='KiB'>131072</memory>");
    expect(xml).toContain("<currentMemory unit='KiB'>81920</currentMemory>");
    expect(xml).toContain("<title>T &lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; &apos;y&apos;</title>");
    expect(xml).toMatch(/<boot dev='cdrom'\/>\s*<boot dev='hd'\/>\s*<bootmenu enable='yes' timeout='3000'\/>/);

    await hardwareEdit(uuid, { addDisk: { sizeMiB: 8, format: "raw", bus: "virtio", pool: pool.name } });
    xml = inactiveXml(uuid);
    expect(xml).toContain(`<source file='${pool.dir}/${PREFIX}off-disk1.raw'/>`);
    expect(xml).toMatch(/<target dev='vdb' bus='virtio'\/>/);

    await hardwareEdit(uuid, { resizeDisk: { target: "vdb", sizeMiB: 16 } });
    expect(virshLocal("vol-info", "--bytes", "--pool", pool.name, `${PREFIX}off-disk1.raw`)).toMatch(
      /Capacity:\s+16777216 bytes/,
    );
    await expect(hardwareEdit(uuid, { resizeDisk: { target: "vdb", sizeMiB: 4 } })).rejects.toMatchObject({
      code: "invalid_input",
    });

    await hardwareEdit(uuid, { removeDisk: "vdb" });
    expect(inactiveXml(uuid)).not.toContain("-disk1.raw");

    await hardwareEdit(uuid, { attachIso: { pool: pool.name, volume: pool.isoVolume } });
    expect(inactiveXml(uuid)).toMatch(
      new RegExp(
        `device='cdrom'>[\\s\\S]*?<source file='${pool.dir}/${pool.isoVolume}'/>[\\s\\S]*?<target dev='hda' bus='ide'/>`,
      ),
    );
    await hardwareEdit(uuid, { ejectIso: "hda" });
    expect(inactiveXml(uuid)).not.toContain(pool.isoVolume);
    expect(inactiveXml(uuid)).toContain("<target dev='hda' bus='ide'/>");

    await hardwareEdit(uuid, { addNic: { kind: "network", source: NET, model: "e1000", mac: "52:54:00:0e:d1:70" } });
    expect(inactiveXml(uuid)).toMatch(
      /<mac address='52:54:00:0e:d1:70'\/>\s*<source network='vdprove-net'\/>\s*<model type='e1000'\/>/,
    );
    await hardwareEdit(uuid, { removeNic: "52:54:00:0e:d1:70" });
    expect(inactiveXml(uuid)).not.toContain("<interface");

    await hardwareEdit(uuid, { autostart: true });
    expect(virshLocal("dominfo", uuid)).toMatch(/Autostart:\s+enable/);
    await hardwareEdit(uuid, { autostart: false });
    expect(virshLocal("dominfo", uuid)).toMatch(/Autostart:\s+disable/);
    // Every edit is audited; the refused shrink as the one failure.
    const edits = await f.auditActions("vm.edit");
    expect(edits.filter((a) => a.outcome === "failure")).toHaveLength(1);
    expect(edits.filter((a) => a.outcome === "success").length).toBeGreaterThanOrEqual(10);
  });

  it("applies what it can to a running VM and shows the rest as pending", async () => {
    const uuid = await deploy("on", true);
    expect(domstate(uuid)).toBe("running");
    const r = await hardwareEdit(uuid, {
      vcpus: 2,
      memoryMiB: 72,
      addNic: { kind: "network", source: NET, model: "virtio", mac: "" },
      addDisk: { sizeMiB: 4, format: "qcow2", bus: "virtio", pool: pool.name },
    });
    // vCPUs above the running maximum wait for a shutdown; memory below the maximum balloons live.
    expect(r.afterShutdown).toContainEqual({
      key: "hwEdit.vcpus",
      params: { count: 2 },
      reason: { key: "hwEdit.aboveMax" },
    });
    expect(r.live).toEqual(
      expect.arrayContaining([
        { key: "hwEdit.memory", params: { mib: 72 } },
        { key: "hwEdit.diskAdded", params: { target: "vdb" } },
      ]),
    );
    expect(
      r.live.some((x) => x.key === "hwEdit.nicAdded" && /^52:54:00(:[0-9a-f]{2}){3}$/.test(String(x.params?.mac))),
    ).toBe(true);
    expect(inactiveXml(uuid)).toContain("<vcpu placement='static'>2</vcpu>");
    const live = liveXml(uuid);
    expect(live).toMatch(/<vcpu placement='static'>1<\/vcpu>/);
    expect(live).toContain(`<source network='${NET}'`);
    expect(live).toContain(`${PREFIX}on-disk1.qcow2`);
    const hw = await edit.vmHardware(host.id, uuid);
    expect(hw.running).toBe(true);
    expect(hw.pending.map((p) => p.field)).toContain("vcpus");
    expect(hw.pending.find((p) => p.field === "vcpus")).toMatchObject({ live: "1", persistent: "2" });
    virshLocal("destroy", uuid);
  });
});

describe("clone and templates", () => {
  it("refuses clones of a running VM and linked clones of an ordinary VM", async () => {
    const uuid = await deploy("src-running", true);
    await expect(
      clone.vmClone(f.caller, host.id, uuid, c.VmCloneSchema.parse({ name: `${PREFIX}x1`, mode: "full" })),
    ).rejects.toMatchObject({ code: "invalid_state" });
    virshLocal("destroy", uuid);
    await expect(
      clone.vmClone(f.caller, host.id, uuid, c.VmCloneSchema.parse({ name: `${PREFIX}x2`, mode: "linked" })),
    ).rejects.toMatchObject({ code: "invalid_state", message: expect.stringMatching(/template/) });
  });

  it("full-clones a shut-off VM with a new name, UUID and MACs", async () => {
    const uuid = await deploy("src", false);
    await hardwareEdit(uuid, { addNic: { kind: "network", source: NET, model: "virtio", mac: "52:54:00:0e:d1:71" } });
    const { taskId } = await clone.vmClone(
      f.caller,
      host.id,
      uuid,
      c.VmCloneSchema.parse({ name: `${PREFIX}copy`, mode: "full", start: true, title: "the copy" }),
    );
    const t = await taskDone(taskId);
    expect(t.error ?? null).toBeNull();
    const newUuid = (t.result as { uuid: string }).uuid;
    expect(newUuid).not.toBe(uuid);
    expect(domstate(newUuid)).toBe("running");
    const xml = inactiveXml(newUuid);
    expect(xml).toContain(`<name>${PREFIX}copy</name>`);
    expect(xml).toContain("<title>the copy</title>");
    expect(xml).toContain(`<source file='${pool.dir}/${PREFIX}copy.qcow2'/>`);
    expect(xml).toMatch(/<mac address='52:54:00:/);
    expect(xml).not.toContain("52:54:00:0e:d1:71");
    // The copy is a copy: it keeps the source's backing chain content but is its own file.
    expect(virshLocal("vol-dumpxml", "--pool", pool.name, `${PREFIX}copy.qcow2`)).not.toContain("<backingStore>");
    virshLocal("destroy", newUuid);
  });

  it("turns a VM into a template that can never start, and deploys linked clones of it", async () => {
    const uuid = await deploy("golden", false);
    virshLocal("autostart", uuid);
    const { template } = await clone.vmToTemplate(f.caller, host.id, uuid, {
      templateName: "golden tpl",
      description: "from a VM",
    });
    expect(template).toMatchObject({
      name: "golden tpl",
      source: { kind: "image", pool: pool.name, volume: `${PREFIX}golden.qcow2` },
      vcpus: 1,
      memoryMiB: 64,
    });
    expect(inactiveXml(uuid)).toContain(
      `<virtdeck:template xmlns:virtdeck="https://virtdeck.dev/xmlns/domain/1" id="${template.id}"/>`,
    );
    expect(virshLocal("dominfo", uuid)).toMatch(/Autostart:\s+disable/);

    const vms = await import("@/lib/fleet/vms");
    const inventory = await import("@/lib/fleet/inventory");
    const summary = (await inventory.inventoryGet(host.id, { maxAgeMs: 0 })).vms.find((v) => v.uuid === uuid)!;
    expect(summary.template).toBe(true);
    expect(summary.allowedActions).not.toContain("start");
    expect(summary.allowedActions).not.toContain("autostart-on");
    await expect(vms.vmActionRun(f.caller, host.id, uuid, "start")).rejects.toMatchObject({
      code: "invalid_state",
      message: expect.stringMatching(/template/),
    });
    await expect(vms.vmActionRun(f.caller, host.id, uuid, "autostart-on")).rejects.toMatchObject({
      code: "invalid_state",
    });
    await expect(hardwareEdit(uuid, { autostart: true })).rejects.toMatchObject({ code: "invalid_state" });
    expect(domstate(uuid)).toBe("shut off");
    expect((await f.auditActions("vm.start")).at(-1)).toMatchObject({ outcome: "failure" });

    // Linked clone of the template VM, and a deploy of the new template record.
    const { taskId } = await clone.vmClone(
      f.caller,
      host.id,
      uuid,
      c.VmCloneSchema.parse({ name: `${PREFIX}from-golden`, mode: "linked", start: true }),
    );
    const t = await taskDone(taskId);
    expect(t.status).toBe("succeeded");
    const linked = (t.result as { uuid: string }).uuid;
    expect(domstate(linked)).toBe("running");
    expect(virshLocal("vol-dumpxml", "--pool", pool.name, `${PREFIX}from-golden.qcow2`)).toContain(
      `<path>${pool.dir}/${PREFIX}golden.qcow2</path>`,
    );
    expect(inactiveXml(linked)).not.toContain("virtdeck:template");
    const r = await create.vmCreate(
      f.caller,
      c.VmCreateSchema.parse({
        mode: "template",
        hostId: host.id,
        templateId: template.id,
        name: `${PREFIX}tpl-deploy`,
        clone: "linked",
      }),
    );
    expect(domstate(r.vm!.uuid)).toBe("running");

    // The record cannot go while the VM is marked as this template: 409 naming the VM.
    const templates = await import("@/lib/templates/templates");
    await expect(templates.templateDelete(f.caller, template.id)).rejects.toMatchObject({
      code: "conflict",
      status: 409,
      message: expect.stringContaining(`VM "${PREFIX}golden" on ${host.name} is marked as this template`),
    });
    expect((await templates.templateGet(template.id)).id).toBe(template.id);
    expect((await f.auditActions("template.delete")).at(-1)).toMatchObject({ outcome: "failure" });
  });

  it("deletes a template whose template VM is gone", async () => {
    const uuid = await deploy("golden2", false);
    const { template } = await clone.vmToTemplate(f.caller, host.id, uuid, {
      templateName: "golden tpl 2",
      description: "",
    });
    const templates = await import("@/lib/templates/templates");
    await expect(templates.templateDelete(f.caller, template.id)).rejects.toMatchObject({ code: "conflict" });
    virshLocal("undefine", uuid);
    await templates.templateDelete(f.caller, template.id);
    await expect(templates.templateGet(template.id)).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("unmark a template", () => {
  it("unmarks a template VM: the mark and its template record go, and the VM starts again", async () => {
    const uuid = await deploy("unmark", false);
    const { template } = await clone.vmToTemplate(f.caller, host.id, uuid, {
      templateName: "unmark tpl",
      description: "",
    });
    expect(inactiveXml(uuid)).toContain("virtdeck:template");
    const vms = await import("@/lib/fleet/vms");
    await expect(vms.vmActionRun(f.caller, host.id, uuid, "start")).rejects.toMatchObject({ code: "invalid_state" });

    const r = await clone.vmUnmarkTemplate(f.caller, host.id, uuid);
    expect(r.template).toEqual({ id: template.id, name: "unmark tpl", deleted: true });
    expect(inactiveXml(uuid)).not.toContain("virtdeck:template");
    const templates = await import("@/lib/templates/templates");
    await expect(templates.templateGet(template.id)).rejects.toMatchObject({ code: "not_found" });
    expect((await f.auditActions("vm.unmark-template")).at(-1)).toMatchObject({ outcome: "success" });
    expect((await f.auditActions("template.delete")).at(-1)).toMatchObject({ outcome: "success" });

    const inventory = await import("@/lib/fleet/inventory");
    expect((await inventory.inventoryGet(host.id, { maxAgeMs: 0 })).vms.find((v) => v.uuid === uuid)).toMatchObject({
      template: false,
    });
    await vms.vmActionRun(f.caller, host.id, uuid, "start");
    expect(domstate(uuid)).toBe("running");
    // Unmarking an ordinary VM is refused.
    await expect(clone.vmUnmarkTemplate(f.caller, host.id, uuid)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringMatching(/not a template/),
    });
    virshLocal("destroy", uuid);
  });

  it("refuses while a linked clone reads its disk, and while the clone's overlay volume is left", async () => {
    const uuid = await deploy("unmark-busy", false);
    const { template } = await clone.vmToTemplate(f.caller, host.id, uuid, {
      templateName: "unmark busy tpl",
      description: "",
    });
    const { taskId } = await clone.vmClone(
      f.caller,
      host.id,
      uuid,
      c.VmCloneSchema.parse({ name: `${PREFIX}unmark-child`, mode: "linked" }),
    );
    const t = await taskDone(taskId);
    expect(t.status).toBe("succeeded");
    const child = (t.result as { uuid: string }).uuid;

    await expect(clone.vmUnmarkTemplate(f.caller, host.id, uuid)).rejects.toMatchObject({
      code: "conflict",
      status: 409,
      message: expect.stringContaining(`VM "${PREFIX}unmark-child"`),
    });
    // Nothing changed: still marked, still never started, the record still there.
    expect(inactiveXml(uuid)).toContain(`id="${template.id}"`);
    const templates = await import("@/lib/templates/templates");
    expect((await templates.templateGet(template.id)).id).toBe(template.id);
    expect((await f.auditActions("vm.unmark-template")).at(-1)).toMatchObject({ outcome: "failure" });

    // The clone's definition gone, its overlay still reads the template's disk.
    virshLocal("undefine", child);
    await expect(clone.vmUnmarkTemplate(f.caller, host.id, uuid)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining(`volume ${pool.name}/${PREFIX}unmark-child.qcow2 (backed by it)`),
    });
    virshLocal("vol-delete", "--pool", pool.name, `${PREFIX}unmark-child.qcow2`);
    expect((await clone.vmUnmarkTemplate(f.caller, host.id, uuid)).template).toMatchObject({
      id: template.id,
      deleted: true,
    });
    expect(inactiveXml(uuid)).not.toContain("virtdeck:template");
  });
});

describe("remove a disk with its volume", () => {
  const volumes = () => virshLocal("vol-list", pool.name);

  it("deletes the volume together with the disk", async () => {
    const uuid = await deploy("voldel", false);
    // The creator's quota counts the VM's disks in whole GiB: the new disk adds 1, deleting its volume gives it back.
    const diskGiB = async () =>
      (await f.mod.db.db().vmOwner.findUnique({ where: { hostId_vmUuid: { hostId: host.id, vmUuid: uuid } } }))!
        .diskGiB;
    const counted = await diskGiB();
    await hardwareEdit(uuid, { addDisk: { sizeMiB: 8, format: "raw", bus: "virtio", pool: pool.name } });
    expect(volumes()).toContain(`${PREFIX}voldel-disk1.raw`);
    expect(await diskGiB()).toBe(counted + 1);
    const r = await hardwareEdit(uuid, { removeDisk: "vdb", deleteRemovedVolume: true });
    expect(await diskGiB()).toBe(counted);
    expect(r.live).toEqual([
      { key: "hwEdit.diskRemovedDeleted", params: { target: "vdb", path: `${pool.dir}/${PREFIX}voldel-disk1.raw` } },
    ]);
    expect(inactiveXml(uuid)).not.toContain("voldel-disk1.raw");
    expect(volumes()).not.toContain(`${PREFIX}voldel-disk1.raw`);
    expect((await f.auditActions("vm.edit")).at(-1)).toMatchObject({ outcome: "success" });
    // The VM's other disk and its volume are untouched.
    expect(volumes()).toContain(`${PREFIX}voldel.qcow2`);
    // Without the option the volume stays, as before.
    await hardwareEdit(uuid, { addDisk: { sizeMiB: 8, format: "raw", bus: "virtio", pool: pool.name } });
    await hardwareEdit(uuid, { removeDisk: "vdb" });
    expect(volumes()).toContain(`${PREFIX}voldel-disk1.raw`);
    // A volume that stays still takes its space: the quota keeps counting it.
    expect(await diskGiB()).toBe(counted + 1);
    expect(() => hwc.VmEditSchema.parse({ deleteRemovedVolume: true })).toThrow();
  });

  it("refuses, changing nothing, when the volume backs another volume or the guest runs", async () => {
    const uuid = await deploy("volkeep", false);
    await hardwareEdit(uuid, { addDisk: { sizeMiB: 8, format: "qcow2", bus: "virtio", pool: pool.name } });
    const disk = `${pool.dir}/${PREFIX}volkeep-disk1.qcow2`;
    overlayCreate(`${PREFIX}volkeep-overlay.qcow2`, disk);
    const before = inactiveXml(uuid);
    await expect(hardwareEdit(uuid, { removeDisk: "vdb", deleteRemovedVolume: true, vcpus: 2 })).rejects.toMatchObject({
      code: "conflict",
      status: 409,
      message: expect.stringContaining(`volume ${pool.name}/${PREFIX}volkeep-overlay.qcow2 (backed by it)`),
    });
    expect(inactiveXml(uuid)).toBe(before);
    expect(volumes()).toContain(`${PREFIX}volkeep-disk1.qcow2`);
    expect((await f.auditActions("vm.edit")).at(-1)).toMatchObject({ outcome: "failure" });

    // Another VM using it in its backing chain: refused, naming that VM.
    virshLocal("vol-delete", "--pool", pool.name, `${PREFIX}volkeep-overlay.qcow2`);
    const other = await deploy("volkeep-other", false);
    overlayCreate(`${PREFIX}volkeep-other-disk.qcow2`, disk);
    const otherXml = inactiveXml(other).replace(
      "</devices>",
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${pool.dir}/${PREFIX}volkeep-other-disk.qcow2'/><target dev='vdc' bus='virtio'/></disk></devices>`,
    );
    const { writeFileSync } = await import("node:fs");
    writeFileSync(`/tmp/${PREFIX}volkeep-other.xml`, otherXml);
    virshLocal("define", `/tmp/${PREFIX}volkeep-other.xml`);
    await expect(hardwareEdit(uuid, { removeDisk: "vdb", deleteRemovedVolume: true })).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining(`VM "${PREFIX}volkeep-other"`),
    });
    expect(inactiveXml(uuid)).toBe(before);

    // A running guest has the file open.
    virshLocal("start", uuid);
    await expect(hardwareEdit(uuid, { removeDisk: "vdb", deleteRemovedVolume: true })).rejects.toMatchObject({
      code: "invalid_state",
    });
    virshLocal("destroy", uuid);
    expect(volumes()).toContain(`${PREFIX}volkeep-disk1.qcow2`);
  });
});

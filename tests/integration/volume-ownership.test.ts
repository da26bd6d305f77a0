// What a user holding operator on ONE VM (a VM-scoped grant) can attach and delete, through the
// real route handlers against host 1's real libvirt and the real database: the CD-ROM slot takes
// only genuine ISO images that are no VM's disk and no template's base image; deleting the VM
// takes only its own disks, never a CD-ROM's medium, a template base or another VM's disk; a NIC
// on a host bridge needs network.manage on the host; importing an existing volume needs
// storage.manage on the host. NICs go on an isolated libvirt network with no IP and no DHCP.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskEnded, type FleetContext, type HostView } from "./helpers/fleet-stack";
import {
  isolatedNetworkCreate,
  networkRemove,
  virshLocal,
  virshLocalTry,
  type TestPool,
} from "./helpers/provisioning-pool";
import { provisioningStackStart, type ProvisioningStack } from "./helpers/provisioning-stack";
import { routeCall as api, whoCreate, type Who } from "./helpers/route-call";

const PREFIX = "vdvolown-";
const NET = `${PREFIX}net`;

let f: FleetContext;
let host: HostView;
let pool: TestPool;
let stack: ProvisioningStack;
let mine: string; // the operator's VM (linked clone of the template)
let other: string; // someone else's VM (linked clone of the template)
let op: Who; // operator on `mine` only
let creator: Who; // vm.create + template.use on the host, later storage.manage too
const SPARE_BASE = `${PREFIX}spare-base.qcow2`; // base image of a template no VM was deployed from
const FAKE_ISO = `${PREFIX}fake.iso`; // named like an ISO, zeros inside
const SPARE_RAW = `${PREFIX}spare.raw`; // unused volume, no ISO

const who = (username: string) => whoCreate(f, username);

const hardware = (as: Who, uuid: string, body: unknown) =>
  api(as, "PATCH", "vms/[hostId]/[uuid]/hardware", { hostId: host.id, uuid }, body);
/** POST vms/create as the creator: a VM installed from `isoVolume` of the test pool, not started. */
const createFromIso = (name: string, isoVolume: string, hardware: Record<string, unknown>) =>
  api(
    creator,
    "POST",
    "vms/create",
    {},
    {
      mode: "iso",
      hostId: host.id,
      name: `${PREFIX}${name}`,
      iso: { pool: pool.name, volume: isoVolume },
      hardware,
      start: false,
    },
  );
/** Hardware with no disk and one NIC. */
const disklessWithNic = (kind: string, source: string) => ({
  vcpus: 1,
  memoryMiB: 64,
  maxMemoryMiB: 64,
  domainType: "qemu",
  disks: [],
  nics: [{ kind, source }],
});
const volPath = (name: string) => `${pool.dir}/${name}`;
const inactiveXml = (uuid: string) => virshLocal("dumpxml", "--inactive", uuid);

async function role(id: string, privileges: string[]) {
  await f.mod.db.db().accessRole.create({ data: { id, name: id, privileges } });
}

beforeAll(async () => {
  isolatedNetworkCreate(NET, "vdvo0");
  stack = await provisioningStackStart(PREFIX);
  ({ pool, f, host } = stack);
  virshLocal("vol-create-as", pool.name, SPARE_BASE, "16M", "--format", "qcow2");
  virshLocal("vol-create-as", pool.name, FAKE_ISO, "8M", "--format", "raw");
  virshLocal("vol-create-as", pool.name, SPARE_RAW, "8M", "--format", "raw");
  const create = await import("@/lib/provisioning/vm-create");
  const templates = await import("@/lib/templates/templates");
  const c = await import("@/lib/contracts/provisioning");
  const tpl = (volume: string, name: string) =>
    templates.templateCreate(
      f.caller,
      c.TemplateInputSchema.parse({
        name,
        vcpus: 1,
        memoryMiB: 64,
        maxMemoryMiB: 64,
        domainType: "qemu",
        disks: [{ sizeMiB: 32, format: "qcow2", bus: "virtio", pool: pool.name }],
        source: { kind: "image", pool: pool.name, volume },
        defaultHostId: host.id,
      }),
    );
  const t = await tpl(pool.baseVolume, `${PREFIX}tpl`);
  await tpl(SPARE_BASE, `${PREFIX}spare-tpl`);
  const deploy = async (name: string) =>
    (
      await create.vmCreate(
        f.caller,
        c.VmCreateSchema.parse({
          mode: "template",
          hostId: host.id,
          templateId: t.id,
          name: `${PREFIX}${name}`,
          clone: "linked",
          start: false,
        }),
      )
    ).vm!.uuid;
  mine = await deploy("mine");
  other = await deploy("other");
  op = await who(`${PREFIX}op`);
  await f.mod.db
    .db()
    .grant.create({ data: { userId: op.id, roleId: "operator", scope: "vm", hostId: host.id, vmUuid: mine } });
  creator = await who(`${PREFIX}creator`);
  await role(`${PREFIX}create`, ["vm.view", "host.view", "vm.create", "template.use"]);
  await f.mod.db
    .db()
    .grant.create({ data: { userId: creator.id, roleId: `${PREFIX}create`, scope: "host", hostId: host.id } });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  networkRemove(NET);
});

describe("the CD-ROM slot takes only unused ISO images", () => {
  it("refuses another VM's disk, a template's base image, a non-ISO volume and a non-ISO named .iso; takes a real ISO", async () => {
    const otherDisk = `${PREFIX}other.qcow2`;
    let r = await hardware(op, mine, { attachIso: { pool: pool.name, volume: otherDisk } });
    expect(r.status).toBe(409);
    expect(r.json.error.message).toContain(`VM "${PREFIX}other" (as a disk)`);

    for (const base of [pool.baseVolume, SPARE_BASE]) {
      r = await hardware(op, mine, { attachIso: { pool: pool.name, volume: base } });
      expect(r.status).toBe(409);
      expect(r.json.error.message).toMatch(/template "vdvolown-(spare-)?tpl" \(as the base image\)/);
    }

    for (const junk of [SPARE_RAW, FAKE_ISO]) {
      r = await hardware(op, mine, { attachIso: { pool: pool.name, volume: junk } });
      expect(r.status).toBe(422);
      expect(r.json.error.message).toContain("is not an ISO image");
    }
    expect(inactiveXml(mine)).not.toMatch(/device='cdrom'[\s\S]*?<source file=/);

    r = await hardware(op, mine, { attachIso: { pool: pool.name, volume: pool.isoVolume } });
    expect(r.status).toBe(200);
    expect(inactiveXml(mine)).toMatch(
      new RegExp(`device='cdrom'>[\\s\\S]*?<source file='${volPath(pool.isoVolume)}'/>`),
    );
    // The same ISO may sit in several VMs' drives: an ISO library is shared.
    const admin = await import("@/lib/provisioning/vm-edit");
    const hw = await import("@/lib/contracts/hardware");
    await admin.vmHardwareEdit(
      f.caller,
      host.id,
      other,
      hw.VmEditSchema.parse({ attachIso: { pool: pool.name, volume: pool.isoVolume } }),
    );
    expect(inactiveXml(other)).toContain(`<source file='${volPath(pool.isoVolume)}'/>`);
  });

  it("refuses a non-ISO and another VM's disk as the ISO of a new VM", async () => {
    const hw = { vcpus: 1, memoryMiB: 64, maxMemoryMiB: 64, domainType: "qemu", disks: [], nics: [] };
    let r = await createFromIso("fromiso", FAKE_ISO, hw);
    expect(r.status).toBe(422);
    r = await createFromIso("fromiso", `${PREFIX}other.qcow2`, hw);
    expect(r.status).toBe(409);
    expect(virshLocalTry("domuuid", `${PREFIX}fromiso`).ok).toBe(false);
  });
});

describe("NICs", () => {
  it("a NIC on a host bridge needs network.manage on the host; one on a libvirt network does not", async () => {
    let r = await hardware(op, mine, {
      addNic: { kind: "bridge", source: "vdvo0", model: "virtio", mac: "52:54:00:0e:d2:01" },
    });
    expect(r.status).toBe(403);
    expect(r.json.error.message).toContain("network.manage");
    expect(inactiveXml(mine)).not.toContain("52:54:00:0e:d2:01");

    r = await hardware(op, mine, {
      addNic: { kind: "network", source: NET, model: "virtio", mac: "52:54:00:0e:d2:02" },
    });
    expect(r.status).toBe(200);
    expect(inactiveXml(mine)).toMatch(/<mac address='52:54:00:0e:d2:02'\/>\s*<source network='vdvolown-net'\/>/);

    // The forms offer host bridges only to those who may use them.
    const opts = await api(creator, "GET", "hosts/[id]/provisioning", { id: host.id });
    expect(opts.status).toBe(200);
    expect(opts.json.options.mayBridge).toBe(false);
    await role(`${PREFIX}net`, ["network.manage"]);
    const netAdmin = await who(`${PREFIX}netadmin`);
    for (const roleId of [`${PREFIX}create`, `${PREFIX}net`]) {
      await f.mod.db.db().grant.create({ data: { userId: netAdmin.id, roleId, scope: "host", hostId: host.id } });
    }
    expect((await api(netAdmin, "GET", "hosts/[id]/provisioning", { id: host.id })).json.options.mayBridge).toBe(true);

    r = await createFromIso("nicbr", pool.isoVolume, disklessWithNic("bridge", "vdvo0"));
    expect(r.status).toBe(403);
    expect(r.json.error.message).toContain("network.manage");
    expect(virshLocalTry("domuuid", `${PREFIX}nicbr`).ok).toBe(false);
    r = await createFromIso("nicnet", pool.isoVolume, disklessWithNic("network", NET));
    expect(r.status).toBe(201);
    expect(inactiveXml(r.json.vm.uuid)).toContain("<source network='vdvolown-net'/>");
  });
});

describe("importing an existing volume", () => {
  it("needs storage.manage on the host, and a volume no VM or template uses", async () => {
    const body = (volume: string, name: string) => ({
      mode: "import",
      hostId: host.id,
      name: `${PREFIX}${name}`,
      disk: { pool: pool.name, volume },
      hardware: { vcpus: 1, memoryMiB: 64, maxMemoryMiB: 64, domainType: "qemu", disks: [], nics: [] },
      start: false,
    });
    let r = await api(creator, "POST", "vms/create", {}, body(SPARE_RAW, "imp1"));
    expect(r.status).toBe(403);
    expect(r.json.error.message).toContain("storage.manage");
    expect(virshLocalTry("domuuid", `${PREFIX}imp1`).ok).toBe(false);

    await role(`${PREFIX}storage`, ["storage.manage"]);
    await f.mod.db
      .db()
      .grant.create({ data: { userId: creator.id, roleId: `${PREFIX}storage`, scope: "host", hostId: host.id } });
    for (const used of [`${PREFIX}other.qcow2`, SPARE_BASE]) {
      r = await api(creator, "POST", "vms/create", {}, body(used, "imp2"));
      expect(r.status).toBe(409);
    }
    r = await api(creator, "POST", "vms/create", {}, body(SPARE_RAW, "imp1"));
    expect(r.status).toBe(201);
    expect(inactiveXml(r.json.vm.uuid)).toContain(`<source file='${volPath(SPARE_RAW)}'/>`);
  });
});

describe("deleting the VM with storage", () => {
  it("takes only the VM's own disk: its ISO, a template base and another VM's disk in its drives survive", async () => {
    // Put there behind virtdeck's back (an older version allowed it): a template's base image as
    // a second CD-ROM, another VM's disk as a second disk.
    virshLocal("attach-disk", mine, volPath(SPARE_BASE), "hdb", "--type", "cdrom", "--mode", "readonly", "--config");
    virshLocal(
      "attach-disk",
      mine,
      volPath(`${PREFIX}other.qcow2`),
      "vdb",
      "--driver",
      "qemu",
      "--subdriver",
      "qcow2",
      "--config",
    );
    const own = volPath(`${PREFIX}mine.qcow2`);
    const plan = await api(op, "GET", "vms/[hostId]/[uuid]/delete", { hostId: host.id, uuid: mine });
    expect(plan.status).toBe(200);
    const disks = plan.json.plan.disks as { path: string; deletable: boolean; reason: string | null }[];
    const byPath = (p: string) => disks.find((d) => d.path === p)!;
    expect(byPath(own)).toMatchObject({ deletable: true });
    expect(byPath(volPath(pool.isoVolume))).toMatchObject({
      deletable: false,
      reason: "a CD-ROM's medium is never deleted with the VM",
    });
    expect(byPath(volPath(SPARE_BASE))).toMatchObject({ deletable: false });
    expect(byPath(volPath(`${PREFIX}other.qcow2`)).deletable).toBe(false);

    for (const p of [volPath(pool.isoVolume), volPath(SPARE_BASE), volPath(`${PREFIX}other.qcow2`)]) {
      const r = await api(
        op,
        "POST",
        "vms/[hostId]/[uuid]/delete",
        { hostId: host.id, uuid: mine },
        { volumes: [own, p] },
      );
      expect(r.status).toBe(409);
    }
    const r = await api(op, "POST", "vms/[hostId]/[uuid]/delete", { hostId: host.id, uuid: mine }, { volumes: [own] });
    expect(r.status).toBe(202);
    const done = await taskEnded(f, r.json.task.id, "the delete task ends");
    expect(done.error).toBeNull();
    expect(virshLocalTry("domstate", mine).ok).toBe(false);
    expect(existsSync(own)).toBe(false);
    for (const kept of [pool.isoVolume, SPARE_BASE, `${PREFIX}other.qcow2`, pool.baseVolume])
      expect(existsSync(volPath(kept))).toBe(true);
    const lines = done.logs.map((l) => l.line);
    expect(lines).toContain(`Kept ${volPath(pool.isoVolume)}: a CD-ROM's medium is never deleted with the VM`);
    expect(lines.some((l) => l.startsWith(`Kept ${volPath(SPARE_BASE)}:`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`Kept ${volPath(`${PREFIX}other.qcow2`)}: used by ${PREFIX}other`))).toBe(
      true,
    );
  });
});

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskEnded, until, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { domstate, virshLocal, type TestPool } from "./helpers/provisioning-pool";
import { provisioningStackStart, type ProvisioningStack } from "./helpers/provisioning-stack";

/**
 * Templates and VM creation against host 1's real libvirt: a template over a real bootable base
 * image (GRUB's rescue image as qcow2), deployed as a linked clone (qcow2 overlay) and as a full
 * copy (a task with progress), both booted; install from an ISO; a cloud-init seed ISO read back
 * from the pool; pre-flight warnings; hostile titles. Guests are TCG, 64 MiB, without NICs.
 */
const PREFIX = "vdprovc-";

type Templates = typeof import("@/lib/templates/templates");
type Create = typeof import("@/lib/provisioning/vm-create");
type Contracts = typeof import("@/lib/contracts/provisioning");

let f: FleetContext;
let host: HostView;
let pool: TestPool;
let stack: ProvisioningStack;
let templates: Templates;
let create: Create;
let contracts: Contracts;
const scratch = mkdtempSync(path.join(tmpdir(), "vdprovc-"));

beforeAll(async () => {
  stack = await provisioningStackStart(PREFIX);
  ({ pool, f, host } = stack);
  templates = await import("@/lib/templates/templates");
  create = await import("@/lib/provisioning/vm-create");
  contracts = await import("@/lib/contracts/provisioning");
});

afterAll(async () => {
  await stack?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function templateInput(over: Record<string, unknown> = {}) {
  return contracts.TemplateInputSchema.parse({
    name: "GRUB image",
    description: "GRUB rescue as a disk",
    osVariant: "generic",
    vcpus: 1,
    memoryMiB: 64,
    maxMemoryMiB: 96,
    cpuMode: "host-model",
    domainType: "qemu",
    disks: [{ sizeMiB: 32, format: "qcow2", bus: "virtio", cache: "none", pool: pool.name }],
    nics: [],
    graphics: "vnc",
    serialConsole: true,
    source: { kind: "image", pool: pool.name, volume: pool.baseVolume },
    ...over,
  });
}

/** Creates a VM on host 1 as the admin (the input as the API takes it, without hostId). */
const vmCreateOnHost = (input: Record<string, unknown>) =>
  create.vmCreate(f.caller, contracts.VmCreateSchema.parse({ hostId: host.id, ...input }));

const volXml = (name: string) => virshLocal("vol-dumpxml", "--pool", pool.name, name);

/**
 * Waits until the guest has read its boot loader from `dev`: GRUB's core image, modules and font
 * are ~0.8 MB up to its menu; firmware that finds nothing bootable reads a few sectors.
 */
async function bootLoaderRead(uuid: string, dev: string): Promise<number> {
  return until(
    `the guest reads its boot loader from ${dev}`,
    () => {
      const m = /rd_bytes (\d+)/.exec(virshLocal("domblkstat", uuid, dev));
      const n = m ? Number(m[1]) : 0;
      return n > 500_000 && n;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

describe("templates", () => {
  it("creates, lists, updates, duplicates and deletes templates, with audit", async () => {
    const t = await templates.templateCreate(f.caller, templateInput({ name: "crud <one>" }));
    expect(t).toMatchObject({
      name: "crud <one>",
      vcpus: 1,
      memoryMiB: 64,
      source: { kind: "image", volume: pool.baseVolume },
    });
    await expect(templates.templateCreate(f.caller, templateInput({ name: "crud <one>" }))).rejects.toMatchObject({
      code: "conflict",
    });
    const u = await templates.templateUpdate(f.caller, t.id, templateInput({ name: "crud two", vcpus: 2 }));
    expect(u).toMatchObject({ id: t.id, name: "crud two", vcpus: 2 });
    const d1 = await templates.templateDuplicate(f.caller, t.id);
    const d2 = await templates.templateDuplicate(f.caller, t.id);
    expect([d1.name, d2.name]).toEqual(["crud two (copy)", "crud two (copy 2)"]);
    expect(d1).toMatchObject({ vcpus: 2, disks: u.disks });
    expect((await templates.templatesList()).map((x) => x.name)).toEqual(
      expect.arrayContaining(["crud two", "crud two (copy)", "crud two (copy 2)"]),
    );
    for (const x of [t, d1, d2]) await templates.templateDelete(f.caller, x.id);
    await expect(templates.templateGet(t.id)).rejects.toMatchObject({ code: "not_found" });
    expect((await f.auditActions("template.")).map((a) => a.action)).toEqual([
      "template.create",
      "template.update",
      "template.duplicate",
      "template.duplicate",
      "template.delete",
      "template.delete",
      "template.delete",
    ]);
  });

  it("refuses invalid templates", () => {
    expect(() => templateInput({ memoryMiB: 128, maxMemoryMiB: 64 })).toThrow(/Max memory/);
    expect(() => templateInput({ disks: [] })).toThrow(/first disk/);
    expect(() =>
      templateInput({ nics: [{ kind: "network", source: "x", model: "virtio", mac: "01:00:00:00:00:01" }] }),
    ).toThrow(/unicast/);
    expect(() => templateInput({ cpuMode: "custom" })).toThrow(/CPU model/);
  });
});

describe("create VMs", () => {
  let templateId: string;
  beforeAll(async () => {
    templateId = (await templates.templateCreate(f.caller, templateInput())).id;
  });

  it("deploys a linked clone (qcow2 overlay on the base image) and boots it", async () => {
    const t0 = Date.now();
    const r = await vmCreateOnHost({
      mode: "template",
      templateId,
      name: `${PREFIX}linked`,
      clone: "linked",
    });
    const elapsed = Date.now() - t0;
    expect(r.taskId).toBeUndefined();
    expect(r.vm?.name).toBe(`${PREFIX}linked`);
    expect(domstate(r.vm!.uuid)).toBe("running");
    const vol = volXml(`${PREFIX}linked.qcow2`);
    expect(vol).toContain(`<path>${pool.dir}/${pool.baseVolume}</path>`);
    expect(vol).toMatch(/<capacity unit='bytes'>33554432<\/capacity>/);
    const xml = virshLocal("dumpxml", r.vm!.uuid);
    expect(xml).toContain(`<source file='${pool.dir}/${PREFIX}linked.qcow2'`);
    expect(xml).toMatch(/<graphics type='vnc' port='\d+' autoport='yes' listen='127.0.0.1'>/);
    expect(xml).not.toContain("<interface");
    // It boots from the overlay: GRUB comes through the backing chain.
    expect(await bootLoaderRead(r.vm!.uuid, "vda")).toBeGreaterThan(500_000);
    expect(domstate(r.vm!.uuid)).toBe("running");
    console.info(`linked clone create -> running: ${elapsed} ms`);
    expect(elapsed).toBeLessThan(10_000);
    expect((await f.auditActions("vm.create")).at(-1)).toMatchObject({
      outcome: "success",
      targetName: `${PREFIX}linked`,
    });
  });

  it("deploys a full copy as a task with progress and boots it", async () => {
    const r = await vmCreateOnHost({
      mode: "template",
      templateId,
      name: `${PREFIX}full`,
      clone: "full",
      overrides: { vcpus: 2, memoryMiB: 80 },
    });
    expect(r.taskId).toBeTruthy();
    const done = await taskEnded(f, r.taskId!, "the create task finishes");
    expect(done.error ?? null).toBeNull();
    expect(done.status).toBe("succeeded");
    expect(done.progress).toBe(100);
    // The English title for API clients, and the same as a message key the browser translates.
    expect(done).toMatchObject({
      title: `Create ${PREFIX}full on ${host.name} (full copy)`,
      titleKey: "titles.vmCreateCopy",
      titleParams: { name: `${PREFIX}full`, host: host.name },
    });
    expect(done.logs.map((l) => l.line)).toEqual(
      expect.arrayContaining([`Creating volume ${pool.name}/${PREFIX}full.qcow2 (copy)`, "Started"]),
    );
    // A self-contained qcow2 in a dir pool is copied as a file (cp), not through libvirt.
    expect(done.logs.map((l) => l.line)).toContainEqual(
      `Copying ${pool.dir}/${pool.baseVolume} to ${pool.dir}/${PREFIX}full.qcow2 (file copy)`,
    );
    const uuid = (done.result as { uuid: string }).uuid;
    expect(domstate(uuid)).toBe("running");
    expect(await bootLoaderRead(uuid, "vda")).toBeGreaterThan(500_000);
    const vol = volXml(`${PREFIX}full.qcow2`);
    expect(vol).not.toContain("<backingStore>");
    const xml = virshLocal("dumpxml", "--inactive", uuid);
    expect(xml).toContain("<vcpu placement='static'>2</vcpu>");
    expect(xml).toContain("<currentMemory unit='KiB'>81920</currentMemory>");
    // The copy holds the base image's bytes.
    const a = path.join(scratch, "a.raw");
    const b = path.join(scratch, "b.raw");
    execFileSync("qemu-img", ["convert", "-O", "raw", `${pool.dir}/${pool.baseVolume}`, a]);
    execFileSync("qemu-img", ["convert", "-U", "-O", "raw", `${pool.dir}/${PREFIX}full.qcow2`, b]);
    // cmp exits non-zero (and execFileSync throws) when the first 5081088 bytes differ.
    expect(execFileSync("cmp", ["-n", "5081088", a, b], { encoding: "utf8" })).toBe("");
  });

  it("installs from an ISO: boots from the CD-ROM first", async () => {
    const r = await vmCreateOnHost({
      mode: "iso",
      name: `${PREFIX}iso`,
      title: `Installer "<1>"`,
      iso: { pool: pool.name, volume: pool.isoVolume },
      hardware: {
        vcpus: 1,
        memoryMiB: 64,
        maxMemoryMiB: 64,
        domainType: "qemu",
        disks: [{ sizeMiB: 16, format: "qcow2", bus: "virtio", pool: pool.name }],
      },
    });
    expect(domstate(r.vm!.uuid)).toBe("running");
    const xml = virshLocal("dumpxml", r.vm!.uuid);
    expect(xml).toMatch(/<boot dev='cdrom'\/>\s*<boot dev='hd'\/>/);
    expect(xml).toContain(`<source file='${pool.dir}/${pool.isoVolume}'`);
    expect(xml).toContain("<title>Installer &quot;&lt;1&gt;&quot;</title>");
    // The firmware booted the CD: GRUB is read from the ISO's drive.
    const cdTarget = /<disk type='file' device='cdrom'>[\s\S]*?<target dev='(\w+)'/.exec(xml)![1];
    expect(await bootLoaderRead(r.vm!.uuid, cdTarget)).toBeGreaterThan(500_000);
    const shot = path.join(scratch, "iso.png");
    virshLocal("screenshot", r.vm!.uuid, shot);
    expect(execFileSync("file", [shot], { encoding: "utf8" })).toMatch(/image data/);
  });

  it("imports an existing volume", async () => {
    // A self-contained image: an imported volume with a backing file is refused (tests/integration/image-backing.test.ts).
    execFileSync("qemu-img", [
      "convert",
      "-q",
      "-f",
      "qcow2",
      "-O",
      "qcow2",
      `${pool.dir}/${pool.baseVolume}`,
      `${pool.dir}/${PREFIX}import.qcow2`,
    ]);
    virshLocal("pool-refresh", pool.name);
    const r = await vmCreateOnHost({
      mode: "import",
      name: `${PREFIX}import`,
      disk: { pool: pool.name, volume: `${PREFIX}import.qcow2`, format: "qcow2" },
      hardware: { vcpus: 1, memoryMiB: 64, maxMemoryMiB: 64, domainType: "qemu" },
      start: false,
    });
    expect(domstate(r.vm!.uuid)).toBe("shut off");
    expect(virshLocal("dumpxml", r.vm!.uuid)).toContain(`<driver name='qemu' type='qcow2'/>`);
  });

  it("builds a cloud-init seed ISO (label cidata) and attaches it", async () => {
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0ZXN0a2V5dGVzdGtleXRlc3RrZXl0ZXN0a2V5 ops@virtdeck";
    const r = await vmCreateOnHost({
      mode: "template",
      templateId,
      name: `${PREFIX}ci`,
      clone: "linked",
      cloudInit: { hostname: "ci-guest", username: "ops", password: `p"w: <x>`, sshKeys: [key] },
      start: false,
    });
    const isoPath = `${pool.dir}/${PREFIX}ci-cidata.iso`;
    expect(virshLocal("dumpxml", r.vm!.uuid)).toMatch(
      new RegExp(`<disk type='file' device='cdrom'>[\\s\\S]*<source file='${isoPath}'/>`),
    );
    expect(execFileSync("blkid", ["-p", "-o", "value", "-s", "LABEL", isoPath], { encoding: "utf8" }).trim()).toBe(
      "cidata",
    );
    const out = path.join(scratch, "seed");
    execFileSync("mkdir", ["-p", out]);
    execFileSync("bsdtar", ["-xf", isoPath, "-C", out]);
    const read = (n: string) => execFileSync("cat", [path.join(out, n)], { encoding: "utf8" });
    expect(read("meta-data")).toBe(`instance-id: "${r.vm!.uuid}"\nlocal-hostname: "ci-guest"\n`);
    const ud = read("user-data");
    expect(ud.startsWith("#cloud-config\n")).toBe(true);
    const cfg = JSON.parse(ud.slice("#cloud-config\n".length));
    expect(cfg).toMatchObject({
      hostname: "ci-guest",
      users: ["default", { name: "ops", lock_passwd: false, ssh_authorized_keys: [key] }],
    });
    // The seed holds a SHA-512 crypt hash of the password, never the password: openssl, given the
    // hash's salt, derives the same hash from the password.
    expect(ud).not.toContain("<x>");
    const passwd: string = cfg.users[1].passwd;
    const salt = /^\$6\$([./0-9A-Za-z]{16})\$[./0-9A-Za-z]{86}$/.exec(passwd)?.[1];
    expect(salt, passwd).toBeDefined();
    expect(
      execFileSync("openssl", ["passwd", "-6", "-salt", salt!, "-stdin"], {
        input: `p"w: <x>`,
        encoding: "utf8",
      }).trim(),
    ).toBe(passwd);
  });

  it("warns before creating on a host without enough memory, and creates nothing", async () => {
    const input = contracts.VmCreateSchema.parse({
      mode: "template",
      hostId: host.id,
      templateId,
      name: `${PREFIX}huge`,
      overrides: { memoryMiB: 8 * 1024 * 1024 },
    });
    await expect(create.vmCreate(f.caller, input)).rejects.toMatchObject({
      code: "conflict",
      extra: {
        data: {
          warnings: [
            expect.objectContaining({
              code: "memory",
              messageKey: {
                key: "create.warnings.memory",
                params: expect.objectContaining({ host: host.name, neededMiB: 8 * 1024 * 1024 }),
              },
            }),
          ],
        },
      },
    });
    expect(virshLocal("list", "--all", "--name")).not.toContain(`${PREFIX}huge`);
    expect(virshLocal("vol-list", pool.name)).not.toContain(`${PREFIX}huge`);
  });

  it("refuses a taken name and unsafe names", async () => {
    await expect(vmCreateOnHost({ mode: "template", templateId, name: `${PREFIX}linked` })).rejects.toMatchObject({
      code: "conflict",
    });
    for (const name of ["a b", "x'y", "-opt", "<x>", "a/b"]) {
      expect(contracts.VmCreateSchema.safeParse({ mode: "template", hostId: host.id, templateId, name }).success).toBe(
        false,
      );
    }
  });
});

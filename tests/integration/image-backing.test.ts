import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { taskEnded, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { domainsWithPrefix, virshLocal, type TestPool } from "./helpers/provisioning-pool";
import { provisioningStackStart, type ProvisioningStack } from "./helpers/provisioning-stack";

/**
 * Host files read through a disk image's backing file, on host 1's real libvirt through the real
 * sshd. A guest writes a qcow2 header naming a host file into its own *raw* disk; after a
 * pool-refresh libvirt reports that volume as qcow2 backed by the host file. Every path that hands
 * an existing image on (full clone, linked and full template deploy, import, CD-ROM attach) must
 * refuse it, leaving nothing behind, and uploads declared raw or ISO must refuse bytes that look
 * like any image format qemu-img detects, however the stream is chunked. The genuine paths keep
 * working (clone of a raw disk, linked deploy over a raw base, a qcow2 upload).
 */
const PREFIX = "vdimg-";
/** The host file the forged header names (readable, harmless to expose in a test). */
const HOST_FILE = "/etc/hostname";
const MiB = 1024 * 1024;

let f: FleetContext;
let host: HostView;
let pool: TestPool;
let stack: ProvisioningStack;
let templates: typeof import("@/lib/templates/templates");
let create: typeof import("@/lib/provisioning/vm-create");
let clone: typeof import("@/lib/provisioning/vm-clone");
let edit: typeof import("@/lib/provisioning/vm-edit");
let upload: typeof import("@/lib/storage/upload");
let c: typeof import("@/lib/contracts/provisioning");
let hw: typeof import("@/lib/contracts/hardware");
const scratch = mkdtempSync(path.join(tmpdir(), PREFIX));

/** The forged bytes: a real qcow2 header (qemu-img's own) whose backing file is HOST_FILE, raw. */
let forged: Buffer;
/** The victim VM: a raw disk declared raw, into whose bytes "the guest" wrote the forged header. */
let victim: { uuid: string; volume: string; path: string };
let loose: { volume: string; path: string };
let looseIso: { volume: string; path: string };
/** A VM of the attacker's own, with a genuine raw disk. */
let own: { uuid: string; volume: string; path: string };

const volumes = () => virshLocal("vol-list", pool.name);
const volPath = (name: string) => `${pool.dir}/${name}`;

/** A genuine raw volume of `mib` MiB with recognisable bytes (not zeros) at its start. */
function rawVolume(name: string, mib: number): string {
  const file = volPath(name);
  execFileSync("dd", ["if=/dev/zero", `of=${file}`, "bs=1M", `count=${mib}`, "status=none"]);
  execFileSync("dd", [`of=${file}`, "conv=notrunc", "status=none"], {
    input: Buffer.from(`genuine raw disk ${name}\n`),
  });
  virshLocal("pool-refresh", pool.name);
  return file;
}

async function importVm(name: string, volume: string): Promise<string> {
  const r = await create.vmCreate(
    f.caller,
    c.VmCreateSchema.parse({
      mode: "import",
      hostId: host.id,
      name: `${PREFIX}${name}`,
      disk: { pool: pool.name, volume },
      hardware: { vcpus: 1, memoryMiB: 64, maxMemoryMiB: 64, domainType: "qemu" },
      start: false,
    }),
  );
  return r.vm!.uuid;
}

const taskDone = (id: string) => taskEnded(f, id);

function templateInput(name: string, volume: string, format: "raw" | "qcow2") {
  return c.TemplateInputSchema.parse({
    name,
    vcpus: 1,
    memoryMiB: 64,
    maxMemoryMiB: 64,
    domainType: "qemu",
    graphics: "none",
    serialConsole: false,
    disks: [{ sizeMiB: 16, format, bus: "virtio", pool: pool.name }],
    source: { kind: "image", pool: pool.name, volume },
  });
}

const refused = { code: "invalid_input", message: expect.stringMatching(/^Refused: /) };

beforeAll(async () => {
  stack = await provisioningStackStart(PREFIX);
  ({ pool, f, host } = stack);
  templates = await import("@/lib/templates/templates");
  create = await import("@/lib/provisioning/vm-create");
  clone = await import("@/lib/provisioning/vm-clone");
  edit = await import("@/lib/provisioning/vm-edit");
  upload = await import("@/lib/storage/upload");
  c = await import("@/lib/contracts/provisioning");
  hw = await import("@/lib/contracts/hardware");

  const header = path.join(scratch, "forged.qcow2");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", HOST_FILE, "-F", "raw", header, "16M"]);
  forged = readFileSync(header);

  // Both VMs start as honest raw disks, declared raw (imported before the guest writes anything).
  own = { volume: `${PREFIX}own.raw`, path: rawVolume(`${PREFIX}own.raw`, 16), uuid: "" };
  own.uuid = await importVm("own", own.volume);
  victim = { volume: `${PREFIX}victim.raw`, path: rawVolume(`${PREFIX}victim.raw`, 16), uuid: "" };
  victim.uuid = await importVm("victim", victim.volume);
  expect(virshLocal("dumpxml", "--inactive", victim.uuid)).toContain("<driver name='qemu' type='raw'/>");

  // The guest writes the forged header into the start of its own raw disk; later, any pool-refresh.
  execFileSync("dd", [`of=${victim.path}`, "conv=notrunc", "status=none"], { input: forged });
  // The same bytes in a volume no VM uses (e.g. left behind by a deleted VM): import and CD-ROM
  // checks refuse a disk another VM uses before reading it, so the image check is tried on this one.
  loose = { volume: `${PREFIX}loose.raw`, path: rawVolume(`${PREFIX}loose.raw`, 16) };
  execFileSync("dd", [`of=${loose.path}`, "conv=notrunc", "status=none"], { input: forged });
  // And once more with an ISO 9660 descriptor at sector 16 as well (an ISO's first 32 KiB are free
  // for anything), so that only the image check stands between it and a CD-ROM drive.
  looseIso = { volume: `${PREFIX}loose.iso`, path: rawVolume(`${PREFIX}loose.iso`, 16) };
  execFileSync("dd", [`of=${looseIso.path}`, "conv=notrunc", "status=none"], { input: forged });
  execFileSync("dd", [`of=${looseIso.path}`, "conv=notrunc", "bs=1", "seek=32768", "status=none"], {
    input: Buffer.from("\x01CD001\x01", "latin1"),
  });
  virshLocal("pool-refresh", pool.name);
  // The premise: libvirt now takes the raw disk for a qcow2 backed by the host file.
  const vol = virshLocal("vol-dumpxml", "--pool", pool.name, victim.volume);
  expect(vol).toContain("<format type='qcow2'/>");
  expect(vol).toContain(`<path>${HOST_FILE}</path>`);
});

afterAll(async () => {
  await stack?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("a raw disk whose bytes name a host file as backing file", () => {
  it("is refused for a full clone: no task, no new volume, no new VM", async () => {
    const before = volumes();
    await expect(
      clone.vmClone(f.caller, host.id, victim.uuid, c.VmCloneSchema.parse({ name: `${PREFIX}stolen`, mode: "full" })),
    ).rejects.toMatchObject({
      ...refused,
      message: expect.stringMatching(/declared raw but its bytes are a qcow2 image/),
    });
    expect(volumes()).toBe(before);
    expect(existsSync(volPath(`${PREFIX}stolen.qcow2`)) || existsSync(volPath(`${PREFIX}stolen.raw`))).toBe(false);
    expect(domainsWithPrefix(`${PREFIX}stolen`)).toEqual([]);
    expect((await f.auditActions("vm.clone")).at(-1)).toMatchObject({ outcome: "failure" });
  });

  it("is refused as a template's base image, linked and full, declared raw or qcow2", async () => {
    const before = volumes();
    for (const format of ["raw", "qcow2"] as const) {
      const t = await templates.templateCreate(f.caller, templateInput(`forged base ${format}`, victim.volume, format));
      for (const mode of ["linked", "full"] as const) {
        await expect(
          create.vmCreate(
            f.caller,
            c.VmCreateSchema.parse({
              mode: "template",
              hostId: host.id,
              templateId: t.id,
              name: `${PREFIX}deploy-${format}-${mode}`,
              clone: mode,
              start: false,
            }),
          ),
        ).rejects.toMatchObject({
          ...refused,
          message: expect.stringMatching(
            format === "raw" ? /bytes are a qcow2 image/ : /not a volume of a storage pool/,
          ),
        });
      }
    }
    expect(volumes()).toBe(before);
    expect(domainsWithPrefix(`${PREFIX}deploy-`)).toEqual([]);
  });

  it("is refused for import, as raw (the default) and as qcow2", async () => {
    const before = volumes();
    const input = (format?: string) => ({
      mode: "import",
      hostId: host.id,
      name: `${PREFIX}imported`,
      disk: { pool: pool.name, volume: loose.volume, ...(format ? { format } : {}) },
      hardware: { vcpus: 1, memoryMiB: 64, maxMemoryMiB: 64, domainType: "qemu" },
      start: false,
    });
    await expect(create.vmCreate(f.caller, c.VmCreateSchema.parse(input()))).rejects.toMatchObject({
      ...refused,
      message: expect.stringMatching(/bytes are a qcow2 image/),
    });
    await expect(
      (async () => create.vmCreate(f.caller, c.VmCreateSchema.parse(input("qcow2"))))(),
    ).rejects.toMatchObject({
      ...refused,
      message: expect.stringMatching(`backing file \\(${HOST_FILE}\\)`),
    });
    expect(volumes()).toBe(before);
    expect(domainsWithPrefix(`${PREFIX}imported`)).toEqual([]);
  });

  it("is not resized as the qcow2 libvirt takes it for", async () => {
    const before = readFileSync(victim.path);
    await expect(
      edit.vmHardwareEdit(
        f.caller,
        host.id,
        victim.uuid,
        hw.VmEditSchema.parse({ resizeDisk: { target: "vda", sizeMiB: 32 } }),
      ),
    ).rejects.toMatchObject(refused);
    expect(readFileSync(victim.path).equals(before)).toBe(true);
  });

  it("is refused as a CD-ROM of another VM, also when it carries an ISO 9660 descriptor", async () => {
    const xml = virshLocal("dumpxml", "--inactive", own.uuid);
    await expect(
      edit.vmHardwareEdit(
        f.caller,
        host.id,
        own.uuid,
        hw.VmEditSchema.parse({ attachIso: { pool: pool.name, volume: looseIso.volume } }),
      ),
    ).rejects.toMatchObject({
      ...refused,
      message: expect.stringMatching(/bytes are a qcow2 image/),
    });
    expect(virshLocal("dumpxml", "--inactive", own.uuid)).toBe(xml);
  });
});

describe("genuine images keep working", () => {
  it("full-clones a genuine raw disk byte for byte (declared raw, copied as a file)", async () => {
    const { taskId } = await clone.vmClone(
      f.caller,
      host.id,
      own.uuid,
      c.VmCloneSchema.parse({ name: `${PREFIX}own-copy`, mode: "full" }),
    );
    const t = await taskDone(taskId);
    expect(t.error ?? null).toBeNull();
    const copy = volPath(`${PREFIX}own-copy.raw`);
    expect(readFileSync(copy).equals(readFileSync(own.path))).toBe(true);
    expect(t.logs.map((l) => l.line)).toContainEqual(`Copying ${own.path} to ${copy} (file copy)`);
    const xml = virshLocal("dumpxml", "--inactive", (t.result as { uuid: string }).uuid);
    expect(xml).toContain("<driver name='qemu' type='raw'/>");
  });

  it("deploys a linked clone over a raw base: a qcow2 overlay with the base's declared format, in the volume and in the VM", async () => {
    const base = `${PREFIX}base.raw`;
    rawVolume(base, 8);
    const t = await templates.templateCreate(f.caller, templateInput("raw base", base, "raw"));
    const r = await create.vmCreate(
      f.caller,
      c.VmCreateSchema.parse({
        mode: "template",
        hostId: host.id,
        templateId: t.id,
        name: `${PREFIX}linked`,
        clone: "linked",
        start: false,
      }),
    );
    const info = JSON.parse(
      execFileSync("qemu-img", ["info", "-U", "--output=json", volPath(`${PREFIX}linked.qcow2`)], { encoding: "utf8" }),
    );
    expect(info).toMatchObject({
      format: "qcow2",
      "full-backing-filename": volPath(base),
      "backing-filename-format": "raw",
    });
    const xml = virshLocal("dumpxml", "--inactive", r.vm!.uuid);
    expect(xml).toMatch(
      new RegExp(
        `<driver name='qemu' type='qcow2'/>\\s*<source file='${volPath(`${PREFIX}linked.qcow2`)}'/>\\s*<backingStore type='file'>\\s*<format type='raw'/>\\s*<source file='${volPath(base)}'/>\\s*<backingStore/>`,
      ),
    );
    // It starts, and QEMU reads the base's bytes through the declared chain.
    virshLocal("start", r.vm!.uuid);
    virshLocal("destroy", r.vm!.uuid);
  });
});

describe("uploads", () => {
  type Body = ReadableStream<Uint8Array>;
  /** The bytes as a stream of chunks of `size` bytes (1: one byte per chunk). */
  const chunked = (data: Uint8Array, size: number): Body => {
    let at = 0;
    return new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (at >= data.length) return ctl.close();
        ctl.enqueue(data.slice(at, at + size));
        at += size;
      },
    });
  };
  const send = (name: string, format: "raw" | "iso" | "qcow2", data: Uint8Array, size = data.length) =>
    upload.storageUpload(
      f.caller,
      host.id,
      { pool: pool.name, name, format, size: data.length },
      chunked(data, size),
      new AbortController().signal,
    );

  async function expectRefused(
    name: string,
    format: "raw" | "iso",
    data: Uint8Array,
    chunk?: number,
    message: RegExp = /^Refused: /,
  ) {
    const t = await send(name, format, data, chunk);
    expect(t.status).toBe("failed");
    expect(t.error).toMatch(message);
    expect(volumes()).not.toContain(name);
    expect(existsSync(volPath(name))).toBe(false);
  }

  /** The first `n` bytes of a file made by qemu-img (its header), padded with zeros to `pad`. */
  function made(format: string, opts: string[] = [], n = 64 * 1024): Uint8Array {
    const file = path.join(scratch, `made.${format}`);
    execFileSync("qemu-img", ["create", "-q", "-f", format, ...opts, file, "1M"]);
    const all = readFileSync(file);
    const out = new Uint8Array(n);
    out.set(all.subarray(0, Math.min(n, all.length)));
    return out;
  }

  it("refuses the forged qcow2 header declared raw, also sent one byte per chunk or across chunk boundaries", async () => {
    const head = new Uint8Array(8192);
    head.set(forged.subarray(0, 8192));
    // Split first: a check of the first chunk alone sees "Q" and lets the rest through.
    await expectRefused(`${PREFIX}up-1byte.raw`, "raw", head.subarray(0, 4096), 1, /qcow2 image/);
    await expectRefused(`${PREFIX}up-3bytes.iso`, "iso", head, 3, /qcow2 image/);
    await expectRefused(`${PREFIX}up-whole.raw`, "raw", head, undefined, /a qcow2 image, not raw/);
  });

  it("refuses a vmdk descriptor naming a host file, vmdk, vhdx, vdi, qed and luks headers, and a VHD footer, declared raw", async () => {
    const descriptor = new TextEncoder().encode(
      [
        "# Disk DescriptorFile",
        "version=1",
        "CID=fffffffe",
        "parentCID=ffffffff",
        'createType="monolithicFlat"',
        "",
        `RW 2048 FLAT "${HOST_FILE}" 0`,
        "",
      ].join("\n"),
    );
    const padded = new Uint8Array(4096);
    padded.set(descriptor);
    await expectRefused(`${PREFIX}up-vmdk-text.raw`, "raw", padded, 7, /a vmdk image/);
    await expectRefused(`${PREFIX}up-vmdk.raw`, "raw", made("vmdk"), undefined, /a vmdk image/);
    await expectRefused(`${PREFIX}up-vhdx.raw`, "raw", made("vhdx"), undefined, /a vhdx image/);
    await expectRefused(`${PREFIX}up-vdi.raw`, "raw", made("vdi"), undefined, /a vdi image/);
    await expectRefused(`${PREFIX}up-qed.raw`, "raw", made("qed"), undefined, /a qed image/);
    const luks = new Uint8Array(4096);
    luks.set([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe, 0, 1]);
    await expectRefused(`${PREFIX}up-luks.raw`, "raw", luks, 2, /a luks image/);
    const vhd = path.join(scratch, "fixed.vhd");
    execFileSync("qemu-img", ["create", "-q", "-f", "vpc", "-o", "subformat=fixed", vhd, "1M"]);
    await expectRefused(`${PREFIX}up-vhd.raw`, "raw", readFileSync(vhd), 4096, /a vpc image/);
  });

  it("accepts a genuine qcow2 declared qcow2 and a genuine raw image", async () => {
    const q = path.join(scratch, "good.qcow2");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", q, "4M"]);
    const t = await send(`${PREFIX}up-good.qcow2`, "qcow2", readFileSync(q), 1000);
    expect(t.error ?? null).toBeNull();
    expect(t.status).toBe("succeeded");
    const raw = new Uint8Array(MiB).fill(0x5a);
    const r = await send(`${PREFIX}up-good.raw`, "raw", raw, 64 * 1024);
    expect(r.status).toBe("succeeded");
    expect(readFileSync(volPath(`${PREFIX}up-good.raw`)).equals(Buffer.from(raw))).toBe(true);
  });
});

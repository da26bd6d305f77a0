import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, taskEnded, until, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { virshSync } from "./helpers/fleet-guests";
import { grubImagesWrite } from "./helpers/provisioning-pool";

/**
 * Provisioning on host 2 (vdhost2@127.0.0.2, its own qemu:///session libvirt, not root): a pool
 * owned by that user, a linked clone and a full copy from an image template, both booted, and
 * an install from an ISO. Proves nothing in the create path assumes root or qemu:///system.
 */
const PREFIX = "vdprovh2-";
const POOL = `${PREFIX}pool`;

type Contracts = typeof import("@/lib/contracts/provisioning");

let f: FleetContext;
let host: HostView;
let dir = "";
let c: Contracts;
let create: typeof import("@/lib/provisioning/vm-create");
let tasks: typeof import("@/lib/tasks/tasks");
let templateId = "";

const v2 = (...args: string[]) => virshSync("host2", args);
const v2try = (...args: string[]) => {
  try {
    return v2(...args);
  } catch {
    return "";
  }
};

function cleanup(): void {
  for (const name of v2try("list", "--all", "--name")
    .split("\n")
    .map((s) => s.trim())) {
    if (!name.startsWith(PREFIX)) continue;
    v2try("destroy", name);
    v2try("undefine", name);
  }
  v2try("pool-destroy", POOL);
  v2try("pool-undefine", POOL);
}

/** Creates a VM on host 2 as the admin (the input as the API takes it, without hostId). */
const vmCreateOnHost = (input: Record<string, unknown>) =>
  create.vmCreate(f.caller, c.VmCreateSchema.parse({ hostId: host.id, ...input }));

function ids(user: string): [number, number] {
  const [, , uid, gid] = execFileSync("getent", ["passwd", user], { encoding: "utf8" }).split(":");
  return [Number(uid), Number(gid)];
}

async function bootLoaderRead(uuid: string, dev: string): Promise<number> {
  return until(
    `the guest reads its boot loader from ${dev}`,
    () => {
      const n = Number(/rd_bytes (\d+)/.exec(v2("domblkstat", uuid, dev))?.[1] ?? 0);
      return n > 500_000 && n;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}

beforeAll(async () => {
  cleanup();
  const user = stackEnv().host2.username;
  const [uid, gid] = ids(user);
  dir = mkdtempSync(path.join("/tmp", PREFIX));
  const images = grubImagesWrite(dir, PREFIX);
  for (const p of [dir, images.base, images.iso]) chownSync(p, uid, gid);
  v2("pool-define-as", POOL, "dir", "--target", dir);
  v2("pool-start", POOL);
  f = await fleetSetup();
  host = await f.addHost(stackEnv().host2);
  c = await import("@/lib/contracts/provisioning");
  create = await import("@/lib/provisioning/vm-create");
  tasks = await import("@/lib/tasks/tasks");
  await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 1, pollingIntervalSeconds: 0.5 });
  const templates = await import("@/lib/templates/templates");
  templateId = (
    await templates.templateCreate(
      f.caller,
      c.TemplateInputSchema.parse({
        name: "host2 image",
        vcpus: 1,
        memoryMiB: 64,
        maxMemoryMiB: 64,
        domainType: "qemu",
        disks: [{ sizeMiB: 32, format: "qcow2", bus: "virtio", pool: POOL }],
        source: { kind: "image", pool: POOL, volume: `${PREFIX}base.qcow2` },
      }),
    )
  ).id;
});

afterAll(async () => {
  if (tasks) await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 });
  cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await f?.teardown();
});

describe("provisioning on host 2 (qemu:///session)", () => {
  it("deploys a linked clone that boots from its overlay", async () => {
    const r = await vmCreateOnHost({
      mode: "template",
      templateId,
      name: `${PREFIX}linked`,
      clone: "linked",
    });
    expect(v2("domstate", r.vm!.uuid).trim()).toBe("running");
    expect(v2("vol-dumpxml", "--pool", POOL, `${PREFIX}linked.qcow2`)).toContain(
      `<path>${dir}/${PREFIX}base.qcow2</path>`,
    );
    expect(await bootLoaderRead(r.vm!.uuid, "vda")).toBeGreaterThan(500_000);
    expect(v2("dumpxml", r.vm!.uuid)).toMatch(/<graphics type='vnc' port='\d+' autoport='yes' listen='127.0.0.1'>/);
  });

  it("deploys a full copy as a task", async () => {
    const r = await vmCreateOnHost({ mode: "template", templateId, name: `${PREFIX}full`, clone: "full" });
    const done = await taskEnded(f, r.taskId!, "the task ends");
    expect(done.error ?? null).toBeNull();
    const uuid = (done.result as { uuid: string }).uuid;
    expect(v2("domstate", uuid).trim()).toBe("running");
    expect(v2("vol-dumpxml", "--pool", POOL, `${PREFIX}full.qcow2`)).not.toContain("<backingStore>");
    expect(await bootLoaderRead(uuid, "vda")).toBeGreaterThan(500_000);
  });

  it("installs from an ISO", async () => {
    const r = await vmCreateOnHost({
      mode: "iso",
      name: `${PREFIX}iso`,
      iso: { pool: POOL, volume: `${PREFIX}grub.iso` },
      hardware: {
        vcpus: 1,
        memoryMiB: 64,
        maxMemoryMiB: 64,
        domainType: "qemu",
        disks: [{ sizeMiB: 8, format: "qcow2", bus: "virtio", pool: POOL }],
      },
    });
    expect(v2("domstate", r.vm!.uuid).trim()).toBe("running");
    expect(await bootLoaderRead(r.vm!.uuid, "hda")).toBeGreaterThan(500_000);
  });
});

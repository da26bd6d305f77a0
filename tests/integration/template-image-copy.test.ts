import { createHash, randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chownSync, createReadStream, existsSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, until, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { virshSync } from "./helpers/fleet-guests";
import { testPoolCreate, virshLocal, type TestPool } from "./helpers/provisioning-pool";

/**
 * Templates across hosts on the real stack: an image template's base volume on host 1 (root's
 * qemu:///system) copied into a pool of host 2 (vdhost2's qemu:///session, another sshd) through
 * virtdeck, the bytes compared on both sides, the copy recorded and used by a deploy on host 2;
 * a cancelled copy leaves no volume behind; a taken name, bad pool names and an unknown host are
 * refused naming the field.
 */
const PREFIX = "vdtcopy-";
/** The same pool name on both hosts (as "default" usually is), so the template's disk pool exists on both. */
let pool: TestPool;
let dir2 = "";

type Copy = typeof import("@/lib/provisioning/template-image-copy");
let f: FleetContext;
let host1: HostView;
let host2: HostView;
let copy: Copy;
let c: typeof import("@/lib/contracts/provisioning");
let tasks: typeof import("@/lib/tasks/tasks");
let create: typeof import("@/lib/provisioning/vm-create");
let templateId = "";
let bigTemplateId = "";

const v2 = (...args: string[]) => virshSync("host2", args);
const v2try = (...args: string[]) => {
  try {
    return v2(...args);
  } catch {
    return "";
  }
};
const volumesOn2 = () =>
  v2("vol-list", pool.name)
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0])
    .filter(Boolean);

function fileSha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(file)
      .on("data", (b) => h.update(b))
      .on("end", () => resolve(h.digest("hex")))
      .on("error", reject);
  });
}

async function ended(id: string, timeoutMs = 120_000) {
  return until(
    "the copy task ends",
    async () => {
      const t = await tasks.taskGet(f.caller, id);
      return ["succeeded", "failed", "cancelled"].includes(t.status) && t;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** The AppError (or ZodError) a call throws. */
async function refusal(p: Promise<unknown>): Promise<{ code?: string; status?: number; issues: { path: string }[] }> {
  try {
    await p;
  } catch (err) {
    const e = err as {
      code?: string;
      status?: number;
      extra?: { issues?: { path: string }[] };
      issues?: { path: (string | number)[] }[];
    };
    if (Array.isArray(e.issues)) return { code: "zod", issues: e.issues.map((i) => ({ path: i.path.join(".") })) };
    return { code: e.code, status: e.status, issues: e.extra?.issues ?? [] };
  }
  throw new Error("expected a refusal");
}

function cleanup2(): void {
  for (const name of v2try("list", "--all", "--name")
    .split("\n")
    .map((s) => s.trim())) {
    if (!name.startsWith(PREFIX)) continue;
    v2try("destroy", name);
    v2try("undefine", name);
  }
  v2try("pool-destroy", `${PREFIX}pool`);
  v2try("pool-undefine", `${PREFIX}pool`);
}

beforeAll(async () => {
  cleanup2();
  pool = testPoolCreate(PREFIX);
  // A 1 GiB raw base image (zeros but for a marker), so a copy runs long enough to be cancelled.
  virshLocal("vol-create-as", pool.name, `${PREFIX}big.raw`, "1G", "--format", "raw");
  execFileSync("sh", [
    "-c",
    'printf "virtdeck copy marker" | dd of="$1" bs=1 seek=4096 conv=notrunc status=none',
    "sh",
    path.join(pool.dir, `${PREFIX}big.raw`),
  ]);
  const user = stackEnv().host2.username;
  const [, , uid, gid] = execFileSync("getent", ["passwd", user], { encoding: "utf8" }).split(":");
  dir2 = mkdtempSync(path.join("/tmp", PREFIX));
  chownSync(dir2, Number(uid), Number(gid));
  v2("pool-define-as", pool.name, "dir", "--target", dir2);
  v2("pool-start", pool.name);
  f = await fleetSetup();
  host1 = await f.addHost(stackEnv().host1);
  host2 = await f.addHost(stackEnv().host2);
  c = await import("@/lib/contracts/provisioning");
  copy = await import("@/lib/provisioning/template-image-copy");
  tasks = await import("@/lib/tasks/tasks");
  create = await import("@/lib/provisioning/vm-create");
  await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 0.5 });
  const templates = await import("@/lib/templates/templates");
  const tpl = (name: string, volume: string, format: "qcow2" | "raw", sizeMiB: number) =>
    templates.templateCreate(
      f.caller,
      c.TemplateInputSchema.parse({
        name,
        vcpus: 1,
        memoryMiB: 64,
        maxMemoryMiB: 64,
        domainType: "qemu",
        defaultHostId: host1.id,
        disks: [{ sizeMiB, format, bus: "virtio", pool: pool.name }],
        source: { kind: "image", pool: pool.name, volume },
      }),
    );
  templateId = (await tpl(`${PREFIX}grub`, pool.baseVolume, "qcow2", 32)).id;
  bigTemplateId = (await tpl(`${PREFIX}big`, `${PREFIX}big.raw`, "raw", 1024)).id;
}, 180_000);

afterAll(async () => {
  if (tasks) await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 });
  cleanup2();
  if (dir2) rmSync(dir2, { recursive: true, force: true });
  pool?.cleanup();
  await f?.teardown();
});

describe("templates across hosts", () => {
  it("refuses to deploy on a host without the base image, naming hostId and offering a copy", async () => {
    const r = await refusal(
      create.vmCreate(
        f.caller,
        c.VmCreateSchema.parse({
          mode: "template",
          hostId: host2.id,
          templateId,
          name: `${PREFIX}early`,
          start: false,
        }),
      ),
    );
    expect(r.code).toBe("invalid_input");
    expect(r.issues.map((i) => i.path)).toEqual(["hostId"]);
  });

  it("copies the base image from host 1 to host 2: same bytes, recorded, progress logged, audited", async () => {
    const { taskId } = await copy.templateImageCopyEnqueue(f.caller, templateId, {
      hostId: host2.id,
      pool: pool.name,
      volume: `${PREFIX}copied.qcow2`,
    });
    const done = await ended(taskId);
    expect(done.error ?? null).toBeNull();
    expect(done.status).toBe("succeeded");
    expect(done.progress).toBe(100);
    const src = await fileSha256(path.join(pool.dir, pool.baseVolume));
    const dst = await fileSha256(path.join(dir2, `${PREFIX}copied.qcow2`));
    expect(dst).toBe(src);
    expect((done.result as { sha256: string }).sha256).toBe(src);
    const keys = done.logs.map((l) => l.lineKey);
    expect(keys).toContain("lines.imageCopyStarting");
    expect(keys).toContain("lines.imageCopyProgress");
    expect(done.logs.find((l) => l.lineKey === "lines.imageCopyVerified")?.line).toContain(src);
    const copies = await copy.templateImageCopiesList(templateId);
    expect(copies).toEqual([
      expect.objectContaining({
        hostId: host2.id,
        hostName: host2.name,
        pool: pool.name,
        volume: `${PREFIX}copied.qcow2`,
        sha256: src,
      }),
    ]);
    const audit = await f.auditActions("template.image-copy");
    expect(audit.at(-1)).toMatchObject({ outcome: "success", targetId: templateId });
  });

  it("deploys on host 2 from the recorded copy", async () => {
    const r = await create.vmCreate(
      f.caller,
      c.VmCreateSchema.parse({
        mode: "template",
        hostId: host2.id,
        templateId,
        name: `${PREFIX}linked`,
        clone: "linked",
        start: false,
      }),
    );
    expect(r.vm?.uuid).toBeTruthy();
    expect(v2("vol-dumpxml", "--pool", pool.name, `${PREFIX}linked.qcow2`)).toContain(
      `<path>${dir2}/${PREFIX}copied.qcow2</path>`,
    );
  });

  it("refuses a destination that already has a volume of that name (409 naming volume)", async () => {
    const r = await refusal(
      copy.templateImageCopyEnqueue(f.caller, templateId, {
        hostId: host2.id,
        pool: pool.name,
        volume: `${PREFIX}copied.qcow2`,
      }),
    );
    expect(r.code).toBe("conflict");
    expect(r.status).toBe(409);
    expect(r.issues.map((i) => i.path)).toEqual(["volume"]);
  });

  it("refuses bad pool names, an unknown pool and an unknown host, naming the field", async () => {
    for (const bad of ["a'b", 'a"b', "a b", "a;b", "-x", "--pool", "a/b", ""]) {
      const r = await refusal(copy.templateImageCopyEnqueue(f.caller, templateId, { hostId: host2.id, pool: bad }));
      expect([...new Set(r.issues.map((i) => i.path))], bad).toEqual(["pool"]);
    }
    const unknownPool = await refusal(
      copy.templateImageCopyEnqueue(f.caller, templateId, { hostId: host2.id, pool: `${PREFIX}nope` }),
    );
    expect(unknownPool.code).toBe("invalid_input");
    expect(unknownPool.issues.map((i) => i.path)).toEqual(["pool"]);
    const unknownHost = await refusal(
      copy.templateImageCopyEnqueue(f.caller, templateId, { hostId: randomUUID(), pool: pool.name }),
    );
    expect(unknownHost.code).toBe("invalid_input");
    expect(unknownHost.issues.map((i) => i.path)).toEqual(["hostId"]);
    const badHost = await refusal(
      copy.templateImageCopyEnqueue(f.caller, templateId, { hostId: "host2", pool: pool.name }),
    );
    expect(badHost.issues.map((i) => i.path)).toEqual(["hostId"]);
    const sameHost = await refusal(
      copy.templateImageCopyEnqueue(f.caller, templateId, { hostId: host1.id, pool: pool.name }),
    );
    expect(sameHost.issues.map((i) => i.path)).toEqual(["hostId"]);
  });

  it("a cancelled copy leaves no volume and no partial record behind", async () => {
    const name = `${PREFIX}big.raw`;
    const { taskId } = await copy.templateImageCopyEnqueue(f.caller, bigTemplateId, {
      hostId: host2.id,
      pool: pool.name,
    });
    await until(
      "the copy is under way",
      async () => {
        const t = await tasks.taskGet(f.caller, taskId);
        if (t.status !== "running" && t.status !== "queued")
          throw new Error(`the copy ended early: ${t.status} ${t.error}`);
        return t.status === "running" && t.progress > 1 && t;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    expect(volumesOn2()).toContain(name);
    await tasks.taskCancel(f.caller, taskId);
    const done = await ended(taskId);
    expect(done.status).toBe("cancelled");
    // Deleted at once, or retried until libvirt lets go of the volume the killed upload held.
    expect(done.logs.map((l) => l.lineKey)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^lines\.partialDelete(d|Retrying)$/)]),
    );
    await until(
      "the partial volume is gone",
      async () => !volumesOn2().includes(name) && !existsSync(path.join(dir2, name)),
      {
        timeoutMs: 30_000,
        intervalMs: 250,
      },
    );
    await until(
      "no partial record is left",
      async () => (await f.mod.db.db().partialVolume.count({ where: { hostId: host2.id } })) === 0,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(await f.mod.db.db().templateImageCopy.count({ where: { templateId: bigTemplateId } })).toBe(0);
    const audit = await f.auditActions("template.image-copy");
    expect(audit.at(-1)).toMatchObject({ outcome: "failure", targetId: bigTemplateId });
  });

  it("forgets the copies when the template is deleted", async () => {
    const templates = await import("@/lib/templates/templates");
    expect(await f.mod.db.db().templateImageCopy.count({ where: { templateId } })).toBe(1);
    for (const name of v2try("list", "--all", "--name")
      .split("\n")
      .map((s) => s.trim()))
      if (name.startsWith(PREFIX)) v2try("undefine", name);
    await templates.templateDelete(f.caller, templateId, { unchecked: true });
    expect(await f.mod.db.db().templateImageCopy.count({ where: { templateId } })).toBe(0);
  });
});

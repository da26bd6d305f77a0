import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until, type Caller, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { domainsWithPrefix, virshLocal, type TestPool } from "./helpers/provisioning-pool";
import { provisioningStackStart, type ProvisioningStack } from "./helpers/provisioning-stack";
import { callerOf, sessionCaller } from "./helpers/callers";

/**
 * Quotas against host 1's real libvirt: a user in a group with limits creates VMs until a
 * limit refuses the next one (403 quota_exceeded, nothing defined, nothing counted); their own
 * quota overrides the group's; hardware edits and clones count; two creations racing for the
 * last slot cannot both get it; a VM deleted outside virtdeck stops counting. Guests are TCG,
 * 64 MiB, no NIC, never started.
 */
const PREFIX = "vdquota-";

let f: FleetContext;
let host: HostView;
let pool: TestPool;
let stack: ProvisioningStack;
let user: Caller;
let userId = "";
let groupId = "";
let quota: typeof import("@/lib/provisioning/quota");
let create: typeof import("@/lib/provisioning/vm-create");
let edit: typeof import("@/lib/provisioning/vm-edit");
let clone: typeof import("@/lib/provisioning/vm-clone");
let contracts: typeof import("@/lib/contracts/provisioning");
let hardware: typeof import("@/lib/contracts/hardware");
const admin = () => callerOf(f.caller.principal, "127.0.0.9");
const none = { maxVms: null, maxVcpus: null, maxMemoryMiB: null, maxDiskGiB: null };

function isoVm(name: string, o: { vcpus?: number; memoryMiB?: number; diskMiB?: number } = {}) {
  return contracts.VmCreateSchema.parse({
    mode: "iso",
    hostId: host.id,
    name: `${PREFIX}${name}`,
    iso: { pool: pool.name, volume: pool.isoVolume },
    start: false,
    hardware: {
      vcpus: o.vcpus ?? 1,
      memoryMiB: o.memoryMiB ?? 64,
      maxMemoryMiB: o.memoryMiB ?? 64,
      domainType: "qemu",
      disks: o.diskMiB ? [{ sizeMiB: o.diskMiB, format: "qcow2", bus: "virtio", pool: pool.name }] : [],
    },
  });
}

const defined = (name: string) => domainsWithPrefix(PREFIX).some((d) => d.name === `${PREFIX}${name}`);

beforeAll(async () => {
  stack = await provisioningStackStart(PREFIX);
  ({ pool, f, host } = stack);
  quota = await import("@/lib/provisioning/quota");
  create = await import("@/lib/provisioning/vm-create");
  edit = await import("@/lib/provisioning/vm-edit");
  clone = await import("@/lib/provisioning/vm-clone");
  contracts = await import("@/lib/contracts/provisioning");
  hardware = await import("@/lib/contracts/hardware");
  const db = f.mod.db.db();
  const u = await db.user.create({ data: { username: "quser", passwordHash: "x", role: "operator" } });
  userId = u.id;
  const s = await f.mod.session.sessionCreate(u.id, { ip: "127.0.0.9", userAgent: "vitest" });
  user = sessionCaller((await f.mod.session.sessionLookup(s.token))!, "127.0.0.9");
  const g = await db.group.create({ data: { name: "small" } });
  groupId = g.id;
  await db.groupMember.create({ data: { groupId: g.id, userId: u.id } });
}, 120_000);

afterAll(() => stack?.close());

describe("quotas", () => {
  it("counts what a user creates against their group's quota and refuses what does not fit, defining nothing", async () => {
    await quota.quotaSet(
      admin(),
      { kind: "group", id: groupId },
      { maxVms: 3, maxVcpus: 2, maxMemoryMiB: 160, maxDiskGiB: 1 },
    );
    const a = await create.vmCreate(user, isoVm("a", { diskMiB: 16 }));
    expect(a.vm?.uuid).toBeTruthy();
    const row = await f.mod.db
      .db()
      .vmOwner.findUnique({ where: { hostId_vmUuid: { hostId: host.id, vmUuid: a.vm!.uuid } } });
    expect(row).toMatchObject({ userId, vcpus: 1, memoryMiB: 64, diskGiB: 1 });

    // Two vCPUs more than the group allows.
    await expect(create.vmCreate(user, isoVm("b", { vcpus: 2 }))).rejects.toMatchObject({
      code: "quota_exceeded",
      status: 403,
      message: "Quota of quser: allows 2 vCPUs: 1 in use, this needs 2 more",
    });
    // Any new disk: the 1 GiB is used.
    await expect(create.vmCreate(user, isoVm("b", { diskMiB: 16 }))).rejects.toMatchObject({
      code: "quota_exceeded",
      message: expect.stringContaining("allows 1 GiB of disk"),
    });
    expect(defined("b")).toBe(false);
    expect(await quota.quotaUsage(userId)).toEqual({ vms: 1, vcpus: 1, memoryMiB: 64, diskGiB: 1 });

    // A diskless one fits.
    const b = await create.vmCreate(user, isoVm("b"));
    expect(b.vm?.name).toBe(`${PREFIX}b`);
    expect(await quota.quotaView(userId)).toEqual({
      limits: { maxVms: 3, maxVcpus: 2, maxMemoryMiB: 160, maxDiskGiB: 1 },
      usage: { vms: 2, vcpus: 2, memoryMiB: 128, diskGiB: 1 },
    });
    // An administrator is not limited by the user's quota.
    const adminVm = await create.vmCreate(f.caller, isoVm("admin", { vcpus: 2 }));
    expect(adminVm.vm).toBeTruthy();
  });

  it("lets the user's own quota override the group's, field by field", async () => {
    await quota.quotaSet(admin(), { kind: "user", id: userId }, { ...none, maxMemoryMiB: 128 });
    expect(await quota.quotaEffective(userId)).toEqual({ maxVms: 3, maxVcpus: 2, maxMemoryMiB: 128, maxDiskGiB: 1 });
    await quota.quotaSet(
      admin(),
      { kind: "group", id: groupId },
      { maxVms: 3, maxVcpus: 4, maxMemoryMiB: 160, maxDiskGiB: 1 },
    );
    await expect(create.vmCreate(user, isoVm("c"))).rejects.toMatchObject({
      code: "quota_exceeded",
      message: "Quota of quser: allows 128 MiB of memory: 128 in use, this needs 64 more",
    });
    await quota.quotaSet(admin(), { kind: "user", id: userId }, none);
    expect(await f.mod.db.db().quota.count({ where: { userId } })).toBe(0);
    const audit = await f.auditActions("quota.set");
    expect(audit.length).toBe(4);
  });

  it("counts hardware edits against the VM creator's quota: growth refused past a limit, shrinking allowed", async () => {
    const a = domainsWithPrefix(PREFIX).find((d) => d.name === `${PREFIX}a`)!;
    await quota.quotaSet(
      admin(),
      { kind: "group", id: groupId },
      { maxVms: 3, maxVcpus: 2, maxMemoryMiB: 160, maxDiskGiB: 1 },
    );
    await expect(
      edit.vmHardwareEdit(user, host.id, a.uuid, hardware.VmEditSchema.parse({ vcpus: 2 })),
    ).rejects.toMatchObject({ code: "quota_exceeded" });
    expect(virshLocal("vcpucount", a.uuid, "--config", "--maximum").trim()).toBe("1");
    // Also when someone else edits it: the VM counts against its creator.
    await expect(
      edit.vmHardwareEdit(
        f.caller,
        host.id,
        a.uuid,
        hardware.VmEditSchema.parse({ memoryMiB: 128, maxMemoryMiB: 128 }),
      ),
    ).rejects.toMatchObject({
      code: "quota_exceeded",
      message: expect.stringContaining("allows 160 MiB of memory"),
    });
    await edit.vmHardwareEdit(user, host.id, a.uuid, hardware.VmEditSchema.parse({ memoryMiB: 32 }));
    expect(await quota.quotaUsage(userId)).toMatchObject({ memoryMiB: 96 });
    await edit.vmHardwareEdit(user, host.id, a.uuid, hardware.VmEditSchema.parse({ memoryMiB: 96, maxMemoryMiB: 96 }));
    expect(await quota.quotaUsage(userId)).toMatchObject({ memoryMiB: 160 });
  });

  it("counts clones, and lets only one of two creations racing for the last slot in", async () => {
    const a = domainsWithPrefix(PREFIX).find((d) => d.name === `${PREFIX}a`)!;
    await quota.quotaSet(
      admin(),
      { kind: "group", id: groupId },
      { maxVms: 2, maxVcpus: null, maxMemoryMiB: null, maxDiskGiB: null },
    );
    await expect(
      clone.vmClone(user, host.id, a.uuid, contracts.VmCloneSchema.parse({ name: `${PREFIX}clone`, mode: "full" })),
    ).rejects.toMatchObject({ code: "quota_exceeded", message: expect.stringContaining("allows 2 VMs") });
    await quota.quotaSet(
      admin(),
      { kind: "group", id: groupId },
      { maxVms: 3, maxVcpus: null, maxMemoryMiB: null, maxDiskGiB: null },
    );
    const results = await Promise.allSettled([
      create.vmCreate(user, isoVm("race1")),
      create.vmCreate(user, isoVm("race2")),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "quota_exceeded" } });
    expect(Number(defined("race1")) + Number(defined("race2"))).toBe(1);
    expect((await quota.quotaUsage(userId)).vms).toBe(3);
  });

  it("is read and set through its routes by user.manage holders, with zod on the way in", async () => {
    const { NextRequest } = await import("next/server");
    const route = await import("@/app/api/users/[id]/quota/route");
    const s = await f.mod.session.sessionCreate(f.caller.principal.user.id, { ip: "127.0.0.9", userAgent: "vitest" });
    const call = (method: "GET" | "PUT", body?: unknown) =>
      route[method](
        new NextRequest(`http://127.0.0.1:3000/api/users/${userId}/quota`, {
          method,
          headers: {
            cookie: `vd_session=${s.token}`,
            "x-csrf-token": s.csrfToken,
            "content-type": "application/json",
            "x-virtdeck-peer": "127.0.0.9",
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
        { params: Promise.resolve({ id: userId }) },
      );
    const bad = await call("PUT", { maxVms: -1, maxVcpus: null, maxMemoryMiB: null, maxDiskGiB: null });
    expect(bad.status).toBe(422);
    const put = await call("PUT", { maxVms: 10, maxVcpus: null, maxMemoryMiB: 4096, maxDiskGiB: null });
    expect(put.status).toBe(200);
    const got = (await (await call("GET")).json()) as {
      own: unknown;
      effective: { limits: unknown; usage: { vms: number } };
    };
    expect(got.own).toEqual({ maxVms: 10, maxVcpus: null, maxMemoryMiB: 4096, maxDiskGiB: null });
    expect(got.effective.limits).toEqual({ maxVms: 10, maxVcpus: null, maxMemoryMiB: 4096, maxDiskGiB: null });
    expect(got.effective.usage.vms).toBe(3);
    expect((await call("PUT", none)).status).toBe(200);
  });

  it("stops counting a VM deleted outside virtdeck", async () => {
    const b = domainsWithPrefix(PREFIX).find((d) => d.name === `${PREFIX}b`)!;
    virshLocal("undefine", b.uuid);
    // A row a few seconds old may be a VM being defined right now: kept.
    expect((await quota.quotaView(userId)).usage.vms).toBe(3);
    // Once older than a create request takes (and with no create task queued or running for it), it goes.
    await f.mod.db.db().vmOwner.update({
      where: { hostId_vmUuid: { hostId: host.id, vmUuid: b.uuid } },
      data: { createdAt: new Date(Date.now() - 11 * 60_000) },
    });
    await until("the deleted VM stops counting", async () => (await quota.quotaView(userId)).usage.vms === 2, {
      timeoutMs: 40_000,
      intervalMs: 1_000,
    });
  });
});

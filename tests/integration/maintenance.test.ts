// Host maintenance on the real stack (app/api/hosts/[id]/maintenance): two running tiny TCG guests on
// host 1, the plan proposing host 3 for both, the evacuation moving them (virsh on host 3 shows them
// running, host 1 has none of them), host 1 refused as a destination and for a new VM while in
// maintenance, "return VMs" bringing both back running on host 1 and ending maintenance, "leave"
// clearing the state; bad edited plans answered 422 naming the field.
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, taskEnded, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { routeCall, whoCreate, type Who } from "./helpers/route-call";
import { virsh3 } from "./helpers/host3-ns";
import { tinyGuestFiles, tinyGuestXml } from "./helpers/tiny-guest";

const stack = stackEnv();
const tag = randomBytes(4).toString("hex");
const A = { name: `vdtest-mnta-${tag}`, uuid: randomUUID() };
const B = { name: `vdtest-mntb-${tag}`, uuid: randomUUID() };
let f: FleetContext;
let host1: HostView;
let host3: HostView;
let admin: Who;
let dir: string;

const virsh1 = (args: string[]) =>
  execFileSync("virsh", ["-q", "-c", stack.host1.libvirtUri, ...args], { encoding: "utf8", stdio: "pipe" });
const quietly = (fn: () => unknown) => {
  try {
    fn();
  } catch {}
};
const state = (fn: (a: string[]) => string, uuid: string) => {
  try {
    return fn(["domstate", uuid]).trim();
  } catch {
    return "absent";
  }
};
const M = "hosts/[id]/maintenance";
const plan = () => routeCall(admin, "GET", M, { id: host1.id });
const evacuate = (body: unknown) => routeCall(admin, "POST", `${M}/evacuate`, { id: host1.id }, body);
const both = (dest: string) => ({
  vms: [A, B].map((g) => ({ uuid: g.uuid, action: "migrate", destHostId: dest })),
});
const hostRow = async (id: string) => (await routeCall(admin, "GET", "hosts/[id]", { id })).json.host;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "vd-maint-"));
  f = await fleetSetup();
  host1 = await f.addHost(stack.host1, { name: "host1" });
  host3 = await f.addHost(stack.host3, { name: "host3" });
  admin = await whoCreate(f, "maint.admin", "admin");
  await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 0.5 });
  for (const g of [A, B]) {
    writeFileSync(path.join(dir, `${g.uuid}.xml`), tinyGuestXml({ ...g, ...tinyGuestFiles() }));
    virsh1(["define", path.join(dir, `${g.uuid}.xml`)]);
    virsh1(["start", g.uuid]);
  }
}, 60_000);

afterAll(async () => {
  for (const g of [A, B])
    for (const v of [virsh1, virsh3]) {
      quietly(() => v(["destroy", g.uuid]));
      quietly(() => v(["undefine", g.uuid]));
    }
  await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 }).catch(() => {});
  await f?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("host maintenance", () => {
  it("plans host 3 for both running guests, each checked with the pre-flight", async () => {
    const r = await plan();
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.maintenanceSince).toBeNull();
    expect(r.json.destinations.map((d: { id: string }) => d.id)).toEqual([host3.id]);
    for (const g of [A, B]) {
      const vm = r.json.vms.find((v: { uuid: string }) => v.uuid === g.uuid);
      expect(vm, g.name).toMatchObject({ name: g.name, running: true, action: "migrate", destHostId: host3.id });
      expect(vm.preflight).toMatchObject({ ok: true, mode: "live" });
    }
  });

  it("answers bad edited plans with 422 naming the field, and moves nothing", async () => {
    const cases: [unknown, string][] = [
      [{ vms: [{ uuid: randomUUID(), action: "migrate", destHostId: host3.id }] }, "vms.0.uuid"],
      [{ vms: [{ uuid: A.uuid, action: "migrate", destHostId: host1.id }] }, "vms.0.destHostId"],
      [{ vms: [{ uuid: A.uuid, action: "migrate", destHostId: randomUUID() }] }, "vms.0.destHostId"],
      [{ vms: [{ uuid: A.uuid, action: "migrate", destHostId: "x;$(reboot)" }] }, "vms.0.destHostId"],
      [{ vms: [{ uuid: A.uuid, action: "migrate" }] }, "vms.0.destHostId"],
      [{ vms: [{ uuid: A.uuid, action: "leave" }] }, "vms.0.action"],
      [{ vms: [{ uuid: A.uuid, action: "teleport", destHostId: host3.id }] }, "vms.0.action"],
    ];
    for (const [body, field] of cases) {
      const r = await evacuate(body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(
        r.json.error.issues.map((i: { path: string }) => i.path),
        JSON.stringify(body),
      ).toContain(field);
    }
    // A destination in maintenance: host 3 marked for the call, then in service again.
    await f.mod.db.db().host.update({ where: { id: host3.id }, data: { maintenanceSince: new Date() } });
    try {
      const r = await evacuate(both(host3.id));
      expect(r.status).toBe(422);
      expect(r.json.error.issues[0]).toMatchObject({ path: "vms.0.destHostId" });
      expect(r.json.error.issues[0].message).toMatch(/in maintenance/);
    } finally {
      await f.mod.db.db().host.update({ where: { id: host3.id }, data: { maintenanceSince: null } });
    }
    expect((await hostRow(host1.id)).maintenanceSince).toBeNull();
    for (const g of [A, B]) {
      expect(state(virsh1, g.uuid)).toBe("running");
      expect(state(virsh3, g.uuid)).toBe("absent");
    }
  });

  it("evacuates both guests to host 3, then host 1 takes no VM while in maintenance", async () => {
    const r = await evacuate(both(host3.id));
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    const task = await taskEnded(f, r.json.taskId, "the evacuation ends");
    expect(task.status, task.error ?? "").toBe("succeeded");
    for (const g of [A, B]) {
      expect(state(virsh3, g.uuid)).toBe("running");
      expect(state(virsh1, g.uuid)).toBe("absent");
    }
    expect((await hostRow(host1.id)).maintenanceSince).toEqual(expect.any(String));
    const p = await plan();
    expect(p.json.evacuated.map((e: { uuid: string }) => e.uuid).sort()).toEqual([A.uuid, B.uuid].sort());
    const audits = await f.auditActions("host.evacuate");
    expect(audits.map((a) => a.action)).toEqual(["host.evacuate", "host.evacuate.finish"]);

    // Not a destination: a migration towards host 1 is refused naming destHostId...
    const mig = await routeCall(
      admin,
      "GET",
      "vms/[hostId]/[uuid]/migrate",
      { hostId: host3.id, uuid: A.uuid },
      undefined,
      `?destHostId=${host1.id}`,
    );
    expect(mig.status).toBe(422);
    expect(mig.json.error.issues[0].path).toBe("destHostId");
    // ...and a new VM there naming hostId.
    const created = await routeCall(
      admin,
      "POST",
      "vms/create",
      {},
      {
        mode: "iso",
        hostId: host1.id,
        name: `vdtest-mntc-${tag}`,
        iso: { pool: "default", volume: "none.iso" },
        hardware: { vcpus: 1, memoryMiB: 64, maxMemoryMiB: 64, domainType: "qemu", disks: [] },
      },
    );
    expect(created.status, JSON.stringify(created.json)).toBe(422);
    expect(created.json.error.issues[0].path).toBe("hostId");
    expect(created.json.error.message).toMatch(/in maintenance/);
  }, 180_000);

  it("returns both guests to host 1 running and ends maintenance", async () => {
    const r = await routeCall(admin, "POST", `${M}/return`, { id: host1.id });
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    const task = await taskEnded(f, r.json.taskId, "the return ends");
    expect(task.status, task.error ?? "").toBe("succeeded");
    for (const g of [A, B]) {
      expect(state(virsh1, g.uuid)).toBe("running");
      expect(state(virsh3, g.uuid)).toBe("absent");
    }
    expect((await hostRow(host1.id)).maintenanceSince).toBeNull();
    expect((await plan()).json.evacuated).toEqual([]);
    // Nothing left to return.
    const again = await routeCall(admin, "POST", `${M}/return`, { id: host1.id });
    expect(again.status).toBe(409);
  }, 180_000);

  it("leaves maintenance without moving anything", async () => {
    await f.mod.db.db().host.update({ where: { id: host1.id }, data: { maintenanceSince: new Date() } });
    const r = await routeCall(admin, "DELETE", M, { id: host1.id });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.host.maintenanceSince).toBeNull();
    expect((await hostRow(host1.id)).maintenanceSince).toBeNull();
    expect((await f.auditActions("host.maintenance.leave")).length).toBe(1);
  });
});

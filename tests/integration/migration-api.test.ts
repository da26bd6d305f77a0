// Migration through the API (app/api/vms/[hostId]/[uuid]/migrate) on the real stack: host 1 and host 3
// registered as hosts, the pre-flight report, bad input answered 422 naming the field, a failing
// check refusing with 409, and a live migration run as a task by the in-process workers, audited
// with source, destination, bytes and downtime.
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, taskEnded, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { routeCall, whoCreate, type Who } from "./helpers/route-call";
import { virsh3 } from "./helpers/host3-ns";
import { tinyGuestFiles, tinyGuestXml } from "./helpers/tiny-guest";

const stack = stackEnv();
const tag = randomBytes(4).toString("hex");
const LIVE = { name: `vdtest-miga-${tag}`, uuid: randomUUID() };
const BROKEN = { name: `vdtest-migb-${tag}`, uuid: randomUUID() };
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
const migrate = (uuid: string, body: unknown) =>
  routeCall(admin, "POST", "vms/[hostId]/[uuid]/migrate", { hostId: host1.id, uuid }, body);
const preflight = (uuid: string, destHostId: string) =>
  routeCall(
    admin,
    "GET",
    "vms/[hostId]/[uuid]/migrate",
    { hostId: host1.id, uuid },
    undefined,
    `?destHostId=${encodeURIComponent(destHostId)}`,
  );

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "vd-migapi-"));
  f = await fleetSetup();
  host1 = await f.addHost(stack.host1, { name: "host1" });
  host3 = await f.addHost(stack.host3, { name: "host3" });
  admin = await whoCreate(f, "mig.admin", "admin");
  await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 0.5 });
  const files = tinyGuestFiles();
  writeFileSync(path.join(dir, "live.xml"), tinyGuestXml({ ...LIVE, ...files }));
  // A shut-off guest whose disk exists on neither host: the disks check fails.
  const broken = tinyGuestXml({ ...BROKEN, ...files }).replace(
    "<devices>",
    `<devices><disk type="file" device="disk"><driver name="qemu" type="qcow2"/><source file="/var/lib/libvirt/images/${BROKEN.name}.qcow2"/><target dev="vda" bus="virtio"/></disk>`,
  );
  writeFileSync(path.join(dir, "broken.xml"), broken);
  virsh1(["define", path.join(dir, "live.xml")]);
  virsh1(["define", path.join(dir, "broken.xml")]);
  virsh1(["start", LIVE.uuid]);
}, 60_000);

afterAll(async () => {
  for (const g of [LIVE, BROKEN]) {
    for (const v of [virsh1, virsh3]) {
      quietly(() => v(["destroy", g.uuid]));
      quietly(() => v(["undefine", g.uuid]));
    }
  }
  await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 }).catch(() => {});
  await f?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("migration API", () => {
  it("answers bad destinations with 422 naming destHostId, and changes nothing", async () => {
    for (const bad of [host1.id, randomUUID(), "x;$(reboot)", "-rf", "<a&b>", "é"]) {
      const r = await migrate(LIVE.uuid, { destHostId: bad });
      expect(r.status, bad).toBe(422);
      expect(r.json.error.issues[0].path, bad).toBe("destHostId");
    }
    const p = await preflight(LIVE.uuid, host1.id);
    expect(p.status).toBe(422);
    expect(p.json.error.issues[0].path).toBe("destHostId");
    const wrongType = await migrate(LIVE.uuid, { destHostId: host3.id, bandwidthMiB: "fast" });
    expect(wrongType.status).toBe(422);
    expect(wrongType.json.error.issues[0].path).toBe("bandwidthMiB");
    expect(state(virsh1, LIVE.uuid)).toBe("running");
    expect(state(virsh3, LIVE.uuid)).toBe("absent");
  });

  it("reports the pre-flight checks of a running TCG guest towards host 3", async () => {
    const r = await preflight(LIVE.uuid, host3.id);
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.ok).toBe(true);
    expect(r.json.mode).toBe("live");
    const by = Object.fromEntries(r.json.checks.map((c: { id: string }) => [c.id, c]));
    for (const id of [
      "destination",
      "reachable",
      "state",
      "emulator",
      "machine",
      "disks",
      "networks",
      "memory",
      "clash",
    ])
      expect(by[id]?.status, `${id}: ${by[id]?.reason}`).toBe("pass");
    expect(by.cpu.status).toBe("skip");
    expect(by.cpu.reason).toMatch(/TCG/);
    expect(by.disks.reason).toContain(tinyGuestFiles().kernel);
  });

  it("refuses a migration whose disk is missing on the destination: 409 with the failing check", async () => {
    const p = await preflight(BROKEN.uuid, host3.id);
    expect(p.status).toBe(200);
    expect(p.json.ok).toBe(false);
    expect(p.json.mode).toBe("offline");
    const disks = p.json.checks.find((c: { id: string }) => c.id === "disks");
    expect(disks.status).toBe("fail");
    expect(disks.reason).toContain(`${BROKEN.name}.qcow2`);
    const r = await migrate(BROKEN.uuid, { destHostId: host3.id });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe("invalid_state");
    expect(state(virsh1, BROKEN.uuid)).toBe("shut off");
    expect(state(virsh3, BROKEN.uuid)).toBe("absent");
  });

  it("live-migrates the guest to host 3 as a task, audited with source, destination, bytes and downtime", async () => {
    const r = await migrate(LIVE.uuid, { destHostId: host3.id });
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    const task = await taskEnded(f, r.json.taskId, "the migration task ends");
    expect(task.status, task.error ?? "").toBe("succeeded");
    expect(state(virsh3, LIVE.uuid)).toBe("running");
    expect(state(virsh1, LIVE.uuid)).toBe("absent");
    const audits = await f.auditActions("vm.migrate");
    const start = audits.find((a) => a.action === "vm.migrate" && a.outcome === "success");
    expect(start?.details).toMatchObject({ source: "host1", destination: "host3", mode: "live" });
    const finish = audits.find((a) => a.action === "vm.migrate.finish");
    expect(finish?.outcome).toBe("success");
    const d = finish!.details as { bytes: number; downtimeMs: number | null; runningOn: string };
    expect(d.bytes).toBeGreaterThan(1_000_000);
    expect(typeof d.downtimeMs).toBe("number");
    expect(d.runningOn).toBe("destination");
  }, 120_000);
});

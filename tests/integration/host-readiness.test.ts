// Host onboarding (GET /api/hosts/:id/readiness and its fixes, POST .../readiness/pool and .../network)
// on the real daemons. Host 3 (scripts/stack/host3.sh) is a fresh libvirt in its own namespaces: no
// pool, no network, as a new host is; its `default` network (with an address and DHCP) exists only
// there. On host 1, shared with other checkouts, the pool fix runs with a test-prefixed name and path.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { grantPost, routeCall, whoCreate, type Who } from "./helpers/route-call";
import { inHost3, virsh3 } from "./helpers/host3-ns";

const stack = stackEnv();
const tag = randomBytes(3).toString("hex");
const POOL1 = `vdtest-pool-${tag}`;
const DIR1 = `/var/tmp/vdtest-pool-${tag}`;
let f: FleetContext;
let host1: HostView;
let host3: HostView;
let admin: Who;
let viewer: Who;
let scratch: string;
/** What this file created on host 3 (and takes away again): the default pool and network. */
const created3 = { pool: false, network: false };

const virsh1 = (args: string[]) =>
  execFileSync("virsh", ["-q", "-c", stack.host1.libvirtUri, ...args], { encoding: "utf8", stdio: "pipe" });
const quietly = (fn: () => unknown) => {
  try {
    fn();
  } catch {}
};
/**
 * Host 1's pools, but other test runs' (another checkout, or the route matrix in npm test's other lane): those
 * are named vdtest-<their own tag> and come and go meanwhile.
 */
const pools1 = () =>
  virsh1(["pool-list", "--all", "--name"])
    .split("\n")
    .filter((n) => n && (!n.startsWith("vdtest-") || n.startsWith(POOL1)))
    .sort();
const api = (as: Who, method: string, file: string, hostId: string, body?: unknown) =>
  routeCall(as, method, file, { id: hostId }, body);
const readiness = (as: Who, hostId: string) => api(as, "GET", "hosts/[id]/readiness", hostId);
const check = (r: { json: Record<string, any> }, id: string) =>
  (r.json.readiness.checks as { id: string }[]).find((c) => c.id === id) as Record<string, any>;

const DEFAULT_NET_XML = `<network><name>default</name><forward mode='nat'/><bridge name='vdt3def${tag}'/>
<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>`;

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), "vd-readiness-"));
  f = await fleetSetup();
  host1 = await f.addHost(stack.host1, { name: "host1" });
  host3 = await f.addHost(stack.host3, { name: "host3" });
  admin = await whoCreate(f, `rd-admin-${tag}`, "admin");
  viewer = await whoCreate(f, `rd-viewer-${tag}`);
  for (const h of [host1, host3])
    expect(
      (
        await grantPost(admin, {
          subject: { kind: "user", id: viewer.id },
          roleId: "viewer",
          scope: { kind: "host", hostId: h.id },
        })
      ).status,
    ).toBe(201);
}, 60_000);

afterAll(async () => {
  quietly(() => virsh1(["pool-destroy", POOL1]));
  quietly(() => virsh1(["pool-undefine", POOL1]));
  rmSync(DIR1, { recursive: true, force: true });
  if (created3.pool) {
    quietly(() => virsh3(["pool-destroy", "default"]));
    quietly(() => virsh3(["pool-undefine", "default"]));
  }
  if (created3.network) {
    quietly(() => virsh3(["net-destroy", "default"]));
    quietly(() => virsh3(["net-undefine", "default"]));
  }
  await f?.teardown();
  rmSync(scratch, { recursive: true, force: true });
});

describe("host onboarding checklist", () => {
  it("says what a fresh host (host 3) lacks, with the fixes the caller may make", async () => {
    const hasDefaultPool = virsh3(["pool-list", "--all", "--name"]).split("\n").includes("default");
    const hasDefaultNet = virsh3(["net-list", "--all", "--name"]).split("\n").includes("default");
    // A fresh host: no pool; its default network defined but not started (as Debian's libvirt leaves it).
    expect(hasDefaultPool).toBe(false);
    if (!hasDefaultNet) {
      const file = path.join(scratch, "default-net.xml");
      writeFileSync(file, DEFAULT_NET_XML);
      virsh3(["net-define", file]);
      created3.network = true;
    }
    const activeNets = virsh3(["net-list", "--name"]).split("\n").filter(Boolean);
    const r = await readiness(admin, host3.id);
    expect(r.status).toBe(200);
    expect(r.json.readiness.checks.map((c: { id: string }) => c.id)).toEqual(["pool", "network", "kvm", "guestAgent"]);
    expect(check(r, "pool")).toMatchObject({
      ok: false,
      required: true,
      fix: "pool",
      canFix: true,
      detail: { key: "detail.poolNone" },
    });
    if (activeNets.length === 0)
      expect(check(r, "network")).toMatchObject({
        ok: false,
        fix: "network",
        canFix: true,
        detail: { key: "detail.networkInactive", params: { network: "default" } },
      });
    expect(r.json.readiness.ready).toBe(false);
    // KVM as the host's QEMU says it (domcapabilities), never assumed.
    const kvm = (() => {
      try {
        virsh3(["domcapabilities", "--virttype", "kvm"]);
        return true;
      } catch {
        return false;
      }
    })();
    expect(check(r, "kvm")).toMatchObject({ ok: kvm, required: false });
    expect(check(r, "guestAgent")).toMatchObject({ ok: true, detail: { key: "detail.guestAgentOk" } });

    // Someone who may only look sees the same checklist, without fixes to make.
    const v = await readiness(viewer, host3.id);
    expect(v.status).toBe(200);
    expect(check(v, "pool")).toMatchObject({ ok: false, fix: "pool", canFix: false });
  }, 60_000);

  it("refuses the fixes to someone without storage.manage / network.manage, changing nothing", async () => {
    expect((await api(viewer, "POST", "hosts/[id]/readiness/pool", host3.id, {})).status).toBe(403);
    expect((await api(viewer, "POST", "hosts/[id]/readiness/network", host3.id, {})).status).toBe(403);
    expect(virsh3(["pool-list", "--all", "--name"]).split("\n")).not.toContain("default");
    expect(virsh3(["net-list", "--name"]).split("\n")).not.toContain("default");
  }, 30_000);

  it("creates, builds, starts and autostarts the default pool in /var/lib/libvirt/images of host 3", async () => {
    const r = await api(admin, "POST", "hosts/[id]/readiness/pool", host3.id, {});
    expect(r.status).toBe(200);
    created3.pool = true;
    expect(check(r, "pool")).toMatchObject({ ok: true, detail: { key: "detail.poolOk", params: { pool: "default" } } });
    const info = virsh3(["pool-info", "default"]);
    expect(info).toMatch(/State:\s+running/);
    expect(info).toMatch(/Autostart:\s+yes/);
    expect(virsh3(["pool-dumpxml", "default"])).toContain("<path>/var/lib/libvirt/images</path>");
    expect(inHost3(["stat", "-c", "%F", "/var/lib/libvirt/images"]).trim()).toBe("directory");
    // Again: it is active already.
    expect((await api(admin, "POST", "hosts/[id]/readiness/pool", host3.id, {})).status).toBe(409);
  }, 60_000);

  it("starts and autostarts the default network of host 3", async () => {
    const r = await api(admin, "POST", "hosts/[id]/readiness/network", host3.id, {});
    expect(r.status).toBe(200);
    expect(check(r, "network")).toMatchObject({ ok: true, detail: { key: "detail.networkOk" } });
    const info = virsh3(["net-info", "default"]);
    expect(info).toMatch(/Active:\s+yes/);
    expect(info).toMatch(/Autostart:\s+yes/);
    expect(r.json.readiness.ready).toBe(true);
    const actions = (await f.auditActions("host.setup.")).filter((a) => a.targetId.startsWith(host3.id));
    expect(actions.map((a) => [a.action, a.outcome, a.targetName])).toEqual([
      ["host.setup.pool", "success", "default"],
      ["host.setup.pool", "failure", "default"],
      ["host.setup.network", "success", "default"],
    ]);
  }, 60_000);

  it("creates a pool under a test name and path on host 1, once", async () => {
    const r = await api(admin, "POST", "hosts/[id]/readiness/pool", host1.id, { name: POOL1, path: DIR1 });
    expect(r.status).toBe(200);
    expect(statSync(DIR1).isDirectory()).toBe(true);
    const info = virsh1(["pool-info", POOL1]);
    expect(info).toMatch(/State:\s+running/);
    expect(info).toMatch(/Autostart:\s+yes/);
    // The same directory under another name: refused naming the field.
    const again = await api(admin, "POST", "hosts/[id]/readiness/pool", host1.id, { name: `${POOL1}-b`, path: DIR1 });
    expect({ status: again.status, field: again.json.error?.issues?.[0]?.path }).toEqual({
      status: 422,
      field: "path",
    });
    expect(again.json.error.message).toContain(POOL1);
  }, 60_000);

  it("refuses bad input with an error naming the field, and changes nothing on the host", async () => {
    const file = path.join(scratch, "a-file");
    writeFileSync(file, "not a directory");
    const before = pools1();
    const cases: [unknown, string][] = [
      [{ name: "a b" }, "name"],
      [{ name: `a"b` }, "name"],
      [{ name: "a;reboot" }, "name"],
      [{ name: "-a" }, "name"],
      [{ name: "$(reboot)" }, "name"],
      [{ name: "é" }, "name"],
      [{ name: "x".repeat(65) }, "name"],
      [{ name: 5 }, "name"],
      [{ name: `${POOL1}-c`, path: "relative/dir" }, "path"],
      [{ name: `${POOL1}-c`, path: "/var/tmp/../etc" }, "path"],
      [{ name: `${POOL1}-c`, path: "/var/tmp/a b" }, "path"],
      [{ name: `${POOL1}-c`, path: "/var/tmp/-x;y" }, "path"],
      [{ name: `${POOL1}-c`, path: "/var/tmp/x/" }, "path"],
      [{ name: `${POOL1}-c`, path: `/${"x".repeat(300)}` }, "path"],
      [{ name: `${POOL1}-c`, path: file }, "path"],
      [{ name: `${POOL1}-c`, extra: 1 }, ""],
    ];
    for (const [body, field] of cases) {
      const res = await api(admin, "POST", "hosts/[id]/readiness/pool", host1.id, body);
      expect({ status: res.status, field: res.json.error?.issues?.[0]?.path }, JSON.stringify(body)).toEqual({
        status: 422,
        field,
      });
      if (field) expect(res.json.error.message).toContain(field);
    }
    expect((await api(admin, "POST", "hosts/[id]/readiness/network", host1.id, { name: "x" })).status).toBe(422);
    expect(pools1()).toEqual(before);
    expect(existsSync(path.join(file, "..", `${POOL1}-c`))).toBe(false);
  }, 60_000);
});

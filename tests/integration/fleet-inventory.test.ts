// lib/fleet inventory and fleet list against real guests on both stack hosts: host1 (root,
// qemu:///system) and host2 (vdhost2, its own qemu:///session). `virsh` run locally is the truth.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, until, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { domstate, GuestLab, listAllUuids, virshSync, type Guest, type HostKey } from "./helpers/fleet-guests";
import { VISIBILITY_ALL } from "@/lib/authz/effective";

const stack = stackEnv();
const lab = new GuestLab("inv");
const prefix = `vdtest-fleet-inv-${lab.tag}`;
// libvirt refuses '/' and newlines in names (checked on libvirt 9.0), so the marker is a relative
// path: a shell that ran it would create it in its working directory (a home dir, or libvirtd's /).
const marker = `vdtest-fleet-pwned-${lab.tag}`;
const HOSTILE_NAME = `${prefix} "q' ;$(touch ${marker})\`touch ${marker}\`<&>|\\ é日本😀\ttab`;
// libvirt accepts a leading '-' too; virsh would read such a name as an option if it were ever
// passed on a command line instead of the UUID.
const DASH_NAME = `-${prefix} --help ;$(touch ${marker}) 'x' && touch ${marker}`;
const MARKER_DIRS = ["/", "/root", "/tmp", "/var/lib/libvirt", "/var/lib/libvirt/qemu", "/home/vdhost2", process.cwd()];

let f: FleetContext;
let h: Record<HostKey, HostView>;
let g: { alpha: Guest; bravo: Guest; charlie: Guest; delta: Guest; hostile: Guest; dash: Guest; exposed: Guest };
const STATE_TEXT: Record<string, string> = {
  running: "running",
  paused: "paused",
  "shut off": "shutoff",
  "in shutdown": "shutdown",
  idle: "blocked",
};

beforeAll(async () => {
  f = await fleetSetup();
  // Guests first: adding a host reads its inventory, which the fleet list may then serve for up to 1 s.
  g = {
    alpha: lab.define("host1", { name: `${prefix}-alpha` }),
    bravo: lab.define("host1", { name: `${prefix}-bravo` }),
    charlie: lab.define("host2", { name: `${prefix}-charlie` }),
    delta: lab.define("host2", { name: `${prefix}-delta` }),
    hostile: lab.define("host1", { name: HOSTILE_NAME }),
    dash: lab.define("host2", { name: DASH_NAME }),
    exposed: lab.define("host1", { name: `${prefix}-exposed`, listen: "0.0.0.0" }),
  };
  virshSync("host1", ["start", g.bravo.uuid]);
  h = { host1: await f.addHost(stack.host1), host2: await f.addHost(stack.host2) };
});

afterAll(async () => {
  const problems = await lab.cleanup();
  await f?.teardown();
  expect(problems).toEqual([]);
});

const query = (q: Record<string, unknown>) => f.mod.vms.fleetVms(f.mod.vms.FleetQuerySchema.parse(q), VISIBILITY_ALL);
const all = () => Object.values(g);

describe(`fleet inventory on ${process.env.VD_TEST_DB ?? "pglite"}`, () => {
  it("lists the guests of both hosts, each under its own host", async () => {
    const page = await query({ q: lab.tag, pageSize: 200 });
    expect(page.hosts).toEqual(
      expect.arrayContaining([
        { id: h.host1.id, name: h.host1.name, status: "online", error: null },
        { id: h.host2.id, name: h.host2.name, status: "online", error: null },
      ]),
    );
    expect(page.hosts).toHaveLength(2);
    expect(page.total).toBe(all().length);
    const byUuid = new Map(page.vms.map((v) => [v.uuid, v]));
    for (const guest of all()) {
      const vm = byUuid.get(guest.uuid);
      expect(vm, guest.name).toBeDefined();
      expect(vm).toMatchObject({
        name: guest.name,
        hostId: h[guest.host].id,
        hostName: h[guest.host].name,
        vcpus: 1,
        maxMemoryKiB: 65536,
        graphics: "vnc",
      });
    }
    expect(byUuid.get(g.bravo.uuid)!.state).toBe("running");
    expect(byUuid.get(g.bravo.uuid)!.uptimeSeconds).toEqual(expect.any(Number));
    expect(byUuid.get(g.bravo.uuid)!.allowedActions).toEqual(
      expect.arrayContaining(["shutdown", "destroy", "suspend", "managedsave"]),
    );
    expect(byUuid.get(g.alpha.uuid)!).toMatchObject({
      state: "shutoff",
      uptimeSeconds: null,
      cpuPercent: null,
      autostart: false,
      hasManagedSave: false,
    });
    expect(byUuid.get(g.alpha.uuid)!.allowedActions).toEqual(["start", "autostart-on"]);
  });

  it("filters by host, state and text, sorts by name and paginates", async () => {
    const onHost2 = await query({ q: lab.tag, host: h.host2.id });
    expect(onHost2.hosts.map((x) => x.id)).toEqual([h.host2.id]);
    expect(onHost2.vms.map((v) => v.uuid).sort()).toEqual([g.charlie, g.delta, g.dash].map((x) => x.uuid).sort());

    const running = await query({ q: lab.tag, state: "running" });
    expect(running.vms.map((v) => v.uuid)).toEqual([g.bravo.uuid]);
    const off = await query({ q: lab.tag, state: "shutoff" });
    expect(off.total).toBe(all().length - 1);

    expect((await query({ q: `${prefix}-CHARLIE` })).vms.map((v) => v.uuid)).toEqual([g.charlie.uuid]);
    expect((await query({ q: g.delta.uuid })).vms.map((v) => v.name)).toEqual([g.delta.name]);
    expect((await query({ q: "$(touch" + ` ${marker})\`` })).vms.map((v) => v.uuid)).toEqual([g.hostile.uuid]);
    expect((await query({ q: `no-such-${lab.tag}` })).total).toBe(0);

    const desc = await query({ q: `${prefix}-`, sort: "name", dir: "desc" });
    const plain = desc.vms.map((v) => v.name).filter((n) => n.startsWith(`${prefix}-`));
    expect(plain).toEqual(["exposed", "delta", "charlie", "bravo", "alpha"].map((s) => `${prefix}-${s}`));
    const asc = await query({ q: `${prefix}-`, sort: "name", dir: "asc" });
    expect(asc.vms.map((v) => v.uuid)).toEqual([...desc.vms.map((v) => v.uuid)].reverse());

    const first = await query({ q: lab.tag, pageSize: 1 });
    expect(first.total).toBe(all().length);
    expect(first.vms).toHaveLength(1);
    expect(first).toMatchObject({ page: 1, pageSize: 1 });
    const seen = new Set<string>();
    for (let page = 1; page <= all().length; page++) {
      const p = await query({ q: lab.tag, pageSize: 1, page, sort: "name" });
      expect(p.vms).toHaveLength(1);
      seen.add(p.vms[0].uuid);
    }
    expect(seen.size).toBe(all().length);
    expect((await query({ q: lab.tag, pageSize: 1, page: all().length + 1 })).vms).toEqual([]);
    expect(f.mod.vms.FleetQuerySchema.safeParse({ pageSize: 201 }).success).toBe(false);
  });

  it("reports the status a host has after this very refresh after a reconnect", async () => {
    f.mod.runtime.fleetForget(h.host1.id);
    await f.mod.runtime.fleetHostLost(h.host1.id, "host connection lost"); // as after a dropped connection
    const page = await query({ q: lab.tag, host: h.host1.id });
    expect(page.vms.length).toBeGreaterThan(0);
    expect((await f.mod.hosts.hostGet(h.host1.id)).status).toBe("online");
    expect(page.hosts).toEqual([{ id: h.host1.id, name: h.host1.name, status: "online", error: null }]);
  });

  it.each(["host1", "host2"] as const)("matches `virsh list --all --uuid` and `virsh domstate` on %s", async (key) => {
    // Other test runs may define or undefine guests on the same libvirt meanwhile: compare a
    // snapshot taken while virsh's own listing did not move.
    const inv = await until(`a stable listing on ${key}`, async () => {
      const before = listAllUuids(key);
      const got = await f.mod.inventory.inventoryGet(h[key].id, { maxAgeMs: 0 });
      const after = listAllUuids(key);
      return JSON.stringify(before) === JSON.stringify(after) ? { got, truth: after } : undefined;
    });
    expect(inv.got.vms.map((v) => v.uuid).sort()).toEqual(inv.truth);
    for (const guest of all().filter((x) => x.host === key)) {
      const vm = inv.got.vms.find((v) => v.uuid === guest.uuid)!;
      expect(vm.state, guest.name).toBe(STATE_TEXT[domstate(guest)]);
    }
  });

  it("drives guests with hostile names by UUID; no name ever reaches a shell", async () => {
    // One guest per host, driven at the same time.
    await Promise.all(
      [g.hostile, g.dash].map(async (guest) => {
        const hostId = h[guest.host].id;
        const started = await f.mod.vms.vmActionRun(f.caller, hostId, guest.uuid, "start");
        expect(started).toMatchObject({ uuid: guest.uuid, name: guest.name, state: "running" });
        expect(domstate(guest)).toBe("running");
        const detail = await f.mod.vms.vmDetail(hostId, guest.uuid);
        expect(detail.name).toBe(guest.name);
        const stopped = await f.mod.vms.vmActionRun(f.caller, hostId, guest.uuid, "destroy");
        expect(stopped.state).toBe("shutoff");
        expect(domstate(guest)).toBe("shut off");
      }),
    );
    for (const guest of [g.hostile, g.dash]) {
      const audit = (await f.auditActions("vm.")).filter((a) => a.targetId === `${h[guest.host].id}/${guest.uuid}`);
      expect(audit.map((a) => [a.action, a.outcome, a.targetName])).toEqual([
        ["vm.start", "success", guest.name],
        ["vm.destroy", "success", guest.name],
      ]);
    }
    for (const dir of MARKER_DIRS) expect(existsSync(path.join(dir, marker)), path.join(dir, marker)).toBe(false);
  });

  it("shows a guest's disks, graphics and no warning for a console on 127.0.0.1", async () => {
    for (const guest of [g.alpha, g.bravo, g.charlie]) {
      const vm = await f.mod.vms.vmDetail(h[guest.host].id, guest.uuid);
      const virtualSize = JSON.parse(
        execFileSync("qemu-img", ["info", "-U", "--output=json", guest.disk], { encoding: "utf8" }),
      )["virtual-size"];
      expect(virtualSize).toBe(guest.diskBytes);
      expect(vm.disks).toEqual([
        {
          device: "disk",
          target: "vda",
          bus: "virtio",
          format: "qcow2",
          source: guest.disk,
          capacityBytes: virtualSize,
          readonly: false,
        },
      ]);
      expect(vm.nics).toEqual([]);
      expect(vm.graphicsDevices).toHaveLength(1);
      expect(vm.graphicsDevices[0]).toMatchObject({ type: "vnc", autoport: true, listen: ["127.0.0.1"] });
      expect(vm.graphicsWarning).toBeNull();
      expect(vm.graphicsWarningMessage).toBeNull();
      expect(vm.domainType).toBe(stack.domainType);
      expect(vm).toMatchObject({ uuid: guest.uuid, name: guest.name, memoryKiB: 65536, pendingChanges: false });
      expect(vm.xml).toContain(`<uuid>${guest.uuid}</uuid>`);
    }
    const running = await f.mod.vms.vmDetail(h.host1.id, g.bravo.uuid);
    expect(running.graphicsDevices[0].port).toBeGreaterThanOrEqual(5900);
    await expect(f.mod.vms.vmDetail(h.host1.id, g.charlie.uuid)).rejects.toMatchObject({ code: "not_found" });
    await expect(f.mod.vms.vmDetail(h.host1.id, "not-a-uuid")).rejects.toMatchObject({ code: "not_found" });
  });

  it("warns about a VNC console listening on 0.0.0.0", async () => {
    const vm = await f.mod.vms.vmDetail(h.host1.id, g.exposed.uuid);
    expect(vm.graphicsDevices[0].listen).toEqual(["0.0.0.0"]);
    expect(vm.graphicsWarning).toBe(
      "VNC listens on 0.0.0.0: anyone who can reach the host on that address can open the console. Set its listen address to 127.0.0.1.",
    );
    expect(vm.graphicsWarningMessage).toEqual({
      key: "detail.graphicsWarning",
      params: { type: "VNC", address: "0.0.0.0" },
    });
  });
});

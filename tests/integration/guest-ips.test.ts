// Guest IP addresses through the API (GET /api/vms, /api/vms/:hostId/:uuid, .../addresses) on the real
// daemons. The guest on a network with DHCP lives on test host 3 only (its own network namespace,
// scripts/stack/host3.sh): the tiny guest (scripts/stack/tiny-guest.sh) asks for an address with DHCP
// on its virtio NIC, and libvirt's dnsmasq there leases it one.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, until, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { grantPost, routeCall, whoCreate, type Who } from "./helpers/route-call";
import { tinyGuestDefine3, virsh3 } from "./helpers/host3-ns";
import { tinyGuestFiles } from "./helpers/tiny-guest";
import { testGuestXml } from "../shared/guest-xml";

const stack = stackEnv();
const tag = randomBytes(3).toString("hex");
const NET = `vdtest-ipnet-${tag}`;
const BRIDGE = `vdtip${tag}`;
/** A subnet of its own (networks.test.ts uses 192.168.150.0/24 on the same host). */
const SUBNET = "192.168.157";
const GUEST = { name: `vdtest-ipg-${tag}`, uuid: randomUUID() };
/** Another guest, on no network: what a user granted only this one may see. */
const OTHER = { name: `vdtest-ipo-${tag}`, uuid: randomUUID() };
let f: FleetContext;
let host3: HostView;
let admin: Who;
let helpdesk: Who;
let dir: string;
let guestMac: string;
let leased: string;
/** VMs the static lease tests created (removed in afterAll). */
const leaseVmUuids: string[] = [];
const STATIC_IP = `${SUBNET}.60`;

const quietly = (fn: () => unknown) => {
  try {
    fn();
  } catch {}
};
const api = (as: Who, method: string, file: string, params: Record<string, string> = {}, body?: unknown, query = "") =>
  routeCall(as, method, file, params, body, query);
const vmParams = (g: { uuid: string }) => ({ hostId: host3.id, uuid: g.uuid });
const search = (as: Who, q: string) =>
  api(as, "GET", "vms", {}, undefined, `?host=${host3.id}&q=${encodeURIComponent(q)}`);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "vd-guest-ips-"));
  f = await fleetSetup();
  host3 = await f.addHost(stack.host3, { name: "host3" });
  admin = await whoCreate(f, `ip-admin-${tag}`, "admin");
  helpdesk = await whoCreate(f, `ip-helpdesk-${tag}`);
  const net = await api(
    admin,
    "POST",
    "hosts/[id]/networks",
    { id: host3.id },
    {
      name: NET,
      forwardMode: "nat",
      bridge: BRIDGE,
      start: true,
      ips: [
        { family: "ipv4", address: `${SUBNET}.1`, prefix: 24, dhcp: { start: `${SUBNET}.100`, end: `${SUBNET}.150` } },
      ],
    },
  );
  expect(net.status).toBe(201);
  guestMac = tinyGuestDefine3(GUEST, NET, dir);
  // OTHER has no NIC: a guest without any address.
  const otherXml = path.join(dir, "other.xml");
  writeFileSync(
    otherXml,
    testGuestXml({ ...OTHER, domainType: "qemu", memoryMiB: 128, kernelBoot: tinyGuestFiles(), noBalloon: true }),
  );
  virsh3(["define", otherXml]);
  expect(
    (
      await grantPost(admin, {
        subject: { kind: "user", id: helpdesk.id },
        roleId: "helpdesk",
        scope: { kind: "vm", hostId: host3.id, vmUuid: OTHER.uuid },
      })
    ).status,
  ).toBe(201);
}, 60_000);

afterAll(async () => {
  for (const uuid of leaseVmUuids) {
    quietly(() => virsh3(["destroy", uuid]));
    quietly(() => virsh3(["undefine", uuid]));
  }
  for (const g of [GUEST, OTHER]) {
    quietly(() => virsh3(["destroy", g.uuid]));
    quietly(() => virsh3(["undefine", g.uuid]));
  }
  quietly(() => virsh3(["net-destroy", NET]));
  quietly(() => virsh3(["net-undefine", NET]));
  await f?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("guest IP addresses", () => {
  it("a stopped VM has none, in its record, its addresses and the list", async () => {
    const addrs = await api(admin, "GET", "vms/[hostId]/[uuid]/addresses", vmParams(GUEST));
    expect(addrs).toMatchObject({ status: 200, json: { addresses: [], running: false, agentConnected: false } });
    const detail = await api(admin, "GET", "vms/[hostId]/[uuid]", vmParams(GUEST));
    expect(detail.json.vm.addresses).toEqual([]);
    await f.mod.inventory.inventoryGet(host3.id, { maxAgeMs: 0 });
    const listed = await search(admin, GUEST.name);
    expect(listed.json.vms.map((v: { uuid: string; addresses: unknown[] }) => [v.uuid, v.addresses])).toEqual([
      [GUEST.uuid, []],
    ]);
  }, 30_000);

  it("a guest on a NAT network with DHCP gets a lease, and its address shows in the VM's record", async () => {
    virsh3(["start", GUEST.uuid]);
    virsh3(["start", OTHER.uuid]);
    const lease = await until(
      `a DHCP lease for ${GUEST.name} (${guestMac})`,
      async () => {
        const res = await api(admin, "GET", "vms/[hostId]/[uuid]/addresses", vmParams(GUEST));
        expect(res.status).toBe(200);
        return (res.json.addresses as { source: string; mac: string; address: string }[]).find(
          (a) => a.source === "lease" && a.mac === guestMac,
        );
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    expect(lease).toMatchObject({ family: "ipv4", prefix: 24, network: NET });
    leased = lease.address;
    const n = Number(leased.split(".")[3]);
    expect(leased.startsWith(`${SUBNET}.`) && n >= 100 && n <= 150, leased).toBe(true);
    // What libvirt itself says, read on the host.
    expect(virsh3(["net-dhcp-leases", NET])).toContain(leased);

    const detail = await api(admin, "GET", "vms/[hostId]/[uuid]", vmParams(GUEST));
    expect(detail.status).toBe(200);
    expect(detail.json.vm.addresses).toContainEqual(
      expect.objectContaining({ address: leased, mac: guestMac, source: "lease", network: NET }),
    );
  }, 150_000);

  it("the VM list carries the leased address and its search finds the VM by it", async () => {
    await f.mod.inventory.inventoryGet(host3.id, { maxAgeMs: 0 });
    const byIp = await search(admin, leased);
    expect(byIp.status).toBe(200);
    expect(byIp.json.vms.map((v: { uuid: string }) => v.uuid)).toEqual([GUEST.uuid]);
    expect(byIp.json.vms[0].addresses).toEqual([
      {
        interface: expect.any(String),
        mac: guestMac,
        family: "ipv4",
        address: leased,
        prefix: 24,
        source: "lease",
        network: NET,
      },
    ]);
    // A part of the address finds it too; an address nobody has finds nothing.
    expect((await search(admin, `${SUBNET}.`)).json.vms.map((v: { uuid: string }) => v.uuid)).toEqual([GUEST.uuid]);
    expect((await search(admin, `${SUBNET}.251`)).json.total).toBe(0);
  }, 30_000);

  it("a user granted another VM neither reads this one's addresses nor finds it by its address", async () => {
    const res = await api(helpdesk, "GET", "vms/[hostId]/[uuid]/addresses", vmParams(GUEST));
    expect([403, 404]).toContain(res.status);
    expect(JSON.stringify(res.json)).not.toContain(leased);
    const found = await search(helpdesk, leased);
    expect(found.status).toBe(200);
    expect(found.json.total).toBe(0);
    // Their own VM: readable, running, without any address.
    const own = await api(helpdesk, "GET", "vms/[hostId]/[uuid]/addresses", vmParams(OTHER));
    expect(own).toMatchObject({ status: 200, json: { addresses: [], running: true } });
  }, 30_000);

  it("refuses bad input naming the field, and answers 404 for a VM that does not exist", async () => {
    const long = await api(admin, "GET", "vms", {}, undefined, `?q=${"1".repeat(201)}`);
    expect(long.status).toBe(422);
    expect(long.json.error.message).toContain("q");
    for (const uuid of ["not-a-uuid", "$(reboot)", "-a", randomUUID()]) {
      const res = await api(admin, "GET", "vms/[hostId]/[uuid]/addresses", { hostId: host3.id, uuid });
      expect(res.status, uuid).toBe(404);
    }
    const noHost = await api(admin, "GET", "vms/[hostId]/[uuid]/addresses", { hostId: randomUUID(), uuid: GUEST.uuid });
    expect(noHost.status).toBe(404);
  }, 30_000);

  it("a VM that stopped has no address any more", async () => {
    virsh3(["destroy", GUEST.uuid]);
    const addrs = await api(admin, "GET", "vms/[hostId]/[uuid]/addresses", vmParams(GUEST));
    expect(addrs.json).toMatchObject({ addresses: [], running: false });
    await f.mod.inventory.inventoryGet(host3.id, { maxAgeMs: 0 });
    expect((await search(admin, leased)).json.total).toBe(0);
  }, 30_000);
});

describe("a static DHCP address for a VM created from a template", () => {
  let templateId: string;
  const netXml = (inactive: boolean) => virsh3(["net-dumpxml", ...(inactive ? ["--inactive"] : []), NET]);
  const domainNames3 = () => virsh3(["list", "--all", "--name"]).split("\n").filter(Boolean).sort();
  const deploy = (name: string, staticLease: unknown, extra: Record<string, unknown> = {}) =>
    api(
      admin,
      "POST",
      "vms/create",
      {},
      {
        mode: "template",
        hostId: host3.id,
        templateId,
        name,
        start: false,
        staticLease,
        ...extra,
      },
    );

  beforeAll(async () => {
    const t = await api(
      admin,
      "POST",
      "templates",
      {},
      {
        name: `vdtest-iptpl-${tag}`,
        vcpus: 1,
        memoryMiB: 64,
        maxMemoryMiB: 64,
        domainType: "qemu",
        nics: [{ kind: "network", source: NET, model: "virtio", mac: "" }],
      },
    );
    expect(t.status).toBe(201);
    templateId = t.json.template.id;
  });

  it("refuses a lease that is not a free address of the network's DHCP subnet, naming the field, creating nothing", async () => {
    const before = { domains: domainNames3(), live: netXml(false), stored: netXml(true) };
    const cases: [unknown, string][] = [
      [{ network: NET, ip: "10.20.30.40" }, "staticLease.ip"],
      [{ network: NET, ip: `${SUBNET}.1` }, "staticLease.ip"],
      [{ network: NET, ip: `${SUBNET}.255` }, "staticLease.ip"],
      [{ network: NET, ip: "$(reboot)" }, "staticLease.ip"],
      [{ network: NET, ip: `${SUBNET}.60"/><host mac='x` }, "staticLease.ip"],
      [{ network: NET, ip: 7 }, "staticLease.ip"],
      [{ network: `${NET} x`, ip: STATIC_IP }, "staticLease.network"],
      [{ network: "-x", ip: STATIC_IP }, "staticLease.network"],
      [{ network: `vdtest-none-${tag}`, ip: STATIC_IP }, "staticLease.network"],
      [{ network: NET, ip: STATIC_IP, mac: "52:54:00:00:00:01" }, "staticLease"],
    ];
    for (const [lease, field] of cases) {
      const res = await deploy(`vdtest-ipl-bad-${tag}`, lease);
      expect({ status: res.status, field: res.json.error?.issues?.[0]?.path }, JSON.stringify(lease)).toEqual({
        status: 422,
        field,
      });
      expect(res.json.error.message).toContain(field);
    }
    // The guest leased earlier holds its address (until the lease expires): no one else gets it as a static one.
    if (virsh3(["net-dhcp-leases", NET]).includes(leased)) {
      const taken = await deploy(`vdtest-ipl-bad-${tag}`, { network: NET, ip: leased });
      expect({ status: taken.status, field: taken.json.error?.issues?.[0]?.path }).toEqual({
        status: 422,
        field: "staticLease.ip",
      });
      expect(taken.json.error.message).toContain("leased to");
    }
    expect({ domains: domainNames3(), live: netXml(false), stored: netXml(true) }).toEqual(before);
  }, 60_000);

  it("adds the host entry (the VM's MAC -> the address) to the running network and its definition", async () => {
    const name = `vdtest-ipl-${tag}`;
    const res = await deploy(name, { network: NET, ip: STATIC_IP });
    expect(res.status).toBe(201);
    leaseVmUuids.push(res.json.vm.uuid);
    const mac = /<mac address='([0-9a-f:]+)'/.exec(virsh3(["dumpxml", res.json.vm.uuid]))?.[1];
    expect(mac).toMatch(/^52:54:00:/);
    for (const inactive of [false, true]) expect(netXml(inactive)).toContain(`<host mac='${mac}' ip='${STATIC_IP}'/>`);
    const audit = (await f.auditActions("vm.create")).find((a) => a.targetName === name);
    expect(audit?.details).toMatchObject({ staticLease: { network: NET, ip: STATIC_IP, mac } });

    // The same address again: refused, it is taken now.
    const again = await deploy(`${name}-b`, { network: NET, ip: STATIC_IP });
    expect({ status: again.status, field: again.json.error?.issues?.[0]?.path }).toEqual({
      status: 422,
      field: "staticLease.ip",
    });
    expect(again.json.error.message).toContain("already the static address");
  }, 60_000);
});

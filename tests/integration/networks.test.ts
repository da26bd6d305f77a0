// Virtual networks through the API (app/api/networks, app/api/hosts/[id]/networks/**) on the real
// daemons. Networks with addresses or DHCP, and the guest on them, live on test host 3 only (its own
// network namespace, scripts/stack/host3.sh); host 1 gets an isolated network without any address.
// Host-side checks run inside host 3's namespaces with nsenter (this process is root on the machine).
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, until, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { routeCall, whoCreate, type Who } from "./helpers/route-call";
import { inHost3, tinyGuestDefine3, virsh3 } from "./helpers/host3-ns";

const stack = stackEnv();
const h3 = stack.host3;
const tag = randomBytes(3).toString("hex");
const NET = `vdtest-net-${tag}`;
const BRIDGE = `vdtnb${tag}`;
const ISO = `vdtest-iso-${tag}`;
const GUEST = { name: `vdtest-netg-${tag}`, uuid: randomUUID() };
const STATIC_IP = "192.168.150.77";
let f: FleetContext;
let host3: HostView;
let host1: HostView;
let admin: Who;
let dir: string;
let guestMac: string;

const virsh1 = (args: string[]) =>
  execFileSync("virsh", ["-q", "-c", stack.host1.libvirtUri, ...args], { encoding: "utf8", stdio: "pipe" });
const netNames3 = () => virsh3(["net-list", "--all", "--name"]).split("\n").filter(Boolean).sort();
/** Host 3's own network interface (the inner end of its veth pair). */
const hostNic = () =>
  inHost3(["ip", "-br", "link"])
    .split("\n")
    .map((l) => l.split(/\s+/)[0]!.split("@")[0]!)
    .find((n) => n && n !== "lo")!;
const quietly = (fn: () => unknown) => {
  try {
    fn();
  } catch {}
};

const api = (method: string, file: string, params: Record<string, string> = {}, body?: unknown) =>
  routeCall(admin, method, file, params, body);
const nets = (hostId: string) => api("GET", "hosts/[id]/networks", { id: hostId });
const create = (hostId: string, body: unknown) => api("POST", "hosts/[id]/networks", { id: hostId }, body);
const onNet = (method: string, name: string, body?: unknown, hostId = host3.id) =>
  api(method, "hosts/[id]/networks/[network]", { id: hostId, network: name }, body);

const natSpec = (extra: Record<string, unknown> = {}) => ({
  name: NET,
  forwardMode: "nat",
  bridge: BRIDGE,
  ips: [
    {
      family: "ipv4",
      address: "192.168.150.1",
      prefix: 24,
      dhcp: { start: "192.168.150.100", end: "192.168.150.150" },
      hosts: [{ mac: guestMac, ip: STATIC_IP, name: "web" }],
    },
  ],
  ...extra,
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "vd-networks-"));
  f = await fleetSetup();
  host3 = await f.addHost(h3, { name: "host3" });
  host1 = await f.addHost(stack.host1, { name: "host1" });
  admin = await whoCreate(f, "net.admin", "admin");
  // The guest is defined first (libvirt does not check the network at define), so its MAC can be
  // the network's static host.
  guestMac = tinyGuestDefine3(GUEST, NET, dir);
});

afterAll(async () => {
  quietly(() => virsh3(["destroy", GUEST.uuid]));
  quietly(() => virsh3(["undefine", GUEST.uuid]));
  for (const n of [NET, `${NET}-b`]) {
    quietly(() => virsh3(["net-destroy", n]));
    quietly(() => virsh3(["net-undefine", n]));
  }
  quietly(() => virsh1(["net-destroy", ISO]));
  quietly(() => virsh1(["net-undefine", ISO]));
  await f?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

describe("virtual networks", () => {
  it("refuses bad input with an error naming the field, and changes nothing on the host", async () => {
    const before = netNames3();
    const ip = { family: "ipv4", address: "192.168.150.1", prefix: 24 };
    const cases: [unknown, string][] = [
      [natSpec({ ips: [ip, { family: "ipv4", address: "192.168.150.129", prefix: 25 }] }), "ips.1.address"],
      [natSpec({ ips: [{ ...ip, dhcp: { start: "192.168.150.10", end: "192.168.151.20" } }] }), "ips.0.dhcp.end"],
      [natSpec({ ips: [{ ...ip, dhcp: { start: "192.168.150.90", end: "192.168.150.20" } }] }), "ips.0.dhcp.end"],
      [
        natSpec({
          ips: [
            {
              ...ip,
              hosts: [
                { mac: "52:54:00:00:00:01", ip: "192.168.150.5" },
                { mac: "52:54:00:00:00:01", ip: "192.168.150.6" },
              ],
            },
          ],
        }),
        "ips.0.hosts.1.mac",
      ],
      [
        natSpec({
          ips: [
            {
              ...ip,
              hosts: [
                { mac: "52:54:00:00:00:01", ip: "192.168.150.5" },
                { mac: "52:54:00:00:00:02", ip: "192.168.150.5" },
              ],
            },
          ],
        }),
        "ips.0.hosts.1.ip",
      ],
      [natSpec({ name: `a"b` }), "name"],
      [natSpec({ name: "a b" }), "name"],
      [natSpec({ name: "a;reboot" }), "name"],
      [natSpec({ name: "-a" }), "name"],
      [natSpec({ name: "a'b" }), "name"],
      [{ name: `${NET}-b`, forwardMode: "bridge", bridge: `vdnobr${tag}` }, "bridge"],
      // A bridge for libvirt to create that is already an interface of the host (host 3's veth end).
      [natSpec({ name: `${NET}-b`, bridge: hostNic() }), "bridge"],
    ];
    for (const [body, field] of cases) {
      const res = await create(host3.id, body);
      expect({ status: res.status, field: res.json.error?.issues?.[0]?.path }, JSON.stringify(body)).toEqual({
        status: 422,
        field,
      });
      expect(res.json.error.message).toContain(field);
    }
    expect(netNames3()).toEqual(before);
  }, 60_000);

  it("creates and starts a NAT network with a DHCP range and a static host, inside host 3's namespace only", async () => {
    const res = await create(host3.id, natSpec({ start: true, autostart: true, domain: "lab.example" }));
    expect(res.status).toBe(201);
    expect(res.json.network).toMatchObject({
      hostId: host3.id,
      name: NET,
      active: true,
      autostart: true,
      persistent: true,
      forwardMode: "nat",
      bridge: BRIDGE,
      domain: "lab.example",
      leaseCount: 0,
      ips: [
        {
          family: "ipv4",
          address: "192.168.150.1",
          prefix: 24,
          dhcpRanges: [{ start: "192.168.150.100", end: "192.168.150.150" }],
          hosts: [{ mac: guestMac, ip: STATIC_IP, name: "web" }],
        },
      ],
    });
    expect(netNames3()).toContain(NET);
    expect(inHost3(["ip", "-4", "-br", "addr", "show", "dev", BRIDGE])).toContain("192.168.150.1/24");
    expect(() => execFileSync("ip", ["-br", "link", "show", "dev", BRIDGE], { stdio: "pipe" })).toThrow();

    // The same name again, and a subnet overlapping this network: refused naming the field.
    const again = await create(host3.id, natSpec());
    expect({ status: again.status, field: again.json.error?.issues?.[0]?.path }).toEqual({
      status: 409,
      field: "name",
    });
    const overlap = await create(host3.id, {
      name: `${NET}-b`,
      forwardMode: "nat",
      ips: [{ family: "ipv4", address: "192.168.150.129", prefix: 25 }],
    });
    expect({ status: overlap.status, field: overlap.json.error?.issues?.[0]?.path }).toEqual({
      status: 422,
      field: "ips.0.address",
    });
    expect(overlap.json.error.message).toContain(NET);
    const sameBridge = await create(host3.id, { name: `${NET}-b`, forwardMode: "isolated", bridge: BRIDGE });
    expect({ status: sameBridge.status, field: sameBridge.json.error?.issues?.[0]?.path }).toEqual({
      status: 422,
      field: "bridge",
    });
    expect(sameBridge.json.error.message).toContain(NET);
    expect(netNames3().filter((n) => n.startsWith(NET))).toEqual([NET]);

    const fleet = await api("GET", "networks");
    expect(fleet.status).toBe(200);
    expect(
      fleet.json.networks.some((n: { hostId: string; name: string }) => n.hostId === host3.id && n.name === NET),
    ).toBe(true);
  }, 60_000);

  it("leases the guest on it its static address, shown in the leases and the lease count", async () => {
    virsh3(["start", GUEST.uuid]);
    const lease = await until(
      `a DHCP lease for ${guestMac} on ${NET}`,
      async () => {
        const res = await api("GET", "hosts/[id]/networks/[network]/leases", { id: host3.id, network: NET });
        expect(res.status).toBe(200);
        return (res.json.leases as { mac: string; address: string }[]).find((l) => l.mac === guestMac);
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    expect(lease).toMatchObject({ family: "ipv4", address: STATIC_IP, prefix: 24 });
    const listed = (await nets(host3.id)).json.networks.find((n: { name: string }) => n.name === NET);
    expect(listed.leaseCount).toBe(1);
  }, 150_000);

  it("refuses to delete the network while a running VM uses it, naming the VM", async () => {
    const res = await onNet("DELETE", NET);
    expect(res.status).toBe(409);
    expect(res.json.error.message).toContain(GUEST.name);
    expect(netNames3()).toContain(NET);
    expect(virsh3(["net-info", NET])).toMatch(/Active:\s+yes/);
  }, 30_000);

  it("edits the stored definition of a running network (applies after restart), toggles autostart, stops and starts", async () => {
    const edited = await onNet(
      "PUT",
      NET,
      natSpec({
        ips: [
          {
            family: "ipv4",
            address: "192.168.150.1",
            prefix: 24,
            dhcp: { start: "192.168.150.160", end: "192.168.150.170" },
          },
        ],
      }),
    );
    expect(edited.status).toBe(200);
    expect(edited.json.appliesAfterRestart).toBe(true);
    expect(virsh3(["net-dumpxml", "--inactive", NET])).toContain("192.168.150.160");
    expect(virsh3(["net-dumpxml", NET])).toContain("192.168.150.100");
    const renamed = await onNet("PUT", NET, natSpec({ name: `${NET}-b` }));
    expect({ status: renamed.status, field: renamed.json.error?.issues?.[0]?.path }).toEqual({
      status: 422,
      field: "name",
    });

    const off = await onNet("POST", NET, { action: "autostart", autostart: false });
    expect(off.json.network).toMatchObject({ autostart: false, active: true });
    virsh3(["destroy", GUEST.uuid]);
    const stopped = await onNet("POST", NET, { action: "stop" });
    expect(stopped.json.network.active).toBe(false);
    expect(await onNet("POST", NET, { action: "stop" })).toMatchObject({ status: 409 });
    const started = await onNet("POST", NET, { action: "start" });
    expect(started.json.network.active).toBe(true);
    expect(virsh3(["net-dumpxml", NET])).toContain("192.168.150.160");
    const actions = (await f.auditActions("network.")).filter((a) => a.targetName === NET).map((a) => a.action);
    expect(actions).toEqual(["network.create", "network.edit", "network.autostart", "network.stop", "network.start"]);
  }, 60_000);

  it("deletes the network once no running VM uses it", async () => {
    const res = await onNet("DELETE", NET);
    expect(res.status).toBe(200);
    expect(netNames3()).not.toContain(NET);
    expect((await onNet("DELETE", NET)).status).toBe(404);
    expect((await f.auditActions("network.delete")).map((a) => a.targetName)).toContain(NET);
  }, 30_000);

  it("creates, starts, stops and deletes an isolated network without addresses on host 1", async () => {
    const res = await create(host1.id, { name: ISO, forwardMode: "isolated", start: true });
    expect(res.status).toBe(201);
    expect(res.json.network).toMatchObject({ name: ISO, active: true, forwardMode: null, ips: [], leaseCount: null });
    expect(virsh1(["net-dumpxml", ISO])).not.toContain("<ip");
    const leases = await api("GET", "hosts/[id]/networks/[network]/leases", { id: host1.id, network: ISO });
    expect(leases).toMatchObject({ status: 200, json: { leases: [] } });
    expect((await onNet("POST", ISO, { action: "stop" }, host1.id)).json.network.active).toBe(false);
    expect((await onNet("DELETE", ISO, undefined, host1.id)).status).toBe(200);
    expect(virsh1(["net-list", "--all", "--name"])).not.toContain(ISO);
  }, 60_000);

  it("answers 404 for a network name virsh could misread", async () => {
    for (const name of ["-a", "a b", `a"b`]) expect((await onNet("DELETE", name)).status).toBe(404);
  });
});

// Test host 3 (scripts/stack/host3.sh): a system libvirtd inside a network and mount namespace of its
// own, reached over a veth pair. Checked here: the app adds and lists it like any host; its libvirt
// is its own (none of host 1's domains, its own storage directory); a NAT network with DHCP started
// there has its bridge and dnsmasq inside the namespace only, and the tiny guest on it gets a lease.
// Host-side checks run inside the namespace with nsenter (this process is root on the test machine).
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync, writeFileSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DOMImplementation, XMLSerializer } from "@xmldom/xmldom";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, until, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { listAllUuids } from "./helpers/fleet-guests";
import { inHost3, tinyGuestDefine3, virsh3 } from "./helpers/host3-ns";

const stack = stackEnv();
const h3 = stack.host3;
const tag = randomBytes(3).toString("hex");
const NET = `vdtest-h3net-${tag}`;
const BRIDGE = `vdt3br${tag}`;
const GUEST = { name: `vdtest-h3g-${tag}`, uuid: randomUUID() };
let f: FleetContext;
let host: HostView;
let dir: string;

const quietly = (fn: () => unknown) => {
  try {
    fn();
  } catch {}
};

function natNetworkXml(): string {
  const doc = new DOMImplementation().createDocument(null, "network", null);
  const root = doc.documentElement!;
  const el = (parent: typeof root, tag: string, attrs: Record<string, string> = {}, text?: string) => {
    const node = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.appendChild(doc.createTextNode(text));
    parent.appendChild(node);
    return node;
  };
  el(root, "name", {}, NET);
  el(root, "forward", { mode: "nat" });
  el(root, "bridge", { name: BRIDGE });
  const ip = el(root, "ip", { address: "192.168.100.1", netmask: "255.255.255.0" });
  el(el(ip, "dhcp"), "range", { start: "192.168.100.10", end: "192.168.100.50" });
  return new XMLSerializer().serializeToString(doc);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "vd-host3-"));
  f = await fleetSetup();
  host = await f.addHost(h3, { name: "host3" });
});

afterAll(async () => {
  quietly(() => virsh3(["destroy", GUEST.uuid]));
  quietly(() => virsh3(["undefine", GUEST.uuid]));
  quietly(() => virsh3(["net-destroy", NET]));
  quietly(() => virsh3(["net-undefine", NET]));
  await f?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

describe("test host 3, in namespaces of its own", () => {
  it("is added and listed like any host, and its libvirt is its own", async () => {
    expect(host.status).toBe("online");
    const inv = await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 });
    const here = new Set(inv.vms.map((v) => v.uuid));
    expect([...here].sort()).toEqual(virsh3(["list", "--all", "--uuid"]).split("\n").filter(Boolean).sort());
    // None of host 1's domains (the machine's own libvirt) shows up here.
    for (const uuid of listAllUuids("host1")) expect(here.has(uuid), uuid).toBe(false);
    // Its own /var/lib/libvirt: the storage directory inside is not the machine's.
    const marker = `vd-host3-marker-${tag}`;
    inHost3(["touch", `/var/lib/libvirt/images/${marker}`]);
    try {
      expect(() => readFileSync(`/var/lib/libvirt/images/${marker}`)).toThrow();
    } finally {
      inHost3(["rm", "-f", `/var/lib/libvirt/images/${marker}`]);
    }
  });

  it("runs a NAT network with DHCP inside the namespace only, and leases the guest on it an address", async () => {
    const netFile = path.join(dir, "net.xml");
    writeFileSync(netFile, natNetworkXml());
    virsh3(["net-define", netFile]);
    virsh3(["net-start", NET]);
    // The bridge and its dnsmasq exist inside the namespace, not in the machine's own.
    expect(inHost3(["ip", "-br", "link", "show", "dev", BRIDGE])).toContain(BRIDGE);
    expect(() =>
      execFileSync("ip", ["-br", "link", "show", "dev", BRIDGE], { stdio: ["ignore", "pipe", "pipe"] }),
    ).toThrow();
    expect(inHost3(["ip", "-4", "-br", "addr", "show", "dev", BRIDGE])).toContain("192.168.100.1/24");
    expect(execFileSync("ip", ["-4", "-br", "addr"], { encoding: "utf8" })).not.toContain("192.168.100.1/");

    const mac = tinyGuestDefine3(GUEST, NET, dir);
    virsh3(["start", GUEST.uuid]);
    expect(mac).toBeDefined();
    const lease = await until(
      `a DHCP lease for ${mac} on ${NET}`,
      () => {
        const line = virsh3(["net-dhcp-leases", NET])
          .split("\n")
          .find((l) => l.includes(mac!));
        return line && /(192\.168\.100\.\d+)\/24/.exec(line)?.[1];
      },
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
    const n = Number(lease.split(".")[3]);
    expect(n).toBeGreaterThanOrEqual(10);
    expect(n).toBeLessThanOrEqual(50);
    // The app sees the running guest on host 3.
    const inv = await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 });
    expect(inv.vms.find((v) => v.uuid === GUEST.uuid)?.state).toBe("running");
  });
});

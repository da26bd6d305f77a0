import { describe, expect, it } from "vitest";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { parseDomIfAddr, parseNetDhcpLeases } from "@/lib/libvirt/net-leases-parse";
import { domainAddressesMerge, domainNetworks, guestAgentConnected, leaseAddresses, toVmSummary } from "./vm-view";

const MAC_A = "52:54:00:aa:00:01";
const MAC_B = "52:54:00:aa:00:02";
const domain = (devices: string) =>
  parseDomainXml(
    `<domain type='qemu' id='3'><name>g</name><uuid>5f1c8f36-61f4-4a43-9a0d-3f3b8f7d2c11</uuid><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>${devices}</devices></domain>`,
  );
const nic = (mac: string, network: string, dev = "vnet0") =>
  `<interface type='network'><mac address='${mac.toUpperCase()}'/><source network='${network}'/><target dev='${dev}'/><model type='virtio'/></interface>`;

const leasesOut = ` 2026-12-07 08:10:00   ${MAC_A}   ipv4   192.168.100.23/24   tiny   -
 2026-12-07 08:10:00   52:54:00:ff:ff:ff   ipv4   192.168.100.99/24   other   -
`;

describe("leaseAddresses", () => {
  const d = domain(
    nic(MAC_A, "nat") +
      nic(MAC_B, "iso", "vnet1") +
      "<interface type='bridge'><mac address='52:54:00:aa:00:03'/><source bridge='br0'/></interface>",
  );

  it("matches each NIC's MAC in the leases of the network it is on, and only there", () => {
    const leases = new Map([
      ["nat", parseNetDhcpLeases(leasesOut)],
      // the same MAC leased on a network the NIC is not on does not count
      ["iso", parseNetDhcpLeases(` 2026-12-07 08:10:00   ${MAC_A}   ipv4   10.0.0.5/24   x   -`)],
    ]);
    expect(leaseAddresses(d, leases)).toEqual([
      {
        interface: "vnet0",
        mac: MAC_A,
        family: "ipv4",
        address: "192.168.100.23",
        prefix: 24,
        source: "lease",
        network: "nat",
      },
    ]);
  });

  it("gives nothing for a network that was not read or has no DHCP", () => {
    expect(leaseAddresses(d, new Map([["nat", null]]))).toEqual([]);
    expect(leaseAddresses(d, new Map())).toEqual([]);
  });

  it("lists the networks to read leases from, once each, none virsh could misread", () => {
    expect(domainNetworks(domain(nic(MAC_A, "nat") + nic(MAC_B, "nat", "vnet1") + nic(MAC_B, "-x")))).toEqual(["nat"]);
  });

  it("puts the addresses into a running VM's summary only", () => {
    const addresses = leaseAddresses(d, new Map([["nat", parseNetDhcpLeases(leasesOut)]]));
    const flags = { autostart: false, hasManagedSave: false, persistent: true };
    const live = { cpuPercent: null, uptimeSeconds: null, addresses };
    const stats = (state: "running" | "shutoff") => ({ name: "g", state, blocks: [], nets: [], raw: {} });
    expect(toVmSummary({ id: "h", name: "h" }, d, stats("running"), flags, live).addresses).toEqual(addresses);
    expect(toVmSummary({ id: "h", name: "h" }, d, stats("shutoff"), flags, live).addresses).toEqual([]);
  });
});

describe("domainAddressesMerge", () => {
  const d = domain(nic(MAC_A, "nat"));
  const lease = parseDomIfAddr(` vnet0      ${MAC_A}    ipv4         192.168.100.23/24`);
  const agent = parseDomIfAddr(` lo         00:00:00:00:00:00    ipv4         127.0.0.1/8
 -          -                    ipv6         ::1/128
 eth0       ${MAC_A}    ipv4         192.168.100.23/24
 -          -                    ipv6         fe80::5054:ff:feaa:1/64
 eth1       ${MAC_B}    ipv4         10.9.8.7/16`);
  const arp = parseDomIfAddr(` vnet0      ${MAC_A}    ipv4         192.168.100.23/0`);

  it("keeps one entry per address, the first source's, without loopback, IPv4 first", () => {
    expect(
      domainAddressesMerge(d, [
        { source: "lease", addresses: lease },
        { source: "agent", addresses: agent },
        { source: "arp", addresses: arp },
      ]),
    ).toEqual([
      {
        interface: "vnet0",
        mac: MAC_A,
        family: "ipv4",
        address: "192.168.100.23",
        prefix: 24,
        source: "lease",
        network: "nat",
      },
      {
        interface: "eth1",
        mac: MAC_B,
        family: "ipv4",
        address: "10.9.8.7",
        prefix: 16,
        source: "agent",
        network: null,
      },
      {
        interface: "eth0",
        mac: MAC_A,
        family: "ipv6",
        address: "fe80::5054:ff:feaa:1",
        prefix: 64,
        source: "agent",
        network: "nat",
      },
    ]);
  });

  it("is empty when no source knows anything", () => {
    expect(domainAddressesMerge(d, [{ source: "lease", addresses: [] }])).toEqual([]);
  });
});

describe("guest agent channel", () => {
  const channel = (state?: string) =>
    `<channel type='unix'><source mode='bind'/><target type='virtio' name='org.qemu.guest_agent.0'${state ? ` state='${state}'` : ""}/></channel>`;
  it("reads whether the agent is connected from the live XML", () => {
    expect(guestAgentConnected(domain(channel("connected")))).toBe(true);
    expect(guestAgentConnected(domain(channel("disconnected")))).toBe(false);
    expect(guestAgentConnected(domain(channel()))).toBe(false);
    expect(guestAgentConnected(domain(""))).toBe(false);
    expect(domain(channel("connected")).guestAgent).toEqual({ state: "connected" });
    expect(domain("").guestAgent).toBeUndefined();
    // another virtio channel is not the agent's
    expect(
      domain("<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0' state='connected'/></channel>")
        .guestAgent,
    ).toBeUndefined();
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NetworkSpecSchema, type NetworkSpecInput } from "@/lib/contracts/network";
import { networkXmlBuild, networkXmlEdit, parseNetworkXml } from "./network-xml";
import { FIXTURE_SPECS } from "./__fixtures__/network-specs";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");
const build = (input: NetworkSpecInput) => networkXmlBuild(NetworkSpecSchema.parse(input));

describe("net-dumpxml", () => {
  it("reads a NAT network with DHCP, static host, IPv6, MTU and domain (real libvirt)", () => {
    const w = parseNetworkXml(fixture("network-nat.xml"));
    expect(w).toMatchObject({
      name: "vdtest-fx-nat",
      forwardMode: "nat",
      bridge: "vdfxbr0",
      mtu: 9000,
      domain: "lab.example",
      devices: [],
      addresses: ["192.168.100.1/24", "fd00:100::1/64"],
      dhcp: true,
    });
    expect(w.ips).toEqual([
      {
        family: "ipv4",
        address: "192.168.100.1",
        prefix: 24,
        dhcpRanges: [{ start: "192.168.100.10", end: "192.168.100.50" }],
        hosts: [{ mac: "52:54:00:aa:00:01", ip: "192.168.100.5", name: "web" }],
      },
      {
        family: "ipv6",
        address: "fd00:100::1",
        prefix: 64,
        dhcpRanges: [{ start: "fd00:100::10", end: "fd00:100::ff" }],
        hosts: [],
      },
    ]);
  });
  it("reads isolated, routed, bridged and macvtap networks (real libvirt)", () => {
    expect(parseNetworkXml(fixture("network-isolated.xml"))).toMatchObject({ forwardMode: undefined, ips: [] });
    expect(parseNetworkXml(fixture("network-route.xml"))).toMatchObject({
      forwardMode: "route",
      addresses: ["10.77.0.1/16"],
      dhcp: false,
    });
    expect(parseNetworkXml(fixture("network-bridge.xml"))).toMatchObject({ forwardMode: "bridge", bridge: "br0" });
    expect(parseNetworkXml(fixture("network-macvtap.xml"))).toMatchObject({
      forwardMode: "vepa",
      devices: ["eth0"],
      bridge: undefined,
    });
  });
  it("reads a netmask as a prefix and a bare <forward/> as nat", () => {
    const xml = `<network><name>n</name><forward/><ip address='10.0.0.1' netmask='255.255.255.0'/></network>`;
    expect(parseNetworkXml(xml)).toMatchObject({ forwardMode: "nat", addresses: ["10.0.0.1/24"] });
  });
  it("refuses another document", () => {
    expect(() => parseNetworkXml("<pool/>")).toThrow();
  });
});

describe("networkXmlBuild", () => {
  it("builds what libvirt stores back (the NAT fixture, minus what libvirt adds)", () => {
    const xml = build(FIXTURE_SPECS.nat);
    const { uuid: _u, ...built } = parseNetworkXml(xml);
    const { uuid: _v, ...stored } = parseNetworkXml(fixture("network-nat.xml"));
    expect(built).toEqual(stored);
  });
  it("builds each forward mode", () => {
    expect(build({ name: "i", forwardMode: "isolated" })).toBe("<network><name>i</name></network>");
    expect(
      build({
        name: "r",
        forwardMode: "route",
        dev: "eth0",
        ips: [{ family: "ipv4", address: "10.1.0.1", prefix: 16 }],
      }),
    ).toBe(`<network><name>r</name><forward mode="route" dev="eth0"/><ip address="10.1.0.1" prefix="16"/></network>`);
    expect(
      build({ name: "o", forwardMode: "open", ips: [{ family: "ipv4", address: "10.2.0.1", prefix: 24 }] }),
    ).toContain(`<forward mode="open"/>`);
    expect(build({ name: "b", forwardMode: "bridge", bridge: "br0" })).toBe(
      `<network><name>b</name><forward mode="bridge"/><bridge name="br0"/></network>`,
    );
    expect(build({ name: "m", forwardMode: "macvtap", dev: "eth1", macvtapMode: "passthrough" })).toBe(
      `<network><name>m</name><forward mode="passthrough"><interface dev="eth1"/></forward></network>`,
    );
  });
  it("escapes what it is given (no markup injection even past validation)", () => {
    const xml = networkXmlBuild({
      ...NetworkSpecSchema.parse({ name: "x", forwardMode: "isolated" }),
      name: `x'/><forward mode="nat"/><name>y`,
    });
    expect(parseNetworkXml(xml)).toMatchObject({ name: `x'/><forward mode="nat"/><name>y`, forwardMode: undefined });
  });
});

describe("networkXmlEdit", () => {
  const edit = (xml: string, input: NetworkSpecInput) => networkXmlEdit(xml, NetworkSpecSchema.parse(input));
  it("replaces what the spec decides and keeps name, uuid, mac and the bridge libvirt chose", () => {
    const stored = fixture("network-nat.xml");
    const xml = edit(stored, {
      name: "vdtest-fx-nat",
      forwardMode: "route",
      ips: [{ family: "ipv4", address: "10.9.0.1", prefix: 24, dhcp: { start: "10.9.0.100", end: "10.9.0.200" } }],
    });
    const before = parseNetworkXml(stored);
    const after = parseNetworkXml(xml);
    expect(after).toMatchObject({ name: before.name, uuid: before.uuid, bridge: before.bridge, forwardMode: "route" });
    expect(after.ips).toEqual([
      {
        family: "ipv4",
        address: "10.9.0.1",
        prefix: 24,
        dhcpRanges: [{ start: "10.9.0.100", end: "10.9.0.200" }],
        hosts: [],
      },
    ]);
    expect(after.mtu).toBeUndefined();
    expect(after.domain).toBeUndefined();
    expect(xml).toContain("<mac address=");
  });
  it("does not keep a host bridge when a bridged network becomes NAT", () => {
    const xml = edit(fixture("network-bridge.xml"), {
      name: "b",
      forwardMode: "nat",
      ips: [{ family: "ipv4", address: "10.8.0.1", prefix: 24 }],
    });
    expect(parseNetworkXml(xml)).toMatchObject({ forwardMode: "nat", bridge: undefined });
  });
});

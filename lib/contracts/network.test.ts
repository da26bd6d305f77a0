import { describe, expect, it } from "vitest";
import { NetworkSpecSchema, ipv6ToBig, type NetworkSpecInput } from "./network";

const NAT: NetworkSpecInput = {
  name: "lab",
  forwardMode: "nat",
  ips: [
    {
      family: "ipv4",
      address: "192.168.100.1",
      prefix: 24,
      dhcp: { start: "192.168.100.10", end: "192.168.100.50" },
      hosts: [{ mac: "52:54:00:00:00:01", ip: "192.168.100.5", name: "web" }],
    },
  ],
};
const withIp = (patch: Record<string, unknown>): NetworkSpecInput => ({
  ...NAT,
  ips: [{ ...NAT.ips![0]!, ...patch } as never],
});

/** The fields (dotted paths) a refused request names. */
function fields(input: unknown): string[] {
  const r = NetworkSpecSchema.safeParse(input);
  if (r.success) return [];
  return [...new Set(r.error.issues.map((i) => i.path.join(".")))];
}

describe("NetworkSpecSchema", () => {
  it("accepts a NAT network with DHCP and a static host", () => {
    expect(NetworkSpecSchema.parse(NAT)).toMatchObject({ name: "lab", autostart: false, macvtapMode: "bridge" });
  });
  it.each([
    ["quote", `la'b`],
    ["space", "la b"],
    ["semicolon", "a;b"],
    ["leading dash", "-lab"],
    ["empty", ""],
  ])("refuses a name with a %s", (_, name) => {
    expect(fields({ ...NAT, name })).toEqual(["name"]);
  });
  it.each<[string, Record<string, unknown>, string]>([
    ["a bad address", { address: "192.168.100.300" }, "ips.0.address"],
    ["the network address itself", { address: "192.168.100.0" }, "ips.0.address"],
    ["a prefix out of range", { prefix: 31 }, "ips.0.prefix"],
    [
      "a DHCP start outside the subnet",
      { dhcp: { start: "192.168.101.10", end: "192.168.100.50" } },
      "ips.0.dhcp.start",
    ],
    ["a DHCP range backwards", { dhcp: { start: "192.168.100.50", end: "192.168.100.10" } }, "ips.0.dhcp.end"],
    [
      "a DHCP range holding the host's address",
      { dhcp: { start: "192.168.100.1", end: "192.168.100.9" } },
      "ips.0.dhcp.start",
    ],
    ["a bad MAC", { hosts: [{ mac: "52:54:00:00:00", ip: "192.168.100.5" }] }, "ips.0.hosts.0.mac"],
    ["a static IP outside the subnet", { hosts: [{ mac: "52:54:00:00:00:01", ip: "10.0.0.5" }] }, "ips.0.hosts.0.ip"],
  ])("refuses %s, naming the field", (_, patch, field) => {
    expect(fields(withIp(patch))).toEqual([field]);
  });
  it("refuses duplicate MACs and IPs among static hosts", () => {
    const hosts = [
      { mac: "52:54:00:00:00:01", ip: "192.168.100.5" },
      { mac: "52:54:00:00:00:01", ip: "192.168.100.6" },
      { mac: "52:54:00:00:00:02", ip: "192.168.100.5" },
    ];
    expect(fields(withIp({ hosts }))).toEqual(["ips.0.hosts.1.mac", "ips.0.hosts.2.ip"]);
  });
  it("refuses overlapping IPv4 subnets", () => {
    const ips = [NAT.ips![0]!, { family: "ipv4", address: "192.168.0.1", prefix: 16 }];
    expect(fields({ ...NAT, ips })).toEqual(["ips.1.address"]);
    expect(fields({ ...NAT, ips: [NAT.ips![0]!, { family: "ipv4", address: "192.168.101.1", prefix: 24 }] })).toEqual(
      [],
    );
  });
  it("checks IPv6 too", () => {
    const v6 = (patch: Record<string, unknown>) => ({
      ...NAT,
      ips: [{ family: "ipv6", address: "fd00::1", prefix: 64, ...patch }],
    });
    expect(fields(v6({}))).toEqual([]);
    expect(fields(v6({ dhcp: { start: "fd00::10", end: "fd00::ff" } }))).toEqual([]);
    expect(fields(v6({ dhcp: { start: "fd01::10", end: "fd00::ff" } }))).toEqual(["ips.0.dhcp.start"]);
    expect(fields(v6({ address: "fd00::zz" }))).toEqual(["ips.0.address"]);
    expect(ipv6ToBig("::1")).toBe(1n);
    expect(ipv6ToBig("1::2::3")).toBeNull();
  });
  it("checks the MTU range", () => {
    expect(fields({ ...NAT, mtu: 67 })).toEqual(["mtu"]);
    expect(fields({ ...NAT, mtu: 65536 })).toEqual(["mtu"]);
    expect(fields({ ...NAT, mtu: 1500 })).toEqual([]);
  });
  it("asks each forward mode for what it needs", () => {
    expect(fields({ name: "b", forwardMode: "bridge" })).toEqual(["bridge"]);
    expect(fields({ name: "m", forwardMode: "macvtap" })).toEqual(["dev"]);
    expect(fields({ name: "r", forwardMode: "route" })).toEqual(["ips"]);
    expect(fields({ name: "i", forwardMode: "isolated" })).toEqual([]);
    expect(fields({ name: "b", forwardMode: "bridge", bridge: "br0", ips: NAT.ips })).toEqual(["ips"]);
    expect(fields({ name: "b", forwardMode: "bridge", bridge: "br;0" })).toEqual(["bridge"]);
  });
});

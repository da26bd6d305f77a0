import type { NetworkSpecInput } from "../../contracts/network";

/** The requests the network fixtures (network-<key>.xml) were made from by generate-networks.ts. */
export const FIXTURE_SPECS = {
  nat: {
    name: "vdtest-fx-nat",
    forwardMode: "nat",
    bridge: "vdfxbr0",
    mtu: 9000,
    domain: "lab.example",
    ips: [
      {
        family: "ipv4",
        address: "192.168.100.1",
        prefix: 24,
        dhcp: { start: "192.168.100.10", end: "192.168.100.50" },
        hosts: [{ mac: "52:54:00:aa:00:01", ip: "192.168.100.5", name: "web" }],
      },
      { family: "ipv6", address: "fd00:100::1", prefix: 64, dhcp: { start: "fd00:100::10", end: "fd00:100::ff" } },
    ],
  },
  isolated: { name: "vdtest-fx-isolated", forwardMode: "isolated" },
  route: { name: "vdtest-fx-route", forwardMode: "route", ips: [{ family: "ipv4", address: "10.77.0.1", prefix: 16 }] },
  bridge: { name: "vdtest-fx-bridge", forwardMode: "bridge", bridge: "br0" },
  macvtap: { name: "vdtest-fx-macvtap", forwardMode: "macvtap", dev: "eth0", macvtapMode: "vepa" },
} satisfies Record<string, NetworkSpecInput>;

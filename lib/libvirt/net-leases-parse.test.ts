import { describe, expect, it } from "vitest";
import { parseDomIfAddr, parseNetDhcpLeases } from "./net-leases-parse";

describe("net-dhcp-leases", () => {
  it("reads the table (header or not), dashes as missing", () => {
    const out = ` Expiry Time           MAC address         Protocol   IP address          Hostname   Client ID or DUID
-----------------------------------------------------------------------------------------------------------
 2026-12-07 08:10:00   52:54:00:12:34:56   ipv4       192.168.100.23/24   vdguest    01:52:54:00:12:34:56
 2026-12-07 08:11:00   52:54:00:AB:CD:EF   ipv4       192.168.100.24/24   -          -
`;
    expect(parseNetDhcpLeases(out)).toEqual([
      {
        expiry: "2026-12-07 08:10:00",
        mac: "52:54:00:12:34:56",
        family: "ipv4",
        address: "192.168.100.23",
        prefix: 24,
        hostname: "vdguest",
        clientId: "01:52:54:00:12:34:56",
      },
      {
        expiry: "2026-12-07 08:11:00",
        mac: "52:54:00:ab:cd:ef",
        family: "ipv4",
        address: "192.168.100.24",
        prefix: 24,
        hostname: null,
        clientId: null,
      },
    ]);
    expect(parseNetDhcpLeases("")).toEqual([]);
  });
});

describe("domifaddr", () => {
  it("reads addresses, carrying the interface over continuation lines", () => {
    const out = ` Name       MAC address          Protocol     Address
-------------------------------------------------------------------------------
 vnet0      52:54:00:12:34:56    ipv4         192.168.100.23/24
 -          -                    ipv6         fe80::5054:ff:fe12:3456/64
 lo         00:00:00:00:00:00    ipv4         127.0.0.1/8
`;
    expect(parseDomIfAddr(out)).toEqual([
      { interface: "vnet0", mac: "52:54:00:12:34:56", family: "ipv4", address: "192.168.100.23", prefix: 24 },
      { interface: "vnet0", mac: "52:54:00:12:34:56", family: "ipv6", address: "fe80::5054:ff:fe12:3456", prefix: 64 },
      { interface: "lo", mac: "00:00:00:00:00:00", family: "ipv4", address: "127.0.0.1", prefix: 8 },
    ]);
  });
});

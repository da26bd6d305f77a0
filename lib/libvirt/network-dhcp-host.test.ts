import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseNetworkXml } from "./network-xml";
import { dhcpHostXmlBuild, staticLeaseProblem } from "./network-dhcp-host";

// Real `virsh net-dumpxml` output (see __fixtures__/generate-networks.ts).
const nat = parseNetworkXml(readFileSync(path.join(import.meta.dirname, "__fixtures__", "network-nat.xml"), "utf8"));
const isolated = parseNetworkXml(
  readFileSync(path.join(import.meta.dirname, "__fixtures__", "network-isolated.xml"), "utf8"),
);
const MAC = "52:54:00:aa:bb:01";

describe("dhcpHostXmlBuild", () => {
  it("builds the <host> element, escaping what it is given", () => {
    expect(dhcpHostXmlBuild({ mac: MAC, ip: "192.168.100.20" })).toBe(`<host mac="${MAC}" ip="192.168.100.20"/>`);
    expect(dhcpHostXmlBuild({ mac: MAC, ip: `1"<&`, name: "web" })).toBe(
      `<host mac="${MAC}" name="web" ip="1&quot;&lt;&amp;"/>`,
    );
  });
});

describe("staticLeaseProblem", () => {
  const ip4 = nat.ips.find((i) => i.family === "ipv4")!;
  const [a, b, c] = ip4.address.split(".");
  const inSubnet = (n: number) => `${a}.${b}.${c}.${n}`;

  it("takes a free host address of the network's DHCP subnet", () => {
    expect(staticLeaseProblem(nat, { mac: MAC, ip: inSubnet(201) })).toBeNull();
  });

  it("refuses what is not a free host address of that subnet, saying why", () => {
    expect(staticLeaseProblem(nat, { mac: MAC, ip: "10.1.2" })).toMatch(/IPv4 address/);
    expect(staticLeaseProblem(nat, { mac: MAC, ip: "$(reboot)" })).toMatch(/IPv4 address/);
    expect(staticLeaseProblem(nat, { mac: MAC, ip: "10.99.99.5" })).toMatch(/outside/);
    expect(staticLeaseProblem(nat, { mac: MAC, ip: ip4.address })).toMatch(/itself/);
    expect(staticLeaseProblem(nat, { mac: MAC, ip: inSubnet(255) })).toMatch(/broadcast/);
    expect(staticLeaseProblem(nat, { mac: MAC, ip: inSubnet(0) })).toMatch(/network or broadcast/);
    expect(staticLeaseProblem(isolated, { mac: MAC, ip: "192.168.1.5" })).toMatch(/no DHCP/);
    expect(
      staticLeaseProblem(nat, { mac: MAC, ip: inSubnet(202) }, [{ mac: "52:54:00:00:00:99", address: inSubnet(202) }]),
    ).toMatch(/leased to 52:54:00:00:00:99/);
  });

  it("refuses an address or MAC that has an entry already", () => {
    const host = ip4.hosts[0];
    expect(host).toBeDefined();
    expect(staticLeaseProblem(nat, { mac: MAC, ip: host!.ip })).toMatch(/already the static address/);
    expect(staticLeaseProblem(nat, { mac: host!.mac!, ip: inSubnet(203) })).toMatch(/already has a static address/);
  });
});

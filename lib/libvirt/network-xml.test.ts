import { describe, expect, it } from "vitest";
import { parseNetworkXml } from "./network-xml";

describe("net-dumpxml", () => {
  it("reads a NAT network with DHCP", () => {
    const xml = `<network><name>default</name><uuid>2e3f1c5a-0000-4000-8000-000000000001</uuid>
      <forward mode='nat'><nat><port start='1024' end='65535'/></nat></forward>
      <bridge name='virbr0' stp='on' delay='0'/><mac address='52:54:00:aa:bb:cc'/>
      <ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip>
      <ip family='ipv6' address='fd00::1' prefix='64'/></network>`;
    expect(parseNetworkXml(xml)).toEqual({
      name: "default",
      uuid: "2e3f1c5a-0000-4000-8000-000000000001",
      forwardMode: "nat",
      bridge: "virbr0",
      addresses: ["192.168.122.1/24", "fd00::1/64"],
      dhcp: true,
    });
  });
  it("reads an isolated network (no forward) and a bare <forward/> as nat", () => {
    expect(parseNetworkXml("<network><name>iso net</name><bridge name='virbr9'/></network>")).toMatchObject({
      name: "iso net",
      forwardMode: undefined,
      addresses: [],
      dhcp: false,
    });
    expect(parseNetworkXml("<network><name>n</name><forward/></network>").forwardMode).toBe("nat");
  });
  it("refuses another document", () => {
    expect(() => parseNetworkXml("<pool/>")).toThrow();
  });
});

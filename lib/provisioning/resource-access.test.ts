import { describe, expect, it } from "vitest";
import { nicsOutsideNetworks } from "./resource-access";

describe("nicsOutsideNetworks", () => {
  it("picks the NICs on host bridges or direct links, not those on libvirt networks", () => {
    const nics = [
      { kind: "network", source: "default" },
      { kind: "bridge", source: "br0" },
      { kind: "direct", source: "eth0" },
    ];
    expect(nicsOutsideNetworks(nics).map((n) => n.source)).toEqual(["br0", "eth0"]);
    expect(nicsOutsideNetworks([{ kind: "network", source: "default" }])).toEqual([]);
  });
});

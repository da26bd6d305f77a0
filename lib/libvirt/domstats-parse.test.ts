import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDomstats } from "./domstats-parse";
import { LibvirtParseError } from "./xml";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");

describe("parseDomstats", () => {
  it("reads every domain of `virsh domstats --raw`, running and shut off", () => {
    const stats = parseDomstats(fixture("domstats.txt"));
    expect(stats.map((s) => [s.name, s.state, s.stateReason])).toEqual([
      ["vdtest-fixture", "running", 5],
      ["vdtest-nics", "shutoff", 0],
      [`-vdtest 'sq' "dq" ;$(id) \`id\` <&> ünïcødé 日本`, "shutoff", 0],
    ]);
    const [running, nics] = stats;
    expect(running).toMatchObject({
      cpuTimeNs: 262168000,
      balloonCurrentKiB: 131072,
      balloonMaximumKiB: 131072,
      balloonRssKiB: 49532,
      vcpuCurrent: 1,
      vcpuMaximum: 2,
      nets: [],
    });
    expect(running.blocks).toEqual([
      {
        name: "vda",
        path: "/var/lib/libvirt/images/vdtest-fixture.qcow2",
        rdBytes: 0,
        wrBytes: 0,
        capacity: 67108864,
        allocation: 0,
        physical: 204800,
      },
      { name: "sda", rdBytes: 54, wrBytes: 0 },
    ]);
    expect(running.raw["dirtyrate.calc_mode"]).toBe("page-sampling");
    expect(running.raw["vcpu.0.state"]).toBe("1");
    expect(nics.blocks).toEqual([{ name: "vda" }, { name: "hdc", path: "/var/lib/libvirt/images/vdtest install.iso" }]);
  });

  it("maps a paused guest", () => {
    const [paused] = parseDomstats(fixture("domstats-paused.txt"));
    expect(paused.state).toBe("paused");
    expect(paused.stateReason).toBe(1);
  });

  it("reads interface counters and values containing '='", () => {
    const [d] = parseDomstats(
      "Domain: 'a=b'\n  state.state=1\n  net.count=1\n  net.0.name=vnet0\n  net.0.rx.bytes=100\n  net.0.tx.bytes=200\n  x.y=k=v\n\n",
    );
    expect(d.name).toBe("a=b");
    expect(d.nets).toEqual([{ name: "vnet0", rxBytes: 100, txBytes: 200 }]);
    expect(d.raw["x.y"]).toBe("k=v");
  });

  it("returns [] for no domains and maps unknown states to nostate", () => {
    expect(parseDomstats("")).toEqual([]);
    expect(parseDomstats("Domain: 'x'\n  state.state=42\n")[0].state).toBe("nostate");
  });

  it.each([
    ["a stat before any header", "  state.state=1\n"],
    ["an unindented line", "Domain: 'x'\nstate.state=1\n"],
    ["an error message", "error: failed to connect to the hypervisor\n"],
  ])("throws on %s", (_n, text) => {
    expect(() => parseDomstats(text)).toThrow(LibvirtParseError);
  });
});

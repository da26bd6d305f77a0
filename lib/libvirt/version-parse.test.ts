import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseVersion, versionAtLeast } from "./version-parse";
import { LibvirtParseError } from "./xml";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");
const v = (text: string) => {
  const [major, minor, micro] = text.split(".").map(Number);
  return { major, minor, micro, text };
};

describe("parseVersion", () => {
  it("reads `virsh version`", () => {
    expect(parseVersion(fixture("version.txt"))).toEqual({
      compiledAgainst: { name: "libvirt", version: v("9.0.0") },
      library: { name: "libvirt", version: v("9.0.0") },
      api: { name: "QEMU", version: v("9.0.0") },
      hypervisor: { name: "QEMU", version: v("7.2.22") },
    });
  });

  it("reads --daemon output and two-part versions", () => {
    const r = parseVersion(`${fixture("version.txt")}Running against daemon: 9.0.0\n`);
    expect(r.daemon).toEqual(v("9.0.0"));
    expect(parseVersion("Using library: libvirt 10.1\n").library.version).toEqual({
      major: 10,
      minor: 1,
      micro: 0,
      text: "10.1",
    });
  });

  it("throws without the library line or on garbage versions", () => {
    expect(() => parseVersion("error: failed to connect\n")).toThrow(LibvirtParseError);
    expect(() => parseVersion("Using library: libvirt nine\n")).toThrow(LibvirtParseError);
  });

  it("compares versions", () => {
    const nine = v("9.0.0");
    expect(versionAtLeast(nine, 9)).toBe(true);
    expect(versionAtLeast(nine, 8, 10)).toBe(true);
    expect(versionAtLeast(nine, 9, 0, 1)).toBe(false);
    expect(versionAtLeast(nine, 10)).toBe(false);
  });
});

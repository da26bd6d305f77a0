import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { guestDomainTypes, parseCapabilities } from "./capabilities-parse";
import { parseDomCapabilities } from "./domcapabilities-parse";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");

describe("parseCapabilities", () => {
  const caps = parseCapabilities(fixture("capabilities.xml"));

  it("reads the host CPU and topology", () => {
    expect(caps.hostUuid).toBe("3bc74738-a180-4a5b-b2a8-25b69d898211");
    expect(caps.cpu).toEqual({
      arch: "x86_64",
      model: "Broadwell",
      vendor: "Intel",
      topology: { sockets: 1, dies: 1, cores: 2, threads: 1 },
    });
    expect(caps.numaCells).toBe(1);
    expect(caps.cpus).toBe(2);
    expect(caps.memoryKiB).toBe(6252748);
  });

  it("lists guest arches with their domain types and machines", () => {
    expect(caps.guests.map((g) => [g.osType, g.arch, g.wordsize, g.emulator, g.domainTypes])).toEqual([
      ["hvm", "i686", 32, "/usr/bin/qemu-system-i386", ["qemu", "kvm"]],
      ["hvm", "x86_64", 64, "/usr/bin/qemu-system-x86_64", ["qemu", "kvm"]],
    ]);
    const x86 = caps.guests[1];
    expect(x86.machines).toContainEqual({ name: "pc", canonical: "pc-i440fx-7.2", maxCpus: 255 });
    expect(x86.machines).toContainEqual({ name: "q35", canonical: "pc-q35-7.2", maxCpus: 288 });
  });

  it("offers kvm before qemu for the host arch, and nothing for unknown arches", () => {
    expect(guestDomainTypes(caps)).toEqual(["kvm", "qemu"]);
    expect(guestDomainTypes(caps, "aarch64")).toEqual([]);
  });

  it("handles a host without KVM", () => {
    const noKvm = parseCapabilities(fixture("capabilities.xml").replaceAll("<domain type='kvm'/>", ""));
    expect(guestDomainTypes(noKvm)).toEqual(["qemu"]);
  });
});

describe("parseDomCapabilities", () => {
  it.each([
    ["domcapabilities-kvm.xml", "kvm"],
    ["domcapabilities-qemu.xml", "qemu"],
  ])("reads %s", (file, type) => {
    const d = parseDomCapabilities(fixture(file));
    expect(d).toMatchObject({
      domainType: type,
      emulator: "/usr/bin/qemu-system-x86_64",
      machine: "pc-i440fx-7.2",
      arch: "x86_64",
      maxVcpus: 255,
      os: { supported: true, firmware: [], loader: { supported: true, enums: { type: ["rom", "pflash"] } } },
    });
    expect(d.devices.disk.enums.diskDevice).toEqual(["disk", "cdrom", "floppy", "lun"]);
    expect(d.devices.disk.enums.bus).toContain("virtio");
    expect(d.devices.graphics).toEqual({
      supported: true,
      enums: { type: ["sdl", "vnc", "spice", "egl-headless", "dbus"] },
    });
    expect(d.devices.video.enums.modelType).toContain("vga");
    expect(d.features.sev).toBe(false);
    expect(d.features.genid).toBe(true);
  });

  it("tells which CPU modes each domain type supports", () => {
    const modes = (f: string) =>
      Object.fromEntries(parseDomCapabilities(fixture(f)).cpuModes.map((m) => [m.name, m.supported]));
    expect(modes("domcapabilities-kvm.xml")["host-passthrough"]).toBe(true);
    // TCG cannot pass the host CPU through.
    expect(modes("domcapabilities-qemu.xml")["host-passthrough"]).toBe(false);
  });
});

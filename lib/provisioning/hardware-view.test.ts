import { describe, expect, it } from "vitest";
import { domainCreateXml, type DomainCreateSpec } from "@/lib/libvirt/domain-xml-create";
import { domainSetVcpus } from "@/lib/libvirt/domain-xml-update";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { hardwareDiff, hardwareView } from "./hardware-view";

const spec: DomainCreateSpec = {
  name: "web",
  uuid: "0b5c6f7e-1111-4222-8333-944455556666",
  domainType: "qemu",
  vcpus: 1,
  memoryMiB: 64,
  maxMemoryMiB: 128,
  cpuMode: "host-model",
  firmware: "bios",
  disks: [{ device: "disk", path: "/p/web.qcow2", format: "qcow2", bus: "virtio" }],
  nics: [{ kind: "network", source: "iso-net", model: "virtio", mac: "52:54:00:00:00:01" }],
  graphics: "vnc",
  serialConsole: false,
  boot: ["hd"],
};

describe("hardware view", () => {
  it("reads the editable hardware of a definition", () => {
    expect(hardwareView(parseDomainXml(domainCreateXml({ ...spec, title: "Web" })))).toEqual({
      vcpus: 1,
      maxVcpus: 1,
      memoryMiB: 64,
      maxMemoryMiB: 128,
      title: "Web",
      description: "",
      bootOrder: ["hd"],
      disks: [{ target: "vda", device: "disk", bus: "virtio", format: "qcow2", source: "/p/web.qcow2" }],
      nics: [{ mac: "52:54:00:00:00:01", kind: "network", source: "iso-net", model: "virtio" }],
    });
  });

  it("lists only what differs between live and persistent", () => {
    const xml = domainCreateXml(spec);
    const live = hardwareView(parseDomainXml(xml));
    expect(hardwareDiff(live, live)).toEqual([]);
    const persistent = hardwareView(parseDomainXml(domainSetVcpus(xml, 2)));
    expect(hardwareDiff(live, persistent)).toEqual([
      { field: "vcpus", live: "1", persistent: "2" },
      { field: "maxVcpus", live: "1", persistent: "2" },
    ]);
  });
});

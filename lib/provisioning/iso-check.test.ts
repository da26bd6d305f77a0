import { describe, expect, it } from "vitest";
import { isoBlockingDependents, isoMagicMatches, isoMagicReadArgv } from "./iso-check";

describe("ISO content check", () => {
  it("reads the 5 bytes after the type byte of the volume descriptor at sector 16, as one bounded argv", () => {
    expect(isoMagicReadArgv("/var/lib/libvirt/images/my disk.iso")).toEqual([
      "dd",
      "if=/var/lib/libvirt/images/my disk.iso",
      "bs=1",
      "skip=32769",
      "count=5",
      "status=none",
    ]);
    expect(isoMagicMatches("CD001")).toBe(true);
    for (const other of ["", "CD00", "cd001", "CD0011", "\u0000\u0000\u0000\u0000\u0000"])
      expect(isoMagicMatches(other)).toBe(false);
  });

  it("other VMs' CD-ROM drives do not block an ISO; disks, backing chains, overlays, templates and tasks do", () => {
    const none = { vms: [], volumes: [], templates: [], tasks: [] };
    expect(isoBlockingDependents({ ...none, vms: [{ uuid: "u", name: "a", via: "media" }] }).vms).toEqual([]);
    expect(isoBlockingDependents({ ...none, vms: [{ uuid: "u", name: "a", via: "disk" }] }).vms).toHaveLength(1);
    expect(isoBlockingDependents({ ...none, vms: [{ uuid: "u", name: "a", via: "backing" }] }).vms).toHaveLength(1);
    expect(isoBlockingDependents({ ...none, templates: [{ id: "t", name: "t" }] }).templates).toHaveLength(1);
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EDIT_OPS, editPlan, liveDevice, liveFailedNote, type EditRequest } from "./domain-edit-ops";
import { parseDomainXml } from "./domain-xml-parse";
import { domainDisks, DomainEditError } from "./domain-xml-update";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");
// A real running guest: vCPU max 2 (1 current), 128 MiB, vda (virtio) and an empty SATA CD-ROM sda.
const inactive = fixture("domain-running-inactive.xml");
const live = fixture("domain-running-live.xml");
// Two NICs (52:54:00:aa:bb:01 and :02) and an IDE CD-ROM hdc with media.
const nics = fixture("domain-nics.xml");

const running = { live, running: true };
const stopped = { live: inactive, running: false };
const key = (k: string) => `hwEdit.${k}`;

describe("edit table", () => {
  it("has one operation per kind of change, each applying only to its own fields", () => {
    expect(EDIT_OPS).toHaveLength(11);
    const request: EditRequest = { title: "t" };
    expect(EDIT_OPS.filter((op) => op.applies(request))).toHaveLength(1);
    expect(EDIT_OPS.filter((op) => op.applies({}))).toHaveLength(0);
  });

  it("changes nothing for an empty request", () => {
    expect(editPlan(inactive, {}, running)).toEqual({
      xml: inactive,
      changes: [],
      applied: [],
      afterShutdown: [],
      liveSteps: [],
    });
  });
});

describe("edit plan of a stopped guest", () => {
  it("applies every change with the definition and plans no live step", () => {
    const p = editPlan(
      inactive,
      {
        vcpus: 4,
        memoryMiB: 200,
        maxMemoryMiB: 256,
        title: "web",
        bootOrder: ["cdrom", "hd"],
        bootMenu: true,
        addDisk: { path: "/p/new.raw", format: "raw", bus: "virtio" },
        addNic: { kind: "network", source: "default", model: "virtio", mac: "52:54:00:00:00:09" },
      },
      stopped,
    );
    expect(p.liveSteps).toEqual([]);
    expect(p.afterShutdown).toEqual([]);
    expect(p.applied).toEqual([
      { key: key("vcpus"), params: { count: 4 } },
      { key: key("maxMemory"), params: { mib: 256 } },
      { key: key("memory"), params: { mib: 200 } },
      { key: key("title") },
      { key: key("boot"), params: { order: "cdrom, hd", menu: "on" } },
      { key: key("diskAdded"), params: { target: "vdb" } },
      { key: key("nicAdded"), params: { mac: "52:54:00:00:00:09" } },
    ]);
    expect(p.changes).toEqual(["vcpus", "memory", "title", "boot", "add disk vdb", "add NIC 52:54:00:00:00:09"]);
    const d = parseDomainXml(p.xml);
    expect(d.vcpu.max).toBe(4);
    expect(d.memoryKiB).toBe(256 * 1024);
    expect(d.currentMemoryKiB).toBe(200 * 1024);
    expect(d.title).toBe("web");
    expect(domainDisks(p.xml).map((x) => x.target)).toEqual(["vda", "sda", "vdb"]);
  });

  it("reports a CD-ROM media change and an ejection as applied", () => {
    const p = editPlan(nics, { ejectIso: "hdc" }, { live: nics, running: false });
    expect(p.applied).toEqual([{ key: key("isoEjected"), params: { target: "hdc" } }]);
    expect(domainDisks(p.xml).find((x) => x.target === "hdc")?.path).toBeUndefined();
    const q = editPlan(inactive, { attachIso: { path: "/iso/d.iso", volume: "d.iso" } }, stopped);
    expect(q.applied).toEqual([{ key: key("isoInserted"), params: { target: "sda", volume: "d.iso" } }]);
  });

  it("refuses a bad change before anything (the whole request is one plan)", () => {
    expect(() => editPlan(inactive, { title: "ok", memoryMiB: 512 }, stopped)).toThrow(DomainEditError);
    expect(() => editPlan(inactive, { removeDisk: { target: "vdz" } }, stopped)).toThrow(/No disk vdz/);
    expect(() => editPlan(inactive, { ejectIso: "vda" }, stopped)).toThrow(/not a CD-ROM/);
    expect(() => editPlan(nics, { removeNic: "52:54:00:ff:ff:ff" }, stopped)).toThrow(/No network interface/);
  });
});

describe("edit plan of a running guest", () => {
  it("plans setvcpus/setmem within the running maximum and leaves the rest for after shutdown", () => {
    const p = editPlan(inactive, { vcpus: 2, memoryMiB: 100, maxMemoryMiB: 512 }, running);
    expect(p.liveSteps).toEqual([
      { message: { key: key("vcpus"), params: { count: 2 } }, step: { kind: "setvcpus", count: 2 } },
      { message: { key: key("memory"), params: { mib: 100 } }, step: { kind: "setmem", kib: 100 * 1024 } },
    ]);
    expect(p.afterShutdown).toEqual([{ key: key("maxMemory"), params: { mib: 512 } }]);
    const above = editPlan(inactive, { vcpus: 3, memoryMiB: 256, maxMemoryMiB: 512 }, running);
    expect(above.liveSteps).toEqual([]);
    expect(above.afterShutdown).toEqual([
      { key: key("vcpus"), params: { count: 3 }, reason: { key: key("aboveMax") } },
      { key: key("maxMemory"), params: { mib: 512 } },
      { key: key("memory"), params: { mib: 256 }, reason: { key: key("aboveMax") } },
    ]);
  });

  it("hot-plugs a virtio disk with its own device XML, not an IDE/SATA one", () => {
    const p = editPlan(inactive, { addDisk: { path: "/p/new.qcow2", format: "qcow2", bus: "virtio" } }, running);
    expect(p.liveSteps).toHaveLength(1);
    const s = p.liveSteps[0].step;
    expect(s.kind).toBe("attach");
    expect(s.kind === "attach" && s.deviceXml).toMatch(
      /^<disk type="file" device="disk">[\s\S]*<source file="\/p\/new.qcow2"\/>[\s\S]*<target dev="vdb" bus="virtio"\/>/,
    );
    const sata = editPlan(inactive, { addDisk: { path: "/p/new.raw", format: "raw", bus: "sata" } }, running);
    expect(sata.liveSteps).toEqual([]);
    expect(sata.afterShutdown).toEqual([
      { key: key("diskAdded"), params: { target: "sdb" }, reason: { key: key("noHotplug"), params: { bus: "sata" } } },
    ]);
  });

  it("detaches a removed disk with the live XML's device (runtime details included)", () => {
    const p = editPlan(inactive, { removeDisk: { target: "vda" } }, running);
    expect(p.liveSteps).toEqual([
      {
        message: { key: key("diskRemovedKept"), params: { target: "vda" } },
        step: { kind: "detach", deviceXml: liveDevice(live, "disk", "vda") },
      },
    ]);
    expect(liveDevice(live, "disk", "vda")).toContain("virtio-disk0");
    expect(domainDisks(p.xml).map((x) => x.target)).toEqual(["sda"]);
  });

  it("changes CD-ROM media live in an existing drive, and needs a shutdown for a new drive", () => {
    const p = editPlan(inactive, { attachIso: { path: "/iso/d.iso", volume: "d.iso" } }, running);
    expect(p.liveSteps.map((s) => s.step.kind)).toEqual(["update"]);
    expect(p.applied).toEqual([]);
    // No empty drive left in the domain-nics fixture's guest: a new drive waits for a shutdown.
    const full = editPlan(nics, { attachIso: { path: "/iso/d.iso", volume: "d.iso" } }, { live: nics, running: true });
    expect(full.liveSteps).toEqual([]);
    expect(full.afterShutdown).toEqual([{ key: key("cdromAdded"), params: { target: "hda", volume: "d.iso" } }]);
    const eject = editPlan(nics, { ejectIso: "hdc" }, { live: nics, running: true });
    expect(eject.liveSteps[0].step).toMatchObject({ kind: "update", force: true });
  });

  it("detaches a NIC the guest has, and leaves one it lacks for after shutdown", () => {
    const withNic = editPlan(nics, { removeNic: "52:54:00:AA:BB:01" }, { live: nics, running: true });
    expect(withNic.liveSteps[0].step.kind).toBe("detach");
    const liveWithout = editPlan(nics, { removeNic: "52:54:00:aa:bb:02" }, { live: inactive, running: true });
    expect(liveWithout.liveSteps).toEqual([]);
    expect(liveWithout.afterShutdown).toEqual([{ key: key("nicRemoved"), params: { mac: "52:54:00:aa:bb:02" } }]);
  });

  it("sets a title live, but an empty or dash-led one only in the definition", () => {
    expect(editPlan(inactive, { title: "web" }, running).liveSteps[0].step).toEqual({
      kind: "desc",
      field: "title",
      text: "web",
    });
    expect(editPlan(inactive, { description: "-x" }, running).applied).toEqual([{ key: key("description") }]);
    expect(editPlan(inactive, { bootMenu: false }, running).afterShutdown).toEqual([
      { key: key("boot"), params: { order: "", menu: "off" } },
    ]);
  });

  it("turns a failed live step into a pending note with libvirt's reason", () => {
    expect(liveFailedNote({ key: key("nicAdded"), params: { mac: "m" } }, "boom")).toEqual({
      key: key("nicAdded"),
      params: { mac: "m" },
      reason: { key: key("notLive"), params: { error: "boom" } },
    });
  });
});

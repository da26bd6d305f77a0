import { describe, expect, it } from "vitest";
import { parseSnapshotXml, type SnapshotDomainFacts, type SnapshotWire } from "@/lib/libvirt/snapshot-xml";
import { SnapshotCreateSchema } from "@/lib/contracts/snapshot";
import {
  createPlan,
  deleteRefusal,
  internalRefusal,
  overlayPath,
  renameRefusal,
  revertRefusal,
  snapshotViews,
} from "./plan";

const v = (text: string) => {
  const [major, minor, micro] = text.split(".").map(Number);
  return { major: major!, minor: minor!, micro: micro!, text };
};
const disk = (over: Partial<SnapshotDomainFacts["disks"][number]> = {}) => ({
  target: "vda",
  device: "disk",
  type: "file",
  path: "/var/lib/libvirt/images/web.qcow2",
  format: "qcow2",
  readonly: false,
  shareable: false,
  backed: false,
  ...over,
});
const facts = (over: Partial<SnapshotDomainFacts> = {}): SnapshotDomainFacts => ({
  name: "web",
  disks: [disk(), disk({ target: "sda", device: "cdrom", format: "raw", path: "/iso/x.iso", readonly: true })],
  pflash: false,
  agentConnected: false,
  ...over,
});
const snap = (name: string, location: SnapshotWire["location"], parent?: string): SnapshotWire => ({
  name,
  parent,
  diskOnly: location === "external",
  disks: [{ name: "vda", snapshot: location === "external" ? "external" : "internal" }],
  location,
});
const req = (o: object) => SnapshotCreateSchema.parse(o);

describe("internal snapshots", () => {
  it("plans memory for a running VM, none for a shut-off one; the CD-ROM is left out", () => {
    const p = createPlan(req({ name: "a", kind: "internal" }), facts(), [], "running");
    if (typeof p === "string") throw new Error(p);
    const s = parseSnapshotXml(p.xml);
    expect(s.memory).toBe("internal");
    expect(s.disks).toEqual([
      { name: "vda", snapshot: "internal", file: undefined, driverType: undefined },
      { name: "sda", snapshot: "no", file: undefined, driverType: undefined },
    ]);
    expect(p).toMatchObject({ diskOnly: false, quiesce: false, overlays: [] });
    const off = createPlan(req({ name: "a" }), facts(), [], "shut off");
    expect(typeof off !== "string" && parseSnapshotXml(off.xml).memory).toBe("no");
  });

  it("refuses a raw disk, external overlays, pflash, and a name taken, saying what to do instead", () => {
    expect(internalRefusal(facts({ disks: [disk({ format: "raw" })] }), [])).toMatch(
      /Disk vda is raw: internal snapshots live inside qcow2 images only\. Take an external/,
    );
    expect(internalRefusal(facts(), [snap("e1", "external")])).toMatch(
      /external snapshot overlays \(snapshot "e1"\).*merge the external snapshots into their parents first/,
    );
    expect(internalRefusal(facts({ pflash: true }), [])).toMatch(/pflash/);
    expect(createPlan(req({ name: "a" }), facts(), [snap("a", "internal")], "running")).toBe(
      'A snapshot named "a" exists already.',
    );
    expect(internalRefusal(facts({ disks: [] }), [])).toMatch(/no writable disk/);
    // A running VM's internal snapshot name goes through QEMU's monitor: '"' and '\' are lost there.
    for (const name of ['a"b', "c\\d"]) {
      expect(createPlan(req({ name }), facts(), [], "running")).toMatch(/QEMU's monitor/);
      expect(typeof createPlan(req({ name }), facts(), [], "shut off")).toBe("object");
      expect(typeof createPlan(req({ name, kind: "external" }), facts(), [], "running")).toBe("object");
    }
    expect(typeof createPlan(req({ name: "it's; <ok> & $(x)" }), facts(), [], "running")).toBe("object");
  });
});

describe("external disk-only snapshots", () => {
  it("any disk format, overlays next to the images, atomic, quiesced only when running with an agent", () => {
    const now = new Date("2026-12-07T15:00:00Z");
    const raw = facts({ disks: [disk({ format: "raw", path: "/data/db.img" })], agentConnected: true });
    const p = createPlan(req({ name: "x", kind: "external" }), raw, [], "running", now);
    if (typeof p === "string") throw new Error(p);
    expect(p.diskOnly).toBe(true);
    expect(p.quiesce).toBe(true);
    expect(p.overlays).toEqual([expect.stringMatching(/^\/data\/db\.snap-20261207T150000-[0-9a-f]{4}\.qcow2$/)]);
    expect(parseSnapshotXml(p.xml).disks[0]).toMatchObject({ snapshot: "external", file: p.overlays[0] });
    const off = createPlan(req({ name: "x", kind: "external" }), raw, [], "shut off", now);
    expect(typeof off !== "string" && off.quiesce).toBe(false);
    const noAgent = createPlan(req({ name: "x", kind: "external" }), facts(), [], "running", now);
    expect(typeof noAgent !== "string" && noAgent.quiesce).toBe(false);
  });

  it("overlay names do not grow snapshot after snapshot", () => {
    const now = new Date("2026-12-08T01:02:03Z");
    expect(overlayPath("/i/web.snap-20261207T150000-ab12.qcow2", now, "cd34")).toBe(
      "/i/web.snap-20261208T010203-cd34.qcow2",
    );
    expect(overlayPath("/dev/vg/lv", now, "cd34")).toBe("/var/lib/libvirt/images/lv.snap-20261208T010203-cd34.qcow2");
  });

  it("refuses network and volume disks", () => {
    const p = createPlan(
      req({ name: "x", kind: "external" }),
      facts({ disks: [disk({ type: "network", path: undefined })] }),
      [],
      "running",
    );
    expect(p).toMatch(/Disk vda is a network disk/);
  });
});

describe("revert, delete, rename", () => {
  it("reverting an external snapshot needs libvirt 9.7", () => {
    expect(revertRefusal(snap("e", "external"), v("9.0.0"))).toMatch(
      /libvirt 9\.0\.0 on this host cannot revert to external/,
    );
    expect(revertRefusal(snap("e", "external"), v("9.7.0"))).toBeNull();
    expect(revertRefusal(snap("i", "internal"), v("9.0.0"))).toBeNull();
  });

  it("delete: leaf only without children, subtree without external ones, merge only for external", () => {
    const all = [snap("a", "internal"), snap("b", "internal", "a"), snap("c", "external", "b")];
    expect(deleteRefusal(all[0]!, "leaf", all, v("9.0.0"))).toMatch(/has 1 child snapshot\(s\) \(b\)/);
    expect(deleteRefusal(all[0]!, "subtree", all, v("9.0.0"))).toMatch(/external snapshot "c": merge it/);
    expect(deleteRefusal(all[1]!, "merge", all, v("9.0.0"))).toMatch(/internal snapshot: there is no overlay/);
    expect(deleteRefusal(all[2]!, "leaf", all, v("9.0.0"))).toMatch(/Choose "merge into parent"/);
    expect(deleteRefusal(all[2]!, "merge", all, v("9.0.0"))).toBeNull();
    expect(deleteRefusal(all[2]!, "merge", all, v("8.10.0"))).toMatch(/cannot merge/);
    const internal = all.slice(0, 2);
    expect(deleteRefusal(internal[0]!, "subtree", internal, v("9.0.0"))).toBeNull();
    expect(deleteRefusal(internal[1]!, "leaf", internal, v("9.0.0"))).toBeNull();
  });

  it("rename: never an internal snapshot, nor one with children, nor onto a taken name", () => {
    const all = [snap("a", "internal"), snap("e", "external", "a"), snap("f", "external", "e")];
    expect(renameRefusal(all[0]!, "z", all)).toMatch(/qcow2 images know it by that name/);
    expect(renameRefusal(all[1]!, "z", all)).toMatch(/child snapshots/);
    expect(renameRefusal(all[2]!, "a", all)).toMatch(/exists already/);
    expect(renameRefusal(all[2]!, "z", all)).toBeNull();
    expect(renameRefusal(all[0]!, "a", all)).toBeNull();
  });

  it("views: children, current, memory, time", () => {
    const views = snapshotViews(
      [{ ...snap("a", "internal"), memory: "internal", creationTime: 1_765_000_000 }, snap("b", "internal", "a")],
      "b",
      new Set(["b"]),
    );
    expect(views[0]).toMatchObject({
      name: "a",
      children: ["b"],
      current: false,
      memory: true,
      createdAt: "2025-12-06T05:46:40.000Z",
    });
    expect(views[1]).toMatchObject({ name: "b", parent: "a", current: true, memory: false, scheduled: true });
  });
});

import { describe, expect, it } from "vitest";
import {
  dependentsAny,
  dependentsDescribe,
  dependentsFind,
  dependentVmNames,
  type DependentsFacts,
} from "./volume-dependents-find";

const GOLD = "/pool/golden.qcow2";
const facts: DependentsFacts = {
  usage: new Map([
    [
      GOLD,
      [
        { uuid: "u-1", name: "clone-1", via: "backing" },
        { uuid: "u-1", name: "clone-1", via: "backing" },
        { uuid: "u-2", name: "shared", via: "disk" },
      ],
    ],
    ["/pool/base.qcow2", [{ uuid: "u-3", name: "other", via: "backing" }]],
  ]),
  volumes: [
    { pool: "p", name: "golden.qcow2", path: GOLD, backingPath: "/pool/base.qcow2" },
    { pool: "p", name: "orphan.qcow2", path: "/pool/orphan.qcow2", backingPath: GOLD },
    { pool: "p", name: "own-vdb.qcow2", path: "/pool/own-vdb.qcow2", backingPath: GOLD },
    { pool: "p", name: "plain.raw", path: "/pool/plain.raw", backingPath: null },
  ],
  templates: [
    { id: "t-1", name: "golden tpl", source: { kind: "image", pool: "p", volume: "golden.qcow2" } },
    { id: "t-2", name: "golden (copy)", source: { kind: "image", pool: "p", volume: "golden.qcow2" } },
    { id: "t-3", name: "iso", source: { kind: "iso", pool: "p", volume: "golden.qcow2" } },
    { id: "t-4", name: "other pool", source: { kind: "image", pool: "q", volume: "golden.qcow2" } },
  ],
  tasks: [
    {
      id: "k-1",
      title: "Clone golden to c2 (linked)",
      input: { plan: { volumes: [{ kind: "overlay", backingPath: GOLD }] } },
    },
    {
      id: "k-2",
      title: "Clone golden to c3 (full)",
      input: { plan: { volumes: [{ kind: "copy", srcPool: "p", srcName: "golden.qcow2" }] } },
    },
    {
      id: "k-3",
      title: "Create x",
      input: { plan: { volumes: [{ kind: "copy", srcPool: "q", srcName: "golden.qcow2" }, { kind: "empty" }] } },
    },
    { id: "k-4", title: "Odd input", input: { plan: { volumes: "not a list" } } },
    { id: "k-5", title: "No input", input: null },
  ],
};

describe("dependentsFind", () => {
  it("finds VMs, overlay volumes, template records and pending tasks reading a file", () => {
    const d = dependentsFind(GOLD, facts);
    expect(d.vms).toEqual([
      { uuid: "u-1", name: "clone-1", via: "backing" },
      { uuid: "u-2", name: "shared", via: "disk" },
    ]);
    expect(d.volumes).toEqual([
      { pool: "p", name: "orphan.qcow2" },
      { pool: "p", name: "own-vdb.qcow2" },
    ]);
    // Image templates on this very pool/volume only (not an ISO source, not another pool's namesake).
    expect(d.templates.map((t) => t.id)).toEqual(["t-1", "t-2"]);
    expect(d.tasks.map((t) => t.id)).toEqual(["k-1", "k-2"]);
    expect(dependentsAny(d)).toBe(true);
  });

  it("leaves out the excepted volumes and template record", () => {
    const d = dependentsFind(GOLD, facts, { exceptPaths: ["/pool/own-vdb.qcow2"], exceptTemplateId: "t-1" });
    expect(d.volumes).toEqual([{ pool: "p", name: "orphan.qcow2" }]);
    expect(d.templates.map((t) => t.id)).toEqual(["t-2"]);
  });

  it("finds nothing for a file nobody reads", () => {
    const d = dependentsFind("/pool/plain.raw", facts);
    expect(d).toEqual({ vms: [], volumes: [], templates: [], tasks: [] });
    expect(dependentsAny(d)).toBe(false);
    expect(dependentsDescribe(d)).toEqual([]);
  });

  it("a file outside every pool still has its VM users, and no template or copy task can name it", () => {
    const d = dependentsFind("/pool/base.qcow2", { ...facts, volumes: [] });
    expect(d.vms.map((v) => v.name)).toEqual(["other"]);
    expect(d.templates).toEqual([]);
    expect(d.tasks).toEqual([]);
  });
});

describe("dependentsDescribe", () => {
  it("says who reads the file and how", () => {
    expect(dependentsDescribe(dependentsFind(GOLD, facts))).toEqual([
      `VM "clone-1" (in its disks' backing chain)`,
      `VM "shared" (as a disk)`,
      "volumes p/orphan.qcow2, p/own-vdb.qcow2 (backed by it)",
      `templates "golden tpl", "golden (copy)" (as the base image)`,
      `tasks "Clone golden to c2 (linked)", "Clone golden to c3 (full)" (still to read it)`,
    ]);
  });

  it("tells VMs holding the file in a CD-ROM drive from VMs using it as a disk", () => {
    const iso = "/pool/install.iso";
    const d = dependentsFind(iso, {
      ...facts,
      usage: new Map([
        [
          iso,
          [
            { uuid: "u-4", name: "cd-1", via: "media" },
            { uuid: "u-5", name: "cd-2", via: "media" },
            { uuid: "u-6", name: "both", via: "disk" },
            { uuid: "u-6", name: "both", via: "media" },
          ],
        ],
      ]),
    });
    expect(dependentsDescribe(d)).toEqual([`VM "both" (as a disk)`, `VMs "cd-1", "cd-2" (as a CD-ROM)`]);
  });

  it("names each VM once across files", () => {
    const a = dependentsFind(GOLD, facts);
    const b = dependentsFind("/pool/base.qcow2", facts);
    expect(dependentVmNames([a, b, a])).toEqual(["clone-1", "shared", "other"]);
  });
});

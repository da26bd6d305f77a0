import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseCheckpointXml,
  parseSnapshotXml,
  snapshotDomainFacts,
  snapshotXmlBuild,
  snapshotXmlEdit,
} from "./snapshot-xml";
import { virshNames, virshUuids } from "./names-parse";
import { FIXTURE_DESCRIPTION } from "./__fixtures__/snapshot-fixture-spec";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");

describe("snapshot-dumpxml of the real libvirt (fixtures from generate-snapshots.ts)", () => {
  it("an internal snapshot of a shut-off VM: no memory, internal disk, description kept exactly", () => {
    const s = parseSnapshotXml(fixture("snapshot-internal-shutoff.xml"));
    expect(s).toMatchObject({
      name: "fx-internal",
      description: FIXTURE_DESCRIPTION,
      state: "shutoff",
      parent: undefined,
      memory: "no",
      diskOnly: false,
      location: "internal",
    });
    expect(s.creationTime).toBeGreaterThan(1_700_000_000);
    // Only the snapshot's own <disks>: the CD-ROM-less embedded <domain>'s disks do not leak in.
    expect(s.disks).toEqual([{ name: "vda", snapshot: "internal", file: undefined, driverType: undefined }]);
  });

  it("an internal snapshot of a running VM holds its memory, child of the first", () => {
    const s = parseSnapshotXml(fixture("snapshot-internal-running.xml"));
    expect(s).toMatchObject({
      name: "fx running",
      state: "running",
      parent: "fx-internal",
      memory: "internal",
      diskOnly: false,
      location: "internal",
    });
  });

  it("an external disk-only snapshot: overlay file and format, no memory", () => {
    const s = parseSnapshotXml(fixture("snapshot-external.xml"));
    expect(s).toMatchObject({
      name: "fx-external",
      state: "disk-snapshot",
      parent: "fx running",
      memory: "no",
      diskOnly: true,
      location: "external",
    });
    expect(s.disks).toEqual([
      {
        name: "vda",
        snapshot: "external",
        driverType: "qcow2",
        file: expect.stringMatching(/\/disk\.snap-20261207T150000-ab12\.qcow2$/),
      },
    ]);
  });

  it("reads a root snapshot without description or parent", () => {
    expect(parseSnapshotXml("<domainsnapshot><name>s1</name><state>shutoff</state></domainsnapshot>")).toMatchObject({
      name: "s1",
      parent: undefined,
      description: undefined,
      disks: [],
      location: "none",
    });
  });

  it("internal + external disks read as mixed", () => {
    const xml = `<domainsnapshot><name>m</name><memory snapshot='no'/><disks><disk name='vda' snapshot='internal'/>
      <disk name='vdb' snapshot='external'><source file='/x/b.ov'/></disk><disk name='hdc' snapshot='no'/></disks></domainsnapshot>`;
    expect(parseSnapshotXml(xml).location).toBe("mixed");
  });
});

describe("snapshotXmlBuild", () => {
  it("escapes names and descriptions through the DOM (text nodes, never markup)", () => {
    const xml = snapshotXmlBuild({
      name: `a "b" <c> & ;$(id)`,
      description: "</description><memory snapshot='external'/>",
      memory: "no",
      disks: [{ target: "vda", snapshot: "internal" }],
    });
    const s = parseSnapshotXml(xml);
    expect(s.name).toBe(`a "b" <c> & ;$(id)`);
    expect(s.description).toBe("</description><memory snapshot='external'/>");
    expect(s.memory).toBe("no");
    expect(xml).not.toContain("<memory snapshot='external'/>");
  });

  it("external disks get a qcow2 overlay at the path asked; left-out disks say snapshot='no'", () => {
    const xml = snapshotXmlBuild({
      name: "ext",
      memory: "no",
      disks: [
        { target: "vda", snapshot: "external", file: "/var/lib/libvirt/images/a.snap-1.qcow2" },
        { target: "hdc", snapshot: "no" },
      ],
    });
    expect(xml).toBe(
      '<domainsnapshot><name>ext</name><memory snapshot="no"/><disks>' +
        '<disk name="vda" snapshot="external"><driver type="qcow2"/><source file="/var/lib/libvirt/images/a.snap-1.qcow2"/></disk>' +
        '<disk name="hdc" snapshot="no"/></disks></domainsnapshot>',
    );
  });
});

describe("snapshotXmlEdit (for snapshot-create --redefine)", () => {
  const real = fixture("snapshot-external.xml");

  it("changes the description and keeps everything else (parent, disks, the embedded domain)", () => {
    const out = snapshotXmlEdit(real, { description: "new <text> & more" });
    const before = parseSnapshotXml(real);
    expect(parseSnapshotXml(out)).toEqual({ ...before, description: "new <text> & more" });
    expect(out).toContain("<domain ");
  });

  it("renames, and removes the description when emptied", () => {
    const withDesc = snapshotXmlEdit(real, { description: "x" });
    const out = snapshotXmlEdit(withDesc, { name: "renamed 'one'", description: "" });
    expect(parseSnapshotXml(out)).toMatchObject({ name: "renamed 'one'", description: undefined });
  });
});

describe("snapshotDomainFacts", () => {
  it("reads disks, overlays and the agent from a real live XML", () => {
    const f = snapshotDomainFacts(fixture("snapshot-domain-overlay.xml"));
    expect(f.name).toBe("vdtest-snapshot-fixture");
    expect(f.pflash).toBe(false);
    expect(f.agentConnected).toBe(false);
    expect(f.disks).toEqual([
      expect.objectContaining({
        target: "vda",
        device: "disk",
        type: "file",
        format: "qcow2",
        readonly: false,
        backed: true,
        path: expect.stringMatching(/disk\.snap-20261207T150000-ab12\.qcow2$/),
      }),
    ]);
  });

  it("a connected guest agent, pflash firmware, a read-only CD-ROM", () => {
    const xml = `<domain type='kvm'><name>v</name><os><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader></os>
      <devices><disk type='file' device='cdrom'><driver type='raw'/><source file='/iso/a.iso'/><target dev='sda'/><readonly/></disk>
      <disk type='block' device='disk'><driver type='raw'/><source dev='/dev/vg/lv'/><target dev='vda'/><backingStore/></disk>
      <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='connected'/></channel></devices></domain>`;
    const f = snapshotDomainFacts(xml);
    expect(f).toMatchObject({ pflash: true, agentConnected: true });
    expect(f.disks.map((d) => [d.target, d.device, d.type, d.readonly, d.backed])).toEqual([
      ["sda", "cdrom", "file", true, false],
      ["vda", "disk", "block", false, false],
    ]);
  });
});

describe("checkpoint-dumpxml", () => {
  it("reads name, parent and time", () => {
    const xml =
      "<domaincheckpoint><name>c2</name><parent><name>c1</name></parent><creationTime>1700000100</creationTime><disks/></domaincheckpoint>";
    expect(parseCheckpointXml(xml)).toEqual({
      name: "c2",
      description: undefined,
      parent: "c1",
      creationTime: 1700000100,
    });
  });
});

describe("virsh list output", () => {
  it("keeps names with spaces, drops blank lines, lower-cases UUIDs", () => {
    expect(virshNames(" web 1 \n\nd b\n")).toEqual(["web 1", "d b"]);
    expect(virshUuids("0B5C6F7E-1111-4222-8333-944455556666\n\nnot-a-uuid\n")).toEqual([
      "0b5c6f7e-1111-4222-8333-944455556666",
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { parseCheckpointXml, parseSnapshotXml } from "./snapshot-xml";
import { virshNames, virshUuids } from "./names-parse";

describe("snapshot-dumpxml", () => {
  it("reads name, state, parent, time and memory location", () => {
    const xml = `<domainsnapshot><name>before upgrade</name><description>pre-apt</description><state>running</state>
      <parent><name>base</name></parent><creationTime>1700000000</creationTime><memory snapshot='internal'/>
      <disks><disk name='vda' snapshot='internal'/></disks><domain type='kvm'><name>vm</name></domain></domainsnapshot>`;
    expect(parseSnapshotXml(xml)).toEqual({
      name: "before upgrade",
      description: "pre-apt",
      state: "running",
      parent: "base",
      creationTime: 1700000000,
      memory: "internal",
    });
  });
  it("reads a root snapshot without description or parent", () => {
    expect(parseSnapshotXml("<domainsnapshot><name>s1</name><state>shutoff</state></domainsnapshot>")).toMatchObject({
      name: "s1",
      parent: undefined,
      description: undefined,
    });
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

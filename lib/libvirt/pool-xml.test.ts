import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PoolSpecSchema, type PoolSpecInput } from "@/lib/contracts/storage-pool";
import { parsePoolDetailXml, poolXmlBuild } from "./pool-xml";
import { POOL_FIXTURE_SPECS } from "./__fixtures__/pool-specs";

const fixture = (key: string) =>
  readFileSync(path.join(import.meta.dirname, "__fixtures__", `pool-${key}.xml`), "utf8");
const build = (input: PoolSpecInput) => poolXmlBuild(PoolSpecSchema.parse(input));

describe("pool-dumpxml (real libvirt, from poolXmlBuild's output)", () => {
  it("reads a dir pool", () => {
    expect(parsePoolDetailXml(fixture("dir"))).toMatchObject({
      name: "vdtest-poolfx-dir",
      type: "dir",
      targetPath: "/var/lib/vdtest-poolfx/dir",
      source: { devices: [] },
    });
    expect(parsePoolDetailXml(fixture("dir")).uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("reads an fs pool: device, format, mount point", () => {
    expect(parsePoolDetailXml(fixture("fs"))).toMatchObject({
      type: "fs",
      targetPath: "/var/lib/vdtest-poolfx/fs",
      source: { devices: ["/dev/vdtest-poolfx-nodev1"], format: "ext4" },
    });
  });

  it("reads a netfs pool: server, export, nfs", () => {
    expect(parsePoolDetailXml(fixture("netfs")).source).toMatchObject({
      host: "nfs.example.org",
      dir: "/srv/export/vm",
      format: "nfs",
      devices: [],
    });
  });

  it("reads a logical pool: devices, volume group, /dev/<vg>", () => {
    expect(parsePoolDetailXml(fixture("logical"))).toMatchObject({
      type: "logical",
      targetPath: "/dev/vdtest_poolfx_vg",
      source: {
        devices: ["/dev/vdtest-poolfx-nodev2", "/dev/vdtest-poolfx-nodev3"],
        name: "vdtest_poolfx_vg",
        format: "lvm2",
      },
    });
  });

  it("reads an iscsi pool: portal, target IQN, initiator", () => {
    expect(parsePoolDetailXml(fixture("iscsi"))).toMatchObject({
      type: "iscsi",
      targetPath: "/dev/disk/by-path",
      source: {
        host: "192.0.2.10",
        port: 3260,
        devices: ["iqn.2026-01.org.example:storage.disk1"],
        initiator: "iqn.2026-01.org.example:virtdeck",
      },
    });
  });

  it("reads a disk pool: device, partition table", () => {
    expect(parsePoolDetailXml(fixture("disk"))).toMatchObject({
      type: "disk",
      targetPath: "/dev",
      source: { devices: ["/dev/vdtest-poolfx-nodev4"], format: "gpt" },
    });
  });

  it("builds what libvirt stores back: every fixture parses to its spec's values", () => {
    for (const [key, spec] of Object.entries(POOL_FIXTURE_SPECS)) {
      const ours = parsePoolDetailXml(build(spec));
      const theirs = parsePoolDetailXml(fixture(key));
      expect({ ...theirs, uuid: undefined }).toEqual({ ...ours, uuid: undefined });
    }
  });
});

describe("poolXmlBuild", () => {
  it("builds a dir pool with only name and target", () => {
    expect(build({ name: "images", type: "dir", targetPath: "/srv/images" })).toBe(
      '<pool type="dir"><name>images</name><target><path>/srv/images</path></target></pool>',
    );
  });

  it("names the volume group after the pool unless given", () => {
    const xml = build({ name: "vg0", type: "logical", sourceDevices: ["/dev/sdb"] });
    expect(parsePoolDetailXml(xml)).toMatchObject({ targetPath: "/dev/vg0", source: { name: "vg0" } });
  });

  it("leaves out the initiator when not given", () => {
    const xml = build({ name: "s", type: "iscsi", sourceHost: "san", target: "iqn.2026-01.org.example:t" });
    expect(xml).not.toContain("initiator");
    expect(parsePoolDetailXml(xml).source.port).toBe(3260);
  });
});

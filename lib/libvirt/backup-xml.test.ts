import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { backupXmlBuild, checkpointXmlBuild, parseBackupXml, parseCheckpointDetail } from "./backup-xml";
import { parseXmlRoot } from "./xml";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");

describe("backupXmlBuild", () => {
  it("builds a full push backup with one qcow2 target per disk and CD-ROMs left out", () => {
    const xml = backupXmlBuild({
      disks: [
        { name: "vda", targetPath: "/repo/vm/.partial-1/vda.qcow2" },
        { name: "hdc", backup: false },
      ],
    });
    const w = parseBackupXml(xml);
    expect(w).toEqual({
      mode: "push",
      incremental: undefined,
      disks: [
        {
          name: "vda",
          backup: true,
          targetPath: "/repo/vm/.partial-1/vda.qcow2",
          format: "qcow2",
          state: undefined,
          mode: undefined,
          incremental: undefined,
        },
        {
          name: "hdc",
          backup: false,
          targetPath: undefined,
          format: undefined,
          state: undefined,
          mode: undefined,
          incremental: undefined,
        },
      ],
    });
  });

  it("names the checkpoint of an incremental, per disk too, and forces raw disks to full", () => {
    const xml = backupXmlBuild({
      incremental: "virtdeck-cp",
      disks: [
        { name: "vda", targetPath: "/r/vda.qcow2" },
        { name: "vdb", targetPath: "/r/vdb.qcow2", mode: "full" },
      ],
    });
    const w = parseBackupXml(xml);
    expect(w.incremental).toBe("virtdeck-cp");
    expect(w.disks.map((d) => [d.name, d.mode, d.incremental])).toEqual([
      ["vda", "incremental", "virtdeck-cp"],
      ["vdb", "full", undefined],
    ]);
  });

  it("escapes hostile paths and names as attribute values, never markup", () => {
    const evil = `/r/a'"<b>&c;$(x)/vda.qcow2`;
    const xml = backupXmlBuild({ incremental: `cp<&>"'`, disks: [{ name: "vda", targetPath: evil }] });
    const w = parseBackupXml(xml);
    expect(w.disks[0].targetPath).toBe(evil);
    expect(w.incremental).toBe(`cp<&>"'`);
    expect(parseXmlRoot(xml, "domainbackup").getElementsByTagName("b").length).toBe(0);
  });

  it("refuses a relative target path", () => {
    expect(() => backupXmlBuild({ disks: [{ name: "vda", targetPath: "vda.qcow2" }] })).toThrow(/absolute/);
  });
});

describe("checkpointXmlBuild", () => {
  it("asks for a bitmap on qcow2 disks and none on the others", () => {
    const xml = checkpointXmlBuild({
      name: "virtdeck-1",
      description: "point <1> & co",
      disks: [
        { name: "vda", bitmap: true },
        { name: "vdb", bitmap: false },
      ],
    });
    const c = parseCheckpointDetail(xml);
    expect(c).toMatchObject({
      name: "virtdeck-1",
      description: "point <1> & co",
      disks: [
        { name: "vda", checkpoint: "bitmap" },
        { name: "vdb", checkpoint: "no" },
      ],
    });
  });
});

// Generated from the real libvirt on the test stack (lib/libvirt/__fixtures__/generate-backup.ts).
describe.runIf(existsSync(path.join(import.meta.dirname, "__fixtures__", "checkpoint-backup.xml")))(
  "real libvirt",
  () => {
    it("reads checkpoint-dumpxml --size of a checkpoint made by backup-begin", () => {
      const c = parseCheckpointDetail(fixture("checkpoint-backup.xml"));
      expect(c.name).toMatch(/^vdfx-cp/);
      expect(c.creationTime).toBeGreaterThan(1_700_000_000);
      const vda = c.disks.find((d) => d.name === "vda");
      expect(vda).toMatchObject({ checkpoint: "bitmap", bitmap: c.name });
      expect(c.disks.find((d) => d.name === "vdb")).toMatchObject({ checkpoint: "no" });
    });

    it("reads backup-dumpxml of a running push backup", () => {
      const w = parseBackupXml(fixture("backup-running.xml"));
      expect(w.mode).toBe("push");
      const vda = w.disks.find((d) => d.name === "vda")!;
      expect(vda.backup).toBe(true);
      expect(vda.targetPath).toMatch(/vda\.qcow2$/);
      expect(vda.format).toBe("qcow2");
    });
  },
);

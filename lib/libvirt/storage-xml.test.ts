import { describe, expect, it } from "vitest";
import { parsePoolXml, parseVolumeXml, volumeIsIso } from "./storage-xml";
import { BUILTIN_OS_VARIANTS, parseOsinfoQuery } from "./osinfo-parse";

// Shapes as `virsh pool-dumpxml` / `vol-dumpxml` print them (libvirt 9.0, dir pool).
const POOL = `<pool type='dir'>
  <name>vdprov</name>
  <uuid>3b0c2b1e-8d6d-4d8e-bb1a-0c5b1f1e2a3d</uuid>
  <capacity unit='bytes'>105089261568</capacity>
  <allocation unit='bytes'>41473875968</allocation>
  <available unit='bytes'>63615385600</available>
  <source>
  </source>
  <target>
    <path>/var/lib/virtdeck-test/pool</path>
    <permissions><mode>0755</mode><owner>0</owner><group>0</group></permissions>
  </target>
</pool>`;

const VOL = `<volume type='file'>
  <name>web-01.qcow2</name>
  <key>/var/lib/virtdeck-test/pool/web-01.qcow2</key>
  <capacity unit='bytes'>67108864</capacity>
  <allocation unit='bytes'>200704</allocation>
  <physical unit='bytes'>196624</physical>
  <target>
    <path>/var/lib/virtdeck-test/pool/web-01.qcow2</path>
    <format type='qcow2'/>
  </target>
  <backingStore>
    <path>/var/lib/virtdeck-test/pool/base.qcow2</path>
    <format type='qcow2'/>
  </backingStore>
</volume>`;

describe("storage XML", () => {
  it("reads a pool", () => {
    expect(parsePoolXml(POOL)).toEqual({
      name: "vdprov",
      type: "dir",
      capacityBytes: 105089261568,
      allocationBytes: 41473875968,
      availableBytes: 63615385600,
      targetPath: "/var/lib/virtdeck-test/pool",
    });
  });

  it("reads a volume with its backing file", () => {
    expect(parseVolumeXml(VOL)).toEqual({
      name: "web-01.qcow2",
      key: "/var/lib/virtdeck-test/pool/web-01.qcow2",
      path: "/var/lib/virtdeck-test/pool/web-01.qcow2",
      format: "qcow2",
      capacityBytes: 67108864,
      allocationBytes: 200704,
      physicalBytes: 196624,
      backingPath: "/var/lib/virtdeck-test/pool/base.qcow2",
      backingFormat: "qcow2",
    });
  });

  it("recognises ISO volumes", () => {
    expect(volumeIsIso({ name: "grub.iso", format: "raw" })).toBe(true);
    expect(volumeIsIso({ name: "x", format: "iso" })).toBe(true);
    expect(volumeIsIso({ name: "disk.raw", format: "raw" })).toBe(false);
  });
});

describe("osinfo-query", () => {
  it("parses the table", () => {
    const out = ` Short ID             | Name                      | ID
----------------------+---------------------------+-----------------------------
 debian12             | Debian 12                 | http://debian.org/debian/12
 win11                | Microsoft Windows 11      | http://microsoft.com/win/11
`;
    expect(parseOsinfoQuery(out)).toEqual([
      { id: "debian12", name: "Debian 12", url: "http://debian.org/debian/12" },
      { id: "win11", name: "Microsoft Windows 11", url: "http://microsoft.com/win/11" },
    ]);
    expect(parseOsinfoQuery("")).toEqual([]);
    expect(BUILTIN_OS_VARIANTS.every((v) => /^[A-Za-z0-9._+-]+$/.test(v.id))).toBe(true);
  });
});

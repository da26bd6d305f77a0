/**
 * Regenerates the snapshot fixtures (snapshot-*.xml, snapshot-domain-*.xml) from a real local libvirt:
 * one throw-away domain (name contains "vdtest") with a qcow2 disk and a CD-ROM, then, with
 * snapshotXmlBuild's XML: an internal snapshot while shut off (a description full of XML specials),
 * an internal one with memory while it runs (TCG, SeaBIOS only), and an external disk-only one on
 * top; saves `snapshot-dumpxml` of each and the domain's live XML on the overlay, then removes all.
 *
 *   npx tsx --conditions react-server lib/libvirt/__fixtures__/generate-snapshots.ts [qemu:///system]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { testGuestXml } from "../../../tests/shared/guest-xml";
import { snapshotXmlBuild } from "../snapshot-xml";
import { FIXTURE_DESCRIPTION } from "./snapshot-fixture-spec";

const uri = process.argv[2] ?? "qemu:///system";
const outDir = import.meta.dirname;
const work = mkdtempSync("/var/tmp/vdtest-snapfx-");
const uuid = "6d1f0c52-3b8e-4d0a-9a57-1c2f5e7a0b31";
const name = "vdtest-snapshot-fixture";
const disk = path.join(work, "disk.qcow2");



let n = 0;
/** virsh with `input` written to a file first (Node's stdio pipes are sockets: /dev/stdin cannot open them). */
const virsh = (args: string[], input?: string) => {
  const file = input === undefined ? undefined : path.join(work, `in-${n++}.xml`);
  if (file) writeFileSync(file, input!);
  return execFileSync("virsh", ["-q", "-c", uri, ...args.map((a) => (a === "/dev/stdin" && file ? file : a))], {
    encoding: "utf8",
    env: { ...process.env, LC_ALL: "C.UTF-8" },
  });
};
const save = (file: string, text: string) => writeFileSync(path.join(outDir, file), text);

execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk, "16M"]);
execFileSync("chmod", ["-R", "a+rwX", work]);
virsh(
  ["define", "/dev/stdin"],
  testGuestXml({ name, uuid, domainType: "qemu", memoryMiB: 64, disk, displays: [{ type: "vnc" }] }),
);
try {
  const vda = (snapshot: "internal" | "external", file?: string) => [{ target: "vda", snapshot, file }];
  virsh(
    ["snapshot-create", uuid, "/dev/stdin", "--atomic"],
    snapshotXmlBuild({ name: "fx-internal", description: FIXTURE_DESCRIPTION, memory: "no", disks: vda("internal") }),
  );
  virsh(["start", uuid]);
  virsh(
    ["snapshot-create", uuid, "/dev/stdin", "--atomic"],
    snapshotXmlBuild({ name: "fx running", memory: "internal", disks: vda("internal") }),
  );
  virsh(
    ["snapshot-create", uuid, "/dev/stdin", "--atomic", "--disk-only"],
    snapshotXmlBuild({
      name: "fx-external",
      memory: "no",
      disks: vda("external", path.join(work, "disk.snap-20261207T150000-ab12.qcow2")),
    }),
  );
  save("snapshot-internal-shutoff.xml", virsh(["snapshot-dumpxml", uuid, "fx-internal"]));
  save("snapshot-internal-running.xml", virsh(["snapshot-dumpxml", uuid, "fx running"]));
  save("snapshot-external.xml", virsh(["snapshot-dumpxml", uuid, "fx-external"]));
  save("snapshot-domain-overlay.xml", virsh(["dumpxml", uuid]));
} finally {
  try {
    virsh(["destroy", uuid]);
  } catch {}
  virsh(["undefine", uuid, "--snapshots-metadata"]);
  rmSync(work, { recursive: true, force: true });
}

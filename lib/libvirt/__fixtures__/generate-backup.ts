/**
 * Regenerates the backup fixtures from host 1's real libvirt: a paused diskless-boot guest with one
 * qcow2 (vda) and one raw (vdb) disk, a push backup begun with backupXmlBuild / checkpointXmlBuild,
 * `backup-dumpxml` while it runs, `domjobinfo --completed --rawstats` once done, and
 * `checkpoint-dumpxml --size` of the checkpoint it made. Everything is removed afterwards.
 *
 *   source .stack/env && npx tsx --conditions react-server lib/libvirt/__fixtures__/generate-backup.ts
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import path from "node:path";
import { backupXmlBuild, checkpointXmlBuild } from "../backup-xml";

const uri = "qemu:///system";
const virsh = (...args: string[]) =>
  execFileSync("virsh", ["-q", "-c", uri, ...args], { encoding: "utf8", env: { ...process.env, LC_ALL: "C.UTF-8" } });
const out = (name: string, text: string) => writeFileSync(path.join(import.meta.dirname, name), text);

const work = mkdtempSync("/var/tmp/vdfx-backup-");
chmodSync(work, 0o755);
const name = `vdfx-backup-${Date.now()}`;
const uuid = randomUUID();
const vda = path.join(work, "vda.qcow2");
const vdb = path.join(work, "vdb.img");
execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", vda, "256M"]);
execFileSync("qemu-img", ["create", "-q", "-f", "raw", vdb, "8M"]);
execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 0x42 0 96M", vda]);
const disk = (file: string, fmt: string, dev: string) =>
  `<disk type='file' device='disk'><driver name='qemu' type='${fmt}'/><source file='${file}'/><target dev='${dev}' bus='virtio'/></disk>`;
const domXml = `<domain type='qemu'><name>${name}</name><uuid>${uuid}</uuid><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os><devices>${disk(vda, "qcow2", "vda")}${disk(vdb, "raw", "vdb")}</devices></domain>`;
writeFileSync(path.join(work, "dom.xml"), domXml);
const backupDir = path.join(work, "out");
execFileSync("mkdir", ["-m", "0711", backupDir]);
try {
  virsh("define", path.join(work, "dom.xml"));
  virsh("start", uuid, "--paused");
  writeFileSync(
    path.join(work, "backup.xml"),
    backupXmlBuild({ disks: [{ name: "vda", targetPath: `${backupDir}/vda.qcow2` }, { name: "vdb", targetPath: `${backupDir}/vdb.qcow2` }] }),
  );
  writeFileSync(
    path.join(work, "cp.xml"),
    checkpointXmlBuild({ name: "vdfx-cp1", disks: [{ name: "vda", bitmap: true }, { name: "vdb", bitmap: false }] }),
  );
  virsh("backup-begin", uuid, path.join(work, "backup.xml"), path.join(work, "cp.xml"));
  try {
    out("backup-running.xml", virsh("backup-dumpxml", uuid));
  } catch {
    /* finished already */
  }
  for (let i = 0; i < 600; i++) {
    if (/Job type:\s+None/.test(virsh("domjobinfo", uuid))) break;
    execFileSync("sleep", ["0.1"]);
  }
  out("domjobinfo-backup-completed.txt", virsh("domjobinfo", uuid, "--completed", "--rawstats"));
  out("checkpoint-backup.xml", virsh("checkpoint-dumpxml", uuid, "vdfx-cp1", "--size", "--no-domain"));
} finally {
  try {
    virsh("destroy", uuid);
  } catch {
    /* not running */
  }
  try {
    virsh("undefine", uuid, "--checkpoints-metadata");
  } catch {
    /* not defined */
  }
  rmSync(work, { recursive: true, force: true });
}

/**
 * bench/backup: virtdeck's backups against Debian's virtnbdbackup on the same VM in the same run.
 *
 *   npx tsx --tsconfig tsconfig.server.json bench/backup/run.ts [--size-mib 2048] [--change-pct 1]
 *       [--out FILE] [--stack-env FILE]
 *
 * A running guest (TCG, 64 MiB, SeaBIOS with no bootable disk: it only has to run) with one qcow2
 * disk of --size-mib filled with random data. Measured, each once:
 *  1. virtdeck full backup to a repository on host 1 (the VM's host), then, after --change-pct % of
 *     the disk was rewritten (guest shut off, qemu-io on the host, guest started again), an
 *     incremental: time and bytes stored vs. the changed bytes;
 *  2. virtnbdbackup (apt-get install virtnbdbackup) full and incremental of the same VM after the
 *     same kind of change, to a local directory;
 *  3. virtdeck full backup to a repository on host 2 (streamed over SSH), as a fraction of a plain
 *     `ssh host2 cat > file` of the same number of bytes;
 *  4. restore of the incremental point as a new VM on host 1.
 * virtdeck runs in this process on its own embedded database (PGlite) with the task workers, and
 * reaches the hosts over SSH like the app does. Everything it creates is removed at the end.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stackClose, stackOpen, type Stack } from "../lib/stack";
import { now, sleep } from "../lib/stats";
import { argsParse, benchOutPath } from "../lib/args";
import { inProcessEnv, inProcessFleet, virshSystem, virshSystemTry } from "../lib/in-process";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PREFIX = "vdbenchbk-";
const URI = "qemu:///system";
const MiB = 1024 * 1024;

interface Options {
  sizeMiB: number;
  changePct: number;
  out: string;
  stackEnv?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizeMiB: 2048, changePct: 1, out: benchOutPath("backup") };
  argsParse(argv, import.meta.url, {
    "--size-mib": (v) => (o.sizeMiB = Math.max(64, Number.parseInt(v.text(), 10))),
    "--change-pct": (v) => (o.changePct = Math.min(50, Math.max(0.1, Number(v.text())))),
    "--out": (v) => (o.out = v.path()),
    "--stack-env": (v) => (o.stackEnv = v.path()),
  });
  return o;
}

const virsh = virshSystem;
const virshTry = virshSystemTry;
const du = (p: string) =>
  Number(execFileSync("du", ["-sb", "--apparent-size", p], { encoding: "utf8" }).split(/\s/)[0]);
const duAlloc = (p: string) => Number(execFileSync("du", ["-sB1", p], { encoding: "utf8" }).split(/\s/)[0]);

/** Rewrites pct % of the disk with random data in 1 MiB pieces spread over it (guest shut off). */
function change(disk: string, sizeMiB: number, pct: number, uuid: string): number {
  virsh("destroy", uuid);
  const pieces = Math.max(1, Math.round((sizeMiB * pct) / 100));
  const step = Math.floor(sizeMiB / pieces);
  const cmds: string[] = [];
  for (let i = 0; i < pieces; i++) cmds.push("-c", `write -P ${(i % 250) + 1} ${i * step}M 1M`);
  execFileSync("qemu-io", ["-f", "qcow2", ...cmds, disk], { stdio: "ignore" });
  virsh("start", uuid);
  return pieces * MiB;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const stack: Stack = stackOpen(ROOT, o.stackEnv);
  const [h1, h2] = stack.hosts;
  const work = mkdtempSync(path.join("/var/tmp", PREFIX));
  execFileSync("chmod", ["755", work]);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "vdbench-backup-db-"));
  const name = `${PREFIX}vm`;
  const uuid = randomUUID();
  const disk = path.join(work, "disk.qcow2");
  const results: Record<string, unknown> = { at: new Date().toISOString(), sizeMiB: o.sizeMiB, changePct: o.changePct };
  try {
    const raw = path.join(work, "disk.raw");
    execFileSync("dd", ["if=/dev/urandom", `of=${raw}`, "bs=1M", `count=${o.sizeMiB}`, "status=none"]);
    execFileSync("qemu-img", ["convert", "-q", "-f", "raw", "-O", "qcow2", raw, disk]);
    rmSync(raw);
    const xml = `<domain type='qemu'><name>${name}</name><uuid>${uuid}</uuid><memory unit='MiB'>64</memory>
<os><type arch='x86_64'>hvm</type></os><devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='${disk}'/><target dev='vda' bus='virtio'/></disk></devices></domain>`;
    writeFileSync(path.join(work, "dom.xml"), xml);
    virsh("define", path.join(work, "dom.xml"));
    virsh("start", uuid);

    inProcessEnv(dataDir);
    const tasks = await import("@/lib/tasks/tasks");
    const repos = await import("@/lib/backup/repositories");
    const backups = await import("@/lib/backup/backups");
    await import("@/lib/backup/run");
    await import("@/lib/backup/restore");
    const { caller, hostIds: ids } = await inProcessFleet(
      [h1, h2].map((host) => ({ host, name: `bench ${host.key}` })),
    );

    const backupOnce = async (repositoryId: string) => {
      const t0 = now();
      const task = await backups.backupStart(caller, ids[0], uuid, { repositoryId });
      for (;;) {
        const t = await tasks.taskGet(caller, task.id);
        if (t.status === "succeeded") return { ms: now() - t0, result: t.result as Record<string, number> };
        if (t.status === "failed" || t.status === "cancelled") throw new Error(`backup ${t.status}: ${t.error}`);
        await sleep(100);
      }
    };

    // 1. virtdeck, same host.
    const local = await repos.repositoryCreate(caller, ids[0], { name: "bench-local", path: path.join(work, "repo") });
    const full = await backupOnce(local.id);
    const changed = change(disk, o.sizeMiB, o.changePct, uuid);
    const inc = await backupOnce(local.id);
    results.virtdeck = {
      fullMs: full.ms,
      fullBytes: full.result.bytes,
      incMs: inc.ms,
      incBytes: inc.result.bytes,
      changedBytes: changed,
      incBytesRatio: inc.result.bytes / changed,
    };
    for (const cp of virsh("checkpoint-list", uuid, "--name").split("\n").filter(Boolean))
      virshTry("checkpoint-delete", uuid, cp.trim());

    // 2. virtnbdbackup, same VM, after the same kind of change.
    const nbdDir = path.join(work, "virtnbdbackup");
    const nbd = (level: string) => {
      const t0 = now();
      const r = spawnSync("virtnbdbackup", ["-U", URI, "-d", name, "-l", level, "-o", nbdDir], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`virtnbdbackup ${level}: ${r.stderr}`);
      return now() - t0;
    };
    const nbdFullMs = nbd("full");
    const nbdFullBytes = duAlloc(nbdDir);
    const changed2 = change(disk, o.sizeMiB, o.changePct, uuid);
    const nbdIncMs = nbd("inc");
    results.virtnbdbackup = {
      fullMs: nbdFullMs,
      fullBytes: nbdFullBytes,
      incMs: nbdIncMs,
      incBytes: duAlloc(nbdDir) - nbdFullBytes,
      changedBytes: changed2,
    };
    for (const cp of virsh("checkpoint-list", uuid, "--name").split("\n").filter(Boolean))
      virshTry("checkpoint-delete", uuid, cp.trim());

    // 3. virtdeck to a repository on host 2, vs a plain ssh cat of the same size.
    const remoteDir = `/var/tmp/${PREFIX}remote-${process.pid}`;
    const remote = await repos.repositoryCreate(caller, ids[1], { name: "bench-remote", path: remoteDir });
    const rem = await backupOnce(remote.id);
    const sshArgs = ["-i", h2.privateKeyPath, "-p", String(h2.port), "-o", `UserKnownHostsFile=${stack.knownHosts}`];
    const t0 = now();
    execFileSync("sh", [
      "-c",
      `head -c "$1" /dev/zero | ssh "$@" 'cat > /dev/null'`,
      "bench",
      String(rem.result.bytes),
      ...sshArgs,
      `${h2.username}@${h2.address}`,
    ]);
    const catMs = now() - t0;
    results.remote = { ms: rem.ms, bytes: rem.result.bytes, sshCatMs: catMs, fractionOfSshCat: catMs / rem.ms };
    execFileSync("rm", ["-rf", "--", remoteDir]);

    // 4. restore of the incremental point (host 1).
    const poolDir = path.join(work, "pool");
    execFileSync("mkdir", ["-p", poolDir]);
    virsh("pool-create-as", `${PREFIX}pool`, "dir", "--target", poolDir);
    const [point] = await backups.pointList(caller, ids[0], uuid);
    const r0 = now();
    const rt = await backups.restoreStart(caller, { hostId: ids[0], uuid }, point.id, {
      hostId: ids[0],
      name: `${PREFIX}restored`,
      pool: `${PREFIX}pool`,
    });
    for (;;) {
      const t = await tasks.taskGet(caller, rt.id);
      if (t.status === "succeeded") break;
      if (t.status === "failed") throw new Error(`restore failed: ${t.error}`);
      await sleep(100);
    }
    results.restore = { ms: now() - r0, bytes: du(poolDir) };
    console.log(JSON.stringify(results, null, 2));
    writeFileSync(o.out, JSON.stringify(results, null, 2));
    await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 });
  } finally {
    virshTry("destroy", uuid);
    virshTry("undefine", uuid, "--checkpoints-metadata");
    virshTry("destroy", `${PREFIX}restored`);
    virshTry("undefine", `${PREFIX}restored`);
    virshTry("pool-destroy", `${PREFIX}pool`);
    rmSync(work, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    stackClose(stack);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

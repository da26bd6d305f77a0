/**
 * bench/provisioning: time from "create" to a running guest, through virtdeck's provisioning
 * services, for a linked clone (qcow2 overlay) and a full copy (a task), against the raw host
 * operations on the same image in the same run: `qemu-img create -b` (overlay) and `cp` (copy).
 *
 *   npx tsx --tsconfig tsconfig.server.json bench/provisioning/run.ts [--runs 5] [--size-mib 512]
 *       [--settle-s 5] [--out FILE] [--stack-env FILE]
 *
 * virtdeck runs in this process on its own embedded database (PGlite in a temporary directory),
 * with the task workers of lib/tasks, and reaches host 1 of the test stack (root@127.0.0.1,
 * qemu:///system) over SSH like the app does. "Create" is vmCreate(), what POST /api/vms/create
 * calls; "running" is `virsh domstate` saying so (polled every 20 ms). Guests: TCG, 64 MiB, no
 * NIC, booting GRUB's rescue image (grub-rescue-pc) padded with random data to --size-mib, so the
 * copy has real bytes to move. See bench/README.md for the figures.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stackOpen, stackClose, type Stack } from "../lib/stack";
import { ms, now, ratio, sleep, summarize, type Summary } from "../lib/stats";
import { argsParse, benchOutPath } from "../lib/args";
import { virshLine, virshLocal, virshOverSsh } from "../lib/virsh-local";
import { inProcessEnv, inProcessFleet, virshSystem, virshSystemTry } from "../lib/in-process";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PREFIX = "vdbenchprov-";
const GRUB_IMG = "/usr/lib/grub-rescue/grub-rescue-usb.img";

interface Options {
  runs: number;
  sizeMiB: number;
  out: string;
  stackEnv?: string;
  settleS: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 5, sizeMiB: 512, settleS: 5, out: benchOutPath("provisioning") };
  argsParse(argv, import.meta.url, {
    "--runs": (v) => (o.runs = Math.max(1, Number.parseInt(v.text(), 10))),
    "--size-mib": (v) => (o.sizeMiB = Math.max(8, Number.parseInt(v.text(), 10))),
    "--out": (v) => (o.out = v.path()),
    "--settle-s": (v) => (o.settleS = Math.max(0, Number(v.text()))),
    "--stack-env": (v) => (o.stackEnv = v.path()),
  });
  return o;
}

const virsh = virshSystem;
const virshTry = virshSystemTry;

function cleanup(poolName: string, dir: string): void {
  for (const name of virshTry("list", "--all", "--name")
    .split("\n")
    .map((s) => s.trim())) {
    if (!name.startsWith(PREFIX)) continue;
    virshTry("destroy", name);
    virshTry("undefine", name);
  }
  virshTry("pool-destroy", poolName);
  virshTry("pool-undefine", poolName);
  rmSync(dir, { recursive: true, force: true });
}

async function untilRunning(uuid: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (virshTry("domstate", uuid).trim() !== "running") {
    if (Date.now() > deadline) throw new Error(`${uuid} did not start`);
    await sleep(20);
  }
}

function timeCmd(cmd: string, args: string[]): number {
  const t0 = now();
  execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  return now() - t0;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  let stack: Stack | undefined = stackOpen(ROOT, o.stackEnv);
  const host = stack.hosts[0];
  const poolName = `${PREFIX}pool`;
  const dir = path.join("/var/lib/virtdeck-test", poolName);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "vdbench-prov-db-"));
  cleanup(poolName, dir);
  execFileSync("mkdir", ["-p", dir]);

  // A bootable image with --size-mib of real (random) data after GRUB's bytes.
  const base = path.join(dir, `${PREFIX}base.qcow2`);
  const raw = path.join(dir, "base.raw");
  execFileSync("cp", [GRUB_IMG, raw]);
  execFileSync("truncate", ["-s", `${o.sizeMiB}M`, raw]);
  execFileSync("dd", [
    "if=/dev/urandom",
    `of=${raw}`,
    "bs=1M",
    "seek=8",
    `count=${o.sizeMiB - 8}`,
    "conv=notrunc",
    "status=none",
  ]);
  execFileSync("qemu-img", ["convert", "-q", "-f", "raw", "-O", "qcow2", raw, base]);
  rmSync(raw);
  virsh("pool-define-as", poolName, "dir", "--target", dir);
  virsh("pool-start", poolName);
  const baseBytes = Number(execFileSync("stat", ["-c", "%s", base], { encoding: "utf8" }).trim());

  inProcessEnv(dataDir);
  const dbm = await import("@/lib/db/client");
  const runtime = await import("@/lib/fleet/runtime");
  const templates = await import("@/lib/templates/templates");
  const create = await import("@/lib/provisioning/vm-create");
  const c = await import("@/lib/contracts/provisioning");
  const tasks = await import("@/lib/tasks/tasks");

  const results: Record<string, unknown> = {
    at: new Date().toISOString(),
    sizeMiB: o.sizeMiB,
    baseFileBytes: baseBytes,
    runs: o.runs,
  };
  try {
    const {
      caller,
      hostIds: [hostId],
    } = await inProcessFleet([{ host, name: "bench host1" }]);
    const tpl = await templates.templateCreate(
      caller,
      c.TemplateInputSchema.parse({
        name: "bench",
        vcpus: 1,
        memoryMiB: 64,
        maxMemoryMiB: 64,
        domainType: "qemu",
        graphics: "vnc",
        disks: [{ sizeMiB: o.sizeMiB, format: "qcow2", bus: "virtio", pool: poolName }],
        source: { kind: "image", pool: poolName, volume: `${PREFIX}base.qcow2` },
      }),
    );

    // Warm-up: the SSH connection, the virsh session, page cache of the base image.
    const warm = await create.vmCreate(
      caller,
      c.VmCreateSchema.parse({
        mode: "template",
        hostId,
        templateId: tpl.id,
        name: `${PREFIX}warm`,
        clone: "linked",
      }),
    );
    await untilRunning(warm.vm!.uuid);
    // Every guest is stopped as soon as it was seen running: a TCG guest at GRUB's menu keeps a
    // core busy, and the copies measured next would share the 2 cores with it.
    virshTry("destroy", warm.vm!.uuid);
    execFileSync("cat", [base], { stdio: ["ignore", "ignore", "ignore"] });

    const { domainCloneXml } = await import("@/lib/libvirt/domain-xml-update");
    const warmXml = virsh("dumpxml", "--inactive", warm.vm!.uuid);
    const rawSsh: number[] = [];
    const linked: number[] = [];
    const overlay: number[] = [];
    const full: number[] = [];
    const fullCopyPart: number[] = [];
    const cp: number[] = [];
    const rawFull: number[] = [];
    const traces: {
      order: string;
      full: number;
      rawFull: number;
      cp: number;
      phases: Record<string, number>;
      log: { ms: number; line: string }[];
    }[] = [];
    const cpSync: number[] = [];
    const queueWait: number[] = [];
    /** Where a full copy's time goes, per run (ms): request, queue, prepare, copy+define, start, finish, observed. */
    const phases: Record<string, number[]> = {
      request: [],
      queue: [],
      prepare: [],
      "copy+define": [],
      start: [],
      finish: [],
      observed: [],
    };
    const convert: number[] = [];
    // Before each copy: the dirty pages written back (sync), then a pause. On this machine (a VM)
    // a large write right after another one is slower even after sync: the disk below is still
    // busy; without the pause the third copy of a run was the slow one whatever it was.
    const settle = async () => {
      execFileSync("sync");
      await sleep(o.settleS * 1000);
    };
    for (let i = 0; i < o.runs; i++) {
      // Linked clone, end to end.
      let t0 = now();
      const r = await create.vmCreate(
        caller,
        c.VmCreateSchema.parse({
          mode: "template",
          hostId,
          templateId: tpl.id,
          name: `${PREFIX}l${i}`,
          clone: "linked",
        }),
      );
      await untilRunning(r.vm!.uuid);
      linked.push(now() - t0);
      virshTry("destroy", r.vm!.uuid);
      overlay.push(
        timeCmd("qemu-img", [
          "create",
          "-q",
          "-f",
          "qcow2",
          "-b",
          base,
          "-F",
          "qcow2",
          path.join(dir, `raw-overlay-${i}.qcow2`),
        ]),
      );
      // The same three libvirt steps by hand: one fresh OpenSSH connection, one virsh fed
      // vol-create-as (overlay), define (an XML file prepared beforehand), start.
      {
        const name = `${PREFIX}s${i}`;
        const uuid = randomUUID();
        const xmlFile = path.join(dir, `${name}.xml`);
        writeFileSync(
          xmlFile,
          domainCloneXml(warmXml, {
            name,
            uuid,
            diskPaths: new Map([[path.join(dir, `${PREFIX}warm.qcow2`), path.join(dir, `${name}.qcow2`)]]),
          }),
        );
        const r = await virshOverSsh(host, stack!.knownHosts, [
          virshLine(
            "vol-create-as",
            poolName,
            `${name}.qcow2`,
            `${o.sizeMiB}M`,
            "--format",
            "qcow2",
            "--backing-vol",
            base,
            "--backing-vol-format",
            "qcow2",
          ),
          virshLine("define", xmlFile),
          virshLine("start", uuid),
        ]);
        if (r.code !== 0) throw new Error(`raw ssh path failed: ${r.stderr}`);
        await untilRunning(uuid);
        rawSsh.push(r.ms);
        virshTry("destroy", uuid);
      }

      // Full copy, end to end (a task). Each copy, virtdeck's and the raw ones, starts with the
      // host's dirty pages written back, so no copy pays for the previous one's writeback; and
      // virtdeck's copy and the plain `cp` swap places every run, so neither always follows the
      // other's writes (on this machine a copy right after another large write is slower).
      let fullUuid = "";
      let traceLog: { ms: number; line: string }[] = [];
      let tracePhases: Record<string, number> = {};
      const fullRun = async () => {
        await settle();
        t0 = now();
        const wall0 = Date.now();
        const f = await create.vmCreate(
          caller,
          c.VmCreateSchema.parse({
            mode: "template",
            hostId,
            templateId: tpl.id,
            name: `${PREFIX}f${i}`,
            clone: "full",
          }),
        );
        let task = await tasks.taskGet(caller, f.taskId!);
        while (task.status === "queued" || task.status === "running") {
          await sleep(20);
          task = await tasks.taskGet(caller, f.taskId!);
        }
        if (task.status !== "succeeded") throw new Error(`full copy failed: ${task.error}`);
        const uuid = (task.result as { uuid: string }).uuid;
        await untilRunning(uuid);
        const observedAt = Date.now();
        full.push(now() - t0);
        virshTry("destroy", uuid);
        const lines = task.logs;
        const start = lines.find((l) => l.line.includes("(copy)"));
        const end = lines.find((l) => l.line.startsWith("Defined"));
        if (start && end) fullCopyPart.push(new Date(end.at).getTime() - new Date(start.at).getTime());
        if (task.startedAt) queueWait.push(new Date(task.startedAt).getTime() - new Date(task.createdAt).getTime());
        {
          const at = (s?: string | null) => (s ? new Date(s).getTime() : Number.NaN);
          const started = lines.find((l) => l.line === "Started");
          const marks = [
            wall0,
            at(task.createdAt),
            at(task.startedAt),
            at(start?.at),
            at(end?.at),
            at(started?.at),
            at(task.finishedAt),
            observedAt,
          ];
          Object.keys(phases).forEach((k, j) => phases[k].push(marks[j + 1] - marks[j]));
          tracePhases = Object.fromEntries(Object.keys(phases).map((k, j) => [k, marks[j + 1] - marks[j]]));
        }
        fullUuid = uuid;
        traceLog = lines.map((l) => ({ ms: new Date(l.at).getTime() - wall0, line: l.line }));
      };
      const cpRun = async () => {
        await settle();
        cp.push(timeCmd("cp", [base, path.join(dir, `raw-cp-${i}.qcow2`)]));
      };
      // The same guest by hand on the host: `cp` of the image, then one local virsh fed `define`
      // (XML prepared beforehand) and `start`, until running: the raw way to the same end point.
      let rawUuid = "";
      const rawFullRun = async () => {
        const name = `${PREFIX}r${i}`;
        rawUuid = randomUUID();
        const disk = path.join(dir, `${name}.qcow2`);
        const xmlFile = path.join(dir, `${name}.xml`);
        writeFileSync(
          xmlFile,
          domainCloneXml(warmXml, {
            name,
            uuid: rawUuid,
            diskPaths: new Map([[path.join(dir, `${PREFIX}warm.qcow2`), disk]]),
          }),
        );
        await settle();
        const t = now();
        execFileSync("cp", [base, disk]);
        const r = await virshLocal(host, [virshLine("define", xmlFile), virshLine("start", rawUuid)]);
        if (r.code !== 0) throw new Error(`raw full path failed: ${r.stderr}`);
        await untilRunning(rawUuid);
        rawFull.push(now() - t);
        virshTry("destroy", rawUuid);
      };
      // Rotate the order every run: on this machine a copy right after another large write is
      // slower, so no path may always come first.
      const order = [
        ["virtdeck", fullRun],
        ["cp + define + start", rawFullRun],
        ["cp", cpRun],
      ] as const;
      const rotated = [...order.slice(i % 3), ...order.slice(0, i % 3)];
      for (const [, run] of rotated) await run();
      const uuid = fullUuid;
      console.log(
        `run ${i + 1} (${rotated.map(([n]) => n).join(", ")}): virtdeck full copy ${full.at(-1)!.toFixed(0)} ms end to end (copy step ${fullCopyPart.at(-1)?.toFixed(0) ?? "?"} ms), ` +
          `cp + define + start ${rawFull.at(-1)!.toFixed(0)} ms, cp ${cp.at(-1)!.toFixed(0)} ms`,
      );
      traces.push({
        order: rotated.map(([n]) => n).join(", "),
        full: full.at(-1)!,
        rawFull: rawFull.at(-1)!,
        cp: cp.at(-1)!,
        phases: tracePhases,
        log: traceLog,
      });
      {
        await settle();
        const t = now();
        execFileSync("cp", [base, path.join(dir, `raw-cps-${i}.qcow2`)]);
        execFileSync("sync", ["-f", path.join(dir, `raw-cps-${i}.qcow2`)]);
        cpSync.push(now() - t);
      }
      await settle();
      convert.push(
        timeCmd("qemu-img", [
          "convert",
          "-q",
          "-f",
          "qcow2",
          "-O",
          "qcow2",
          base,
          path.join(dir, `raw-convert-${i}.qcow2`),
        ]),
      );
      for (const n of [`raw-cp-${i}.qcow2`, `raw-cps-${i}.qcow2`, `raw-convert-${i}.qcow2`])
        rmSync(path.join(dir, n), { force: true });
      for (const u of [r.vm!.uuid, uuid, rawUuid]) virshTry("destroy", u);
      rmSync(path.join(dir, `${PREFIX}r${i}.qcow2`), { force: true });
    }

    const sum = (xs: number[]): Summary => summarize(xs);
    const mib = o.sizeMiB;
    const speed = (t: number) => (mib / (t / 1000)).toFixed(0);
    const out = {
      linkedEndToEnd: sum(linked),
      qemuImgOverlay: sum(overlay),
      rawSshVirsh: sum(rawSsh),
      fullEndToEnd: sum(full),
      fullCopyStep: fullCopyPart.length ? sum(fullCopyPart) : null,
      queueWait: queueWait.length ? sum(queueWait) : null,
      cp: sum(cp),
      rawFull: sum(rawFull),
      cpSync: sum(cpSync),
      qemuImgConvert: sum(convert),
    };
    Object.assign(results, out);
    console.log(
      `\nprovisioning benchmark: ${o.runs} runs, base image ${mib} MiB of data (${(baseBytes / 1024 / 1024).toFixed(0)} MiB file), host 1 over SSH, TCG guests\n`,
    );
    console.log("what                                   med ms    min ms    max ms");
    const row = (label: string, s: Summary | null) =>
      s &&
      console.log(
        `${label.padEnd(38)} ${ms(s.median).padStart(7)}  ${ms(s.min).padStart(8)}  ${ms(s.max).padStart(8)}`,
      );
    row("linked clone: create -> running", out.linkedEndToEnd);
    row("  raw: qemu-img create -b", out.qemuImgOverlay);
    row("  raw: ssh + virsh overlay/define/start", out.rawSshVirsh);
    row("full copy: create -> running", out.fullEndToEnd);
    row("  of which waiting in the task queue", out.queueWait);
    row("  of which the volume copy (task log)", out.fullCopyStep);
    row("  raw: cp + virsh define + start (local)", out.rawFull);
    row("  raw: cp", out.cp);
    row("  raw: cp + sync -f", out.cpSync);
    row("  raw: qemu-img convert qcow2->qcow2", out.qemuImgConvert);
    console.log(
      "\nfull copy, where the time goes (median ms): " +
        Object.entries(phases)
          .map(([k, v]) => `${k} ${ms(summarize(v).median)}`)
          .join(", "),
    );
    results.fullPhases = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, summarize(v)]));
    console.log(
      `\nlinked clone median ${ms(out.linkedEndToEnd.median)} ms (target < 2000 ms): ${out.linkedEndToEnd.median < 2000 ? "met" : "MISSED"}`,
    );
    const fullRatio = out.cp.median / out.fullEndToEnd.median;
    console.log(
      `full copy end to end: ${speed(out.fullEndToEnd.median)} MiB/s vs cp ${speed(out.cp.median)} MiB/s = ${(fullRatio * 100).toFixed(0)}% of cp (target >= 80%): ${fullRatio >= 0.8 ? "met" : "MISSED"}`,
    );
    const rawRatio = out.rawFull.median / out.fullEndToEnd.median;
    console.log(
      `full copy end to end vs the same by hand (cp + local virsh define + start, until running): ${(rawRatio * 100).toFixed(0)}% of its speed (target >= 80%): ${rawRatio >= 0.8 ? "met" : "MISSED"}`,
    );
    results.traces = traces;
    console.log(
      `full copy end to end vs cp + sync: ${((out.cpSync.median / out.fullEndToEnd.median) * 100).toFixed(0)}%`,
    );
    if (out.fullCopyStep)
      console.log(
        `full copy, copy step only: ${speed(out.fullCopyStep.median)} MiB/s = ${ratio(out.cp.median, out.fullCopyStep.median)} of cp's speed, ${ratio(out.cpSync.median, out.fullCopyStep.median)} of cp + sync`,
      );
    writeFileSync(o.out, JSON.stringify(results, null, 2));
    console.log(`\nraw figures: ${o.out}`);
  } finally {
    await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 }).catch(() => {});
    const f = runtime.fleet();
    f.sessions.closeAll();
    f.pool.closeAll();
    await dbm.closeDatabase().catch(() => {});
    cleanup(poolName, dir);
    rmSync(dataDir, { recursive: true, force: true });
    if (stack) stackClose(stack);
    stack = undefined;
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

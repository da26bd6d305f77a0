// A snapshot whose SSH connection dies mid-create: host 1's libvirt behind a private sshd
// (helpers/fleet-sshd.ts) that is killed with its connection children while a running TCG tiny
// guest's snapshot is being taken, then restarted. Whatever libvirt finished or rolled back, the VM
// must keep running on a consistent chain: the snapshot is either listed with the VM on its
// overlay/inside its image, or absent with the VM on its own image and no stray overlay in use.
// The stack's own sshds are never touched.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DOMParser, XMLSerializer } from "@xmldom/xmldom";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, taskEnded, until, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { GuestLab, virshSync } from "./helpers/fleet-guests";
import { PrivateSshd } from "./helpers/fleet-sshd";
import { tinyGuestFiles, tinyGuestXml } from "./helpers/tiny-guest";

const lab = new GuestLab("snapfault");
let f: FleetContext;
let sshd: PrivateSshd;
let host: HostView;
let snaps: typeof import("@/lib/snapshots/snapshots");
const T = { name: "", uuid: crypto.randomUUID(), disk: "" };

const diskSource = () => {
  const doc = new DOMParser().parseFromString(virshSync("host1", ["dumpxml", T.uuid]), "text/xml");
  const disk = Array.from(doc.getElementsByTagName("disk")).find((d) => d.getAttribute("device") === "disk")!;
  return disk.getElementsByTagName("source")[0]!.getAttribute("file")!;
};
const names = () =>
  virshSync("host1", ["snapshot-list", T.uuid, "--name"])
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
const imageInfo = (file: string) =>
  JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", file], { encoding: "utf8" })) as Record<
    string,
    unknown
  >;

beforeAll(async () => {
  f = await fleetSetup();
  snaps = await import("@/lib/snapshots/snapshots");
  sshd = await PrivateSshd.start();
  host = await f.addHost(
    { ...stackEnv().host1, port: sshd.port },
    { name: "snapshot-faulty", port: sshd.port, expectedHostKeySha256: sshd.hostKeySha256 },
  );
  await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 0.5 });
  T.name = `vdtest-fleet-snapfault-${lab.tag}`;
  T.disk = path.join(lab.diskDir("host1"), "tiny.qcow2");
  lab.createDisk("host1", T.disk, 16);
  const doc = new DOMParser().parseFromString(tinyGuestXml({ ...T, ...tinyGuestFiles() }), "text/xml");
  const disk = doc.createElement("disk");
  disk.setAttribute("type", "file");
  disk.setAttribute("device", "disk");
  for (const [tag, attrs] of [
    ["driver", { name: "qemu", type: "qcow2" }],
    ["source", { file: T.disk }],
    ["target", { dev: "vda", bus: "virtio" }],
  ] as const) {
    const el = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    disk.appendChild(el);
  }
  doc.getElementsByTagName("devices")[0]!.appendChild(disk);
  const file = path.join(lab.diskDir("host1"), "tiny.xml");
  writeFileSync(file, new XMLSerializer().serializeToString(doc));
  virshSync("host1", ["define", file]);
  virshSync("host1", ["start", T.uuid]);
});

afterAll(async () => {
  try {
    virshSync("host1", ["destroy", T.uuid]);
  } catch {}
  try {
    virshSync("host1", ["undefine", T.uuid, "--snapshots-metadata"]);
  } catch {}
  if (snaps) await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 });
  try {
    await f?.teardown();
  } finally {
    if (sshd) {
      await sshd.kill().catch(() => {});
      sshd.remove();
    }
    expect(await lab.cleanup()).toEqual([]);
  }
});

describe("SSH connection killed mid-snapshot", () => {
  for (const kind of ["internal", "external"] as const) {
    it(`${kind}: the VM keeps running on a consistent chain`, async () => {
      const name = `fault ${kind}`;
      const before = diskSource();
      const { taskId } = await snaps.snapshotCreateEnqueue(f.caller, host.id, T.uuid, { name, kind });
      // Kill as soon as the create is on its way to the host.
      await until(
        "the create to start",
        async () => {
          const t = await (await import("@/lib/tasks/tasks")).taskGet(f.caller, taskId);
          return t.messageKey === "steps.snapshotCreating" || (t.status !== "queued" && t.status !== "running")
            ? t
            : false;
        },
        { timeoutMs: 30_000, intervalMs: 20 },
      );
      await sshd.kill();
      await new Promise((r) => setTimeout(r, 500));
      await sshd.launch();
      const t = await taskEnded(f, taskId);
      expect(["succeeded", "failed"]).toContain(t.status);
      // libvirt's side, read directly: running, and the chain matches the metadata.
      expect(virshSync("host1", ["domstate", T.uuid]).trim()).toBe("running");
      const listed = names().includes(name);
      const now = diskSource();
      if (kind === "external") {
        if (listed) {
          expect(now).not.toBe(before);
          expect(imageInfo(now)["backing-filename"]).toBe(before);
        } else {
          expect(now).toBe(before);
          // No overlay of the failed attempt is left next to the image.
          expect(readdirSync(path.dirname(T.disk)).filter((n) => n.startsWith("tiny.snap-"))).toEqual([]);
        }
      } else {
        expect(now).toBe(before);
        const snapshots = (imageInfo(now).snapshots as { name: string }[] | undefined) ?? [];
        expect(snapshots.some((s) => s.name === name)).toBe(listed);
      }
      // The task says what happened: success only when libvirt has it.
      expect(t.status === "succeeded").toBe(listed);
      expect(existsSync(now)).toBe(true);
      // Back to a clean state for the next case.
      if (listed)
        await taskEnded(
          f,
          (await snaps.snapshotDeleteEnqueue(f.caller, host.id, T.uuid, name, kind === "external" ? "merge" : "leaf"))
            .taskId,
        );
      expect(diskSource()).toBe(T.disk);
    });
  }
});

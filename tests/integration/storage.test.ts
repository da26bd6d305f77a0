import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, until, type FleetContext } from "./helpers/fleet-stack";
import { stackEnv } from "./helpers/stack-env";
import { virshSync } from "./helpers/fleet-guests";

/**
 * Storage on host 1's real libvirt through the real sshd: pools, volumes, ISO library, and
 * uploads streamed into a pool as tasks (checksum read back, qcow2 with a backing file refused,
 * aborted and cancelled uploads leave nothing behind). Uses its own transient dir pool.
 */
const ISO = "/usr/lib/grub-rescue/grub-rescue-cdrom.iso";
const TAG = `vdstor${randomBytes(3).toString("hex")}`;
const POOL = `${TAG}-pool`;
const DIR = `/var/tmp/${TAG}`;

let f: FleetContext;
let hostId: string;
let storage: typeof import("@/lib/storage/storage");
let upload: typeof import("@/lib/storage/upload");
let tasks: typeof import("@/lib/tasks/tasks");

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const fileStream = (file: string) =>
  Readable.toWeb(createReadStream(file, { highWaterMark: 256 * 1024 })) as ReadableStream<Uint8Array>;

/** Uploads a volume into POOL on host 1 as the admin. */
function uploadToPool(
  name: string,
  format: "iso" | "qcow2" | "raw",
  size: number,
  body: ReadableStream<Uint8Array>,
  signal = new AbortController().signal,
) {
  return upload.storageUpload(f.caller, hostId, { pool: POOL, name, format, size }, body, signal);
}

/** A body that sends `first` bytes, then stalls until the test aborts. */
function stallingStream(first: number): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(new Uint8Array(first).fill(0x41));
        return;
      }
      return new Promise<void>(() => {});
    },
  });
}

const volumes = () => virshSync("host1", ["vol-list", POOL]);

beforeAll(async () => {
  stackEnv();
  mkdirSync(DIR, { recursive: true });
  virshSync("host1", ["pool-create-as", POOL, "dir", "--target", DIR]);
  f = await fleetSetup();
  storage = await import("@/lib/storage/storage");
  upload = await import("@/lib/storage/upload");
  tasks = await import("@/lib/tasks/tasks");
  hostId = (await f.addHost(stackEnv().host1)).id;
});

afterAll(async () => {
  try {
    virshSync("host1", ["pool-destroy", POOL]);
  } catch {}
  rmSync(DIR, { recursive: true, force: true });
  await f?.teardown();
});

describe("storage", () => {
  it("lists the host's pools with capacity figures", async () => {
    const pools = await storage.storagePoolList({ hostId });
    const p = pools.find((x) => x.name === POOL);
    expect(p).toMatchObject({ type: "dir", active: true, targetPath: DIR });
    expect(p!.capacityBytes).toBeGreaterThan(0);
    expect(p!.availableBytes).toBeGreaterThan(0);
    expect(p!.capacityBytes).toBeGreaterThanOrEqual(p!.availableBytes);
  });

  it("creates a volume, lists it, deletes it", async () => {
    const v = await storage.storageVolumeCreate(f.caller, hostId, {
      pool: POOL,
      name: "disk-a.qcow2",
      format: "qcow2",
      capacityBytes: 64 * 1024 * 1024,
    });
    expect(v).toMatchObject({
      name: "disk-a.qcow2",
      format: "qcow2",
      capacityBytes: 64 * 1024 * 1024,
      path: `${DIR}/disk-a.qcow2`,
      iso: false,
    });
    expect(
      execFileSync("qemu-img", ["info", "--output=json", "-f", "qcow2", `${DIR}/disk-a.qcow2`], { encoding: "utf8" }),
    ).toContain('"virtual-size": 67108864');
    const list = await storage.storageVolumeList({ hostId, pool: POOL });
    expect(list.map((x) => x.name)).toContain("disk-a.qcow2");
    await expect(
      storage.storageVolumeCreate(f.caller, hostId, {
        pool: POOL,
        name: "../escape",
        format: "raw",
        capacityBytes: 1 << 20,
      }),
    ).rejects.toThrow();
    await storage.storageVolumeDelete(f.caller, hostId, { pool: POOL, name: "disk-a.qcow2" });
    expect(volumes()).not.toContain("disk-a.qcow2");
  });

  it("uploads an ISO as a task with progress, byte for byte, and shows it in the ISO library", async () => {
    const size = readFileSync(ISO).length;
    const seen: number[] = [];
    const watcher = setInterval(async () => {
      const list = await tasks.taskList(f.caller, { status: "active" });
      for (const t of list) if (t.kind === "storage.upload") seen.push(t.progress);
    }, 50);
    const t = await uploadToPool("grub.iso", "iso", size, fileStream(ISO));
    clearInterval(watcher);
    expect(t).toMatchObject({
      status: "succeeded",
      progress: 100,
      kind: "storage.upload",
      hostId,
      title: `Upload grub.iso to ${POOL}`,
      titleKey: "titles.storageUpload",
      titleParams: { name: "grub.iso", pool: POOL },
    });
    expect(t.result).toMatchObject({ pool: POOL, name: "grub.iso", bytes: size, path: `${DIR}/grub.iso` });
    expect(sha256(`${DIR}/grub.iso`)).toBe(sha256(ISO));
    expect(seen.length).toBeGreaterThan(0); // it was visible as a running task while bytes flowed
    const detail = await tasks.taskGet(f.caller, t.id);
    expect(detail.logs.map((l) => l.line).join("\n")).toMatch(/qemu-img info -f raw/);
    // Log lines and status messages are stored as message keys + arguments next to their English.
    expect(detail).toMatchObject({ message: "Uploaded", messageKey: "steps.uploaded", messageParams: {} });
    expect(detail.logs.map(({ line, lineKey, lineParams }) => ({ line, lineKey, lineParams }))).toEqual([
      {
        line: expect.stringContaining(`Creating volume grub.iso (${size} bytes) in pool ${POOL} on `),
        lineKey: "lines.uploadVolumeCreating",
        lineParams: { name: "grub.iso", bytes: size, pool: POOL, host: expect.any(String) },
      },
      { line: `Uploaded ${size} bytes`, lineKey: "lines.uploaded", lineParams: { bytes: size } },
      {
        line: expect.stringMatching(/^qemu-img info -f raw: format raw, virtual size \d+ bytes/),
        lineKey: "lines.imageChecked",
        lineParams: { declared: "raw", format: "raw", bytes: expect.any(Number) },
      },
    ]);

    const isos = await storage.isoLibrary({ hostId, rescan: true });
    expect(isos.find((v) => v.name === "grub.iso")).toMatchObject({ pool: POOL, iso: true, capacityBytes: size });
  });

  it("refuses and removes a qcow2 whose backing file is /etc/shadow", async () => {
    const evil = path.join(DIR, "..", `${TAG}-evil.qcow2`);
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", "/etc/shadow", evil, "1M"]);
    try {
      const size = readFileSync(evil).length;
      const t = await uploadToPool("evil.qcow2", "qcow2", size, fileStream(evil));
      expect(t.status).toBe("failed");
      expect(t.error).toMatch(/^Refused: evil.qcow2: the image has a backing file \(\/etc\/shadow\)/);
      expect(volumes()).not.toContain("evil.qcow2");
      expect(existsSync(`${DIR}/evil.qcow2`)).toBe(false);

      // The same bytes declared as an ISO are refused before they land.
      const t2 = await uploadToPool("evil.iso", "iso", size, fileStream(evil));
      expect(t2.status).toBe("failed");
      expect(t2.error).toMatch(/qcow2 image/);
      expect(volumes()).not.toContain("evil.iso");
    } finally {
      rmSync(evil, { force: true });
    }
  });

  it("an upload the browser aborts midway leaves no volume", async () => {
    const ctl = new AbortController();
    const pending = uploadToPool("aborted.iso", "iso", 8 * 1024 * 1024, stallingStream(1024 * 1024), ctl.signal);
    await until("the partial volume exists", () => volumes().includes("aborted.iso"), { timeoutMs: 15_000 });
    ctl.abort();
    const t = await pending;
    expect(t.status).toBe("failed");
    expect(t.error).toMatch(/stopped sending/);
    expect(volumes()).not.toContain("aborted.iso");
    expect(existsSync(`${DIR}/aborted.iso`)).toBe(false);
  });

  it("a cancelled upload ends cancelled and leaves no volume", async () => {
    const pending = uploadToPool("cancelled.iso", "iso", 8 * 1024 * 1024, stallingStream(1024 * 1024));
    const running = await until(
      "the upload runs",
      async () => (await tasks.taskList(f.caller, { status: "active" })).find((t) => t.kind === "storage.upload"),
      { timeoutMs: 15_000 },
    );
    await until("bytes arrived", async () => (await tasks.taskGet(f.caller, running.id)).progress > 0, {
      timeoutMs: 15_000,
    });
    await tasks.taskCancel(f.caller, running.id);
    const t = await pending;
    expect(t.status).toBe("cancelled");
    expect(volumes()).not.toContain("cancelled.iso");
  });

  it("refuses uploads over the size limit before creating anything", async () => {
    await expect(uploadToPool("huge.iso", "iso", 10 * 1024 ** 4, fileStream(ISO))).rejects.toMatchObject({
      code: "payload_too_large",
    });
    expect(volumes()).not.toContain("huge.iso");
  });
});

import { describe, expect, it } from "vitest";
import type { ProvHost } from "./host-access";
import { planRun, volumeCreateXml } from "./plan";
import type { CreatePlan } from "./plan-schema";

/**
 * planRun's orchestration against a scripted host: the order of virsh commands, the copy's
 * progress read from the new volume's growing allocation, and the undo of what was made when
 * a later step fails. (The real thing runs against libvirt in tests/integration/provisioning-*.)
 */
function fakeHost(opts: {
  copyMs: number;
  failOn?: string;
  filePool?: { poolType?: string; srcXml?: string; qemuImg?: string; qemuProbe?: string; cpCode?: number };
  notInPool?: boolean;
}) {
  const calls: string[] = [];
  const execs: string[][] = [];
  const fp = opts.filePool;
  const poolXml = (name: string) =>
    `<pool type='${fp?.poolType ?? "dir"}'><name>${name}</name><target><path>/pools/${name}/</path></target></pool>`;
  const srcXml =
    fp?.srcXml ??
    `<volume type='file'><name>base.qcow2</name><capacity unit='bytes'>1000</capacity><allocation unit='bytes'>1000</allocation><target><path>/pools/p/base.qcow2</path><format type='qcow2'/></target></volume>`;
  let copyStarted = 0;
  let copyDone = false;
  const volXml = (alloc: number) =>
    `<volume><name>v</name><capacity unit='bytes'>1000</capacity><allocation unit='bytes'>${alloc}</allocation><target><path>/p/v</path></target></volume>`;
  const h: ProvHost = {
    host: { id: "h1", name: "host one" } as ProvHost["host"],
    async virsh(...cmds) {
      const out: string[] = [];
      for (const c of cmds) {
        calls.push(c.command);
        if (c.command === opts.failOn) throw new Error(`${c.command} failed`);
        out.push(c.command === "vol-path" ? "/pool/new.qcow2\n" : "");
      }
      return out;
    },
    async virshTry(...cmds) {
      return cmds.map((c) => {
        if (c.command !== "vol-dumpxml") calls.push(c.command);
        if (c.command === "pool-dumpxml")
          return fp && !fp.poolType
            ? { ok: true, stdout: poolXml(String((c.args![0] as { arg: string }).arg)), stderr: "" }
            : { ok: false, stdout: "", stderr: "no pool" };
        if (c.command === "vol-pool") return { ok: !opts.notInPool, stdout: "p\n", stderr: "" };
        if (c.command === "vol-dumpxml" && (c.args![1] as { arg: string }).arg === "base.qcow2")
          return { ok: true, stdout: srcXml, stderr: "" };
        if (c.command === "vol-dumpxml" && fp) return { ok: false, stdout: "", stderr: "Storage volume not found" };
        if (c.command === "vol-dumpxml") {
          const frac = copyDone ? 1 : Math.min(1, (Date.now() - copyStarted) / opts.copyMs);
          return { ok: true, stdout: volXml(Math.round(frac * 1000)), stderr: "" };
        }
        return { ok: true, stdout: "", stderr: "" };
      });
    },
    async virshExec(cmd, o) {
      calls.push(cmd.command);
      if (cmd.command === opts.failOn) throw new Error(`${cmd.command} failed`);
      if (cmd.command === "vol-create-from") {
        expect(o?.stdin).toContain("<name>new.qcow2</name>");
        copyStarted = Date.now();
        await new Promise((r) => setTimeout(r, opts.copyMs));
        copyDone = true;
      }
      return "";
    },
    async virshExecTry(cmd, o) {
      return { ok: true, stdout: await this.virshExec(cmd, o), stderr: "" };
    },
    async virshSlowTry(cmd) {
      return { ok: true, stdout: await this.virshExec(cmd), stderr: "" };
    },
    virshStream() {
      throw new Error("no streams in this fake");
    },
    virshChannel() {
      throw new Error("no streams in this fake");
    },
    forwardOut() {
      throw new Error("no forwarding in this fake");
    },
    execStream() {
      throw new Error("no streams in this fake");
    },
    virshExecEarly(cmd) {
      calls.push(`${cmd.command} (early)`);
      let fed = false;
      return {
        async feed(stdin) {
          fed = true;
          calls.push(cmd.command);
          if (cmd.command === opts.failOn) throw new Error(`${cmd.command} failed`);
          expect(String(stdin)).toContain("<name>vm1</name>");
          return "";
        },
        cancel() {
          if (!fed) calls.push(`${cmd.command} (cancelled)`);
        },
      };
    },
    async exec(argv, _timeoutMs, o) {
      execs.push([...argv]);
      if (argv[0] === "env") {
        const probed = String(argv.at(-1)).endsWith(".raw") ? "raw" : "qcow2";
        const plain = JSON.stringify({
          format: argv.includes("-f") ? argv[argv.indexOf("-f") + 1] : probed,
          "virtual-size": 1000,
        });
        if (argv.at(-1) !== "/pools/p/base.qcow2") return { code: 0, stdout: plain, stderr: "" }; // an image in the chain below
        return {
          code: 0,
          stdout: (argv.includes("-f") ? fp?.qemuImg : (fp?.qemuProbe ?? fp?.qemuImg)) ?? plain,
          stderr: "",
        };
      }
      if (argv[0] === "sh") {
        calls.push("cp");
        // The copy script prints "blocks block-size" lines while cp runs, split across chunks as a pipe may.
        const started = Date.now();
        const tick = setInterval(() => {
          const line = `${Math.round(Math.min(1, (Date.now() - started) / opts.copyMs) * 1000)} 1\n`;
          o?.onStdout?.(Buffer.from(line.slice(0, 2)));
          o?.onStdout?.(Buffer.from(line.slice(2)));
        }, 200);
        await new Promise((r) => setTimeout(r, opts.copyMs));
        clearInterval(tick);
        return { code: fp?.cpCode ?? 0, stdout: "", stderr: fp?.cpCode ? "cp: No space left on device" : "" };
      }
      if (argv[0] === "rm") calls.push("rm");
      return { code: 0, stdout: "", stderr: "" };
    },
  };
  return { h, calls, execs };
}

const plan: CreatePlan = {
  hostId: "h1",
  start: true,
  volumes: [
    {
      kind: "copy",
      pool: "p",
      name: "new.qcow2",
      format: "qcow2",
      capacityBytes: 1000,
      srcPool: "p",
      srcName: "base.qcow2",
      srcAllocationBytes: 1000,
    },
  ],
  cleanup: [{ pool: "p", name: "seed.iso" }],
  domain: {
    name: "vm1",
    uuid: "0b5c6f7e-1111-4222-8333-944455556666",
    domainType: "qemu",
    vcpus: 1,
    memoryMiB: 64,
    maxMemoryMiB: 64,
    cpuMode: "host-model",
    firmware: "bios",
    disks: [{ device: "disk", format: "qcow2", bus: "virtio", volume: { pool: "p", name: "new.qcow2" } }],
    nics: [],
    graphics: "vnc",
    serialConsole: false,
    boot: ["hd"],
  },
};

/** qemu-img info's JSON for a 1000-byte qcow2 whose header names `backing` (resolved to `full`) in `format`. */
const backedQcow2Info = (backing: string, full: string, format: string) =>
  JSON.stringify({
    format: "qcow2",
    "virtual-size": 1000,
    "backing-filename": backing,
    "full-backing-filename": full,
    "backing-filename-format": format,
  });

/** What every run does first: define's exec starts early, then both pools are read. */
const OPENING = ["define (early)", "pool-dumpxml", "pool-dumpxml"];
/** qemu-img info's argv before the format and the path. */
const QEMU_IMG_INFO = ["env", "LC_ALL=C.UTF-8", "qemu-img", "info", "-U", "--output=json"];

/** At least two readings between 5% and 90% during the copy, rising. */
function expectRisingCopyProgress(progress: number[]) {
  const during = progress.filter((p) => p > 5 && p < 90);
  expect(during.length).toBeGreaterThanOrEqual(2);
  expect([...during].sort((a, b) => a - b)).toEqual(during);
}

describe("planRun", () => {
  it("copies with progress from the growing volume, then defines and starts", async () => {
    const { h, calls } = fakeHost({ copyMs: 1800 });
    const progress: number[] = [];
    const r = await planRun(h, plan, { progress: async (p) => void progress.push(p) });
    expect(r).toEqual({ uuid: plan.domain.uuid, name: "vm1", started: true });
    // define's exec starts before the copy and gets the XML once the copy is done.
    expect(calls).toEqual([...OPENING, "vol-create-from", "vol-path", "define", "start"]);
    // Watched every 500 ms during a 1.8 s copy.
    expectRisingCopyProgress(progress);
    expect(progress.at(-1)).toBe(95);
  });

  it("undoes the volumes it made (and the seed) when define fails", async () => {
    const { h, calls } = fakeHost({ copyMs: 10, failOn: "define" });
    await expect(planRun(h, plan)).rejects.toThrow("define failed");
    expect(calls).toEqual([...OPENING, "vol-create-from", "vol-path", "define", "vol-delete", "vol-delete"]);
  });

  it("undefines a VM whose start fails", async () => {
    const { h, calls } = fakeHost({ copyMs: 10, failOn: "start" });
    await expect(planRun(h, plan)).rejects.toThrow("start failed");
    expect(calls.slice(6)).toEqual(["start", "destroy", "undefine", "vol-delete", "vol-delete"]);
  });

  it("ends the waiting define without input when the copy fails", async () => {
    const { h, calls } = fakeHost({ copyMs: 10, failOn: "vol-create-from" });
    await expect(planRun(h, plan)).rejects.toThrow("vol-create-from failed");
    expect(calls).toEqual([...OPENING, "vol-create-from", "define (cancelled)", "vol-delete"]);
  });

  it("copies a self-contained file in a dir pool with cp, with progress from the copy's own output, then refreshes the pool", async () => {
    const { h, calls, execs } = fakeHost({ copyMs: 1800, filePool: {} });
    const progress: number[] = [];
    await planRun(h, plan, { progress: async (p) => void progress.push(p) });
    expect(calls).toEqual([...OPENING, "cp", "pool-refresh", "vol-path", "define", "start"]);
    // Both paths are argv elements after the fixed script, never part of it.
    const cp = execs.find((a) => a[0] === "sh")!;
    expect(cp.slice(3)).toEqual(["virtdeck-copy", "/pools/p/base.qcow2", "/pools/p/new.qcow2", "43200"]);
    expect(cp[2]).toContain('cp --reflink=auto -- "$1" "$2"');
    expect(execs.find((a) => a[0] === "env")).toEqual([...QEMU_IMG_INFO, "-f", "qcow2", "/pools/p/base.qcow2"]);
    expectRisingCopyProgress(progress);
  });

  it("uses libvirt's copy for a logical pool, once qemu-img and libvirt both read the source as declared", async () => {
    const { h, calls, execs } = fakeHost({ copyMs: 10, filePool: { poolType: "logical" } });
    await planRun(h, plan);
    expect(calls.filter((c) => c === "cp" || c === "vol-create-from")).toEqual(["vol-create-from"]);
    // Read as declared (-f) and probed (no -f), to compare.
    expect(execs.filter((a) => a[0] === "env")).toEqual([
      [...QEMU_IMG_INFO, "-f", "qcow2", "/pools/p/base.qcow2"],
      [...QEMU_IMG_INFO, "/pools/p/base.qcow2"],
    ]);
  });

  it("copies a verified backing chain with libvirt's copy (which flattens it)", async () => {
    const chained = backedQcow2Info("gold.qcow2", "/pools/p/gold.qcow2", "qcow2");
    const srcXml = `<volume><name>base.qcow2</name><capacity>1000</capacity><target><path>/pools/p/base.qcow2</path><format type='qcow2'/></target><backingStore><path>/pools/p/gold.qcow2</path><format type='qcow2'/></backingStore></volume>`;
    const { h, calls, execs } = fakeHost({ copyMs: 10, filePool: { qemuImg: chained, srcXml } });
    await planRun(h, plan);
    expect(calls.filter((c) => c === "cp" || c === "vol-create-from")).toEqual(["vol-create-from"]);
    expect(execs.filter((a) => a[0] === "env").map((a) => a.at(-1))).toContain("/pools/p/gold.qcow2");
  });

  it.each([
    [
      "a raw disk whose bytes are a qcow2 header",
      { qemuProbe: JSON.stringify({ format: "qcow2", "virtual-size": 1000, "backing-filename": "/etc/shadow" }) },
      /declared qcow2|bytes are a qcow2/,
    ],
    [
      "a backing file with no stated format",
      {
        qemuImg: JSON.stringify({
          format: "qcow2",
          "virtual-size": 1000,
          "backing-filename": "/etc/shadow",
          "full-backing-filename": "/etc/shadow",
        }),
      },
      /without an explicit raw or qcow2 format/,
    ],
    [
      "a data file",
      {
        qemuImg: JSON.stringify({
          format: "qcow2",
          "virtual-size": 1000,
          "format-specific": { type: "qcow2", data: { "data-file": "/etc/shadow" } },
        }),
      },
      /data file/,
    ],
    [
      "libvirt's stale view (a backing file qemu-img does not see)",
      {
        poolType: "logical",
        srcXml: `<volume><name>base.qcow2</name><capacity>1000</capacity><target><path>/pools/p/base.qcow2</path><format type='qcow2'/></target><backingStore><path>/etc/shadow</path><format type='raw'/></backingStore></volume>`,
      },
      /libvirt reads it/,
    ],
  ])("refuses %s, and never falls back to another copy", async (_label, filePool, message) => {
    const raw = _label.startsWith("a raw");
    const { h, calls } = fakeHost({
      copyMs: 10,
      filePool: raw ? { ...filePool, qemuImg: JSON.stringify({ format: "raw", "virtual-size": 1000 }) } : filePool,
    });
    const p: CreatePlan = raw
      ? {
          ...plan,
          volumes: [
            { ...(plan.volumes[0] as Extract<CreatePlan["volumes"][number], { kind: "copy" }>), format: "raw" },
          ],
        }
      : plan;
    await expect(planRun(h, p)).rejects.toThrow(message);
    expect(calls.filter((c) => c === "cp" || c === "vol-create-from")).toEqual([]);
    expect(calls).toContain("vol-delete"); // the seed the plan was given
  });

  it("refuses a backing file outside the storage pools", async () => {
    const chained = backedQcow2Info("/etc/shadow", "/etc/shadow", "raw");
    const { h, calls } = fakeHost({ copyMs: 10, filePool: { qemuImg: chained }, notInPool: true });
    await expect(planRun(h, plan)).rejects.toThrow(/not a volume of a storage pool/);
    expect(calls.filter((c) => c === "cp" || c === "vol-create-from")).toEqual([]);
  });

  it("makes a linked clone's overlay with the declared backing format, once the base's chain is the one planned", async () => {
    const overlay: CreatePlan = {
      ...plan,
      volumes: [
        {
          kind: "overlay",
          pool: "p",
          name: "new.qcow2",
          capacityBytes: 1000,
          backingPath: "/pools/p/base.qcow2",
          backingFormat: "raw",
          backingChain: [],
        },
      ],
      cleanup: [],
    };
    const raw = JSON.stringify({ format: "raw", "virtual-size": 1000 });
    const ok = fakeHost({ copyMs: 10, filePool: { qemuImg: raw } });
    await planRun(ok.h, overlay);
    expect(ok.calls.slice(0, 1)).toEqual(["vol-create-as"]);
    // The base's chain grew since the plan was made: refused, nothing made.
    const chained = backedQcow2Info("/pools/p/gold.raw", "/pools/p/gold.raw", "raw");
    const changed = fakeHost({ copyMs: 10, filePool: { qemuImg: chained } });
    await expect(
      planRun(changed.h, {
        ...overlay,
        volumes: [
          {
            ...(overlay.volumes[0] as Extract<CreatePlan["volumes"][number], { kind: "overlay" }>),
            backingFormat: "qcow2",
          },
        ],
      }),
    ).rejects.toThrow(/backing chain changed/);
    expect(changed.calls).not.toContain("vol-create-as");
  });

  it("removes its partial file and what else was made when cp fails", async () => {
    const { h, calls } = fakeHost({ copyMs: 10, filePool: { cpCode: 1 } });
    await expect(planRun(h, plan)).rejects.toThrow("No space left on device");
    expect(calls).toEqual([...OPENING, "cp", "rm", "define (cancelled)", "vol-delete"]);
  });

  it("never overwrites an existing file", async () => {
    const { h, calls } = fakeHost({ copyMs: 10, filePool: { cpCode: 17 } });
    await expect(planRun(h, plan)).rejects.toThrow("already exists");
    expect(calls).not.toContain("rm");
  });

  it("builds volume XML through the DOM", () => {
    expect(volumeCreateXml({ name: `a<b>"c`, capacityBytes: 5, format: "raw" })).toBe(
      `<volume><name>a&lt;b&gt;"c</name><capacity unit="bytes">5</capacity><target><format type="raw"/></target></volume>`,
    );
  });
});

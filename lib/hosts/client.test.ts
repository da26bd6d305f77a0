import { describe, expect, it } from "vitest";
import { PassThrough, Writable } from "node:stream";
import { AppError } from "@/lib/http/errors";
import { loggerCreate } from "@/lib/log";
import { createHostClient, hostReadyAssert, type HostClientDeps } from "./client";
import { CommandFailedError, ConnectionClosedError, HostUnreachableError } from "./errors";
import type { HostPool } from "./pool";
import type { StreamPool } from "./stream-pool";
import type { HostTransport, RunOptions } from "./transport";
import type { VirshCommandArgv } from "./virsh-command";
import type { VirshResult, VirshSession } from "./virsh-session";
import type { VirshSessions } from "./virsh-session-pool";
import { VIRSH_VERB_KIND, virshAllReads } from "./virsh-verbs";

const HOST = { id: "h1", name: "host one", libvirtUri: "qemu:///system" };

/** A scripted session: each batch() call takes the next step (throw, or answer every command). */
function fakeDeps(
  steps: ((argvs: readonly VirshCommandArgv[]) => VirshResult[])[],
  runs: { argv: readonly string[]; opts?: RunOptions }[] = [],
) {
  const batches: string[][] = [];
  const lines: Record<string, unknown>[] = [];
  const session = {
    async batch(argvs: readonly VirshCommandArgv[]) {
      batches.push(argvs.map((a) => a[0]));
      const step = steps.shift();
      if (!step) throw new Error("no more steps");
      return step(argvs);
    },
  } as unknown as VirshSession;
  const sessions: VirshSessions = {
    get: () => session,
    size: () => 1,
    live: () => true,
    busy: () => false,
    close() {},
    closeAll() {},
  };
  const transport = {
    async run(argv: readonly string[], opts?: RunOptions) {
      runs.push({ argv, opts });
      return { code: 0, stdout: "ok\n", stderr: "" };
    },
  } as unknown as HostTransport;
  const pool = { get: async () => transport } as unknown as HostPool;
  const log = loggerCreate(
    "debug",
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    }),
  );
  const deps: HostClientDeps = {
    pool,
    streams: {} as StreamPool,
    sessions,
    log,
    transportFailure: async (err) => new AppError("host_unreachable", `${HOST.name}: ${(err as Error).message}`),
  };
  return { deps, batches, lines, runs };
}

const ok = (stdout: string) => (argvs: readonly VirshCommandArgv[]) =>
  argvs.map(() => ({ ok: true, stdout, stderr: "" }));
const dropped = () => {
  throw new ConnectionClosedError("virsh session ended");
};

describe("host client", () => {
  it("replays an idempotent read once after the session died under it", async () => {
    const f = fakeDeps([dropped, ok("<domain/>")]);
    const client = createHostClient(HOST, f.deps);
    expect(
      await client.virsh({ command: "dumpxml", args: [{ domain: "0b5c6f7e-1111-4222-8333-944455556666" }] }),
    ).toEqual(["<domain/>"]);
    expect(f.batches).toEqual([["dumpxml"], ["dumpxml"]]);
    expect(f.lines.some((l) => String(l.msg).startsWith("Reconnected to the hypervisor"))).toBe(true);
  });

  it("replays a read only once, then reports the drop itself as the fleet maps it", async () => {
    const unreachable = () => {
      throw new HostUnreachableError("10.0.0.9", 22, "ECONNREFUSED");
    };
    const f = fakeDeps([dropped, unreachable, ok("never")]);
    const client = createHostClient(HOST, f.deps);
    await expect(
      client.virshTry({ command: "list", args: [{ flag: "--all" }, { flag: "--uuid" }] }),
    ).rejects.toMatchObject({ code: "host_unreachable", message: "host one: virsh session ended" });
    expect(f.batches).toHaveLength(2);
  });

  it("never replays a mutation (it may have run), nor a batch mixing one with reads", async () => {
    for (const cmds of [
      [{ command: "destroy" as const, args: [{ domain: "0b5c6f7e-1111-4222-8333-944455556666" }] }],
      [{ command: "uri" as const }, { command: "vol-delete" as const, args: [{ arg: "/p/v.img" }] }],
    ]) {
      const f = fakeDeps([dropped, ok("")]);
      await expect(createHostClient(HOST, f.deps).virshTry(...cmds)).rejects.toMatchObject({
        code: "host_unreachable",
      });
      expect(f.batches).toHaveLength(1);
    }
  });

  it("replays a read that failed on a connection virsh re-opened (libvirtd restarted), never a mutation", async () => {
    const lost = (argvs: readonly VirshCommandArgv[]) =>
      argvs.map(() => ({
        ok: false,
        stdout: "",
        stderr: "error: End of file while reading data\n",
        reconnected: true,
      }));
    const read = fakeDeps([lost, ok("vm-a\n")]);
    expect(await createHostClient(HOST, read.deps).virsh({ command: "list", args: [{ flag: "--name" }] })).toEqual([
      "vm-a\n",
    ]);
    expect(read.batches).toEqual([["list"], ["list"]]);
    const write = fakeDeps([lost, ok("")]);
    await expect(
      createHostClient(HOST, write.deps).virsh({
        command: "destroy",
        args: [{ domain: "0b5c6f7e-1111-4222-8333-944455556666" }],
      }),
    ).rejects.toMatchObject({ code: "action_failed", message: "host one: End of file while reading data" });
    expect(write.batches).toEqual([["destroy"]]);
  });

  it("tells the fleet libvirt answered after a command that succeeded, not after a refusal", async () => {
    const refuse = (argvs: readonly VirshCommandArgv[]) =>
      argvs.map(() => ({ ok: false, stdout: "", stderr: "error: failed to connect to the hypervisor\n" }));
    const f = fakeDeps([refuse, ok("qemu:///system\n")]);
    let answered = 0;
    const client = createHostClient(HOST, { ...f.deps, answered: async () => void answered++ });
    await client.virshTry({ command: "uri" });
    expect(answered).toBe(0);
    await client.virshTry({ command: "uri" });
    await client.virshExecTry({ command: "uri" });
    expect(answered).toBe(2);
  });

  it("turns a virsh refusal into the configured AppError naming the host, with virsh's message", async () => {
    const refuse = (argvs: readonly VirshCommandArgv[]) =>
      argvs.map(() => ({
        ok: false,
        stdout: "",
        stderr: "error: failed to get pool 'x'\nerror: Storage pool not found\n",
      }));
    const provisioning = createHostClient(HOST, fakeDeps([refuse]).deps);
    await expect(provisioning.virsh({ command: "pool-dumpxml", args: [{ arg: "x" }] })).rejects.toMatchObject({
      code: "action_failed",
      message: "host one: failed to get pool 'x' Storage pool not found",
    });
    const storage = createHostClient(HOST, fakeDeps([refuse]).deps, { commandErrorCode: "host_error" });
    await expect(storage.virsh({ command: "pool-dumpxml", args: [{ arg: "x" }] })).rejects.toMatchObject({
      code: "host_error",
    });
  });

  it("runs one-shot virsh with stdin, and logs verbs and timing but never stdin or argument values", async () => {
    const f = fakeDeps([]);
    const client = createHostClient(HOST, f.deps);
    await client.virshExec(
      { command: "define", args: [{ arg: "/dev/stdin" }] },
      { stdin: "<domain><graphics passwd='s3cret'/></domain>" },
    );
    await client.exec(["env", "LC_ALL=C.UTF-8", "qemu-img", "info", "-U", "/secret/path.img"]);
    expect(f.runs[0].argv).toEqual([
      "env",
      "LC_ALL=C.UTF-8",
      "virsh",
      "-q",
      "-c",
      "qemu:///system",
      "define",
      "/dev/stdin",
    ]);
    expect(f.runs[0].opts?.stdin).toContain("s3cret");
    const logged = JSON.stringify(f.lines);
    expect(logged).not.toContain("s3cret");
    expect(logged).not.toContain("/secret/path.img");
    expect(f.lines.map((l) => l.verbs)).toEqual([["define"], ["qemu-img"]]);
  });

  it("maps a transport failure through the host's failure handler", async () => {
    const f = fakeDeps([]);
    f.deps.pool = {
      get: async () => Promise.reject(new HostUnreachableError("10.0.0.9", 22, "ECONNREFUSED")),
    } as unknown as HostPool;
    await expect(createHostClient(HOST, f.deps).exec(["true"])).rejects.toMatchObject({ code: "host_unreachable" });
  });
});

describe("host client channels", () => {
  it("tells whether the host's connection is gone under a stream or a forward it handed out", async () => {
    const f = fakeDeps([]);
    const main = {
      closed: false,
      openStream: async () => new PassThrough(),
      forwardOut: async () => new PassThrough(),
    };
    const own = { closed: false };
    const opened: { argv: readonly string[]; pty?: boolean }[] = [];
    const deps: HostClientDeps = {
      ...f.deps,
      pool: { get: async () => main } as unknown as HostPool,
      streams: {
        openStream: async (_id: string, argv: readonly string[], o: { pty?: boolean } = {}) => {
          opened.push({ argv, pty: o.pty });
          return { stream: new PassThrough(), transport: own };
        },
      } as unknown as StreamPool,
    };
    const client = createHostClient(HOST, deps);
    const serial = await client.virshChannel(
      { command: "console", args: [{ domain: "0b5c6f7e-1111-4222-8333-944455556666" }] },
      { pty: true, own: true },
    );
    const events = await client.virshChannel({ command: "event", args: [{ flag: "--all" }, { flag: "--loop" }] });
    const display = await client.forwardOut("127.0.0.1", 5900);
    expect(opened).toHaveLength(1);
    expect(opened[0].pty).toBe(true);
    expect(opened[0].argv).toContain("console");
    expect([serial.hostGone(), events.hostGone(), display.hostGone()]).toEqual([false, false, false]);
    own.closed = true;
    expect([serial.hostGone(), events.hostGone(), display.hostGone()]).toEqual([true, false, false]);
    main.closed = true;
    expect([events.hostGone(), display.hostGone()]).toEqual([true, true]);
  });
});

describe("verb table and readiness", () => {
  it("classes reads, mutations, slow verbs and streams", () => {
    expect(virshAllReads(["dumpxml", "vol-dumpxml", "list"])).toBe(true);
    expect(virshAllReads(["dumpxml", "undefine"])).toBe(false);
    expect(virshAllReads(["not-a-verb"])).toBe(false);
    expect(VIRSH_VERB_KIND.start).toBe("slow");
    expect(VIRSH_VERB_KIND.console).toBe("stream");
  });
  it("refuses a host whose key is unconfirmed or disputed, with what to do", () => {
    expect(() => hostReadyAssert({ name: "a", hostKeySha256: null, status: "unverified" })).toThrow(
      /confirm the host key first/,
    );
    expect(() => hostReadyAssert({ name: "a", hostKeySha256: "SHA256:x", status: "key_mismatch" })).toThrow(
      /host key changed/,
    );
    expect(() => hostReadyAssert({ name: "a", hostKeySha256: "SHA256:x", status: "online" })).not.toThrow();
  });
  it("keeps CommandFailedError for callers that need virsh's stderr", () => {
    expect(new CommandFailedError(["virsh", "x"], 1, "error: boom").stderr).toBe("error: boom");
  });
});

describe("slow verbs on the slow-verb sessions", () => {
  const destroy = { command: "destroy" as const, args: [{ domain: "6f1c8f36-61f4-4a43-9a0d-3f3b8f7d2c11" }] };

  it("run as one line on a slow-verb session, never an exec", async () => {
    const slow = fakeDeps([ok("Domain destroyed\n")]);
    const main = fakeDeps([]);
    const client = createHostClient(HOST, { ...main.deps, slowSessions: slow.deps.sessions });
    expect(await client.virshSlowTry(destroy)).toMatchObject({ ok: true, stdout: "Domain destroyed\n" });
    expect(slow.batches).toEqual([["destroy"]]);
    expect(main.runs).toEqual([]);
  });

  it("run as a one-shot exec when the session could not start (the command was never sent)", async () => {
    const refused = () => {
      throw new AppError("host_unreachable", "host one: Cannot reach 127.0.0.1:22 (no SSH handshake within 8000 ms)");
    };
    const slow = fakeDeps([refused]);
    const main = fakeDeps([]);
    const client = createHostClient(HOST, { ...main.deps, slowSessions: slow.deps.sessions });
    expect(await client.virshSlowTry(destroy)).toMatchObject({ ok: true });
    expect(main.runs.map((r) => r.argv.slice(-2))).toEqual([["destroy", destroy.args[0].domain]]);
  });

  it("are never replayed when the session died under them (they may have run)", async () => {
    const died = () => {
      throw new ConnectionClosedError("SSH connection closed");
    };
    const slow = fakeDeps([died]);
    const main = fakeDeps([]);
    const client = createHostClient(HOST, { ...main.deps, slowSessions: slow.deps.sessions });
    await expect(client.virshSlowTry(destroy)).rejects.toMatchObject({ code: "host_unreachable" });
    expect(main.runs).toEqual([]);
  });
});

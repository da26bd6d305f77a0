import { describe, expect, it } from "vitest";
import { CommandFailedError, CommandTimeoutError, ConnectionClosedError, UnsafeArgumentError } from "./errors";
import { FakeTransport, type FakeReply } from "./__fixtures__/fake-virsh";
import { virshArgvFor, virshCommand, type VirshCommandArgv } from "./virsh-command";
import { VirshSession, assertVirshOk } from "./virsh-session";
import { reconnectNoticesStrip } from "./virsh-stdin";

const URI = "qemu:///system";
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const dumpxml = (n: number) => virshCommand({ command: "dumpxml", args: [{ domain: uuid(n) }] });

/** Fake libvirt: dumpxml of known UUIDs, errors otherwise. */
function libvirt(argv: string[]): FakeReply {
  if (argv[0] === "dumpxml") {
    const n = Number(argv[1].slice(-12));
    if (n < 1000) return { stdout: `<domain>\n  <uuid>${argv[1]}</uuid>\n</domain>\n\n` };
    return { stderr: `error: failed to get domain '${argv[1]}'\n` };
  }
  if (argv[0] === "net-dumpxml") return { stderr: `error: failed to get network '${argv[1]}'\n` };
  return { stdout: "" };
}

function setup(reply: (argv: string[]) => FakeReply = libvirt, timeoutMs?: number) {
  const transport = new FakeTransport(reply, (argv) => ({ code: 1, stdout: "", stderr: `one-shot ${argv.at(-1)}\n` }));
  const session = new VirshSession({ transport: () => transport, uri: URI, commandTimeoutMs: timeoutMs });
  return { transport, session };
}

describe("VirshSession", () => {
  it("starts lazily with a `uri` handshake and answers in order", async () => {
    const { transport, session } = setup();
    expect(transport.sessions).toHaveLength(0);
    const r = await session.run(dumpxml(1));
    expect(r).toEqual({ ok: true, stdout: `<domain>\n  <uuid>${uuid(1)}</uuid>\n</domain>\n\n`, stderr: "" });
    expect(transport.sessions).toHaveLength(1);
    expect(transport.sessions[0].lines[1]).toBe("'uri'");
    expect(session.starts).toBe(1);
  });

  it("pipelines a batch in one write and keeps per-command errors apart", async () => {
    const { transport, session } = setup();
    await session.run(virshCommand({ command: "uri" }));
    const fake = transport.sessions[0];
    const writesBefore = fake.writes;
    const cmds = [dumpxml(1), dumpxml(5000), dumpxml(2), ...Array.from({ length: 200 }, (_, i) => dumpxml(i))];
    const results = await session.batch(cmds);
    expect(fake.writes - writesBefore).toBe(1);
    expect(results).toHaveLength(203);
    expect(results[0].stdout).toContain(uuid(1));
    expect(results[1]).toEqual({ ok: false, stdout: "", stderr: `error: failed to get domain '${uuid(5000)}'\n` });
    expect(results[2].stdout).toContain(uuid(2));
    expect(results.slice(3).map((r) => r.stdout.includes(uuid(results.indexOf(r) - 3)))).toEqual(
      Array.from({ length: 200 }, () => true),
    );
    expect(() => assertVirshOk(cmds[1], results[1])).toThrow(CommandFailedError);
  });

  it("sends hostile values quoted for virsh and gets them back intact", async () => {
    const { transport, session } = setup();
    const name = `it's "q" ;$(id) \`id\` <&> ünï 日本`;
    const [r] = await session.batch([virshCommand({ command: "net-dumpxml", args: [{ arg: name }] })]);
    expect(r.stderr).toBe(`error: failed to get network '${name}'\n`);
    expect(transport.runs).toEqual([]);
  });

  it("runs values readline cannot carry as one-shot execs, in order", async () => {
    const { transport, session } = setup();
    const withNewline = virshCommand({ command: "net-dumpxml", args: [{ arg: "two\nlines" }] });
    const results = await session.batch([dumpxml(1), withNewline, dumpxml(2)]);
    expect(transport.runs).toEqual([virshArgvFor(URI, withNewline)]);
    expect(results[1]).toEqual({ ok: false, stdout: "", stderr: "one-shot two\nlines\n" });
    expect(results[0].stdout).toContain(uuid(1));
    expect(results[2].stdout).toContain(uuid(2));
  });

  it("refuses streaming commands, stdin paths and anything off the allow-list", async () => {
    const { session } = setup();
    await expect(session.run(virshCommand({ command: "console", args: [{ domain: uuid(1) }] }))).rejects.toBeInstanceOf(
      UnsafeArgumentError,
    );
    await expect(
      session.run(virshCommand({ command: "define", args: [{ arg: "/dev/stdin" }] })),
    ).rejects.toBeInstanceOf(UnsafeArgumentError);
    await expect(
      session.run(["qemu-monitor-command", uuid(1), "info"] as unknown as VirshCommandArgv),
    ).rejects.toBeInstanceOf(UnsafeArgumentError);
  });

  it("fails in-flight commands when virsh dies and restarts on the next call", async () => {
    let die = true;
    const { transport, session } = setup((argv) =>
      argv[0] === "dumpxml" && argv[1] === uuid(7) && die ? "die" : libvirt(argv),
    );
    const batch = session.batch([dumpxml(1), dumpxml(7), dumpxml(2)]);
    await expect(batch).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(batch).rejects.toThrow(/Disconnected from qemu:\/\/\/system/);
    die = false;
    const r = await session.run(dumpxml(7));
    expect(r.ok).toBe(true);
    expect(session.starts).toBe(2);
    expect(transport.sessions).toHaveLength(2);
  });

  it("kills a session that stops answering and restarts on the next call", async () => {
    const { session } = setup((argv) => (argv[1] === uuid(9) ? "hang" : libvirt(argv)), 100);
    await session.run(dumpxml(1));
    const started = Date.now();
    const err = await session.run(dumpxml(9)).catch((e) => e);
    expect(err).toBeInstanceOf(CommandTimeoutError);
    expect(err.argv).toEqual(["virsh", "dumpxml", uuid(9)]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await session.run(dumpxml(3))).ok).toBe(true);
    expect(session.starts).toBe(2);
  });

  it("restarts when the connection is known closed before the channel says so", async () => {
    const transports: FakeTransport[] = [];
    const session = new VirshSession({
      uri: URI,
      transport: () => {
        const last = transports.at(-1);
        if (last && !last.closed) return last;
        transports.push(new FakeTransport(libvirt));
        return transports.at(-1)!;
      },
    });
    await session.run(dumpxml(1));
    transports[0].closed = true;
    expect((await session.run(dumpxml(2))).stdout).toContain(uuid(2));
    expect(transports).toHaveLength(2);
    expect(transports[0].sessions[0].closed).toBe(true);
  });

  it("reports a failed handshake (e.g. libvirtd unreachable) and retries next time", async () => {
    let up = false;
    const session = new VirshSession({
      uri: URI,
      transport: () => {
        const t = new FakeTransport(libvirt);
        const open = t.openStream.bind(t);
        t.openStream = async () => {
          const stream = await open();
          if (!up) {
            // virsh without a reachable libvirtd prints the error and exits.
            const fake = t.sessions.at(-1)!;
            fake.stderr.write("error: failed to connect to the hypervisor\n");
            fake.close();
          }
          return stream;
        };
        return t;
      },
    });
    await expect(session.run(dumpxml(1))).rejects.toThrow(/failed to connect to the hypervisor/);
    up = true;
    expect((await session.run(dumpxml(1))).ok).toBe(true);
    expect(session.starts).toBe(2);
  });

  it("counts a command after virsh's reconnect notices as done (libvirtd restarted), and says it reconnected", async () => {
    let restarted = true;
    const { session } = setup((argv) => {
      if (argv[0] !== "list") return { stdout: "" };
      const notices = restarted
        ? "error: Disconnected from qemu:///system due to end of file\nerror: Reconnected to the hypervisor\n"
        : "";
      restarted = false;
      return { stdout: "vm-a\n", stderr: notices };
    });
    expect(session.live).toBe(false);
    const list = virshCommand({ command: "list", args: [{ flag: "--name" }] });
    expect(await session.run(list)).toEqual({ ok: true, stdout: "vm-a\n", stderr: "", reconnected: true });
    expect(await session.run(list)).toEqual({ ok: true, stdout: "vm-a\n", stderr: "" });
    expect(session.live).toBe(true);
    session.close();
    expect(session.live).toBe(false);
  });

  it("keeps a command failed when it has its own error besides the notices", () => {
    const lost = "error: Disconnected from qemu:///system due to end of file\nerror: End of file while reading data\n";
    expect(reconnectNoticesStrip({ ok: false, stdout: "", stderr: lost })).toEqual({
      ok: false,
      stdout: "",
      stderr: "error: End of file while reading data\n",
      reconnected: true,
    });
    const down = "error: Failed to reconnect to the hypervisor\nerror: Failed to connect socket\n";
    expect(reconnectNoticesStrip({ ok: false, stdout: "", stderr: down })).toEqual({
      ok: false,
      stdout: "",
      stderr: down,
    });
  });

  it("refuses commands after close()", async () => {
    const { transport, session } = setup();
    await session.run(dumpxml(1));
    session.close();
    await expect(session.run(dumpxml(1))).rejects.toBeInstanceOf(ConnectionClosedError);
    await new Promise((r) => setImmediate(r));
    expect(transport.sessions[0].closed).toBe(true);
  });

  it("validates the URI", () => {
    expect(
      () => new VirshSession({ uri: "qemu:///system'; rm -rf /", transport: () => new FakeTransport(libvirt) }),
    ).toThrow(UnsafeArgumentError);
  });
});

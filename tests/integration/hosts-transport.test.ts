// lib/hosts end to end: the ssh2 transport, the pool and the virsh session against the real
// sshd + libvirt of the test stack (scripts/stack/up.sh, then `source .stack/env`).
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthFailedError,
  CommandFailedError,
  CommandTimeoutError,
  ConnectionClosedError,
  HostKeyMismatchError,
  HostUnreachableError,
  UnsafeArgumentError,
} from "@/lib/hosts/errors";
import { createHostPool } from "@/lib/hosts/pool";
import { connectSsh, type SshConnectOptions } from "@/lib/hosts/ssh-transport";
import { runChecked, type HostTransport } from "@/lib/hosts/transport";
import { virshArgv, virshArgvFor, virshCommand } from "@/lib/hosts/virsh-command";
import { VirshSession } from "@/lib/hosts/virsh-session";
import { virshStdinLine } from "@/lib/hosts/virsh-stdin";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { parseDomstats } from "@/lib/libvirt/domstats-parse";
import { testGuestXml } from "../shared/guest-xml";
import { stackEnv, type TestHost } from "./helpers/stack-env";

const stack = stackEnv();
const host1 = stack.host1;

function optionsFor(host: TestHost, extra: Partial<SshConnectOptions> = {}): SshConnectOptions {
  return {
    host: host.host,
    port: host.port,
    username: host.username,
    privateKey: readFileSync(host.privateKeyPath),
    expectedHostKeySha256: host.hostKeySha256,
    readyTimeoutMs: 15_000,
    ...extra,
  };
}

/** Values that break any naive quoting, one per class, plus all of them together. */
const HOSTILE = [
  "it's",
  `"double" and 'single'`,
  "two  spaces\tand tab",
  "a;b && c || d",
  "$(id -u)",
  "`id -u`",
  "${HOME}",
  "<&>|*?[a]~",
  "line1\nline2\r\n",
  "ünïcødé 日本語 😀",
  "",
  "-n",
  "--help",
  "back\\slash\\",
  "'",
  "'\\''",
  `-vdtest 'sq' "dq" ;$(id) \`id\` <&> ünï 日本\nnext`,
];

const open: HostTransport[] = [];
afterAll(() => {
  for (const t of open) t.close();
});
async function connect(host: TestHost = host1, extra: Partial<SshConnectOptions> = {}) {
  const t = await connectSsh(optionsFor(host, extra));
  open.push(t);
  return t;
}

describe("ssh transport", () => {
  let t: HostTransport;
  beforeAll(async () => {
    t = await connect();
  });

  it("round-trips hostile argv byte for byte through the remote shell", async () => {
    const r = await t.run(["printf", "%s\\0", ...HOSTILE]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(HOSTILE);
  });

  it("round-trips each hostile value as a single argument", async () => {
    for (const v of HOSTILE) {
      const r = await t.run(["printf", "%s", v]);
      expect(r.stdout).toBe(v);
    }
  });

  it("feeds stdin and reports exit codes and stderr", async () => {
    const input = Buffer.from(HOSTILE.join("\0"));
    const cat = await t.run(["cat"], { stdin: input });
    expect(Buffer.from(cat.stdout)).toEqual(input);

    const fail = await t.run(["sh", "-c", "echo out; echo 'bad thing' >&2; exit 3"]);
    expect(fail).toEqual({ code: 3, stdout: "out\n", stderr: "bad thing\n" });
    const err = await runChecked(t, ["sh", "-c", "echo 'bad thing' >&2; exit 3"]).catch((e) => e);
    expect(err).toBeInstanceOf(CommandFailedError);
    expect(err).toMatchObject({
      code: "command_failed",
      exitCode: 3,
      argv: ["sh", "-c", "echo 'bad thing' >&2; exit 3"],
    });
    expect(err.stderr).toBe("bad thing\n");
  });

  it("refuses NUL bytes before anything is sent", async () => {
    await expect(t.run(["printf", "a\0b"])).rejects.toBeInstanceOf(UnsafeArgumentError);
  });

  it("kills a command that exceeds its timeout and stays usable", async () => {
    const started = Date.now();
    const err = await t.run(["sleep", "30"], { timeoutMs: 400 }).catch((e) => e);
    expect(err).toBeInstanceOf(CommandTimeoutError);
    expect(err.argv).toEqual(["sleep", "30"]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await t.run(["echo", "still here"])).stdout).toBe("still here\n");
  });

  it("runs many commands concurrently on one connection (more than sshd's MaxSessions)", async () => {
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => t.run(["echo", String(i)])));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
  });

  it("runs virsh built by virshArgv", async () => {
    const r = await runChecked(t, virshArgv({ uri: host1.libvirtUri, command: "uri" }));
    expect(r.stdout.trim()).toBe(host1.libvirtUri);
  });
});

describe("host key pinning and connection errors", () => {
  it("accepts the pinned key", async () => {
    const t = await connect();
    expect((await t.run(["id", "-un"])).stdout.trim()).toBe(host1.username);
  });

  it("refuses a wrong pinned key with HostKeyMismatchError carrying the presented fingerprint", async () => {
    const wrong = "SHA256:" + "A".repeat(43);
    const err = await connectSsh(optionsFor(host1, { expectedHostKeySha256: wrong })).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect(err.code).toBe("host_key_mismatch");
    expect(err.presentedFingerprint).toBe(host1.hostKeySha256);
    expect(err.expectedFingerprint).toBe(wrong);
  });

  it("discovers the key on first connect only through an explicit onHostKey", async () => {
    let seen: string | undefined;
    const t = await connectSsh(optionsFor(host1, { expectedHostKeySha256: undefined, onHostKey: (fp) => (seen = fp) }));
    open.push(t);
    expect(seen).toBe(host1.hostKeySha256);
    await expect(connectSsh(optionsFor(host1, { expectedHostKeySha256: undefined }))).rejects.toBeInstanceOf(
      UnsafeArgumentError,
    );
  });

  it("reports a key the server does not accept as AuthFailedError", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const err = await connectSsh(optionsFor(host1, { privateKey })).catch((e) => e);
    expect(err).toBeInstanceOf(AuthFailedError);
  });

  it("reports a closed port as HostUnreachableError (ECONNREFUSED)", async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const err = await connectSsh(optionsFor(host1, { host: "127.0.0.1", port })).catch((e) => e);
    expect(err).toBeInstanceOf(HostUnreachableError);
    expect(err.reason).toBe("ECONNREFUSED");
  });

  it("refuses host and user values that start with '-'", async () => {
    await expect(connectSsh(optionsFor(host1, { host: "-oProxyCommand=x" }))).rejects.toBeInstanceOf(
      UnsafeArgumentError,
    );
    await expect(connectSsh(optionsFor(host1, { username: "-l" }))).rejects.toBeInstanceOf(UnsafeArgumentError);
    await expect(connectSsh(optionsFor(host1, { port: 70000 }))).rejects.toBeInstanceOf(UnsafeArgumentError);
  });
});

describe("pool", () => {
  it("shares one connection per host, keeps hosts apart and reconnects after a drop", async () => {
    let connects = 0;
    const hosts: Record<string, TestHost> = { a: stack.host1, b: stack.host2 };
    const pool = createHostPool(async (id) => {
      connects++;
      return connectSsh(optionsFor(hosts[id]));
    });
    try {
      const [a1, a2, b] = await Promise.all([pool.get("a"), pool.get("a"), pool.get("b")]);
      expect(a1).toBe(a2);
      expect(connects).toBe(2);
      const [ua, ub] = await Promise.all([
        runChecked(a1, virshArgv({ uri: stack.host1.libvirtUri, command: "uri" })),
        runChecked(b, virshArgv({ uri: stack.host2.libvirtUri, command: "uri" })),
      ]);
      expect(ua.stdout.trim()).toBe(stack.host1.libvirtUri);
      expect(ub.stdout.trim()).toBe(stack.host2.libvirtUri);

      a1.close(); // as if the connection dropped
      await expect(a1.run(["true"])).rejects.toBeInstanceOf(ConnectionClosedError);
      const a3 = await pool.get("a");
      expect(a3).not.toBe(a1);
      expect(connects).toBe(3);
      expect((await a3.run(["echo", "back"])).stdout).toBe("back\n");
    } finally {
      pool.closeAll();
    }
  });
});

/** Minimal VNC-only guest built with a DOM; names start with vdtest- so the stack cleans up leftovers. */
function domainXml(name: string, uuid: string): string {
  return testGuestXml({
    name,
    uuid,
    title: name,
    domainType: stack.domainType,
    memoryMiB: 64,
    displays: [{ type: "vnc", listenElement: false }],
  });
}

describe("libvirt over the transport", () => {
  // VD_TEST_HOSTS_BATCH_N=200 reproduces the cost model of STACK-NOTES.md.
  const N = Number(process.env.VD_TEST_HOSTS_BATCH_N ?? 40);
  const prefix = `vdtest-hosts-${process.pid}`;
  const domains = Array.from({ length: N }, (_, i) => ({ name: `${prefix}-${i}`, uuid: randomUUID() }));
  // Every quoting hazard in one domain name (libvirt forbids only '/' and newlines in names).
  const hostile = { name: `-vdtest 'sq' "dq" ;$(id) \`id\` <&> ünï 日本 ${process.pid}`, uuid: randomUUID() };
  const uri = host1.libvirtUri;
  let t: HostTransport;
  let session: VirshSession;

  beforeAll(async () => {
    t = await connect();
    const all = [...domains, hostile];
    // define reads the XML from stdin: no temp files, no XML in the command line.
    for (let i = 0; i < all.length; i += 6) {
      await Promise.all(
        all.slice(i, i + 6).map((d) =>
          runChecked(t, virshArgv({ uri, command: "define", args: [{ arg: "/dev/stdin" }] }), {
            stdin: domainXml(d.name, d.uuid),
          }),
        ),
      );
    }
    session = new VirshSession({ transport: () => t, uri });
  });

  afterAll(async () => {
    if (session) {
      await session.batch(
        [...domains, hostile].flatMap((d) => [
          virshCommand({ command: "destroy", args: [{ domain: d.uuid }] }),
          virshCommand({ command: "undefine", args: [{ domain: d.uuid }] }),
        ]),
      );
      session.close();
    }
  });

  it(
    `session batch of ${N} dumpxml equals ${N} one-shot execs, and is much faster`,
    async () => {
      const oneShot: string[] = [];
      const t0 = performance.now();
      for (const d of domains) {
        const r = await runChecked(t, virshArgv({ uri, command: "dumpxml", args: [{ domain: d.uuid }] }));
        oneShot.push(r.stdout);
      }
      const oneShotMs = performance.now() - t0;

      await session.run(virshCommand({ command: "uri" })); // start outside the measurement
      const t1 = performance.now();
      const batch = await session.batch(
        domains.map((d) => virshCommand({ command: "dumpxml", args: [{ domain: d.uuid }] })),
      );
      const batchMs = performance.now() - t1;

      expect(batch.map((r) => r.ok)).toEqual(domains.map(() => true));
      expect(batch.map((r) => r.stdout)).toEqual(oneShot);
      expect(batch.map((r) => parseDomainXml(r.stdout).uuid)).toEqual(domains.map((d) => d.uuid));
      console.log(
        `[hosts-transport] ${N} dumpxml: one-shot execs ${oneShotMs.toFixed(0)} ms (${(oneShotMs / N).toFixed(1)} ms each), ` +
          `session batch ${batchMs.toFixed(1)} ms`,
      );
      expect(batchMs).toBeLessThan(oneShotMs / 4);
    },
    30_000 + N * 1_000,
  );

  it("carries the hostile domain name through dumpxml and domstats, in the session and one-shot", async () => {
    const dump = virshCommand({ command: "dumpxml", args: [{ domain: hostile.uuid }] });
    const stats = virshCommand({ command: "domstats", args: [{ flag: "--raw" }, { domain: hostile.uuid }] });
    const [s1, s2] = await session.batch([dump, stats]);
    expect(parseDomainXml(s1.stdout).name).toBe(hostile.name);
    expect(parseDomainXml(s1.stdout).title).toBe(hostile.name);
    const parsed = parseDomstats(s2.stdout);
    expect(parsed.map((d) => d.name)).toEqual([hostile.name]);
    expect(parsed[0].state).toBe("shutoff");
    // cpu.* of a shut-off domain moves between calls (libvirt reports something for it), so
    // compare what identifies the domain, not the whole text.
    const one = parseDomstats((await runChecked(t, virshArgvFor(uri, stats))).stdout);
    expect(one.map((d) => [d.name, d.state, d.vcpuMaximum])).toEqual(
      parsed.map((d) => [d.name, d.state, d.vcpuMaximum]),
    );
  });

  it("quotes hostile values for virsh's own parser exactly like a one-shot exec", async () => {
    // net-dumpxml echoes the requested name back in its error message: a round trip through
    // readline and vshCommandStringGetArg. Values starting with '-' are refused by the builder.
    const values = HOSTILE.filter((v) => v !== "" && !v.startsWith("-")).concat(hostile.name.slice(1));
    const cmds = values.map((v) => virshCommand({ command: "net-dumpxml", args: [{ arg: v }] }));
    // All but the newline and tab values go through the session itself, the rest fall back to exec.
    expect(cmds.filter((c) => virshStdinLine(c) === null).map((c) => c[1])).toEqual(
      values.filter((v) => /[\n\r\t]/.test(v)),
    );
    const viaSession = await session.batch(cmds);
    const viaExec = await Promise.all(cmds.map((c) => t.run(virshArgvFor(uri, c))));
    for (let i = 0; i < values.length; i++) {
      expect(viaSession[i].ok).toBe(false);
      expect(viaExec[i].code).not.toBe(0);
      expect(viaSession[i].stderr).toBe(viaExec[i].stderr);
      expect(viaSession[i].stdout).toBe(viaExec[i].stdout);
    }
    // The session really ran the readline-safe ones itself: their errors quote the exact value.
    expect(viaSession[0].stderr).toContain("'it's'");
  });

  it("reports virsh errors per command without disturbing the others", async () => {
    const [bad, good] = await session.batch([
      virshCommand({ command: "dumpxml", args: [{ domain: "00000000-0000-4000-8000-000000000000" }] }),
      virshCommand({ command: "domstate", args: [{ domain: domains[0].uuid }] }),
    ]);
    expect(bad.ok).toBe(false);
    expect(bad.stderr).toMatch(/^error: failed to get domain/m);
    expect(good).toEqual({ ok: true, stdout: "shut off\n", stderr: "" });
  });

  it("restarts after its virsh process died with the connection", async () => {
    const pool = createHostPool(async () => connectSsh(optionsFor(host1)));
    const s = new VirshSession({ transport: () => pool.get("h1"), uri });
    try {
      const uriCmd = virshCommand({ command: "uri" });
      expect((await s.run(uriCmd)).stdout.trim()).toBe(uri);
      const starts = s.starts;
      (await pool.get("h1")).close(); // the connection drops under the session
      const second = await s.run(uriCmd);
      expect(second.stdout.trim()).toBe(uri);
      expect(s.starts).toBe(starts + 1);
    } finally {
      s.close();
      pool.closeAll();
    }
  });

  it("forwardOut reaches a guest's VNC server on the host's loopback", async () => {
    const d = domains[1];
    await runChecked(t, virshArgv({ uri, command: "start", args: [{ domain: d.uuid }] }));
    const display = await runChecked(t, virshArgv({ uri, command: "vncdisplay", args: [{ domain: d.uuid }] }));
    const m = /^(127\.0\.0\.1)?:(\d+)$/m.exec(display.stdout.trim());
    expect(m).not.toBeNull();
    const port = 5900 + Number(m![2]);
    const sock = await t.forwardOut("127.0.0.1", port);
    const received: Buffer[] = [];
    const greeting = await new Promise<string>((resolve, reject) => {
      sock.on("data", (b: Buffer) => {
        received.push(b);
        const all = Buffer.concat(received).toString("latin1");
        if (all.length >= 12) resolve(all.slice(0, 12));
      });
      sock.on("error", reject);
    });
    expect(greeting).toMatch(/^RFB 003\.00\d\n$/);
    // Bytes flow the other way too: after our version the server lists its security types.
    received.length = 0;
    const security = new Promise<Buffer>((resolve) => sock.once("data", resolve));
    sock.write("RFB 003.008\n");
    const types = await security;
    expect(types[0]).toBeGreaterThan(0);
    sock.end();
  });
});

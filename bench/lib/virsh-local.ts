import { spawn } from "node:child_process";
import { shellQuote } from "@/lib/hosts/quote";
import { virshStdinLine } from "@/lib/hosts/virsh-stdin";
import type { BenchHost } from "./stack";
import { now } from "./stats";

export interface FedVirshResult {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: number;
}

/** One virsh input line for argv, quoted like virtdeck's own session does it. */
export function virshLine(...argv: string[]): string {
  const line = virshStdinLine(argv);
  if (line === null) throw new Error(`cannot send ${JSON.stringify(argv)} through a virsh session`);
  return line;
}

/** Same environment as virtdeck's virsh session (lib/hosts/virsh-session.ts). */
const VIRSH_ENV = ["LC_ALL=C.UTF-8", "TERM=dumb", "VIRSH_HISTSIZE=0"];

/**
 * ONE local `virsh -q -c URI` process fed `lines` on stdin (then EOF), run as the host's own
 * user; timed from spawn to exit.
 */
export function virshLocal(
  host: BenchHost,
  lines: readonly string[],
  opts: { keepOutput?: boolean } = {},
): Promise<FedVirshResult> {
  // XDG_RUNTIME_DIR would point host2's virsh at another user's session socket.
  return fed([...host.runAs, "env", "-u", "XDG_RUNTIME_DIR", ...VIRSH_ENV, "virsh", "-q", "-c", host.uri], lines, opts);
}

/**
 * The same batch through the OpenSSH client: a fresh connection, the host user's shell, then
 * virsh. What any SSH-based tool pays at least for a first read of a host.
 */
export function virshOverSsh(
  host: BenchHost,
  knownHosts: string,
  lines: readonly string[],
  opts: { keepOutput?: boolean } = {},
): Promise<FedVirshResult> {
  const remote = shellQuote(["env", ...VIRSH_ENV, "virsh", "-q", "-c", host.uri]);
  return fed(
    [
      "ssh",
      "-F",
      "/dev/null",
      "-o",
      "BatchMode=yes",
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      `UserKnownHostsFile=${knownHosts}`,
      "-i",
      host.privateKeyPath,
      "-p",
      String(host.port),
      "-l",
      host.username,
      host.address,
      remote,
    ],
    lines,
    opts,
  );
}

function fed(
  argv: readonly string[],
  lines: readonly string[],
  opts: { keepOutput?: boolean },
): Promise<FedVirshResult> {
  const input = lines.length ? `${lines.join("\n")}\n` : "";
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    child.stdout.on("data", (b: Buffer) => {
      bytes += b.length;
      if (opts.keepOutput !== false) out.push(b);
    });
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({
        ms: now() - t0,
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        stdoutBytes: bytes,
      });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

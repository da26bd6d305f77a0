import "server-only";
import { randomBytes } from "node:crypto";
import { LibvirtUriSchema } from "@/lib/contracts/libvirt";
import { CommandFailedError, CommandTimeoutError, ConnectionClosedError, UnsafeArgumentError } from "./errors";
import type { CommandStream, HostTransport } from "./transport";
import {
  isStreamingVirshCommand,
  isVirshCommand,
  virshArgvFor,
  virshCommand,
  VIRSH_ENV,
  type VirshCommandArgv,
} from "./virsh-command";
import { reconnectNoticesStrip, VirshFramer, virshStdinLine, type FramedResult } from "./virsh-stdin";

export interface VirshResult {
  /** False when virsh reported an error (session: an "error:" line; one-shot: exit status). */
  ok: boolean;
  stdout: string;
  stderr: string;
  /** virsh re-opened its libvirt connection before this command (session only; see reconnectNoticesStrip). */
  reconnected?: boolean;
}

export interface VirshSessionOptions {
  /** Where to open the session; called again on restart, so a pool can hand out a fresh connection. */
  transport: () => HostTransport | Promise<HostTransport>;
  /** libvirt URI as seen from the host, e.g. qemu:///system. */
  uri: string;
  /** A session that makes no progress for this long is killed; its pending commands fail. */
  commandTimeoutMs?: number;
}

// Paths through which a command would read the session's own stdin (our command stream).
const STDIN_PATH = /^\/(?:dev\/(?:stdin|tty|fd\/0)|proc\/[^/]+\/fd\/0)$/;

interface Pending {
  argv: VirshCommandArgv;
  resolve: (r: VirshResult) => void;
  reject: (e: Error) => void;
}

interface Proc {
  transport: HostTransport;
  stream: CommandStream;
  framer: VirshFramer;
  pending: Map<number, Pending>;
  nextSeq: number;
  dead: boolean;
  timer?: NodeJS.Timeout;
  stderrTail: string;
}

/**
 * A long-lived `virsh -q -c URI` on one exec channel, fed commands on stdin. Answers many commands
 * without paying an SSH exec (and a remote login shell) per command; `batch` pipelines them all in
 * one write. See virsh-stdin.ts for the quoting and framing rules.
 *
 * The process starts lazily and restarts on the next call after it died (virsh crash, dropped
 * connection, timeout). Commands in flight when it dies are rejected, never replayed: they may
 * have had effects. Values readline cannot carry (control characters) run as one-shot execs.
 */
export class VirshSession {
  readonly uri: string;
  #opts: VirshSessionOptions;
  #timeoutMs: number;
  #proc: Promise<Proc> | null = null;
  #closed = false;
  #starts = 0;
  #started: Proc | null = null;
  #inflight = 0;

  constructor(opts: VirshSessionOptions) {
    const uri = LibvirtUriSchema.safeParse(opts.uri);
    if (!uri.success) throw new UnsafeArgumentError(`Invalid libvirt URI: ${uri.error.issues[0].message}`);
    this.uri = uri.data;
    this.#opts = opts;
    this.#timeoutMs = opts.commandTimeoutMs ?? 60_000;
  }

  /** How many times this session has started virsh (the first start plus restarts). */
  get starts(): number {
    return this.#starts;
  }

  /**
   * True while a started virsh runs on a live connection: a command then costs one line on its
   * stdin, no SSH exec (virsh re-opens a lost libvirt connection itself on the next command).
   */
  get live(): boolean {
    const p = this.#started;
    return !!p && !p.dead && !p.transport.closed && !this.#closed;
  }

  /** Batches called and not settled yet (a pool hands the next batch to an idle session). */
  get inflight(): number {
    return this.#inflight;
  }

  async run(command: VirshCommandArgv): Promise<VirshResult> {
    const [result] = await this.batch([command]);
    return result;
  }

  /** Runs commands in order, pipelined; one result per command (ok=false for virsh errors). */
  async batch(commands: readonly VirshCommandArgv[]): Promise<VirshResult[]> {
    if (this.#closed) throw new ConnectionClosedError("virsh session closed");
    this.#inflight++;
    try {
      return await this.#batch(commands);
    } finally {
      this.#inflight--;
    }
  }

  async #batch(commands: readonly VirshCommandArgv[]): Promise<VirshResult[]> {
    const lines = commands.map((argv) => {
      assertSessionSafe(argv);
      return virshStdinLine(argv);
    });
    const viaSession = lines.filter((l): l is string => l !== null);
    let sessionResults: Promise<VirshResult>[] = [];
    if (viaSession.length) {
      const proc = await this.#ensure();
      sessionResults = this.#enqueue(
        proc,
        commands.filter((_, i) => lines[i] !== null),
        viaSession,
      );
    }
    let k = 0;
    return Promise.all(commands.map((argv, i) => (lines[i] !== null ? sessionResults[k++] : this.#oneShot(argv))));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Ends the virsh process (EOF on its stdin) and refuses further commands. */
  close(): void {
    this.#closed = true;
    const p = this.#proc;
    this.#proc = null;
    p?.then(
      (proc) => {
        this.#fail(proc, new ConnectionClosedError("virsh session closed"));
        proc.stream.end();
      },
      () => {},
    );
  }

  async #oneShot(argv: VirshCommandArgv): Promise<VirshResult> {
    const transport = await this.#opts.transport();
    const r = await transport.run(virshArgvFor(this.uri, argv), { timeoutMs: this.#timeoutMs });
    return { ok: r.code === 0, stdout: r.stdout, stderr: r.stderr };
  }

  #ensure(): Promise<Proc> {
    const current = this.#proc;
    if (current) {
      // A dead process is replaced (also when its connection is known to be gone but the channel
      // has not reported it yet); a failed start is retried on the next call.
      return current.then(
        (proc) => {
          if (!proc.dead && !proc.transport.closed) return proc;
          if (!proc.dead) this.#kill(proc, new ConnectionClosedError("SSH connection closed"));
          return this.#restart(current);
        },
        () => this.#restart(current),
      );
    }
    return this.#restart(null);
  }

  #restart(previous: Promise<Proc> | null): Promise<Proc> {
    if (this.#proc !== previous && this.#proc !== null) return this.#ensure();
    const started = this.#start();
    this.#proc = started;
    return started;
  }

  async #start(): Promise<Proc> {
    this.#starts++;
    const transport = await this.#opts.transport();
    const stream = await transport.openStream([
      ...VIRSH_ENV,
      // dumb terminal: readline redraws long echoed lines in place instead of wrapping.
      "TERM=dumb",
      // Keep the commands we send out of root's ~/.cache/virsh/history.
      "VIRSH_HISTSIZE=0",
      "virsh",
      "-q",
      "-c",
      this.uri,
    ]);
    const proc: Proc = {
      transport,
      stream,
      framer: new VirshFramer(randomBytes(12).toString("hex")),
      pending: new Map(),
      nextSeq: 0,
      dead: false,
      stderrTail: "",
    };
    const onResults = (push: () => FramedResult[]) => {
      let results: FramedResult[];
      try {
        results = push();
      } catch (err) {
        return this.#kill(proc, err as Error);
      }
      for (const r of results) {
        const p = proc.pending.get(r.seq);
        proc.pending.delete(r.seq);
        p?.resolve(reconnectNoticesStrip({ ok: r.ok, stdout: r.stdout, stderr: r.stderr }));
      }
      if (results.length) this.#arm(proc, true);
    };
    stream.on("data", (b: Buffer) => onResults(() => proc.framer.pushStdout(b)));
    stream.stderr.on("data", (b: Buffer) => {
      proc.stderrTail = (proc.stderrTail + b.toString("utf8")).slice(-2000);
      onResults(() => proc.framer.pushStderr(b));
    });
    stream.on("error", (err: Error) =>
      this.#fail(proc, new ConnectionClosedError(`virsh session channel failed: ${err.message}`, { cause: err })),
    );
    stream.on("close", () => {
      const tail = proc.stderrTail.trim().split("\n").slice(-2).join(" | ");
      this.#fail(proc, new ConnectionClosedError(`virsh session ended${tail ? `: ${tail}` : ""}`));
    });

    // Handshake: proves virsh connected to libvirt and that framing works on this host.
    const hello = virshCommand({ command: "uri" });
    const [result] = this.#enqueue(proc, [hello], [virshStdinLine(hello)!]);
    const r = await result;
    if (!r.ok) {
      const err = new CommandFailedError(virshArgvFor(this.uri, hello), null, r.stderr);
      this.#kill(proc, err);
      throw err;
    }
    this.#started = proc;
    return proc;
  }

  #enqueue(proc: Proc, argvs: readonly VirshCommandArgv[], lines: readonly string[]): Promise<VirshResult>[] {
    if (proc.dead) return argvs.map(() => Promise.reject(new ConnectionClosedError("virsh session ended")));
    let input = "";
    const promises = argvs.map((argv, i) => {
      const seq = proc.nextSeq++;
      input += proc.framer.frame(seq, lines[i]);
      return new Promise<VirshResult>((resolve, reject) => proc.pending.set(seq, { argv, resolve, reject }));
    });
    this.#arm(proc, false);
    proc.stream.write(input);
    return promises;
  }

  /** Progress watchdog: fires when the oldest pending command has waited timeoutMs since the last result. */
  #arm(proc: Proc, progressed: boolean): void {
    if (proc.timer && !progressed) return;
    clearTimeout(proc.timer);
    proc.timer = undefined;
    if (proc.pending.size === 0 || proc.dead) return;
    proc.timer = setTimeout(() => {
      const head = proc.pending.get(proc.framer.nextSeq);
      this.#kill(proc, new CommandTimeoutError(["virsh", ...(head?.argv ?? [])], this.#timeoutMs));
    }, this.#timeoutMs);
    proc.timer.unref?.();
  }

  #kill(proc: Proc, err: Error): void {
    this.#fail(proc, err);
    const ch = proc.stream as CommandStream & { signal?: (s: string) => void; close?: () => void };
    try {
      ch.signal?.("KILL");
    } catch {}
    if (ch.close) ch.close();
    else ch.destroy();
  }

  #fail(proc: Proc, err: Error): void {
    proc.dead = true;
    clearTimeout(proc.timer);
    const pending = [...proc.pending.values()];
    proc.pending.clear();
    for (const p of pending) p.reject(err);
  }
}

function assertSessionSafe(argv: VirshCommandArgv): void {
  const name = argv[0];
  if (typeof name !== "string" || !isVirshCommand(name)) {
    throw new UnsafeArgumentError(`virsh command not allowed: ${String(name)}`);
  }
  if (isStreamingVirshCommand(name)) {
    throw new UnsafeArgumentError(`virsh ${name} needs its own channel (transport.openStream), not a session`);
  }
  if (argv.some((a) => STDIN_PATH.test(a))) {
    throw new UnsafeArgumentError("A command in a virsh session cannot read stdin; use transport.run with stdin");
  }
}

/** Throws CommandFailedError (with virsh's stderr) unless the result is ok. */
export function assertVirshOk(argv: VirshCommandArgv, result: VirshResult): VirshResult {
  if (!result.ok) throw new CommandFailedError(["virsh", ...argv], null, result.stderr);
  return result;
}

import "server-only";
import { AppError } from "@/lib/http/errors";
import { childLogger, type Logger } from "@/lib/log";
import { virshMessage } from "./client-errors";
import { virshEarly, type EarlyVirsh } from "./client-early";
import { CommandFailedError, CommandTimeoutError, ConnectionClosedError } from "./errors";
import type { HostPool } from "./pool";
import type { StreamPool } from "./stream-pool";
import type { Duplex } from "node:stream";
import type { CommandStream, HostTransport, RunResult } from "./transport";
import { virshArgvFor, virshCommand, type VirshCommandArgv, type VirshCommandInput } from "./virsh-command";
import type { VirshResult } from "./virsh-session";
import type { VirshSessions } from "./virsh-session-pool";
import { virshAllReads } from "./virsh-verbs";

export type { EarlyVirsh } from "./client-early";

/** How long a slow verb may take (a managedsave of a large guest writes all its RAM). */
export const SLOW_TIMEOUT_MS = 15 * 60_000;
export { hostIsReady, hostReadyAssert, type HostReadiness } from "./client-errors";
export type { VirshResult } from "./virsh-session";

/** What the client needs to know of a host row (lib/fleet passes its HostView). */
export interface HostTarget {
  id: string;
  name: string;
  libvirtUri: string;
}

/** The per-process connection caches the client runs on (lib/fleet/runtime.ts owns them). */
export interface HostClientDeps {
  pool: HostPool;
  /** Extra connections for long-held channels (consoles, early execs), apart from `pool`. */
  streams: StreamPool;
  sessions: VirshSessions;
  /**
   * Sessions for slow verbs (start, destroy, managedsave), on a connection of their own: a slow verb
   * there costs one line on a running virsh, not an exec (a login shell on the host) and a new
   * libvirt connection each time. Without it, slow verbs run as one-shot execs.
   */
  slowSessions?: VirshSessions;
  /** Maps a transport failure to the error to throw (and marks the host offline when it dropped). */
  transportFailure: (err: unknown) => Promise<unknown>;
  /** libvirt answered a command (lib/fleet marks an offline host online again). Must not throw. */
  answered?: () => Promise<void>;
  /** Tests pass a logger; else childLogger("hosts"). */
  log?: Logger;
}

export interface HostClientOptions {
  /** AppError code for a command virsh refused: provisioning answers 409 action_failed, reads 502 host_error. */
  commandErrorCode?: "action_failed" | "host_error";
}

export interface ExecOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
  onStdout?: (chunk: Buffer) => void;
}

/**
 * A long-held channel (console bytes, event stream) and a way to tell, once it ended, whether the
 * host's SSH connection went away under it (vs. the far end closing it).
 */
export interface HostChannel<S extends Duplex = Duplex> {
  stream: S;
  hostGone: () => boolean;
}

/**
 * The one way virtdeck talks to a host (lib/virt builds on it; features never reach the pool or
 * sessions themselves). Four ways to run something:
 * - session (`virsh`, `virshTry`): pipelined on the host's long-lived virsh session; reads retried
 *   once after a reconnect, mutations never replayed (see virsh-verbs.ts);
 * - slow (`virshSlowTry`): lifecycle verbs that take seconds (start, destroy, managedsave), one line on
 *   an idle slow-verb session on a connection of their own; never replayed;
 * - one-shot (`virshExec*`, `exec`): its own exec, for stdin-fed verbs and non-virsh tools;
 * - stream (`stream`, `virshStream`): a channel handed to the caller (console bytes, screenshots).
 * Failures become AppErrors naming the host; a debug log line per command gives verb, mode and time
 * (never stdin, never argument values of stdin-fed commands).
 */
export interface HostClient<H extends HostTarget = HostTarget> {
  readonly host: H;
  /** Session batch; throws on the first virsh error. Returns each command's stdout. */
  virsh(...cmds: VirshCommandInput[]): Promise<string[]>;
  /** Session batch; ok/stdout/stderr per command instead of throwing on virsh errors. */
  virshTry(...cmds: VirshCommandInput[]): Promise<VirshResult[]>;
  /** One-shot virsh (stdin-fed or slow verbs); ok=false on a non-zero exit. */
  virshExecTry(cmd: VirshCommandInput, opts?: ExecOptions): Promise<VirshResult>;
  /** A slow verb on an idle slow-verb session (never replayed), else one-shot; ok=false when virsh refused. */
  virshSlowTry(cmd: VirshCommandInput): Promise<VirshResult>;
  /** One-shot virsh; throws on a non-zero exit; returns stdout. */
  virshExec(cmd: VirshCommandInput, opts?: ExecOptions): Promise<string>;
  /** One-shot virsh started now, stdin written later (see client-early.ts). */
  virshExecEarly(cmd: VirshCommandInput): EarlyVirsh;
  /** A host program as argv (qemu-img, osinfo-query, cp...); resolves whatever the exit code. */
  exec(argv: readonly string[], timeoutMs?: number, opts?: ExecOptions): Promise<RunResult>;
  /** A virsh command on its own channel of the main connection (`own`: on a stream connection). */
  virshStream(cmd: VirshCommandInput, opts?: { pty?: boolean; own?: boolean }): Promise<CommandStream>;
  /** As virshStream, with the connection it runs on: `hostGone` turns true once that connection dropped. */
  virshChannel(cmd: VirshCommandInput, opts?: { pty?: boolean; own?: boolean }): Promise<HostChannel<CommandStream>>;
  /**
   * A host program as argv on its own channel of a stream connection (bulk data: backup images
   * piped between hosts). The channel emits "exit" (code) before "close".
   */
  execStream(argv: readonly string[]): Promise<HostChannel<CommandStream>>;
  /** A TCP connection from the host to `address:port` on its side (a guest's display on its loopback). */
  forwardOut(address: string, port: number): Promise<HostChannel>;
}

/** Turns any failure into the AppError the caller answers with. */
function failMapper(host: HostTarget, deps: HostClientDeps, code: "action_failed" | "host_error") {
  return async (err: unknown): Promise<never> => {
    if (err instanceof CommandFailedError) throw new AppError(code, `${host.name}: ${virshMessage(err.stderr)}`);
    if (err instanceof AppError) throw err;
    throw await deps.transportFailure(err);
  };
}

interface Ctx {
  host: HostTarget;
  deps: HostClientDeps;
  log: Logger;
  fail: (err: unknown) => Promise<never>;
}

/** Tells the fleet libvirt answered (a host marked offline comes back without a new connection). */
function answered(c: Ctx): void {
  c.deps.answered?.().catch((err) => c.log.warn({ host: c.host.id, err }, "could not record the host online"));
}

function debug(c: Ctx, mode: string, verbs: string[], started: number, ok: boolean): void {
  c.log.debug({ host: c.host.id, mode, verbs, ms: Date.now() - started, ok }, "host command");
}

async function sessionBatch(c: Ctx, argvs: VirshCommandArgv[]): Promise<VirshResult[]> {
  const verbs = argvs.map((a) => a[0]);
  const started = Date.now();
  const run = () => c.deps.sessions.get(c.host.id, c.host.libvirtUri).batch(argvs);
  try {
    let results: VirshResult[];
    try {
      results = await run();
    } catch (err) {
      // The session (or its connection) died under us: the next batch reconnects. A read has no
      // effect, so it is replayed once; a mutation may have run and is reported instead.
      if (!(err instanceof ConnectionClosedError) || !virshAllReads(verbs)) throw err;
      c.log.info({ host: c.host.id, verbs, err: err.message }, "Reconnected to the hypervisor: retrying the read once");
      // When the reconnect (or the replay) fails too, the drop is what the caller learns about.
      results = await run().catch(() => Promise.reject(err));
    }
    // virsh re-opened its libvirt connection (libvirtd restarted) and a read failed on the old
    // one: the new connection answers, so the read is replayed once (never a mutation).
    if (results.some((r) => !r.ok) && results.some((r) => r.reconnected) && virshAllReads(verbs)) {
      c.log.info({ host: c.host.id, verbs }, "Reconnected to the hypervisor: retrying the read once");
      results = await run();
    }
    if (results.some((r) => r.ok)) answered(c);
    debug(
      c,
      "session",
      verbs,
      started,
      results.every((r) => r.ok),
    );
    return results;
  } catch (err) {
    debug(c, "session", verbs, started, false);
    return c.fail(err);
  }
}

async function oneShot(c: Ctx, cmd: VirshCommandInput, o: ExecOptions = {}): Promise<VirshResult> {
  const argv = virshArgvFor(c.host.libvirtUri, virshCommand(cmd));
  const started = Date.now();
  try {
    const transport = await c.deps.pool.get(c.host.id);
    const r = await transport.run(argv, { stdin: o.stdin, timeoutMs: o.timeoutMs ?? 120_000, onStdout: o.onStdout });
    debug(c, "exec", [cmd.command], started, r.code === 0);
    if (r.code === 0) answered(c);
    return { ok: r.code === 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    debug(c, "exec", [cmd.command], started, false);
    return c.fail(err);
  }
}

/**
 * A slow verb on the slow-verb sessions: a mutation, so a session that died under it (or timed out)
 * is reported, never replayed. A session that could not start (its connection or channel refused)
 * never sent the command: the verb then runs as a one-shot exec on the main connection.
 */
async function slowSession(c: Ctx, sessions: VirshSessions, cmd: VirshCommandInput): Promise<VirshResult> {
  const argv = virshCommand(cmd);
  const started = Date.now();
  try {
    const [r] = await sessions.get(c.host.id, c.host.libvirtUri).batch([argv]);
    debug(c, "slow-session", [cmd.command], started, r.ok);
    if (r.ok) answered(c);
    return r;
  } catch (err) {
    debug(c, "slow-session", [cmd.command], started, false);
    if (err instanceof ConnectionClosedError || err instanceof CommandTimeoutError) return c.fail(err);
    c.log.info(
      { host: c.host.id, verb: cmd.command, err: String(err) },
      "slow-verb session unavailable: one-shot exec",
    );
    return oneShot(c, cmd, { timeoutMs: SLOW_TIMEOUT_MS });
  }
}

async function execRun(c: Ctx, argv: readonly string[], timeoutMs: number, o: ExecOptions): Promise<RunResult> {
  const started = Date.now();
  // The program's name only (argv may carry paths): skip the `env VAR=...` prefix.
  const name = argv.filter((a) => a !== "env" && !/^[A-Z_]+=/.test(a)).slice(0, 1);
  try {
    const transport = await c.deps.pool.get(c.host.id);
    const r = await transport.run(argv, { timeoutMs, stdin: o.stdin, onStdout: o.onStdout });
    debug(c, "exec", name, started, r.code === 0);
    return r;
  } catch (err) {
    debug(c, "exec", name, started, false);
    return c.fail(err);
  }
}

async function streamOpen(
  c: Ctx,
  cmd: VirshCommandInput,
  o: { pty?: boolean; own?: boolean },
): Promise<HostChannel<CommandStream>> {
  const argv = virshArgvFor(c.host.libvirtUri, virshCommand(cmd));
  const started = Date.now();
  try {
    let transport: HostTransport;
    let stream: CommandStream;
    if (o.own) ({ stream, transport } = await c.deps.streams.openStream(c.host.id, argv, { pty: o.pty }));
    else stream = await (transport = await c.deps.pool.get(c.host.id)).openStream(argv, { pty: o.pty });
    debug(c, "stream", [cmd.command], started, true);
    return { stream, hostGone: () => transport.closed };
  } catch (err) {
    debug(c, "stream", [cmd.command], started, false);
    return c.fail(err);
  }
}

export function createHostClient<H extends HostTarget>(
  host: H,
  deps: HostClientDeps,
  opts: HostClientOptions = {},
): HostClient<H> {
  const c: Ctx = {
    host,
    deps,
    log: deps.log ?? childLogger("hosts", { host: host.id }),
    fail: failMapper(host, deps, opts.commandErrorCode ?? "action_failed"),
  };
  const virshExec = async (cmd: VirshCommandInput, o?: ExecOptions): Promise<string> => {
    const r = await oneShot(c, cmd, o);
    if (!r.ok) return c.fail(new CommandFailedError(["virsh", cmd.command], 1, r.stderr));
    return r.stdout;
  };
  return {
    host,
    async virsh(...cmds) {
      const argvs = cmds.map((cmd) => virshCommand(cmd));
      const results = await sessionBatch(c, argvs);
      const bad = results.findIndex((r) => !r.ok);
      if (bad >= 0) return c.fail(new CommandFailedError(["virsh", ...argvs[bad]], null, results[bad].stderr));
      return results.map((r) => r.stdout);
    },
    virshTry: (...cmds) =>
      sessionBatch(
        c,
        cmds.map((cmd) => virshCommand(cmd)),
      ),
    virshExecTry: (cmd, o) => oneShot(c, cmd, o),
    virshSlowTry: (cmd) =>
      deps.slowSessions ? slowSession(c, deps.slowSessions, cmd) : oneShot(c, cmd, { timeoutMs: SLOW_TIMEOUT_MS }),
    virshExec,
    virshExecEarly(cmd) {
      return virshEarly({
        streams: deps.streams,
        hostId: host.id,
        argv: virshArgvFor(host.libvirtUri, virshCommand(cmd)),
        verb: cmd.command,
        fallback: (stdin, timeoutMs) => virshExec(cmd, { stdin, timeoutMs }),
        fail: c.fail,
      });
    },
    exec: (argv, timeoutMs = 30_000, o = {}) => execRun(c, argv, timeoutMs, o),
    virshStream: async (cmd, o = {}) => (await streamOpen(c, cmd, o)).stream,
    virshChannel: (cmd, o = {}) => streamOpen(c, cmd, o),
    async execStream(argv) {
      const started = Date.now();
      const name = argv.slice(0, 1);
      try {
        const { stream, transport } = await deps.streams.openStream(host.id, argv);
        debug(c, "exec-stream", name, started, true);
        return { stream, hostGone: () => transport.closed };
      } catch (err) {
        debug(c, "exec-stream", name, started, false);
        return c.fail(err);
      }
    },
    async forwardOut(address, port) {
      const started = Date.now();
      try {
        const transport = await deps.pool.get(host.id);
        const stream = await transport.forwardOut(address, port);
        debug(c, "forward", [], started, true);
        return { stream, hostGone: () => transport.closed };
      } catch (err) {
        // As the transport reported it: the console tells the viewer why the display refused.
        debug(c, "forward", [], started, false);
        throw err;
      }
    },
  };
}

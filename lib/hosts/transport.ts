import "server-only";
import type { Duplex, Readable } from "node:stream";
import { CommandFailedError } from "./errors";

export interface RunOptions {
  /** Kill the channel and reject with CommandTimeoutError after this long. */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed. Without it stdin is closed at once. */
  stdin?: string | Buffer;
  /** Allocate a pseudo-terminal (stderr then arrives merged into stdout). */
  pty?: boolean;
  /** Sees stdout as it arrives (it is collected in the result all the same), e.g. progress lines. */
  onStdout?: (chunk: Buffer) => void;
}

export interface RunResult {
  /** Exit status; null when the remote process died from a signal or never reported one. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A long-lived remote process: write to stdin, read stdout; `stderr` is separate unless pty. */
export interface CommandStream extends Duplex {
  readonly stderr: Readable;
  /** Resize the pseudo-terminal (only meaningful with pty). */
  setWindow?(rows: number, cols: number, height: number, width: number): void;
}

/**
 * The host transport: every byte virtdeck exchanges with a host goes through one of these.
 * Implemented once over SSH (ssh-transport.ts); pooled per host (pool.ts).
 */
export interface HostTransport {
  /** Runs argv (quoted by shellQuote) and collects its output. Resolves whatever the exit code. */
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Starts argv on its own channel and hands back the channel (virsh console, virsh event, virsh session). */
  openStream(argv: readonly string[], opts?: { pty?: boolean }): Promise<CommandStream>;
  /** Opens a TCP stream to host:port as seen from the remote host (e.g. a guest's VNC on 127.0.0.1). */
  forwardOut(host: string, port: number): Promise<Duplex>;
  /**
   * Asks the host's sshd to listen on a unix socket at `socketPath` (on the host) and hands each
   * connection made to it to `onConnection` (OpenSSH streamlocal forwarding). Resolves with a function
   * that stops listening; sshd leaves the socket file behind, so the caller removes it.
   */
  forwardInStreamLocal?(socketPath: string, onConnection: (stream: Duplex) => void): Promise<() => Promise<void>>;
  /** Opens a stream to a unix socket on the host (e.g. its libvirt socket), as OpenSSH streamlocal. */
  openStreamLocal?(socketPath: string): Promise<Duplex>;
  /** True once the underlying connection is gone; a pool then opens a fresh one. */
  readonly closed: boolean;
  close(): void;
}

/** run() that rejects with CommandFailedError (carrying argv, exit code and stderr) unless exit 0. */
export async function runChecked(
  transport: HostTransport,
  argv: readonly string[],
  opts?: RunOptions,
): Promise<RunResult> {
  const result = await transport.run(argv, opts);
  if (result.code !== 0) throw new CommandFailedError(argv, result.code, result.stderr);
  return result;
}

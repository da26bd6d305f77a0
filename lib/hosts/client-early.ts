import "server-only";
import { CommandFailedError, CommandTimeoutError } from "./errors";
import type { StreamPool } from "./stream-pool";
import type { CommandStream } from "./transport";

/**
 * A one-shot virsh started now whose stdin (its /dev/stdin argument) is written later. Only for
 * commands that may run twice with the same effect (`define` of one XML): see `feed`.
 */
export interface EarlyVirsh {
  feed(stdin: string | Buffer, opts?: { timeoutMs?: number }): Promise<string>;
  cancel(): void;
}

interface Opened {
  stream: CommandStream;
  exit: Promise<number | null>;
  state: { exited: boolean };
  out: () => { stdout: string; stderr: string };
}

function open(streams: StreamPool, hostId: string, argv: readonly string[]): Promise<Opened> {
  // On the host's stream connections (not the main one): a channel held open through a long
  // copy must not take one of the main connection's few sessions.
  return streams.openStream(hostId, argv).then(({ stream }) => {
    let stdout = "";
    let stderr = "";
    stream.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    stream.stderr.on("data", (b: Buffer) => (stderr = (stderr + b.toString("utf8")).slice(-8000)));
    const state = { exited: false };
    const exit = new Promise<number | null>((resolve) => {
      stream.once("exit", (code: number | null) => resolve(typeof code === "number" ? code : null));
      stream.once("close", () => resolve(null));
    }).finally(() => (state.exited = true));
    return { stream, exit, state, out: () => ({ stdout, stderr }) };
  });
}

/**
 * virsh's words for a libvirt connection that died under it (libvirtd restarted while the early
 * virsh waited for its input): the command never reached a daemon that could run it.
 */
const LIBVIRT_CONNECTION_LOST =
  /client socket is closed|End of file while reading data|Cannot (recv|write) data|no valid connection|Broken pipe|Connection reset by peer/i;

export function libvirtConnectionLost(stderr: string): boolean {
  return LIBVIRT_CONNECTION_LOST.test(stderr);
}

/**
 * Starts `argv` (a full one-shot virsh argv) on a stream connection. `feed` writes stdin and waits
 * for the exit; if the early process is gone before it is fed, `fallback` runs the command the plain
 * way. So does a process whose connection went stale while it waited (its channel dropped, or
 * libvirtd restarted: it exits with "client socket is closed"): the plain way connects afresh, and
 * the command is one that may run twice. `fail` maps errors exactly as the client's other calls do.
 */
export function virshEarly(o: {
  streams: StreamPool;
  hostId: string;
  argv: readonly string[];
  verb: string;
  fallback: (stdin: string | Buffer, timeoutMs?: number) => Promise<string>;
  fail: (err: unknown) => Promise<never>;
}): EarlyVirsh {
  const opened = open(o.streams, o.hostId, o.argv);
  opened.catch(() => {}); // reported by feed (which falls back), or moot after cancel
  let used = false;
  return {
    async feed(stdin, opts = {}) {
      if (used) throw new Error("virshExecEarly: fed twice");
      used = true;
      const p = await opened.catch(() => null);
      // Never started, or gone before any input: nothing ran, so run it the plain way.
      if (!p || p.state.exited) {
        p?.stream.destroy();
        return o.fallback(stdin, opts.timeoutMs);
      }
      const timeoutMs = opts.timeoutMs ?? 120_000;
      let timer: NodeJS.Timeout | undefined;
      try {
        p.stream.end(stdin);
        const code = await Promise.race([
          p.exit,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new CommandTimeoutError(["virsh", o.verb], timeoutMs)), timeoutMs);
          }),
        ]);
        const { stdout, stderr } = p.out();
        if (code === null || (code !== 0 && libvirtConnectionLost(stderr))) {
          // A stale connection, not a refusal: whatever waited for this input must not be undone for it.
          clearTimeout(timer);
          p.stream.destroy();
          return o.fallback(stdin, opts.timeoutMs);
        }
        if (code !== 0) throw new CommandFailedError(["virsh", o.verb], code, stderr);
        return stdout;
      } catch (err) {
        p.stream.destroy();
        return o.fail(err);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel() {
      if (used) return;
      used = true;
      void opened.then(
        (p) => p.stream.end(),
        () => {},
      );
    },
  };
}

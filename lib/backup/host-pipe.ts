import "server-only";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { HostClient } from "@/lib/hosts/client";
import type { CommandStream } from "@/lib/hosts/transport";
import type { HostChannel } from "@/lib/hosts/client";

/**
 * Streams bytes from a program on one host into a program on another through virtdeck's own SSH
 * connections (no host-to-host keys): both run on channels of stream connections, and the bytes
 * are piped with Node's backpressure, so SSH's window keeps data in flight both ways instead of a
 * round trip per chunk. Resolves with the byte count once both programs exited 0.
 */
export async function hostPipe(o: {
  from: HostClient;
  fromArgv: readonly string[];
  to: HostClient;
  toArgv: readonly string[];
  signal?: AbortSignal;
  onBytes?: (total: number) => void;
}): Promise<number> {
  const exit = (s: CommandStream, stderr: string[]) =>
    new Promise<number | null>((resolve) => {
      let code: number | null = null;
      s.on("exit", (c: number | null) => (code = c));
      s.stderr.on("data", (b: Buffer) => stderr.length < 50 && stderr.push(b.toString("utf8")));
      s.on("close", () => resolve(code));
    });
  // Listeners go on at once: a short source may exit (its window holds the whole file) before the
  // sink's channel is open, and an "exit" nobody listened to is lost.
  const srcErr: string[] = [];
  const dstErr: string[] = [];
  const src = await o.from.execStream(o.fromArgv);
  const srcExit = exit(src.stream, srcErr);
  let dst: HostChannel<CommandStream>;
  try {
    dst = await o.to.execStream(o.toArgv);
  } catch (err) {
    src.stream.destroy();
    throw err;
  }
  const dstExit = exit(dst.stream, dstErr);
  // The source reads a file, not stdin: close its stdin now. The sink writes nothing to stdout, but
  // its channel only ends (and the pipeline with it) once that side is read to its end.
  src.stream.end();
  dst.stream.resume();
  let total = 0;
  let lastReport = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      total += chunk.length;
      const now = Date.now();
      if (now - lastReport > 500) {
        lastReport = now;
        o.onBytes?.(total);
      }
      cb(null, chunk);
    },
  });
  const abort = () => {
    src.stream.destroy();
    dst.stream.destroy();
  };
  o.signal?.addEventListener("abort", abort, { once: true });
  try {
    await pipeline(src.stream, meter, dst.stream, { signal: o.signal });
    const [a, b] = await Promise.all([srcExit, dstExit]);
    if (a !== 0) throw new Error(`${o.from.host.name}: reading failed (exit ${a}): ${srcErr.join("").trim()}`);
    if (b !== 0) throw new Error(`${o.to.host.name}: writing failed (exit ${b}): ${dstErr.join("").trim()}`);
    o.onBytes?.(total);
    return total;
  } catch (err) {
    abort();
    const detail = [srcErr.join("").trim(), dstErr.join("").trim()].filter(Boolean).join("; ");
    if (detail && !(o.signal?.aborted ?? false))
      throw new Error(`copy between ${o.from.host.name} and ${o.to.host.name} failed: ${detail}`, { cause: err });
    throw err;
  } finally {
    o.signal?.removeEventListener("abort", abort);
  }
}

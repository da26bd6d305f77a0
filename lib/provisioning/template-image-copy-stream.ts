import "server-only";
import { pipeline } from "node:stream/promises";
import { AppError } from "@/lib/http/errors";
import type { HostClient } from "@/lib/hosts/client";
import type { CommandStream } from "@/lib/hosts/transport";
import { virshMessage } from "@/lib/hosts/client-errors";
import { volumeDownloadStream, volumeUploadStream } from "@/lib/virt/storage-volume";
import { HashMeter } from "./template-image-copy-parts";

/**
 * A volume's bytes from one host into a volume on another, through virtdeck: `virsh vol-download` on
 * a channel of the source's connection piped into `virsh vol-upload ... /dev/stdin` on the
 * destination's, with Node's backpressure (memory stays at a few stream buffers whatever the size),
 * hashed (sha256) as they pass. No host-to-host trust is needed.
 */

interface Ended {
  code: Promise<number | null>;
  stderr: () => string;
}

/** The exit code (null: no exit status, e.g. killed or connection lost) and the stderr of a virsh stream. */
function ended(s: CommandStream): Ended {
  let err = "";
  s.stderr.on("data", (b: Buffer) => (err = (err + b.toString("utf8")).slice(-4000)));
  const code = new Promise<number | null>((resolve) => {
    let c: number | null = null;
    s.on("exit", (x: unknown) => (c = typeof x === "number" ? x : null));
    s.on("close", () => resolve(c));
  });
  return { code, stderr: () => err };
}

/** Stops a remote virsh at once (its channel killed and closed). */
export function streamKill(stream: CommandStream | null): void {
  if (!stream) return;
  const ch = stream as CommandStream & { signal?: (s: string) => void; close?: () => void };
  try {
    ch.signal?.("KILL");
  } catch {}
  try {
    ch.close?.();
  } catch {}
  stream.destroy();
}

function failure(host: HostClient, verb: string, code: number | null, stderr: string): AppError {
  return code === null
    ? new AppError("host_unreachable", `${host.host.name}: ${verb} stopped (connection lost or killed)`)
    : new AppError("host_error", `${host.host.name}: ${verb} failed: ${virshMessage(stderr) || `exit ${code}`}`);
}

/** Copies `length` bytes of src into the (existing, empty) dst volume; resolves with the sha256 of the bytes sent. */
export async function volumeCopyBetweenHosts(o: {
  src: { host: HostClient; pool: string; name: string };
  dst: { host: HostClient; pool: string; name: string };
  length: number;
  signal: AbortSignal;
  onBytes: (bytes: number) => void;
}): Promise<{ sha256: string; bytes: number }> {
  let down: CommandStream | null = null;
  let up: CommandStream | null = null;
  const abort = () => {
    streamKill(down);
    streamKill(up);
  };
  o.signal.addEventListener("abort", abort, { once: true });
  try {
    down = await volumeDownloadStream({ ...o.src, offset: 0, length: o.length });
    // Listeners at once: a small source may exit before the destination's channel is open.
    const downEnd = ended(down);
    down.end(); // vol-download reads no stdin
    up = await volumeUploadStream(o.dst);
    const upEnd = ended(up);
    up.resume(); // vol-upload prints nothing; its channel closes only once read to the end
    const meter = new HashMeter({ limit: o.length, onBytes: o.onBytes });
    await pipeline(down, meter, up, { signal: o.signal }).catch(async (err: unknown) => {
      if (o.signal.aborted) throw o.signal.reason;
      abort();
      const [dc, uc] = await Promise.all([downEnd.code, upEnd.code]);
      if (dc !== 0 && downEnd.stderr()) throw failure(o.src.host, "vol-download", dc, downEnd.stderr());
      if (uc !== 0 && upEnd.stderr()) throw failure(o.dst.host, "vol-upload", uc, upEnd.stderr());
      throw err;
    });
    const [dc, uc] = await Promise.all([downEnd.code, upEnd.code]);
    if (dc !== 0) throw failure(o.src.host, "vol-download", dc, downEnd.stderr());
    if (uc !== 0) throw failure(o.dst.host, "vol-upload", uc, upEnd.stderr());
    if (meter.bytes !== o.length)
      throw new AppError(
        "host_error",
        `${o.src.host.host.name}: vol-download sent ${meter.bytes} of ${o.length} bytes`,
      );
    return { sha256: meter.digest(), bytes: meter.bytes };
  } catch (err) {
    abort();
    throw err;
  } finally {
    o.signal.removeEventListener("abort", abort);
  }
}

/** The sha256 of a volume's first `length` bytes, downloaded and hashed in the app (pools that are not files). */
export async function volumeHashByDownload(o: {
  host: HostClient;
  pool: string;
  name: string;
  length: number;
  signal: AbortSignal;
  onBytes?: (bytes: number) => void;
}): Promise<string> {
  const down = await volumeDownloadStream({ host: o.host, pool: o.pool, name: o.name, offset: 0, length: o.length });
  const end = ended(down);
  down.end();
  const meter = new HashMeter({ limit: o.length, onBytes: o.onBytes });
  meter.resume(); // only the digest is wanted: let the bytes drain
  const abort = () => streamKill(down);
  o.signal.addEventListener("abort", abort, { once: true });
  try {
    await pipeline(down, meter, { signal: o.signal });
    const code = await end.code;
    if (code !== 0) throw failure(o.host, "vol-download", code, end.stderr());
    return meter.digest();
  } catch (err) {
    abort();
    throw err;
  } finally {
    o.signal.removeEventListener("abort", abort);
  }
}

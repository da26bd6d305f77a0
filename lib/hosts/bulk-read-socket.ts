import "server-only";
import { connect, type Socket } from "node:net";

/** The most one read from an SSH connection's socket takes (libuv's own reads stop at 64 KiB). */
export const BULK_READ_BYTES = 256 * 1024;

/**
 * Connects a TCP socket for an SSH connection that reads up to `size` bytes at a time and emits them as
 * 'data', like any socket. A console streaming a guest's screen brings ~30 SSH packets per MB
 * through ssh2's parser; with 64 KiB reads nearly every packet straddles two reads (ssh2 then copies
 * it into a buffer of its own) and every read is a trip through the event loop. Measured with
 * bench:console: the proxy's CPU per MB fell by ~18% with 256 KiB reads; 1 MiB reads were slower.
 *
 * A read of at least half the buffer hands the buffer itself to the reader and the next read gets a
 * fresh one, so data is never copied and a chunk's memory is at most twice its length (what a slow
 * browser's queued frames can hold is bounded by their length, as before). A smaller read
 * (keystrokes, virsh answers) is copied out and the buffer is read into again. Handed-out chunks are
 * never written to again, so a reader may keep them (ssh2 keeps views of partial packets).
 */
export function bulkReadConnect(host: string, port: number, size = BULK_READ_BYTES): Socket {
  let buf = Buffer.allocUnsafe(size);
  let handedOut = false;
  const sock: Socket = connect({
    host,
    port,
    onread: {
      buffer: () => {
        if (handedOut) {
          buf = Buffer.allocUnsafe(size);
          handedOut = false;
        }
        return buf;
      },
      callback: (n: number, b: Uint8Array) => {
        let chunk: Buffer;
        if (n * 2 >= b.length) {
          chunk = Buffer.from(b.buffer, b.byteOffset, n);
          handedOut = true;
        } else {
          chunk = Buffer.from(b.subarray(0, n));
        }
        sock.emit("data", chunk);
        return true;
      },
    },
  });
  return sock;
}

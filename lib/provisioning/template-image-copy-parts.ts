import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/**
 * The pure parts of a base-image copy between hosts (image-copy.ts runs them): the hashing meter the
 * bytes pass through in the app, the progress arithmetic, how the destination is verified, and
 * `sha256sum`'s output.
 */

/** Pool types whose volumes are plain files: `sha256sum` on the host reads them. */
const FILE_POOL_TYPES = new Set(["dir", "fs", "netfs"]);

/** How the destination's bytes are checked: `sha256sum` of the file, or a second download hashed in the app. */
export function copyVerifyMethod(poolType: string): "sha256sum" | "download" {
  return FILE_POOL_TYPES.has(poolType) ? "sha256sum" : "download";
}

/** The hex digest of `sha256sum -- <path>`'s one line ("<hex>  <path>"), or null when it is not one. */
export function sha256sumParse(stdout: string): string | null {
  const m = /^\\?([0-9a-f]{64}) [ *]/.exec(stdout.trim());
  return m ? m[1] : null;
}

/**
 * Task percent of a copy: the transfer takes [from, to] of the bar, in proportion to the bytes done.
 * Never 100 before the end (verification follows), never below `from`.
 */
export function copyPercent(done: number, total: number, from: number, to: number): number {
  if (total <= 0) return from;
  const frac = Math.min(1, Math.max(0, done / total));
  return from + (to - from) * frac;
}

/**
 * Passes bytes through unchanged, counting and hashing them (sha256) and reporting the count at most
 * every `everyMs`; refuses more than `limit` bytes (the source's size: a stream that grows is wrong).
 */
export class HashMeter extends Transform {
  bytes = 0;
  readonly #hash: Hash = createHash("sha256");
  #lastReport = 0;

  constructor(
    private readonly opts: { limit: number; onBytes?: (bytes: number) => void; everyMs?: number; now?: () => number },
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.bytes + chunk.length > this.opts.limit) {
      cb(new Error(`the source sent more than its ${this.opts.limit} bytes`));
      return;
    }
    this.bytes += chunk.length;
    this.#hash.update(chunk);
    const now = (this.opts.now ?? Date.now)();
    if (now - this.#lastReport >= (this.opts.everyMs ?? 500)) {
      this.#lastReport = now;
      this.opts.onBytes?.(this.bytes);
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.opts.onBytes?.(this.bytes);
    cb();
  }

  /** The hex digest of every byte that passed (call once, after the end). */
  digest(): string {
    return this.#hash.digest("hex");
  }
}

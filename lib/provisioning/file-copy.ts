import "server-only";
import type { PoolWire, VolumeWire } from "@/lib/libvirt/storage-xml";

/**
 * The fast full copy: in a file-based pool, a self-contained image copied as a file (`cp`, sparse,
 * reflinked where the filesystem can) and then shown to libvirt by `pool-refresh`. libvirt's own
 * copy (`vol-create-from`, qemu-img convert) writes the new image through to disk, at about
 * `cp + sync` speed; `cp` lands in the page cache like any other file write.
 */

/** Pool types whose volumes are plain files in the pool's target directory. */
const FILE_POOLS = new Set(["dir", "fs", "netfs"]);

/** Exit code of fileCopyArgv when the destination exists (or cannot be created): nothing was written. */
export const FILE_COPY_EXISTS = 17;

export interface FileCopyFacts {
  format: "qcow2" | "raw";
  /** The source's declared format (its bytes passed imageInspect as that format). */
  srcFormat: "qcow2" | "raw";
  /** Whether the source has a (verified) backing chain: a file copy would still point at it. */
  srcHasBacking?: boolean;
  capacityBytes: number;
  name: string;
  pool: PoolWire;
  srcPool: PoolWire;
  src: VolumeWire;
  /** Whether the target pool already has a volume of that name. */
  destExists: boolean;
}

/** Source and destination paths for a file copy, or why libvirt's copy must do it. */
export function fileCopyPlan(f: FileCopyFacts): { srcPath: string; dstPath: string } | { reason: string } {
  if (!FILE_POOLS.has(f.pool.type)) return { reason: `pool ${f.pool.name} is a ${f.pool.type} pool` };
  if (!FILE_POOLS.has(f.srcPool.type)) return { reason: `pool ${f.srcPool.name} is a ${f.srcPool.type} pool` };
  const dir = f.pool.targetPath?.replace(/\/+$/, "");
  if (!dir || !dir.startsWith("/")) return { reason: `pool ${f.pool.name} has no target path` };
  if (!f.src.path?.startsWith("/")) return { reason: `${f.src.name} has no path` };
  // libvirt's own view of the source (its probed format, a backing file) is not asked: the
  // declared format decides, and the bytes were checked against it.
  if (f.srcFormat !== f.format) return { reason: `format conversion ${f.srcFormat} -> ${f.format}` };
  if (f.srcHasBacking) return { reason: `${f.src.name} has a backing chain` };
  if (f.capacityBytes < f.src.capacityBytes) return { reason: "the new volume is smaller than its source" };
  if (!fileNameSafe(f.name)) return { reason: `${JSON.stringify(f.name)} is not a plain file name` };
  if (f.destExists) return { reason: `${f.pool.name} already has a volume ${f.name}` };
  return { srcPath: f.src.path, dstPath: `${dir}/${f.name}` };
}

/** One path component, no hidden tricks: no slash, NUL, control character, "." or "..", leading dash. */
export function fileNameSafe(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    name !== "." &&
    name !== ".." &&
    !name.startsWith("-") &&
    !/[/\0-\x1f\x7f]/.test(name)
  );
}

/**
 * The copy as one argv. An existing destination is never overwritten: the script refuses one
 * that exists (exit FILE_COPY_EXISTS), and `cp` itself creates the new file with O_EXCL, so one
 * that appears in between makes `cp` fail with EEXIST, which is reported the same way; either way
 * nothing was written and the caller must not remove the file. The destination is not created
 * ahead of `cp`: `cp` would then open it with O_TRUNC, and on ext4 a file truncated and rewritten
 * is written through to disk when closed (auto_da_alloc), at disk speed instead of page-cache
 * speed. `cp` keeps the source's holes and uses the kernel's in-place copy (copy_file_range,
 * reflink where the filesystem shares extents), exactly as a plain `cp` does.
 *
 * While it runs, a background loop prints the destination's allocation ("blocks block-size")
 * every half second on stdout, so progress needs no exec of its own. That loop is also the
 * copy's owner check: sshd does not signal a command whose channel closed (the app was killed,
 * the connection dropped), so once a progress line cannot be written (SIGPIPE ignored: the write
 * fails instead), the loop removes the partial file (only this `cp` can have created it: O_EXCL)
 * and kills `cp` with its whole process group. A copy that ends between two ticks gets the same
 * check once more: its final progress line must reach the owner, or the finished file goes too.
 * `timeout` bounds the copy on the host as the exec's own timeout does on the app's side. The loop's `sleep` holds no pipe, so the channel closes as soon
 * as `cp` is done. The script is fixed; both paths are positional parameters, never part of it.
 */
export function fileCopyArgv(srcPath: string, dstPath: string, timeoutSeconds: number): string[] {
  return [
    "sh",
    "-c",
    [
      `if [ -e "$2" ] || [ -L "$2" ]; then exit ${FILE_COPY_EXISTS}; fi`,
      `trap '' PIPE`,
      `exec 3>&1`,
      `e=$(`,
      `  LC_ALL=C timeout -s KILL "$3" cp --reflink=auto -- "$1" "$2" 2>&1 >/dev/null </dev/null & c=$!`,
      `  (while sleep 0.5 </dev/null >/dev/null 2>&1; do`,
      `    printf '%s\\n' "$(stat -c '%b %B' -- "$2" 2>/dev/null)" >&3 2>/dev/null && continue`,
      `    rm -f -- "$2"`,
      `    kill -s KILL -- "-$c" 2>/dev/null || kill -s KILL "$c" 2>/dev/null`,
      `    exit`,
      `  done) </dev/null >/dev/null 2>&1 & w=$!`,
      `  wait "$c"; r=$?; kill "$w" 2>/dev/null; exit "$r"`,
      `)`,
      `r=$?`,
      `if [ "$r" = 0 ] && ! printf '%s\\n' "$(stat -c '%b %B' -- "$2" 2>/dev/null)" 2>/dev/null; then`,
      `  rm -f -- "$2"; exit 1`,
      `fi`,
      `if [ -n "$e" ]; then printf '%s\\n' "$e" >&2; fi`,
      `case "$e" in *"File exists"*) exit ${FILE_COPY_EXISTS};; esac`,
      `exit "$r"`,
    ].join("\n"),
    "virtdeck-copy",
    srcPath,
    dstPath,
    String(Math.max(1, Math.ceil(timeoutSeconds))),
  ];
}

/**
 * Bytes allocated so far from the copy's progress output: the last complete "blocks block-size"
 * line in `pending` (earlier ones are stale), and the unfinished rest to keep for the next chunk.
 */
export function parseAllocatedLines(pending: string): { allocated: number | null; rest: string } {
  const cut = pending.lastIndexOf("\n");
  if (cut < 0) return { allocated: null, rest: pending };
  let allocated: number | null = null;
  for (const line of pending.slice(0, cut).split("\n").reverse()) {
    allocated = parseAllocated(line);
    if (allocated !== null) break;
  }
  return { allocated, rest: pending.slice(cut + 1) };
}

export function parseAllocated(line: string): number | null {
  const m = /^(\d+) (\d+)\s*$/.exec(line);
  return m ? Number(m[1]) * Number(m[2]) : null;
}

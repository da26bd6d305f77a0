import "server-only";

/**
 * The host-side programs a backup runs, as argv. Every path is a positional parameter of a fixed
 * script (or a plain argument after `--`), never part of a script; paths come from
 * lib/backup/layout.ts, which builds them from a checked repository path and UUIDs only.
 */

/** Exit codes of repoCheckArgv. */
export const REPO_CHECK = { notDirectory: 3, notWritable: 4, cannotCreate: 5 } as const;

/**
 * Creates the repository directory when missing (mode 0711: QEMU, running as another user, must
 * be able to reach the files libvirt creates in it), refuses anything that is not a directory and
 * proves it writable by creating and removing a probe file. Prints `df -Pk` of it.
 */
export function repoCheckArgv(path: string): string[] {
  return [
    "sh",
    "-c",
    [
      `p=$1`,
      `if [ -e "$p" ] && [ ! -d "$p" ]; then exit ${REPO_CHECK.notDirectory}; fi`,
      `if [ ! -e "$p" ]; then mkdir -p -m 0711 -- "$p" 2>/dev/null || exit ${REPO_CHECK.cannotCreate}; fi`,
      `t=$(mktemp -p "$p" .virtdeck-probe.XXXXXX 2>/dev/null) || exit ${REPO_CHECK.notWritable}`,
      `rm -f -- "$t"`,
      `df -Pk -- "$p" | tail -n 1`,
    ].join("\n"),
    "virtdeck-repo-check",
    path,
  ];
}

/** Free kilobytes from the `df -Pk` line repoCheckArgv prints. */
export function parseDfAvailable(stdout: string): number | null {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  const cols = line.trim().split(/\s+/);
  const kb = Number(cols[3]);
  return cols.length >= 6 && Number.isFinite(kb) ? kb * 1024 : null;
}

/** mkdir of a point's temporary directory (its VM directory created too), mode 0711. */
export function pointDirCreateArgv(vmDir: string, partialDir: string): string[] {
  return ["sh", "-c", `mkdir -p -m 0711 -- "$1" && mkdir -m 0711 -- "$2"`, "virtdeck-mkdir", vmDir, partialDir];
}

/** Writes stdin to a new file (mode 0600), refusing to replace one. */
export function fileWriteArgv(path: string): string[] {
  return ["sh", "-c", `set -C; umask 077; cat > "$1"`, "virtdeck-write", path];
}

/** Reads a file to stdout. */
export function fileReadArgv(path: string): string[] {
  return ["cat", "--", path];
}

/** sha256 of files inside `dir` (names relative to it): `sha256sum` lines "<hex> *<name>". */
export function sha256Argv(dir: string, files: string[]): string[] {
  return ["sh", "-c", `cd -- "$1" && shift && exec sha256sum -b -- "$@"`, "virtdeck-sha256", dir, ...files];
}

/** Parses sha256sum output into name -> hex. */
export function parseSha256(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m) out.set(m[2], m[1]);
  }
  return out;
}

/** Makes a finished point visible: renames its temporary directory, never over an existing one. */
export function pointPublishArgv(partialDir: string, finalDir: string): string[] {
  return [
    "sh",
    "-c",
    `if [ -e "$2" ]; then exit 17; fi; exec mv -T -- "$1" "$2"`,
    "virtdeck-publish",
    partialDir,
    finalDir,
  ];
}

/** Removes a point directory (temporary or published). */
export function treeRemoveArgv(dir: string): string[] {
  return ["rm", "-rf", "--", dir];
}

/**
 * Gives an incremental image its previous point as backing (metadata only, -u): the backing path
 * is relative ("../<point>/<file>"), so the repository can move as a whole.
 */
export function rebaseArgv(file: string, backing: string): string[] {
  return ["qemu-img", "rebase", "-u", "-f", "qcow2", "-b", backing, "-F", "qcow2", "--", file];
}

/**
 * Copies a disk image (a shut-off VM's disk, or a backup chain flattened for a restore) with
 * progress on stdout ("(12.34/100%)"). `-U` is not used: qemu-img takes the image's lock, so the VM
 * cannot start and write while its disk is read.
 */
export function convertArgv(o: { src: string; srcFormat: string; dst: string; dstFormat: string }): string[] {
  return ["qemu-img", "convert", "-p", "-f", o.srcFormat, "-O", o.dstFormat, "--", o.src, o.dst];
}

/** The last "(xx.xx/100%)" in qemu-img's progress output, 0..100. */
export function parseConvertProgress(chunk: string): number | null {
  const all = [...chunk.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
  return all.length ? Number(all.at(-1)![1]) : null;
}

/** Bytes a file takes on disk ("blocks block-size" from stat). */
export function allocatedArgv(files: string[]): string[] {
  return ["stat", "-c", "%b %B %s %n", "--", ...files];
}

export function parseAllocated(stdout: string): Map<string, { allocated: number; size: number }> {
  const out = new Map<string, { allocated: number; size: number }>();
  for (const line of stdout.split("\n")) {
    const m = /^(\d+) (\d+) (\d+) (.+)$/.exec(line);
    if (m) out.set(m[4], { allocated: Number(m[1]) * Number(m[2]), size: Number(m[3]) });
  }
  return out;
}

/** Exit code of noClobberConvertArgv when the destination exists: nothing was written. */
export const DEST_EXISTS = 17;

/** convertArgv that refuses to replace an existing destination file. */
export function noClobberConvertArgv(o: { src: string; srcFormat: string; dst: string; dstFormat: string }): string[] {
  return [
    "sh",
    "-c",
    `if [ -e "$4" ] || [ -L "$4" ]; then exit ${DEST_EXISTS}; fi; exec qemu-img convert -p -f "$1" -O "$2" -- "$3" "$4"`,
    "virtdeck-convert",
    o.srcFormat,
    o.dstFormat,
    o.src,
    o.dst,
  ];
}

/** Removes every temporary point directory of a VM in a repository (a run that died left it). */
export function partialsRemoveArgv(vmDir: string): string[] {
  return [
    "sh",
    "-c",
    `for d in "$1"/.partial-*; do [ -d "$d" ] && rm -rf -- "$d"; done; exit 0`,
    "virtdeck-partials",
    vmDir,
  ];
}

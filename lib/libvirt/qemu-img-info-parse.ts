import { z } from "zod";

/**
 * `qemu-img info --output=json -f FMT FILE` -> what the upload safety check needs. An image that
 * names a backing file or an external data file makes QEMU open that other file when a guest
 * uses it: an uploaded image could read any host file (e.g. backing file /etc/shadow).
 * https://www.qemu.org/docs/master/tools/qemu-img.html#cmdoption-qemu-img-info
 */
const InfoSchema = z.object({
  format: z.string(),
  "virtual-size": z.number(),
  "actual-size": z.number().optional(),
  "backing-filename": z.string().optional(),
  "full-backing-filename": z.string().optional(),
  "backing-filename-format": z.string().optional(),
  "format-specific": z
    .object({
      type: z.string(),
      data: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});

export interface ImageInfo {
  format: string;
  virtualSizeBytes: number;
  /** The backing file as the header names it. */
  backingFile?: string;
  /** The same, resolved against the image's directory (qemu-img's full-backing-filename). */
  fullBackingFile?: string;
  /** The backing file's format as the header states it (absent: it would be probed). */
  backingFormat?: string;
  dataFile?: string;
}

export function parseQemuImgInfo(stdout: string): ImageInfo {
  const j = InfoSchema.parse(JSON.parse(stdout));
  const dataFile = j["format-specific"]?.data?.["data-file"];
  return {
    format: j.format,
    virtualSizeBytes: j["virtual-size"],
    ...(j["backing-filename"] !== undefined ? { backingFile: j["backing-filename"] } : {}),
    ...(j["full-backing-filename"] !== undefined ? { fullBackingFile: j["full-backing-filename"] } : {}),
    ...(j["backing-filename-format"] !== undefined ? { backingFormat: j["backing-filename-format"] } : {}),
    ...(typeof dataFile === "string" ? { dataFile } : {}),
  };
}

/** Why an image must not be used, or null when it is self-contained. */
export function imageRefusal(info: ImageInfo): string | null {
  if (info.backingFile !== undefined) return `the image has a backing file (${info.backingFile})`;
  if (info.dataFile !== undefined) return `the image has an external data file (${info.dataFile})`;
  return null;
}

/** The formats virtdeck declares for disk images (an ISO is read as raw). */
export type DeclaredImageFormat = "raw" | "qcow2";

/**
 * The one `qemu-img info` command line: JSON output, never opened for writing (-U), C locale.
 * With `format` the image is read as that format (-f); without it qemu-img probes the bytes,
 * which virtdeck does only to compare with what it declared, never to choose a format.
 * Opening an image for `info` never opens its backing file (unless `backingChain`).
 */
export function qemuImgInfoArgv(o: { path: string; format?: string; backingChain?: boolean }): string[] {
  if (!o.path.startsWith("/")) throw new Error("qemu-img info: the image path must be absolute");
  return [
    "env",
    "LC_ALL=C.UTF-8",
    "qemu-img",
    "info",
    "-U",
    ...(o.backingChain ? ["--backing-chain"] : []),
    "--output=json",
    ...(o.format ? ["-f", o.format] : []),
    o.path,
  ];
}

/** One image under another in a backing chain, with the format it is read as. */
export interface ChainLink {
  path: string;
  format: DeclaredImageFormat;
}

/**
 * Why an image must not be used as `declared`, or null: it must open as the declared format,
 * name no data file, and qemu-img's own probe of the bytes must agree with the declared format
 * (a "raw" disk whose bytes are a qcow2 header is what libvirt reports as qcow2 after any
 * pool-refresh, with the header's backing file). A backing file is refused too, unless
 * `allowBacking` (an image virtdeck itself declared qcow2: its header is written by QEMU and
 * qemu-img, never by a guest) and the header states the backing file's format explicitly, as
 * raw or qcow2, with an absolute path; the caller then checks that backing file the same way.
 */
export function imageDeclaredRefusal(
  declared: DeclaredImageFormat,
  asDeclared: ImageInfo,
  probed: ImageInfo,
  opts: { allowBacking?: boolean } = {},
): string | null {
  if (asDeclared.format !== declared) return `qemu-img reads it as ${asDeclared.format}, not ${declared}`;
  if (probed.format !== declared) return `it is declared ${declared} but its bytes are a ${probed.format} image`;
  for (const info of [asDeclared, probed]) {
    if (info.dataFile !== undefined) return `the image has an external data file (${info.dataFile})`;
  }
  if (asDeclared.backingFile === undefined && probed.backingFile === undefined) return null;
  if (!opts.allowBacking || declared !== "qcow2") return imageRefusal(asDeclared) ?? imageRefusal(probed);
  const next = imageBackingLink(asDeclared);
  if (!next) return `the image has a backing file (${asDeclared.backingFile}) without an explicit raw or qcow2 format`;
  if (probed.fullBackingFile !== asDeclared.fullBackingFile || probed.backingFormat !== asDeclared.backingFormat)
    return "qemu-img's two readings of its backing file disagree";
  return null;
}

/** The backing file an image's header names, when it states an absolute path and a raw or qcow2 format. */
export function imageBackingLink(info: ImageInfo): ChainLink | null {
  const path = info.fullBackingFile;
  if (!path || !path.startsWith("/") || path.includes("\0")) return null;
  if (info.backingFormat !== "raw" && info.backingFormat !== "qcow2") return null;
  return { path, format: info.backingFormat };
}

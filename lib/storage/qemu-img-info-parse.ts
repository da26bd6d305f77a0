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
  backingFile?: string;
  dataFile?: string;
}

export function parseQemuImgInfo(stdout: string): ImageInfo {
  const j = InfoSchema.parse(JSON.parse(stdout));
  const dataFile = j["format-specific"]?.data?.["data-file"];
  return {
    format: j.format,
    virtualSizeBytes: j["virtual-size"],
    ...(j["backing-filename"] !== undefined ? { backingFile: j["backing-filename"] } : {}),
    ...(typeof dataFile === "string" ? { dataFile } : {}),
  };
}

/** Why an image must not be used, or null when it is self-contained. */
export function imageRefusal(info: ImageInfo): string | null {
  if (info.backingFile !== undefined) return `the image has a backing file (${info.backingFile})`;
  if (info.dataFile !== undefined) return `the image has an external data file (${info.dataFile})`;
  return null;
}

/** True when the bytes start like a qcow2 image ("QFI\xfb"). */
export function looksLikeQcow2(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x51 && head[1] === 0x46 && head[2] === 0x49 && head[3] === 0xfb;
}

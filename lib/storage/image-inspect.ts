import "server-only";
import { AppError } from "@/lib/http/errors";
import type { HostClient } from "@/lib/hosts/client";
import {
  imageBackingLink,
  imageDeclaredRefusal,
  parseQemuImgInfo,
  type ChainLink,
  type DeclaredImageFormat,
  type ImageInfo,
} from "@/lib/libvirt/qemu-img-info-parse";
import { imageInfoRaw } from "@/lib/virt/image";

/**
 * The check every path that hands an existing image to libvirt or QEMU runs first (copy, linked
 * overlay, import, CD-ROM attach, upload, template deploy): the image is read as the format
 * virtdeck declared for it (`qemu-img info -U -f <declared>`), and refused when it names a backing
 * file or a data file, or when qemu-img's probe of the bytes (a second `qemu-img info` without
 * -f, compared only, never used) sees another format. A disk's format comes from what virtdeck
 * declared (the domain's <driver type>, a template's disk format, the upload's format), never
 * from what libvirt or qemu-img detect: a guest writes any header into its own raw disk.
 *
 * Throws AppError invalid_input "Refused: …" for a refused image; the caller must not fall back
 * to another way of using it.
 */
export async function imageInspect(o: {
  host: HostClient;
  path: string;
  declaredFormat: DeclaredImageFormat;
  /** How the image is named in a refusal (default: its path). */
  label?: string;
  /**
   * Accept a backing chain below an image virtdeck declared qcow2 (a linked clone, or a template
   * built from one), link by link: each header states its backing file's format (raw or qcow2),
   * each backing file is a volume of a storage pool (`inPool`), and each passes this same check
   * as the format stated for it. Without it, any backing file is refused.
   */
  backingChain?: { inPool: (path: string) => Promise<boolean> };
}): Promise<ImageInspection> {
  const what = o.label ?? o.path;
  if (!o.path.startsWith("/")) throw new AppError("invalid_state", `${o.host.host.name}: ${what} has no absolute path`);
  const host = o.host;
  const refuse = (why: string) =>
    new AppError("invalid_input", `Refused: ${what}: ${why}. Such images can read files on the host.`);
  const chain: ChainLink[] = [];
  const seen = new Set<string>();
  let path = o.path;
  let format = o.declaredFormat;
  let top: ImageInfo | undefined;
  for (;;) {
    const at = path === o.path ? "" : ` (in its backing chain: ${path})`;
    const [declared, probed] = await Promise.all([imageInfoRaw({ host, path, format }), imageInfoRaw({ host, path })]);
    if (declared.code !== 0)
      throw refuse(`qemu-img cannot read it as ${format}${at} (${declared.stderr.trim() || `exit ${declared.code}`})`);
    if (probed.code !== 0)
      throw refuse(`qemu-img cannot read it without a format${at} (${probed.stderr.trim() || `exit ${probed.code}`})`);
    let asDeclared: ImageInfo;
    let asProbed: ImageInfo;
    try {
      asDeclared = parseQemuImgInfo(declared.stdout);
      asProbed = parseQemuImgInfo(probed.stdout);
    } catch (err) {
      throw refuse(`unreadable qemu-img output${at} (${err instanceof Error ? err.message : String(err)})`);
    }
    const refusal = imageDeclaredRefusal(format, asDeclared, asProbed, { allowBacking: o.backingChain !== undefined });
    if (refusal) throw refuse(refusal + at);
    top ??= asDeclared;
    const next = imageBackingLink(asDeclared);
    if (!next) break;
    if (seen.has(next.path) || next.path === o.path || chain.length >= MAX_CHAIN)
      throw refuse(`its backing chain loops or is longer than ${MAX_CHAIN}`);
    if (!(await o.backingChain!.inPool(next.path)))
      throw refuse(`its backing file ${next.path} is not a volume of a storage pool`);
    seen.add(next.path);
    chain.push(next);
    path = next.path;
    format = next.format;
  }
  return { ...top!, chain };
}

const MAX_CHAIN = 16;

/** What imageInspect found: the image as declared, and its verified backing chain (top first). */
export type ImageInspection = ImageInfo & { chain: ChainLink[] };

/** The declared format qemu-img reads a volume of this kind as: an ISO is raw bytes. */
export function declaredImageFormat(format: string): DeclaredImageFormat {
  if (format === "qcow2") return "qcow2";
  if (format === "raw" || format === "iso") return "raw";
  throw new AppError(
    "invalid_input",
    `Unsupported disk format ${JSON.stringify(format)}: virtdeck uses raw and qcow2 images`,
  );
}

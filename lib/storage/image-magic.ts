/**
 * Which disk image format a file's bytes claim to be, from its first bytes (and its last 512),
 * the way QEMU's format probes (`bdrv_probe_all`, each driver's `.bdrv_probe`) and libvirt's
 * (`virStorageFileProbeFormat`) read them. A file declared raw or ISO whose bytes match one of
 * these would be opened as that format by anything that probes it (libvirt after a
 * pool-refresh, qemu-img without -f), and then follow the backing file, data file or extent
 * files named in its header: any file on the host. Pure: no I/O.
 *
 * QEMU probes the first 2048 bytes (BLOCK_PROBE_BUF_SIZE); HEAD_BYTES keeps more for margin.
 * https://gitlab.com/qemu-project/qemu/-/tree/master/block (qcow2.c, vmdk.c, vdi.c, vhdx.c, vpc.c,
 * crypto.c, bochs.c, cloop.c, dmg.c, parallels.c, qed.c, qcow.c)
 */

export const HEAD_BYTES = 4096;
export const TAIL_BYTES = 512;

export type ImageMagicFormat =
  "qcow" | "qcow2" | "qed" | "vmdk" | "vdi" | "vhdx" | "vpc" | "luks" | "bochs" | "cloop" | "dmg" | "parallels" | "cow";

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function startsWith(buf: Uint8Array, magic: Uint8Array, at = 0): boolean {
  if (buf.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (buf[at + i] !== magic[i]) return false;
  return true;
}

const QFI = Uint8Array.of(0x51, 0x46, 0x49, 0xfb);
const QED = Uint8Array.of(0x51, 0x45, 0x44, 0x00);
const KDMV = ascii("KDMV");
const COWD = ascii("COWD");
const VDI_SIGNATURE = Uint8Array.of(0x7f, 0x10, 0xda, 0xbe); // 0xbeda107f little-endian, at 0x40
const VHDX = ascii("vhdxfile");
const CONECTIX = ascii("conectix");
const LUKS = Uint8Array.of(0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe);
const BOCHS = ascii("Bochs Virtual HD Image");
const CLOOP = ascii("#!/bin/sh\n#V2.0 Format\n");
const PARALLELS = [ascii("WithoutFreeSpace"), ascii("WithouFreSpacExt")];
const COW = ascii("OOOM"); // UML COW, still probed by libvirt
const KOLY = ascii("koly");
const DESCRIPTOR = ascii("# Disk DescriptorFile");

/**
 * vmdk_probe's text branch: a descriptor file is comment lines ('#'), blank lines and then a
 * "version=1|2|3" line. QEMU then opens every extent the descriptor names (`RW 2048 FLAT
 * "/etc/shadow" 0`), so a descriptor is as dangerous as a backing file.
 */
function vmdkDescriptor(head: Uint8Array): boolean {
  if (startsWith(head, DESCRIPTOR)) return true;
  const end = Math.min(head.length, 2048);
  let p = 0;
  while (p < end) {
    const c = head[p];
    if (c === 0x23 /* # */) {
      while (p < end && head[p] !== 0x0a) p++;
      p++;
      continue;
    }
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
      // QEMU accepts only blank lines here; any whitespace is taken as blank (stricter is safer).
      while (p < end && (head[p] === 0x20 || head[p] === 0x09 || head[p] === 0x0d)) p++;
      if (p < end && head[p] !== 0x0a)
        return /^version=\d/.test(String.fromCharCode(...head.subarray(p, Math.min(end, p + 10))));
      p++;
      continue;
    }
    return /^version=[123]\r?\n/.test(String.fromCharCode(...head.subarray(p, Math.min(end, p + 12))));
  }
  return false;
}

/**
 * The image format the bytes look like, or null for bytes no probe claims (raw data, an ISO 9660
 * image). `head` holds the file's first bytes (up to HEAD_BYTES, fewer only when the file is that
 * short); `tail` its last TAIL_BYTES, when known (footers: VHD "conectix", DMG "koly").
 */
export function imageMagicDetect(head: Uint8Array, tail?: Uint8Array): ImageMagicFormat | null {
  if (startsWith(head, QFI)) {
    const version = head.length >= 8 ? ((head[4] << 24) | (head[5] << 16) | (head[6] << 8) | head[7]) >>> 0 : 2;
    return version === 1 ? "qcow" : "qcow2";
  }
  if (startsWith(head, QED)) return "qed";
  if (startsWith(head, KDMV) || startsWith(head, COWD)) return "vmdk";
  if (startsWith(head, VDI_SIGNATURE, 0x40)) return "vdi";
  if (startsWith(head, VHDX)) return "vhdx";
  if (startsWith(head, CONECTIX)) return "vpc";
  if (startsWith(head, LUKS)) return "luks";
  if (startsWith(head, BOCHS)) return "bochs";
  if (startsWith(head, CLOOP)) return "cloop";
  if (PARALLELS.some((m) => startsWith(head, m))) return "parallels";
  if (startsWith(head, COW)) return "cow";
  if (vmdkDescriptor(head)) return "vmdk";
  if (tail && tail.length >= TAIL_BYTES) {
    const t = tail.subarray(tail.length - TAIL_BYTES);
    // VHD keeps a copy of its header as a 512-byte footer (511 bytes in old images).
    if (startsWith(t, CONECTIX) || startsWith(t, CONECTIX, 1)) return "vpc";
    if (startsWith(t, KOLY)) return "dmg";
  }
  return null;
}

/**
 * Keeps the first HEAD_BYTES and the last TAIL_BYTES of a stream, whatever its chunking (one byte
 * per chunk included), so imageMagicDetect sees the same bytes as for the whole file.
 */
export class ImageMagicCollector {
  private head = new Uint8Array(HEAD_BYTES);
  private headLength = 0;
  private tail = new Uint8Array(TAIL_BYTES);
  private tailLength = 0;
  private total = 0;

  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (this.headLength < HEAD_BYTES) {
      const n = Math.min(HEAD_BYTES - this.headLength, chunk.length);
      this.head.set(chunk.subarray(0, n), this.headLength);
      this.headLength += n;
    }
    if (chunk.length >= TAIL_BYTES) {
      this.tail.set(chunk.subarray(chunk.length - TAIL_BYTES));
      this.tailLength = TAIL_BYTES;
    } else {
      const keep = Math.min(this.tailLength, TAIL_BYTES - chunk.length);
      this.tail.copyWithin(0, this.tailLength - keep, this.tailLength);
      this.tail.set(chunk, keep);
      this.tailLength = keep + chunk.length;
    }
  }

  /** True once the head is complete: the header can be judged before the rest arrives. */
  get headComplete(): boolean {
    return this.headLength >= HEAD_BYTES;
  }

  get bytes(): number {
    return this.total;
  }

  /** The format of what was pushed so far, judged on the head only. */
  detectHead(): ImageMagicFormat | null {
    return imageMagicDetect(this.head.subarray(0, this.headLength));
  }

  /** The format of the whole stream (head and footer); call once it has ended. */
  detect(): ImageMagicFormat | null {
    return imageMagicDetect(this.head.subarray(0, this.headLength), this.tail.subarray(0, this.tailLength));
  }
}

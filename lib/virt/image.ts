import "server-only";
import type { HostClient } from "@/lib/hosts/client";
import type { RunResult } from "@/lib/hosts/transport";
import { qemuImgInfoArgv } from "@/lib/libvirt/qemu-img-info-parse";

/**
 * Disk image files through qemu-img (never opened for writing: -U). Used where libvirt's view is
 * not enough: the format an image really has, and backing chains of files outside any pool.
 */

/** `qemu-img info` raw (exit code and JSON), read as `format` or probed without it. */
export async function imageInfoRaw({
  host,
  path,
  format,
  backingChain,
  timeoutMs = 60_000,
}: {
  host: HostClient;
  path: string;
  format?: string;
  backingChain?: boolean;
  timeoutMs?: number;
}): Promise<RunResult> {
  return host.exec(qemuImgInfoArgv({ path, format, backingChain }), timeoutMs);
}

import "server-only";
import { AppError } from "@/lib/http/errors";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import type { HostClient } from "@/lib/hosts/client";
import { domainScreenshotStream } from "@/lib/virt/domain";
import { isActive } from "@/lib/libvirt/vm-state";
import { hostGet } from "@/lib/fleet/hosts";
import { hostErrorToApp } from "@/lib/hosts/client-errors";
import { fleet, hostClientFor } from "@/lib/fleet/runtime";
import { inventoryGet } from "@/lib/fleet/inventory";

/**
 * Guest screen thumbnails (`virsh screenshot` streamed over the SSH channel),
 * cached briefly per VM so list pages polling many thumbnails cost one capture
 * per VM every few seconds, and concurrent requests share one capture.
 */
const TTL_MS = 5_000;
const MAX_BYTES = 16 * 1024 * 1024;

interface Shot {
  at: number;
  png?: Buffer;
  pending?: Promise<Buffer>;
}

function cache(): Map<string, Shot> {
  const caches = fleet().caches;
  let c = caches.get("screenshots") as Map<string, Shot> | undefined;
  if (!c) {
    c = new Map();
    caches.set("screenshots", c);
  }
  return c;
}

async function capture(host: HostClient, uuid: string): Promise<Buffer> {
  // -q (every one-shot virsh has it) keeps virsh's "Screenshot saved" note out of the image on stdout.
  const stream = await domainScreenshotStream({ host, uuid });
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = "";
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new AppError("host_error", "The screenshot took too long"));
    }, 15_000);
    stream.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BYTES) {
        stream.destroy();
        return reject(new AppError("host_error", "The screenshot is too large"));
      }
      chunks.push(c);
    });
    stream.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    stream.on("close", () => {
      clearTimeout(timer);
      const png = Buffer.concat(chunks);
      if (png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) resolve(png);
      else
        reject(new AppError("host_error", stderr.trim().replace(/^error:\s*/gm, "") || "The host returned no image"));
    });
  });
}

export async function vmScreenshot(hostId: string, rawUuid: string): Promise<Buffer> {
  const uuid = DomainUuidSchema.safeParse(rawUuid);
  if (!uuid.success) throw new AppError("not_found", "VM not found");
  const host = await hostGet(hostId);
  const vm = (await inventoryGet(host.id)).vms.find((v) => v.uuid === uuid.data);
  if (!vm) throw new AppError("not_found", "VM not found");
  if (!isActive(vm.state) || !vm.graphics) throw new AppError("invalid_state", `${vm.name} has no screen to capture`);
  const key = `${host.id}/${uuid.data}`;
  const c = cache();
  const hit = c.get(key);
  if (hit?.png && Date.now() - hit.at < TTL_MS) return hit.png;
  if (hit?.pending) return hit.pending;
  const entry: Shot = { at: Date.now() };
  entry.pending = capture(hostClientFor(host, { commandErrorCode: "host_error" }), uuid.data)
    .then((png) => {
      entry.png = png;
      entry.at = Date.now();
      return png;
    })
    .catch((err) => {
      c.delete(key);
      throw hostErrorToApp(err, host.name);
    })
    .finally(() => (entry.pending = undefined));
  c.set(key, entry);
  return entry.pending;
}

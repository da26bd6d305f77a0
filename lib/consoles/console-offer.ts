import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import { isActive } from "@/lib/libvirt/vm-state";
import { hostGet } from "@/lib/fleet/hosts";
import { consoleDomainRead } from "@/lib/consoles/domain";
import type { ConsoleKind } from "@/lib/generated/prisma/enums";

/** Whether a VM can offer a console now: its display or serial port, its state, its viewer slots. */

/** A live session whose instance has not refreshed it for this long is presumed dead. */
export const CONSOLE_STALE_MS = 10_000;
/** QEMU's VNC server accepts this many shared viewers per display (its `connections` default; libvirt has no knob). */
export const QEMU_VNC_VIEWERS = 32;

/** Live console sessions of one kind on a VM, on every instance. */
export async function consoleLiveCount(hostId: string, vmUuid: string, kind: ConsoleKind): Promise<number> {
  return db().consoleSession.count({
    where: { hostId, vmUuid, kind, endedAt: null, lastSeenAt: { gt: new Date(Date.now() - CONSOLE_STALE_MS) } },
  });
}

/**
 * The VM as it is now, when it can offer this console: it has the display (or serial port), runs,
 * and (VNC) has a viewer slot left. Just this VM is read (never the whole host's inventory).
 */
export async function consoleOffered(hostId: string, rawUuid: string, input: { kind: ConsoleKind; mode: string }) {
  const uuidParsed = DomainUuidSchema.safeParse(rawUuid);
  if (!uuidParsed.success) throw new AppError("not_found", "VM not found");
  const uuid = uuidParsed.data;
  const host = await hostGet(hostId);
  // Read now; the websocket re-reads its live XML anyway.
  const dom = await consoleDomainRead(host, uuid);
  const vm = { name: dom.wire.name, state: dom.state };
  if (input.kind === "serial") {
    if (dom.wire.serials.length === 0 && dom.wire.consoles.length === 0)
      throw new AppError("invalid_state", `${vm.name} has no serial console`);
  } else if (!dom.wire.graphics.some((g) => g.type === input.kind)) {
    throw new AppError("invalid_state", `${vm.name} has no ${input.kind.toUpperCase()} display`);
  }
  if (!isActive(vm.state)) throw new AppError("invalid_state", `${vm.name} is not running`);
  if (input.kind === "spice" && input.mode === "view") {
    throw new AppError("invalid_input", "View-only is not available for SPICE consoles");
  }
  if (input.kind === "vnc" && (await consoleLiveCount(host.id, uuid, "vnc")) >= QEMU_VNC_VIEWERS) {
    throw new AppError(
      "console_full",
      `${vm.name} already has ${QEMU_VNC_VIEWERS} viewers, as many as its display accepts`,
    );
  }
  return { host, uuid, dom };
}

import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { hostGet } from "./hosts";

/**
 * Maintenance state of a host (Host.maintenanceSince): while set, the host is never a destination
 * (migration, evacuation, return) and new VMs are refused there. The evacuation and return tasks
 * (lib/migration/maintenance.ts) set and clear it; this module only stores and enforces it.
 */

/** 422 naming `field` when the host is in maintenance: nothing new is placed there. */
export async function hostPlacementRequire(hostId: string, field: string): Promise<void> {
  const host = await hostGet(hostId);
  if (!host.maintenanceSince) return;
  const message = `${host.name} is in maintenance: no new VMs are placed there`;
  throw new AppError("invalid_input", message, { issues: [{ path: field, message }] });
}

/** Enters (a date) or leaves (null) maintenance; answers whether it changed anything. */
export async function hostMaintenanceSet(hostId: string, since: Date | null): Promise<boolean> {
  const r = await db().host.updateMany({
    where: { id: hostId, maintenanceSince: since ? null : { not: null } },
    data: { maintenanceSince: since },
  });
  return r.count > 0;
}

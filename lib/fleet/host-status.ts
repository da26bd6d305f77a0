import "server-only";
import { db } from "@/lib/db/client";
import { childLogger } from "@/lib/log";
import type { HostStatus } from "@/lib/generated/prisma/enums";

// The status this process last read or wrote per host, so a libvirt answer costs no database
// read when the host is already known online. Shared through globalThis like the fleet runtime
// (the custom server and Next's route bundles load separate copies of this module).
const KEY = Symbol.for("virtdeck.hostStatus");
function known(): Map<string, HostStatus> {
  const holder = globalThis as unknown as { [KEY]?: Map<string, HostStatus> };
  return (holder[KEY] ??= new Map());
}

/**
 * Records what the last contact with a host showed: the one place a host's connection status is
 * written by a connection attempt, so the one place it is logged: a line per change (online,
 * offline or key mismatch with a new reason, "reconnected" when a host seen before came back);
 * the same status and reason again only at debug. (Operator edits that reset the status, address
 * change and key confirmation, are audited in hosts.ts.) Returns whether status or reason changed,
 * so callers publish a host event only for a change.
 */
export async function hostStatusSet(
  id: string,
  status: HostStatus,
  message: string,
  extra: { presentedHostKeySha256?: string; seen?: boolean } = {},
): Promise<boolean> {
  const before = await db().host.findUnique({
    where: { id },
    select: { status: true, statusMessage: true, name: true, lastSeenAt: true },
  });
  await db().host.update({
    where: { id },
    data: {
      status,
      statusMessage: message.slice(0, 500),
      ...(extra.presentedHostKeySha256 ? { presentedHostKeySha256: extra.presentedHostKeySha256 } : {}),
      ...(extra.seen ? { lastSeenAt: new Date() } : {}),
    },
  });
  known().set(id, status);
  const log = childLogger("fleet");
  const line = {
    hostId: id,
    host: before?.name,
    status,
    previous: before?.status,
    ...(message ? { reason: message.slice(0, 500) } : {}),
  };
  const unchanged = before?.status === status && before.statusMessage === message.slice(0, 500);
  if (unchanged) log.debug(line, "host status unchanged");
  else if (status === "online")
    log.info(line, before?.status === "offline" && before.lastSeenAt ? "host reconnected" : "host online");
  else log.warn(line, status === "key_mismatch" ? "host key mismatch" : `host ${status}`);
  return !unchanged;
}

/**
 * libvirt on the host just answered: marks an offline host online again (also when its SSH
 * connection never dropped, e.g. after a libvirtd restart). Free while the host is known online;
 * never overrides a key dispute. Returns whether the status changed.
 */
export async function hostStatusAnswered(id: string): Promise<boolean> {
  if (known().get(id) === "online") return false;
  const row = await db().host.findUnique({ where: { id }, select: { status: true } });
  if (!row || row.status === "key_mismatch") return false;
  if (row.status === "online") {
    known().set(id, "online");
    return false;
  }
  return hostStatusSet(id, "online", "", { seen: true });
}

/** Forgets what this process knew of a host's status (the row was edited or deleted elsewhere). */
export function hostStatusForget(id: string): void {
  known().delete(id);
}

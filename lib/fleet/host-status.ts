import "server-only";
import { db } from "@/lib/db/client";
import { childLogger } from "@/lib/log";
import type { HostStatus } from "@/lib/generated/prisma/enums";

/**
 * Records what the last contact with a host showed: the one place a host's connection status is
 * written, so the one place it is logged (a line per change: online, offline, key mismatch, and
 * "reconnected" when an offline host came back; an unchanged status only at debug).
 */
export async function hostStatusSet(
  id: string,
  status: HostStatus,
  message: string,
  extra: { presentedHostKeySha256?: string; seen?: boolean } = {},
): Promise<void> {
  const before = await db().host.findUnique({ where: { id }, select: { status: true, name: true } });
  await db().host.update({
    where: { id },
    data: {
      status,
      statusMessage: message.slice(0, 500),
      ...(extra.presentedHostKeySha256 ? { presentedHostKeySha256: extra.presentedHostKeySha256 } : {}),
      ...(extra.seen ? { lastSeenAt: new Date() } : {}),
    },
  });
  const log = childLogger("fleet");
  const line = { hostId: id, host: before?.name, status, previous: before?.status, ...(message ? { reason: message.slice(0, 500) } : {}) };
  if (before?.status === status) log.debug(line, "host status unchanged");
  else if (status === "online") log.info(line, before?.status === "offline" ? "host reconnected" : "host online");
  else log.warn(line, status === "key_mismatch" ? "host key mismatch" : `host ${status}`);
}

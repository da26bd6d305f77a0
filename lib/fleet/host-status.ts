import "server-only";
import { db } from "@/lib/db/client";
import { childLogger } from "@/lib/log";
import type { HostStatus } from "@/lib/generated/prisma/enums";

/**
 * Records what the last contact with a host showed: the one place a host's connection status is
 * written by a connection attempt, so the one place it is logged: a line per change (online,
 * offline or key mismatch with a new reason, "reconnected" when a host seen before came back);
 * the same status and reason again only at debug. (Operator edits that reset the status, address
 * change and key confirmation, are audited in hosts.ts.)
 */
export async function hostStatusSet(
  id: string,
  status: HostStatus,
  message: string,
  extra: { presentedHostKeySha256?: string; seen?: boolean } = {},
): Promise<void> {
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
  const log = childLogger("fleet");
  const line = {
    hostId: id,
    host: before?.name,
    status,
    previous: before?.status,
    ...(message ? { reason: message.slice(0, 500) } : {}),
  };
  if (before?.status === status && before.statusMessage === message.slice(0, 500))
    log.debug(line, "host status unchanged");
  else if (status === "online")
    log.info(line, before?.status === "offline" && before.lastSeenAt ? "host reconnected" : "host online");
  else log.warn(line, status === "key_mismatch" ? "host key mismatch" : `host ${status}`);
}

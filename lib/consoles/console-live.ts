import "server-only";
import { db } from "@/lib/db/client";
import { auditRecord } from "@/lib/audit/audit";
import { authorize, type Principal } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { callerWatch, callerWatchExtra } from "@/lib/auth/caller-watch";
import { consoleExtrasOrphaned, type ConsumedTicket } from "@/lib/consoles/tickets";
import { shareLinksRecheck } from "@/lib/consoles/share-links";
import { CLOSE } from "./close-codes";

/**
 * The consoles this instance holds open, and their re-checks. Each console's caller (web session,
 * user, vm.console on its VM) is re-read by the one caller re-check loop (lib/auth/caller-watch.ts,
 * once a second, batched with the live-update streams); on the same tick this module's own batch
 * ends extra channels whose main channel closed, share-link consoles whose link or creator no longer
 * allows them, and consoles another user took over, and every PERSIST_MS refreshes lastSeenAt (so
 * other instances know the console is held) and the byte counts.
 */
export interface Live {
  id: string;
  caller: Caller;
  ticket: ConsumedTicket;
  vmName: string;
  hostName: string;
  ip: string;
  bytesIn: number;
  bytesOut: number;
  startedAt: number;
  close: (code: number, reason: string) => void;
}

const PERSIST_MS = 5_000;

interface Registry {
  live: Map<string, Live>;
  lastPersist: number;
  stopExtra?: () => void;
}

const KEY = Symbol.for("virtdeck.consoles.live");

function registry(): Registry {
  const g = globalThis as unknown as { [KEY]?: Registry };
  g[KEY] ??= { live: new Map(), lastPersist: 0 };
  return g[KEY];
}

/** The console permission (lib/authz): vm.console on the ticket's VM, for the caller. */
export async function consolePermitted(principal: Principal, ticket: ConsumedTicket): Promise<boolean> {
  return authorize(principal, "vm.console", { hostId: ticket.hostId, vmUuid: ticket.vmUuid });
}

/** Holds a live console and starts its re-checks. Returns the function that lets it go (once closed). */
export function consoleLiveAdd(live: Live): () => void {
  const r = registry();
  r.live.set(live.id, live);
  // Share-link consoles have no web session: their link and its creator's permission are re-read instead (consoleChecks).
  const unwatch = live.ticket.shareLinkId
    ? () => {}
    : callerWatch(
        {
          principal: live.caller.principal,
          privilege: "vm.console",
          target: { hostId: live.ticket.hostId, vmUuid: live.ticket.vmUuid },
        },
        (reason) => live.close(CLOSE.revoked, reason),
      );
  r.stopExtra ??= callerWatchExtra("consoles", consoleChecks);
  return () => {
    unwatch();
    r.live.delete(live.id);
    if (r.live.size === 0) {
      r.stopExtra?.();
      r.stopExtra = undefined;
    }
  };
}

/** This module's batch on each re-check tick (see the top of the file). */
async function consoleChecks(): Promise<void> {
  const r = registry();
  const lives = [...r.live.values()];
  if (!lives.length) return;
  const shared = lives.filter((l) => l.ticket.shareLinkId);
  const [shareClose, orphaned, requests] = await Promise.all([
    shareLinksRecheck(
      shared.map((l) => ({
        id: l.id,
        shareLinkId: l.ticket.shareLinkId!,
        hostId: l.ticket.hostId,
        vmUuid: l.ticket.vmUuid,
      })),
    ),
    consoleExtrasOrphaned(lives.map((l) => ({ id: l.id, mainTicketId: l.ticket.mainTicketId }))),
    db().consoleSession.findMany({
      where: { id: { in: lives.map((l) => l.id) }, closeRequest: { not: null } },
      select: { id: true, closeRequest: true },
    }),
  ]);
  const requested = new Map(requests.map((q) => [q.id, q.closeRequest!]));
  for (const l of lives) {
    if (orphaned.has(l.id)) l.close(CLOSE.normal, "the console's main channel closed");
    else if (shareClose.has(l.id)) l.close(CLOSE.revoked, shareClose.get(l.id)!);
    else if (requested.has(l.id)) l.close(CLOSE.takenOver, requested.get(l.id)!);
  }
  const now = Date.now();
  if (now - r.lastPersist < PERSIST_MS) return;
  r.lastPersist = now;
  await Promise.all(
    [...r.live.values()].map((l) =>
      db().consoleSession.update({
        where: { id: l.id },
        data: { lastSeenAt: new Date(), bytesIn: BigInt(l.bytesIn), bytesOut: BigInt(l.bytesOut) },
      }),
    ),
  );
}

/** Closes every console of this instance (server shutdown). */
export function consolesCloseAll(): void {
  for (const l of [...registry().live.values()]) l.close(CLOSE.shutdown, "server shutting down");
}

function auditBase(live: Pick<Live, "caller" | "ticket" | "ip">) {
  return {
    actor: live.caller.actor,
    target: { type: "vm" as const, id: `${live.ticket.hostId}/${live.ticket.vmUuid}` },
    ip: live.ip,
  };
}

/** Records a console that could not open (audit). */
export async function consoleRecordFailure(live: Pick<Live, "caller" | "ticket" | "ip">, error: string): Promise<void> {
  await auditRecord({
    ...auditBase(live),
    action: live.ticket.shareLinkId ? "share.open" : "console.open",
    outcome: "failure",
    details: { kind: live.ticket.kind, error },
  });
}

/** Records an opened console: its session row, the take-over request to the interactive holders it displaces, the audit entry. */
export async function consoleRecordStart(live: Live): Promise<void> {
  const { caller, ticket } = live;
  await db().consoleSession.create({
    data: {
      id: live.id,
      userId: caller.actor.id,
      username: caller.actor.name,
      sessionId: caller.principal.sessionId ?? "",
      hostId: ticket.hostId,
      vmUuid: ticket.vmUuid,
      vmName: live.vmName,
      kind: ticket.kind,
      viewOnly: ticket.viewOnly,
      shareLinkId: ticket.shareLinkId ?? null,
      ticketId: ticket.ticketId ?? null,
      mainTicketId: ticket.mainTicketId ?? null,
    },
  });
  if (ticket.takeover) {
    await db().consoleSession.updateMany({
      // Watchers (view-only) may stay: only interactive holders are displaced.
      where: { hostId: ticket.hostId, vmUuid: ticket.vmUuid, endedAt: null, viewOnly: false, id: { not: live.id } },
      data: { closeRequest: `taken over by ${caller.actor.name}` },
    });
  }
  const base = auditBase(live);
  await auditRecord({
    ...base,
    action: ticket.shareLinkId ? "share.open" : "console.open",
    target: { ...base.target, name: live.vmName },
    details: {
      kind: ticket.kind,
      viewOnly: ticket.viewOnly,
      takeover: ticket.takeover,
      host: live.hostName,
      session: live.id,
      ...(ticket.shareLinkId ? { shareLink: ticket.shareLinkId } : {}),
    },
  });
}

/** Records a console's end: its row (reason, bytes) and the audit entry. Never throws. */
export async function consoleRecordEnd(live: Live, reason: string): Promise<void> {
  try {
    await db().consoleSession.update({
      where: { id: live.id },
      data: {
        endedAt: new Date(),
        closeReason: reason.slice(0, 200),
        bytesIn: BigInt(live.bytesIn),
        bytesOut: BigInt(live.bytesOut),
      },
    });
    const base = auditBase(live);
    const { ticket } = live;
    await auditRecord({
      ...base,
      action: ticket.shareLinkId ? "share.close" : "console.close",
      target: { ...base.target, name: live.vmName },
      details: {
        kind: ticket.kind,
        reason,
        bytesIn: live.bytesIn,
        bytesOut: live.bytesOut,
        seconds: Math.round((Date.now() - live.startedAt) / 1000),
        session: live.id,
        ...(ticket.shareLinkId ? { shareLink: ticket.shareLinkId } : {}),
      },
    });
  } catch (err) {
    console.error("console session end not recorded", err);
  }
}

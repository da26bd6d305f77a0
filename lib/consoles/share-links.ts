import "server-only";
import { callerOf, type Caller } from "@/lib/authz/caller";
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { auditBy, auditRecord } from "@/lib/audit/audit";
import { authorize, authorizeMany, type Principal } from "@/lib/authz";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import { hostGet } from "@/lib/fleet/hosts";
import { consoleDomainRead } from "@/lib/consoles/domain";
import { consoleTicketMint, type ConsumedTicket, type MintedTicket } from "@/lib/consoles/tickets";
import type { ConsoleKind } from "@/lib/generated/prisma/enums";
import type { ShareLink } from "@/lib/generated/prisma/client";
import { SHARE_LINK_DEFAULT_MAX_HOURS, SHARE_TOKEN_RE, type ShareLinkView } from "@/lib/contracts/share-links";

/**
 * Console share links: a secret URL (/share/<token>) that opens one VM's console
 * without an account. The link acts as its creator narrowed to that VM's console
 * (a Principal of kind "share", lib/authz): it dies when it expires, when it is
 * revoked, and when its creator loses vm.console on the VM (or is disabled).
 *
 * - The token is 32 random bytes; only its SHA-256 is stored.
 * - The page mints ordinary console tickets bound to the link instead of a web
 *   session (ConsoleTicket.shareLinkId, sessionId ""); the websocket accepts them
 *   without a cookie and the proxy's once-a-second check re-reads the link.
 * - A view-only link only ever mints view-only tickets (input dropped by the
 *   proxy) and no link ever takes over someone else's console.
 * - A single-use link allows one console session: the first ticket for the
 *   console's main channel counts the use (one conditional UPDATE, so two
 *   visitors racing cannot both get in); later opens are refused. Extra
 *   channels exist only for SPICE and each names the link's live main channel
 *   (lib/consoles/tickets.ts), so they never make a second console.
 * - Every create, open, close (proxy.ts, actions share.open / share.close) and
 *   revoke is in the audit log, with the creator as actor and the link's id.
 */

export const SHARE_PRIVILEGES = ["vm.view", "vm.console"] as const;

export const ShareLinkCreateSchema = z
  .object({
    kind: z.enum(["vnc", "spice", "serial"], { error: "kind must be vnc, spice or serial" }),
    expiresInMinutes: z
      .number({ error: "Duration must be a number of minutes" })
      .int("Duration must be whole minutes")
      .min(1, "Duration must be at least 1 minute"),
    /** Defaults to view-only; SPICE has no view-only mode, so a SPICE link must say `viewOnly: false`. */
    viewOnly: z.boolean({ error: "viewOnly must be true or false" }).optional(),
    singleUse: z.boolean().default(false),
  })
  .strict();

export const ShareTicketRequestSchema = z
  .object({
    /** "view" joins a console someone else holds, watching only; a view-only link is always "view". */
    mode: z.enum(["interactive", "view"]).default("interactive"),
    /** SPICE opens one websocket per channel: "extra" channels join the link's live session. */
    channel: z.enum(["main", "extra"]).default("main"),
    /** An extra channel names the link's open console: its main channel's ticket. */
    main: z.string({ error: "main must be the main channel's ticket" }).min(1).max(128).optional(),
  })
  .strict();

export const ShareLinkIdSchema = z.uuid({ error: "Unknown share link" });

const hash = (t: string) => createHash("sha256").update(t).digest("hex");

/** The principal a link acts as: its creator, narrowed to viewing and using this VM's console. */
export function sharePrincipal(
  link: Pick<ShareLink, "id" | "createdById" | "createdBy" | "hostId" | "vmUuid">,
): Principal {
  return {
    kind: "share",
    user: { id: link.createdById, username: link.createdBy },
    sessionId: null,
    shareLinkId: link.id,
    limit: { privileges: [...SHARE_PRIVILEGES], vm: { hostId: link.hostId, vmUuid: link.vmUuid } },
  };
}

export type ShareLinkState = "active" | "expired" | "revoked" | "used";

export function shareLinkState(
  link: Pick<ShareLink, "revokedAt" | "expiresAt" | "singleUse" | "uses">,
  now = Date.now(),
): ShareLinkState {
  if (link.revokedAt) return "revoked";
  if (link.expiresAt.getTime() <= now) return "expired";
  if (link.singleUse && link.uses > 0) return "used";
  return "active";
}

function toView(link: ShareLink): ShareLinkView {
  return {
    id: link.id,
    hostId: link.hostId,
    vmUuid: link.vmUuid,
    vmName: link.vmName,
    kind: link.kind,
    viewOnly: link.viewOnly,
    singleUse: link.singleUse,
    createdBy: { id: link.createdById, username: link.createdBy },
    createdAt: link.createdAt.toISOString(),
    expiresAt: link.expiresAt.toISOString(),
    revokedAt: link.revokedAt?.toISOString() ?? null,
    uses: link.uses,
    lastUsedAt: link.lastUsedAt?.toISOString() ?? null,
    state: shareLinkState(link),
  };
}

/** The longest lifetime the security policy allows, in hours. */
export async function shareLinkMaxHours(): Promise<number> {
  const row = await db().securityPolicy.findUnique({ where: { id: 1 }, select: { shareLinkMaxHours: true } });
  return row?.shareLinkMaxHours ?? SHARE_LINK_DEFAULT_MAX_HOURS;
}

/**
 * Creates a link for the VM's console. The route has checked vm.console on the VM; the
 * VM must offer the console kind (read now from the host), and SPICE has no view-only mode.
 * Returns the link and its token, shown once.
 */
export async function shareLinkCreate(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  input: z.infer<typeof ShareLinkCreateSchema>,
): Promise<{ link: ShareLinkView; token: string; path: string }> {
  const uuidParsed = DomainUuidSchema.safeParse(rawUuid);
  if (!uuidParsed.success) throw new AppError("not_found", "VM not found");
  const uuid = uuidParsed.data;
  const maxHours = await shareLinkMaxHours();
  if (input.expiresInMinutes > maxHours * 60) {
    throw new AppError("invalid_input", `A share link may last at most ${maxHours} hours`, {
      issues: [{ path: "expiresInMinutes", message: `At most ${maxHours * 60} minutes` }],
    });
  }
  if (input.kind === "spice" && input.viewOnly !== false)
    throw new AppError(
      "invalid_input",
      input.viewOnly
        ? "View-only is not available for SPICE consoles"
        : "A SPICE link is interactive (SPICE has no view-only mode): pass viewOnly false",
      { issues: [{ path: "viewOnly", message: "SPICE consoles have no view-only mode" }] },
    );
  const viewOnly = input.viewOnly ?? true;
  const host = await hostGet(hostId);
  const dom = await consoleDomainRead(host, uuid);
  const offers =
    input.kind === "serial"
      ? dom.wire.serials.length + dom.wire.consoles.length > 0
      : dom.wire.graphics.some((g) => g.type === input.kind);
  if (!offers)
    throw new AppError(
      "invalid_state",
      `${dom.wire.name} has no ${input.kind === "serial" ? "serial console" : `${input.kind.toUpperCase()} display`}`,
    );
  const token = randomBytes(32).toString("base64url");
  const link = await db().shareLink.create({
    data: {
      tokenHash: hash(token),
      hostId: host.id,
      vmUuid: uuid,
      vmName: dom.wire.name,
      kind: input.kind,
      viewOnly,
      singleUse: input.singleUse,
      createdById: caller.principal.user.id,
      createdBy: caller.principal.user.username,
      expiresAt: new Date(Date.now() + input.expiresInMinutes * 60_000),
    },
  });
  await auditBy(caller, {
    action: "share.create",
    target: { type: "vm", id: `${host.id}/${uuid}`, name: dom.wire.name },
    details: {
      shareLink: link.id,
      kind: link.kind,
      viewOnly: link.viewOnly,
      singleUse: link.singleUse,
      expiresAt: link.expiresAt.toISOString(),
      via: caller.principal.kind,
    },
  });
  return { link: toView(link), token, path: `/share/${token}` };
}

/**
 * Links of a VM that can still be opened, newest first: the caller's own, or
 * everyone's for a holder of user.manage.
 */
export async function shareLinkList(
  caller: Caller,
  hostId: string,
  rawUuid: string,
): Promise<{ links: ShareLinkView[]; all: boolean; maxHours: number }> {
  const uuid = DomainUuidSchema.safeParse(rawUuid);
  if (!uuid.success) throw new AppError("not_found", "VM not found");
  const all = await authorize(caller.principal, "user.manage");
  const rows = await db().shareLink.findMany({
    where: {
      hostId,
      vmUuid: uuid.data,
      revokedAt: null,
      expiresAt: { gt: new Date() },
      ...(all ? {} : { createdById: caller.principal.user.id }),
    },
    orderBy: { createdAt: "desc" },
    take: 200,
  });
  return { links: rows.map(toView).filter((l) => l.state === "active"), all, maxHours: await shareLinkMaxHours() };
}

/**
 * Revokes a link; its open console closes within a second. Allowed to its creator while their
 * effective privileges (an API token's limit applied) still include vm.console on the VM, and to
 * user.manage held globally; anyone else gets 404, as for a link that does not exist.
 */
export async function shareLinkRevoke(caller: Caller, rawId: string): Promise<ShareLinkView> {
  const id = ShareLinkIdSchema.safeParse(rawId);
  if (!id.success) throw new AppError("not_found", "Share link not found");
  const link = await db().shareLink.findUnique({ where: { id: id.data } });
  const allowed =
    !!link &&
    ((link.createdById === caller.principal.user.id &&
      (await authorize(caller.principal, "vm.console", { hostId: link.hostId, vmUuid: link.vmUuid }))) ||
      (await authorize(caller.principal, "user.manage")));
  if (!link || !allowed) throw new AppError("not_found", "Share link not found");
  if (link.revokedAt) return toView(link);
  const row = await db().shareLink.update({
    where: { id: link.id },
    data: { revokedAt: new Date(), revokedById: caller.principal.user.id },
  });
  await auditBy(caller, {
    action: "share.revoke",
    target: { type: "vm", id: `${link.hostId}/${link.vmUuid}`, name: link.vmName },
    details: { shareLink: link.id, createdBy: link.createdBy, uses: link.uses, via: caller.principal.kind },
  });
  return toView(row);
}

/** The link a token names, whatever its state; null for a malformed or unknown token. */
export async function shareLinkByToken(token: string): Promise<ShareLink | null> {
  if (!SHARE_TOKEN_RE.test(token)) return null;
  return db().shareLink.findUnique({ where: { tokenHash: hash(token) } });
}

/** What the public share page shows about a link: nothing that identifies more than its VM's name. */
export interface ShareLinkPublic {
  state: ShareLinkState | "forbidden";
  vmName: string;
  kind: ConsoleKind;
  viewOnly: boolean;
  expiresAt: string;
}

/** The link's state for its page; "forbidden" once its creator may no longer use this console. */
export async function shareLinkPublic(token: string): Promise<ShareLinkPublic | null> {
  const link = await shareLinkByToken(token);
  if (!link) return null;
  let state: ShareLinkPublic["state"] = shareLinkState(link);
  if (
    state === "active" &&
    !(await authorize(sharePrincipal(link), "vm.console", { hostId: link.hostId, vmUuid: link.vmUuid }))
  )
    state = "forbidden";
  return {
    state,
    vmName: link.vmName,
    kind: link.kind,
    viewOnly: link.viewOnly,
    expiresAt: link.expiresAt.toISOString(),
  };
}

/** Why a link cannot be used now, as the API says it. */
function refusal(state: ShareLinkState | "forbidden"): AppError {
  if (state === "expired") return new AppError("forbidden", "This share link has expired");
  if (state === "revoked") return new AppError("forbidden", "This share link was revoked");
  if (state === "used") return new AppError("forbidden", "This share link was for one use and has been used");
  return new AppError("forbidden", "This share link no longer gives access to the console");
}

/**
 * Mints a console ticket through a link, for its VM and kind only. The ticket is bound to the
 * link (not to a web session) and the console is opened as the link's principal.
 */
export async function shareTicketMint(
  token: string,
  input: z.infer<typeof ShareTicketRequestSchema>,
  ip = "",
): Promise<MintedTicket> {
  const link = await shareLinkByToken(token);
  if (!link) throw new AppError("not_found", "Share link not found");
  const state = shareLinkState(link);
  const extra = input.channel === "extra";
  if (extra && link.kind !== "spice") throw new AppError("bad_request", "Extra channels exist only for SPICE consoles");
  // A single-use link's extra SPICE channels join its one live session (consoleTicketMint checks they name it).
  if (state !== "active" && !(state === "used" && extra)) throw refusal(state);
  if (!(await authorize(sharePrincipal(link), "vm.console", { hostId: link.hostId, vmUuid: link.vmUuid })))
    throw refusal("forbidden");
  const mode = link.viewOnly ? "view" : input.mode;
  const minted = await consoleTicketMint(callerOf(sharePrincipal(link), ip), link.hostId, link.vmUuid, {
    kind: link.kind,
    mode,
    channel: input.channel,
    main: input.main,
  });
  if (!extra) {
    // Count the use; refuse (and drop the ticket) when a single-use link lost the race.
    const now = new Date();
    const counted = await db().shareLink.updateMany({
      where: { id: link.id, revokedAt: null, expiresAt: { gt: now }, ...(link.singleUse ? { uses: 0 } : {}) },
      data: { uses: { increment: 1 }, lastUsedAt: now },
    });
    if (counted.count === 0) {
      await db().consoleTicket.deleteMany({ where: { id: hash(minted.ticket) } });
      const fresh = await db().shareLink.findUnique({ where: { id: link.id } });
      throw refusal(fresh ? shareLinkState(fresh) : "revoked");
    }
  }
  return minted;
}

export type ShareAdmission = { ok: true; caller: Caller; ticket: ConsumedTicket } | { ok: false; reason: string };

/**
 * For the console websocket: uses a ticket minted through a share link (one UPDATE ...
 * RETURNING, like consoleTicketConsume), then re-reads the link and its creator's
 * permission. null when the ticket is not a share link's (the caller goes on with the
 * cookie path); a refusal when it is one but may not open.
 */
export async function shareTicketAdmit(ticket: string | null, ip: string): Promise<ShareAdmission | null> {
  if (!ticket || ticket.length > 128) return null;
  const now = new Date();
  const [row] = await db().consoleTicket.updateManyAndReturn({
    where: {
      id: hash(ticket),
      transport: "websocket",
      usedAt: null,
      expiresAt: { gt: now },
      shareLinkId: { not: null },
    },
    data: { usedAt: now },
  });
  if (!row?.shareLinkId) return null;
  const link = await db().shareLink.findUnique({ where: { id: row.shareLinkId } });
  let reason: string | null = null;
  if (!link) reason = "share link not found";
  else if (link.revokedAt) reason = "share link revoked";
  else if (link.expiresAt.getTime() <= now.getTime()) reason = "share link expired";
  else if (!(await authorize(sharePrincipal(link), "vm.console", { hostId: row.hostId, vmUuid: row.vmUuid })))
    reason = "the link's creator may no longer use this console";
  if (reason || !link) {
    await auditRecord({
      actor: link ? { id: link.createdById, name: link.createdBy } : null,
      action: "share.open",
      outcome: "denied",
      target: { type: "vm", id: `${row.hostId}/${row.vmUuid}` },
      ip,
      details: { shareLink: row.shareLinkId, reason },
    });
    return { ok: false, reason: reason ?? "share link not found" };
  }
  return {
    ok: true,
    caller: callerOf(sharePrincipal(link), ip),
    ticket: {
      hostId: row.hostId,
      vmUuid: row.vmUuid,
      kind: row.kind,
      viewOnly: row.viewOnly,
      takeover: false,
      shareLinkId: link.id,
      ticketId: row.id,
      mainTicketId: row.mainTicketId,
    },
  };
}

/**
 * For the proxy's once-a-second check: why each live link session must close now
 * (revoked, expired, creator lost vm.console or was disabled), absent when it may go on.
 */
export async function shareLinksRecheck(
  lives: readonly { id: string; shareLinkId: string; hostId: string; vmUuid: string }[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!lives.length) return out;
  const links = new Map(
    (await db().shareLink.findMany({ where: { id: { in: [...new Set(lives.map((l) => l.shareLinkId))] } } })).map(
      (l) => [l.id, l],
    ),
  );
  const now = Date.now();
  const pending: { id: string; link: ShareLink }[] = [];
  for (const l of lives) {
    const link = links.get(l.shareLinkId);
    if (!link || link.revokedAt) out.set(l.id, "share link revoked");
    else if (link.expiresAt.getTime() <= now) out.set(l.id, "share link expired");
    else pending.push({ id: l.id, link });
  }
  const ok = await authorizeMany(
    pending.map((p) => ({
      principal: sharePrincipal(p.link),
      privilege: "vm.console" as const,
      target: { hostId: p.link.hostId, vmUuid: p.link.vmUuid },
    })),
  );
  pending.forEach((p, i) => {
    if (!ok[i]) out.set(p.id, "permission revoked");
  });
  return out;
}

import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { authorize, type Principal } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import { hostGet } from "@/lib/fleet/hosts";
import { consoleDomainRead, consolePasswordSet } from "@/lib/consoles/domain";
import { CONSOLE_STALE_MS, consoleOffered } from "@/lib/consoles/console-offer";
import { consoleDisplayTimeLimited } from "@/lib/consoles/display-lock";
import type { ConsoleKind, ConsoleTransport } from "@/lib/generated/prisma/enums";
import { vvFile, vvHostOf } from "@/lib/consoles/vv-file";

/**
 * One-time console tickets: minted by an authorized HTTP request for one user,
 * one session, one VM and one kind of console; valid 30 s; consumed once by the
 * websocket. Stored hashed in PostgreSQL so any app instance can accept them.
 */
export const TICKET_TTL_MS = 30_000;
/** A .vv file's ticket: time for the download to reach the native viewer. */
export const VV_TICKET_TTL_MS = 60_000;
/** After a .vv ticket's first use, the viewer's further SPICE channels may connect for this long. */
export const VV_CHANNEL_WINDOW_MS = 15_000;
/** A SPICE password set for a console outlives its ticket by this much (the viewer's channels link after the main one). */
const SPICE_PASSWORD_MARGIN_MS = 30_000;

export const ConsoleRequestSchema = z
  .object({
    kind: z.enum(["vnc", "spice", "serial"], { error: "kind must be vnc, spice or serial" }),
    mode: z.enum(["interactive", "view", "takeover"]).default("interactive"),
    /**
     * SPICE: "main" (the default) sets a fresh display password for this console and returns it;
     * "extra" is a further channel of the same console (spice-html5 opens one websocket per channel)
     * and leaves the password alone.
     */
    channel: z.enum(["main", "extra"]).default("main"),
    /** An extra channel names its console: the main channel's ticket (already used, so only a secret handle now). */
    main: z.string({ error: "main must be the main channel's ticket" }).min(1).max(128).optional(),
  })
  .strict();

export interface ConsoleHolder {
  username: string;
  kind: ConsoleKind;
  viewOnly: boolean;
  since: string;
}

export interface MintedTicket {
  ticket: string;
  url: string;
  expiresAt: string;
  viewOnly: boolean;
  kind: ConsoleKind;
  /** SPICE main channel, or VNC with VIRTDECK_CONSOLE_VNC_PASSWORD or a time-limited display password: the display password set for this console (valid a little longer than the ticket). */
  password?: string;
}

const hash = (t: string) => createHash("sha256").update(t).digest("hex");

export async function consoleHolders(
  hostId: string,
  vmUuid: string,
  opts: { excludeUserId?: string; interactiveOnly?: boolean } = {},
): Promise<ConsoleHolder[]> {
  const rows = await db().consoleSession.findMany({
    where: {
      hostId,
      vmUuid,
      endedAt: null,
      lastSeenAt: { gt: new Date(Date.now() - CONSOLE_STALE_MS) },
      ...(opts.excludeUserId ? { userId: { not: opts.excludeUserId } } : {}),
      ...(opts.interactiveOnly ? { viewOnly: false } : {}),
    },
    orderBy: { startedAt: "asc" },
  });
  // One entry per user and kind (a user may have several tabs open), earliest first.
  const seen = new Set<string>();
  return rows
    .filter((r) => {
      const key = `${r.userId}:${r.kind}:${r.viewOnly}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r) => ({ username: r.username, kind: r.kind, viewOnly: r.viewOnly, since: r.startedAt.toISOString() }));
}

/** A SPICE console's further channels (display, inputs, cursor, sound...): spice-html5 opens at most 6. */
export const SPICE_EXTRA_CHANNELS_MAX = 16;

/**
 * The live main SPICE channel an extra channel joins: `main` is that channel's ticket, minted for the
 * same principal (web session, or share link) and VM, used, and its console session open now. Returns
 * the main ticket's id; refuses otherwise, and past SPICE_EXTRA_CHANNELS_MAX channels for one console.
 */
async function consoleMainChannel(
  caller: Caller,
  hostId: string,
  vmUuid: string,
  main: string | undefined,
): Promise<string> {
  const refused = new AppError(
    "invalid_state",
    "Open the console's main channel first: an extra channel joins a live SPICE console",
  );
  if (!main || main.length > 128) throw refused;
  const id = hash(main);
  const t = await db().consoleTicket.findUnique({ where: { id } });
  const p = caller.principal;
  const mine =
    t &&
    t.userId === p.user.id &&
    t.sessionId === ticketSessionKey(p) &&
    (t.shareLinkId ?? null) === (p.shareLinkId ?? null);
  if (
    !t ||
    !mine ||
    t.kind !== "spice" ||
    t.mainTicketId ||
    t.transport !== "websocket" ||
    !t.usedAt ||
    t.hostId !== hostId ||
    t.vmUuid !== vmUuid
  )
    throw refused;
  const since = new Date(Date.now() - CONSOLE_STALE_MS);
  const live = await db().consoleSession.count({
    where: { ticketId: id, mainTicketId: null, endedAt: null, lastSeenAt: { gt: since } },
  });
  if (!live) throw refused;
  const [open, pending] = await Promise.all([
    db().consoleSession.count({ where: { mainTicketId: id, endedAt: null } }),
    db().consoleTicket.count({ where: { mainTicketId: id, usedAt: null, expiresAt: { gt: new Date() } } }),
  ]);
  if (open + pending >= SPICE_EXTRA_CHANNELS_MAX)
    throw new AppError("rate_limited", `A SPICE console has at most ${SPICE_EXTRA_CHANNELS_MAX} extra channels`);
  return id;
}

/**
 * Consoles a user has open or about to open on every instance (share links' visitors count for the
 * link's creator): live main connections (one per ticket: a .vv file's channels are one console) and
 * unused, unexpired main tickets. SPICE extra channels belong to their console and do not count.
 */
export async function consoleCountOfUser(userId: string): Promise<number> {
  const now = Date.now();
  const [live, pending] = await Promise.all([
    db().consoleSession.findMany({
      where: { userId, mainTicketId: null, endedAt: null, lastSeenAt: { gt: new Date(now - CONSOLE_STALE_MS) } },
      select: { id: true, ticketId: true },
    }),
    db().consoleTicket.count({ where: { userId, mainTicketId: null, usedAt: null, expiresAt: { gt: new Date(now) } } }),
  ]);
  return new Set(live.map((r) => r.ticketId ?? r.id)).size + pending;
}

function consoleCapError(max: number): AppError {
  return new AppError("rate_limited", `You have ${max} consoles open, the most allowed per user: close one first`, {
    data: { limit: max },
  });
}

/** A ticket's binding besides its user (ConsoleTicket.sessionId): the browser session, the API token
 * (no websocket takes such a ticket: no cookie), or "" for a share link (bound by its shareLinkId). */
function ticketSessionKey(p: Principal): string {
  return p.sessionId ?? (p.kind === "token" && p.tokenId ? `apitoken:${p.tokenId}` : "");
}

/** Checks the VM can offer this console now, then mints a ticket for the caller (session, token, or share link). */
export async function consoleTicketMint(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  input: Omit<z.infer<typeof ConsoleRequestSchema>, "channel"> & { channel?: "main" | "extra" },
  opts: { transport?: ConsoleTransport } = {},
): Promise<MintedTicket> {
  const transport = opts.transport ?? "websocket";
  const extra = input.channel === "extra";
  // Only SPICE runs one connection per channel; a VNC or serial "extra" would be a second console outside every rule.
  if (extra && input.kind !== "spice")
    throw new AppError("bad_request", "Extra channels exist only for SPICE consoles");
  if (extra && (transport !== "websocket" || input.mode !== "interactive"))
    throw new AppError("bad_request", "An extra channel joins an interactive websocket console");
  const maxConsoles = env().VIRTDECK_MAX_CONSOLES_PER_USER;
  if (!extra && (await consoleCountOfUser(caller.principal.user.id)) >= maxConsoles) throw consoleCapError(maxConsoles);
  if (
    input.mode === "takeover" &&
    !(await authorize(caller.principal, "vm.console.takeover", { hostId, vmUuid: rawUuid }))
  ) {
    throw new AppError("forbidden", "You may not take over other users' consoles");
  }
  const { host, uuid, dom } = await consoleOffered(hostId, rawUuid, input);
  const mainTicketId = extra ? await consoleMainChannel(caller, host.id, uuid, input.main) : null;
  if (input.mode === "interactive") {
    const holders = await consoleHolders(host.id, uuid, {
      excludeUserId: caller.principal.user.id,
      interactiveOnly: true,
    });
    if (holders.length) {
      throw new AppError(
        "console_held",
        `${holders.map((h) => h.username).join(", ")} ${holders.length > 1 ? "are" : "is"} using this console`,
        {
          data: { holders },
        },
      );
    }
  }
  const ttl = transport === "http_connect" ? VV_TICKET_TTL_MS + VV_CHANNEL_WINDOW_MS : TICKET_TTL_MS;
  // Once QEMU has a SPICE password it wants one from every viewer: each console gets its own, short-lived.
  // VNC too when per-console VNC passwords are on, and whenever the display has a time-limited password
  // (a VM created while they were on, or given a console password before they were switched off, stays
  // locked without one from virtdeck).
  const password =
    input.kind === "spice" && input.channel !== "extra"
      ? await consolePasswordSet(host, uuid, dom.xml, "spice", ttl + SPICE_PASSWORD_MARGIN_MS)
      : input.kind === "vnc" && (env().VIRTDECK_CONSOLE_VNC_PASSWORD || consoleDisplayTimeLimited(dom.xml, "vnc"))
        ? await consolePasswordSet(host, uuid, dom.xml, "vnc", ttl + SPICE_PASSWORD_MARGIN_MS)
        : undefined;
  const ticket = randomBytes(32).toString(transport === "http_connect" ? "hex" : "base64url");
  const expiresAt = new Date(Date.now() + (transport === "http_connect" ? VV_TICKET_TTL_MS : TICKET_TTL_MS));
  await db().consoleTicket.create({
    data: {
      id: hash(ticket),
      userId: caller.principal.user.id,
      sessionId: ticketSessionKey(caller.principal),
      hostId: host.id,
      vmUuid: uuid,
      kind: input.kind,
      viewOnly: input.mode === "view",
      takeover: input.mode === "takeover",
      expiresAt,
      transport,
      shareLinkId: caller.principal.shareLinkId ?? null,
      mainTicketId,
    },
  });
  // Two racing requests could both pass the first count: the one that goes over gives its ticket back.
  if (!extra && (await consoleCountOfUser(caller.principal.user.id)) > maxConsoles) {
    await db().consoleTicket.deleteMany({ where: { id: hash(ticket) } });
    throw consoleCapError(maxConsoles);
  }
  return {
    ticket,
    url: `/ws/console?ticket=${encodeURIComponent(ticket)}`,
    expiresAt: expiresAt.toISOString(),
    viewOnly: input.mode === "view",
    kind: input.kind,
    ...(password ? { password } : {}),
  };
}

export interface ConsumedTicket {
  hostId: string;
  vmUuid: string;
  kind: ConsoleKind;
  viewOnly: boolean;
  takeover: boolean;
  /** Set when the ticket was minted through a console share link (lib/consoles/share-links.ts). */
  shareLinkId?: string | null;
  /** The ticket's id (its hash): the console session records it, so extra channels can name their main. */
  ticketId?: string;
  /** A SPICE extra channel: the id of the main channel's ticket, whose session it lives with. */
  mainTicketId?: string | null;
}

/**
 * Marks an unused, unexpired ticket of `transport` used and reads it in the same statement (one
 * UPDATE ... RETURNING), so two racing uses cannot both succeed. Null for a malformed ticket.
 */
async function ticketMarkUsed(ticket: string | null, transport: ConsoleTransport) {
  if (!ticket || ticket.length > 128) return null;
  const id = hash(ticket);
  const now = new Date();
  const [row] = await db().consoleTicket.updateManyAndReturn({
    where: { id, transport, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  return { id, now, row };
}

/** What a used ticket opens, from its row. */
function consumedOf(row: Omit<ConsumedTicket, "ticketId" | "mainTicketId"> & { id: string }): ConsumedTicket {
  const { hostId, vmUuid, kind, viewOnly, takeover } = row;
  return { hostId, vmUuid, kind, viewOnly, takeover, ticketId: row.id };
}

/** Uses a websocket ticket (see ticketMarkUsed). It must belong to this session. */
export async function consoleTicketConsume(
  ticket: string | null,
  principal: Principal,
): Promise<ConsumedTicket | null> {
  const row = (await ticketMarkUsed(ticket, "websocket"))?.row;
  if (!row || row.userId !== principal.user.id || row.sessionId !== ticketSessionKey(principal)) return null;
  return { ...consumedOf(row), mainTicketId: row.mainTicketId };
}

export interface ConnectTicket extends ConsumedTicket {
  userId: string;
  sessionId: string;
}

/**
 * Uses a .vv ticket for one HTTP CONNECT. A SPICE viewer opens one connection per channel (main,
 * display, inputs, cursor...): the first use must come before the ticket expires and marks it used
 * (ticketMarkUsed); the viewer's further channels are admitted for VV_CHANNEL_WINDOW_MS
 * after that first use, and never later. The caller checks the ticket's web session and privilege.
 */
export async function consoleTicketConsumeConnect(ticket: string | null): Promise<ConnectTicket | null> {
  const used = await ticketMarkUsed(ticket, "http_connect");
  if (!used) return null;
  const { id, now } = used;
  const row =
    used.row ??
    (await db().consoleTicket.findFirst({
      where: { id, transport: "http_connect", usedAt: { gt: new Date(now.getTime() - VV_CHANNEL_WINDOW_MS) } },
    }));
  if (!row) return null;
  return { ...consumedOf(row), userId: row.userId, sessionId: row.sessionId };
}

/**
 * For the proxy's once-a-second check: the SPICE extra channels among `lives` whose main channel's
 * session is no longer open (on any instance). An extra channel lives only as long as its console.
 */
export async function consoleExtrasOrphaned(
  lives: readonly { id: string; mainTicketId?: string | null }[],
): Promise<Set<string>> {
  const extras = lives.filter((l) => l.mainTicketId);
  if (!extras.length) return new Set();
  const mains = await db().consoleSession.findMany({
    where: {
      ticketId: { in: [...new Set(extras.map((l) => l.mainTicketId!))] },
      mainTicketId: null,
      endedAt: null,
      lastSeenAt: { gt: new Date(Date.now() - CONSOLE_STALE_MS) },
    },
    select: { ticketId: true },
  });
  const open = new Set(mains.map((m) => m.ticketId));
  return new Set(extras.filter((l) => !open.has(l.mainTicketId!)).map((l) => l.id));
}

/** How long a ticket row stays after it expired (a finished console's history still names it). */
export const CONSOLE_TICKET_GRACE_MS = 3600_000;

/**
 * Deletes tickets that expired more than CONSOLE_TICKET_GRACE_MS ago, except those an open
 * console session names (its own ticket, or its main channel's: a live SPICE console's extra
 * channels are admitted by reading the main ticket's row, however long the console runs). A
 * session row left open by a killed instance stops protecting its ticket once it has been
 * silent for the grace period. Returns the number deleted.
 */
export async function consoleTicketPurge(): Promise<number> {
  const cutoff = new Date(Date.now() - CONSOLE_TICKET_GRACE_MS);
  return db().$executeRaw`
    DELETE FROM "ConsoleTicket" t
    WHERE t."expiresAt" < ${cutoff}
      AND NOT EXISTS (
        SELECT 1 FROM "ConsoleSession" s
        WHERE s."endedAt" IS NULL AND s."lastSeenAt" > ${cutoff}
          AND (s."ticketId" = t.id OR s."mainTicketId" = t.id))`;
}

/**
 * A .vv file for a native SPICE viewer: a ticket for HTTP CONNECT through the app (60 s to first
 * use), the console's fresh SPICE password, and the app's origin as the viewer's proxy.
 */
export async function consoleVvCreate(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  origin: string,
): Promise<{ filename: string; body: string }> {
  const minted = await consoleTicketMint(
    caller,
    hostId,
    rawUuid,
    { kind: "spice", mode: "interactive", channel: "main" },
    { transport: "http_connect" },
  );
  const dom = await consoleDomainRead(await hostGet(hostId), DomainUuidSchema.parse(rawUuid)).catch(() => null);
  const name = dom?.wire.name ?? "console";
  return {
    filename: `${name.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60) || "console"}.vv`,
    body: vvFile({
      host: vvHostOf(minted.ticket),
      password: minted.password,
      proxy: origin,
      title: `${name} (virtdeck)`,
    }),
  };
}

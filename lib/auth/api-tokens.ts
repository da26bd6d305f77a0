import "server-only";
import { z } from "zod";
import { typedNameSchema } from "@/lib/contracts/text";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { auditBy, auditRecord } from "@/lib/audit/audit";
import { PRIVILEGES, type Privilege } from "@/lib/authz/privileges";
import { rateLimitHit, rateLimitPeek } from "@/lib/auth/rate-limit";
import { authorize, privilegesAnywhere, type Principal } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { isPrivilege } from "@/lib/authz/effective";
import { apiTokenGenerate, apiTokenHash, apiTokenHashMatches, apiTokenPrefix } from "@/lib/auth/api-token-format";

/**
 * Personal API tokens: `Authorization: Bearer vdt_...`. A token acts as its
 * owner narrowed to the privileges it was created with (lib/authz intersects
 * them with the owner's grants on every check, so losing a grant narrows every
 * token too). Shown once, stored as a SHA-256, expiring, revocable by the owner
 * or by anyone holding user.manage.
 */
export const ApiTokenCreateSchema = z
  .object({
    name: typedNameSchema(),
    expiresInDays: z
      .number({ error: "Expiry must be a number of days" })
      .int("Expiry must be whole days")
      .min(1, "Expiry must be at least 1 day"),
    privileges: z
      .array(z.enum(PRIVILEGES, { error: "Unknown privilege" }))
      .min(1, "Choose at least one privilege")
      .transform((p) => [...new Set(p)].sort()),
  })
  .strict();

export const ApiTokenIdSchema = z.uuid({ error: "Unknown token" });

export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  privileges: Privilege[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  lastUsedIp: string;
  revokedAt: string | null;
  status: "active" | "expired" | "revoked";
  owner: { id: string; username: string };
}

const VIEW = {
  id: true,
  name: true,
  prefix: true,
  privileges: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  lastUsedIp: true,
  revokedAt: true,
  user: { select: { id: true, username: true } },
} as const;

type Row = {
  id: string;
  name: string;
  prefix: string;
  privileges: string[];
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  lastUsedIp: string;
  revokedAt: Date | null;
  user: { id: string; username: string };
};

function view(r: Row, now = Date.now()): ApiTokenView {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    privileges: r.privileges.filter(isPrivilege),
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    lastUsedIp: r.lastUsedIp,
    revokedAt: r.revokedAt?.toISOString() ?? null,
    status: r.revokedAt ? "revoked" : r.expiresAt.getTime() <= now ? "expired" : "active",
    owner: r.user,
  };
}

export async function apiTokenMaxDays(): Promise<number> {
  const row = await db().securityPolicy.findUnique({ where: { id: 1 }, select: { apiTokenMaxDays: true } });
  return row?.apiTokenMaxDays ?? 90;
}

/** What the caller may put in a token: the privileges they hold at any scope (a token caller: within its own limit). */
export async function apiTokenGrantable(principal: Principal): Promise<Privilege[]> {
  const held = await privilegesAnywhere(principal);
  return PRIVILEGES.filter((p) => held.has(p));
}

/** Creates a token for the caller. Returns the token string, which is never shown again. */
export async function apiTokenCreate(
  caller: Caller,
  input: z.infer<typeof ApiTokenCreateSchema>,
): Promise<{ token: string; view: ApiTokenView }> {
  const maxDays = await apiTokenMaxDays();
  if (input.expiresInDays > maxDays) {
    throw new AppError("invalid_input", `Tokens may live at most ${maxDays} days`, {
      issues: [{ path: "expiresInDays", message: `At most ${maxDays} days` }],
    });
  }
  const held = await privilegesAnywhere(caller.principal);
  const excess = input.privileges.filter((p) => !held.has(p));
  if (excess.length) {
    await auditBy(caller, {
      action: "token.create",
      outcome: "denied",
      details: { name: input.name, privileges: input.privileges, excess },
    });
    throw new AppError("forbidden", `A token cannot have privileges you do not hold: ${excess.join(", ")}`, {
      data: { excess },
    });
  }
  const { token, prefix } = apiTokenGenerate();
  const row = await db().apiToken.create({
    data: {
      userId: caller.principal.user.id,
      name: input.name,
      prefix,
      tokenHash: apiTokenHash(token),
      privileges: input.privileges,
      expiresAt: new Date(Date.now() + input.expiresInDays * 86_400_000),
    },
    select: VIEW,
  });
  await auditBy(caller, {
    action: "token.create",
    target: { type: "token", id: row.id, name: `${row.name} (${row.prefix})` },
    details: { privileges: input.privileges, expiresAt: row.expiresAt.toISOString() },
  });
  return { token, view: view(row) };
}

/** The caller's own tokens, or (all: true, user.manage) everyone's. Newest first. */
export async function apiTokensList(caller: Caller, opts: { all?: boolean } = {}): Promise<ApiTokenView[]> {
  if (opts.all && !(await authorize(caller.principal, "user.manage")))
    throw new AppError("forbidden", "You do not have permission to do this");
  const rows = await db().apiToken.findMany({
    where: opts.all ? {} : { userId: caller.principal.user.id },
    orderBy: { createdAt: "desc" },
    select: VIEW,
  });
  const now = Date.now();
  return rows.map((r) => view(r, now));
}

/** Revokes a token: its owner, or anyone with user.manage. Another user's token is "not found" to others. */
export async function apiTokenRevoke(caller: Caller, id: string): Promise<ApiTokenView> {
  const parsed = ApiTokenIdSchema.safeParse(id);
  if (!parsed.success) throw new AppError("not_found", "Unknown token");
  const row = await db().apiToken.findUnique({ where: { id: parsed.data }, select: VIEW });
  const mine = row?.user.id === caller.principal.user.id;
  if (!row || (!mine && !(await authorize(caller.principal, "user.manage"))))
    throw new AppError("not_found", "Unknown token");
  const updated = row.revokedAt
    ? row
    : await db().apiToken.update({
        where: { id: row.id },
        data: { revokedAt: new Date(), revokedById: caller.principal.user.id },
        select: VIEW,
      });
  if (!row.revokedAt) {
    await auditBy(caller, {
      action: "token.revoke",
      target: { type: "token", id: row.id, name: `${row.name} (${row.prefix})` },
      details: { owner: row.user.username },
    });
  }
  return view(updated);
}

/** Refresh lastUsedAt at most this often, to avoid a write per request. */
const TOUCH_MS = 60_000;

/**
 * Resolves a bearer token to its principal, or throws 401 (unknown, malformed,
 * expired, revoked, owner disabled). Failures count per address and are audited;
 * past the limit the address gets 429 without a lookup.
 */
export async function apiTokenAuthenticate(token: string, ip: string): Promise<Principal> {
  const { VIRTDECK_LOGIN_MAX_PER_IP: maxIp, VIRTDECK_LOGIN_WINDOW_SECONDS: window } = env();
  const ipKey = `token:ip:${ip}`;
  const state = await rateLimitPeek(ipKey, window);
  if (state.count >= maxIp)
    throw new AppError("rate_limited", "Too many invalid API tokens. Try again later.", {
      retryAfterSeconds: state.retryAfterSeconds,
    });

  const prefix = apiTokenPrefix(token);
  const row = prefix
    ? await db().apiToken.findUnique({
        where: { prefix },
        select: {
          id: true,
          name: true,
          tokenHash: true,
          privileges: true,
          expiresAt: true,
          revokedAt: true,
          lastUsedAt: true,
          user: { select: { id: true, username: true, disabled: true } },
        },
      })
    : null;
  const now = Date.now();
  const reason =
    !row || !apiTokenHashMatches(token, row.tokenHash)
      ? "unknown"
      : row.revokedAt
        ? "revoked"
        : row.expiresAt.getTime() <= now
          ? "expired"
          : row.user.disabled
            ? "disabled"
            : null;
  if (reason || !row) {
    await rateLimitHit(ipKey, window);
    await auditRecord({
      actor: row && reason !== "unknown" ? { id: row.user.id, name: row.user.username } : null,
      action: "auth.token",
      outcome: "failure",
      target: row && reason !== "unknown" ? { type: "token", id: row.id, name: row.name } : undefined,
      ip,
      details: { reason, prefix: prefix ?? "" },
    });
    throw new AppError(
      "unauthorized",
      reason === "expired"
        ? "This API token has expired"
        : reason === "revoked"
          ? "This API token was revoked"
          : "Invalid API token",
    );
  }
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > TOUCH_MS) {
    await db().apiToken.update({
      where: { id: row.id },
      data: { lastUsedAt: new Date(now), lastUsedIp: ip.slice(0, 64) },
    });
  }
  return {
    kind: "token",
    user: { id: row.user.id, username: row.user.username },
    sessionId: null,
    tokenId: row.id,
    limit: { privileges: row.privileges.filter(isPrivilege) },
  };
}

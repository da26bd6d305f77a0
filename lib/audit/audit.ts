import "server-only";
import { z } from "zod";
import type { AuditEventView } from "@/lib/contracts/audit";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";

export type AuditOutcome = "success" | "failure" | "denied";

export interface AuditActor {
  id: string | null;
  name: string;
}

export interface AuditEntry {
  actor: AuditActor | null;
  action: string;
  outcome?: AuditOutcome;
  target?: { type: string; id?: string; name?: string };
  ip?: string;
  details?: Record<string, unknown>;
  /** When it happened, when recorded later than that (lib/audit/outbox.ts); default: now. */
  at?: Date;
}

/** Appends one audit event. The log is append-only: nothing in virtdeck updates or deletes it. */
export async function auditRecord(entry: AuditEntry, tx?: Prisma.TransactionClient): Promise<void> {
  await (tx ?? db()).auditEvent.create({
    data: {
      ...(entry.at ? { at: entry.at } : {}),
      actorId: entry.actor?.id ?? null,
      actorName: entry.actor?.name ?? "",
      action: entry.action,
      outcome: entry.outcome ?? "success",
      targetType: entry.target?.type ?? "",
      targetId: entry.target?.id ?? "",
      targetName: entry.target?.name ?? "",
      ip: entry.ip ?? "",
      details: (entry.details ?? {}) as Prisma.InputJsonValue,
    },
  });
}

/** Who made a change, as a service has it (lib/authz/caller.ts Caller): their audit identity and address. */
export interface AuditBy {
  actor: AuditActor;
  ip: string;
}

/** Records a change `by` made (their identity and address), inside `tx` when given. */
export async function auditBy(
  by: AuditBy,
  entry: Omit<AuditEntry, "actor" | "ip">,
  tx?: Prisma.TransactionClient,
): Promise<void> {
  await auditRecord({ actor: by.actor, ip: by.ip, ...entry }, tx);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Optional text filter: blank means "no filter". */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .transform((v) => v.trim())
    .optional()
    .transform((v) => (v ? v : undefined));

const date = z
  .union([z.literal(""), z.coerce.date({ error: "Not a valid date" })])
  .optional()
  .transform((v) => (v === "" ? undefined : v));

export const AuditFilterSchema = z.object({
  /** Part of the acting user's name. */
  actor: text(64),
  /** Action prefix: "vm." matches every VM action. */
  action: text(64),
  outcome: z
    .union([z.literal(""), z.enum(["success", "failure", "denied"])])
    .optional()
    .transform((v) => v || undefined),
  /** A host id: events about the host and about every VM on it. */
  host: z
    .union([z.literal(""), z.uuid({ error: "Unknown host" })])
    .optional()
    .transform((v) => v || undefined),
  /** A VM: "<hostId>/<uuid>", a bare domain UUID, or part of its name. */
  vm: text(128),
  from: date,
  to: date,
});

export const AuditQuerySchema = AuditFilterSchema.extend({
  /** Id of the last event of the previous page (events are listed newest first). */
  before: z.coerce.bigint().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export type AuditFilter = z.infer<typeof AuditFilterSchema>;
export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export type { AuditEventView };

/** Prisma passes contains/startsWith to LIKE without escaping its wildcards: match them literally. */
function likeLiteral(s: string): string {
  return s.replace(/[\\%_]/g, "\\$&");
}

/** The WHERE clause of a filter, shared by the page, the API and the CSV export. */
export function auditWhere(q: AuditFilter): Prisma.AuditEventWhereInput {
  const and: Prisma.AuditEventWhereInput[] = [];
  if (q.actor) and.push({ actorName: { contains: likeLiteral(q.actor.toLowerCase()) } });
  if (q.action) and.push({ action: { startsWith: likeLiteral(q.action) } });
  if (q.outcome) and.push({ outcome: q.outcome });
  if (q.from || q.to) and.push({ at: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lte: q.to } : {}) } });
  if (q.host) {
    and.push({
      OR: [
        { targetType: "host", targetId: q.host },
        { targetType: "vm", targetId: { startsWith: `${q.host}/` } },
      ],
    });
  }
  if (q.vm) {
    const v = q.vm;
    const [maybeHost, maybeUuid] = v.split("/");
    if (maybeUuid !== undefined && UUID_RE.test(maybeHost) && UUID_RE.test(maybeUuid)) {
      and.push({ targetType: "vm", targetId: `${maybeHost.toLowerCase()}/${maybeUuid.toLowerCase()}` });
    } else if (UUID_RE.test(v)) {
      and.push({ targetType: "vm", targetId: { endsWith: `/${v.toLowerCase()}` } });
    } else {
      and.push({ targetType: "vm", targetName: { contains: likeLiteral(v), mode: "insensitive" } });
    }
  }
  return and.length ? { AND: and } : {};
}

export function auditEventView(r: Omit<AuditEventView, "id" | "at"> & { id: bigint; at: Date }): AuditEventView {
  return {
    id: r.id.toString(),
    at: r.at.toISOString(),
    actorId: r.actorId,
    actorName: r.actorName,
    action: r.action,
    outcome: r.outcome,
    targetType: r.targetType,
    targetId: r.targetId,
    targetName: r.targetName,
    ip: r.ip,
    details: r.details,
  };
}

/** One page, newest first, with the number of events matching the filter. */
export async function auditList(
  q: AuditQuery,
): Promise<{ events: AuditEventView[]; nextBefore: string | null; total: number }> {
  const where = auditWhere(q);
  const [rows, total] = await Promise.all([
    db().auditEvent.findMany({
      where: { AND: [where, ...(q.before ? [{ id: { lt: q.before } }] : [])] },
      orderBy: { id: "desc" },
      take: q.limit + 1,
    }),
    db().auditEvent.count({ where }),
  ]);
  const page = rows.slice(0, q.limit);
  return {
    events: page.map(auditEventView),
    nextBefore: rows.length > q.limit ? page[page.length - 1].id.toString() : null,
    total,
  };
}

/** Every matching event, newest first, in batches (keyset on id): the CSV export streams these. */
export async function* auditIterate(q: AuditFilter, batch = 500): AsyncGenerator<AuditEventView> {
  const where = auditWhere(q);
  let before: bigint | undefined;
  for (;;) {
    const rows = await db().auditEvent.findMany({
      where: { AND: [where, ...(before ? [{ id: { lt: before } }] : [])] },
      orderBy: { id: "desc" },
      take: batch,
    });
    for (const r of rows) yield auditEventView(r);
    if (rows.length < batch) return;
    before = rows[rows.length - 1].id;
  }
}

/** Distinct action names, for the filter's suggestions. */
export async function auditActions(): Promise<string[]> {
  // SQL DISTINCT over the (action, at) index; Prisma's `distinct` would fetch every row.
  const rows = await db().$queryRaw<
    { action: string }[]
  >`SELECT DISTINCT action FROM "AuditEvent" ORDER BY action LIMIT 500`;
  return rows.map((r) => r.action);
}

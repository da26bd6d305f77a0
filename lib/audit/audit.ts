import "server-only";
import { z } from "zod";
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
}

/** Appends one audit event. The log is append-only: nothing in virtdeck updates or deletes it. */
export async function auditRecord(entry: AuditEntry, tx?: Prisma.TransactionClient): Promise<void> {
  await (tx ?? db()).auditEvent.create({
    data: {
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

export const AuditQuerySchema = z.object({
  actor: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  outcome: z.enum(["success", "failure", "denied"]).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  /** Id of the last event of the previous page (events are listed newest first). */
  before: z.coerce.bigint().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export type AuditQuery = z.infer<typeof AuditQuerySchema>;

export interface AuditEventView {
  id: string;
  at: string;
  actorId: string | null;
  actorName: string;
  action: string;
  outcome: string;
  targetType: string;
  targetId: string;
  targetName: string;
  ip: string;
  details: unknown;
}

export async function auditList(q: AuditQuery): Promise<{ events: AuditEventView[]; nextBefore: string | null }> {
  const where: Prisma.AuditEventWhereInput = {
    ...(q.actor ? { actorName: { contains: q.actor.toLowerCase() } } : {}),
    ...(q.action ? { action: { startsWith: q.action } } : {}),
    ...(q.outcome ? { outcome: q.outcome } : {}),
    ...(q.from || q.to ? { at: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lte: q.to } : {}) } } : {}),
    ...(q.before ? { id: { lt: q.before } } : {}),
  };
  const rows = await db().auditEvent.findMany({ where, orderBy: { id: "desc" }, take: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  return {
    events: page.map((r) => ({
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
    })),
    nextBefore: rows.length > q.limit ? page[page.length - 1].id.toString() : null,
  };
}

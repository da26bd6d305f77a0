/**
 * The audit log's wire type (GET /api/audit, the audit page, the CSV export): built by
 * lib/audit/audit.ts, read by components/audit. Types only.
 */
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

import "server-only";
import { childLogger } from "@/lib/log";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import { auditRecord, type AuditEntry } from "@/lib/audit/audit";

/**
 * Audit events of actions that already happened (a guest destroyed, a VM started) must not be
 * lost because PostgreSQL was down at that moment, and the action must not be reported as
 * failed for it. They wait here, in order, in a bounded in-memory outbox retried with backoff
 * until written (each keeps the time it happened). Past the bound the oldest is dropped and its
 * content logged. What a process still holds when it dies is lost: the app log has it.
 */
const MAX_PENDING = 1_000;
const MAX_DELAY_MS = 5_000;

interface Outbox {
  pending: AuditEntry[];
  timer: NodeJS.Timeout | null;
  delayMs: number;
  draining: Promise<void> | null;
}

const KEY = Symbol.for("virtdeck.auditOutbox");
type Holder = { [KEY]?: Outbox };

function outbox(): Outbox {
  const holder = globalThis as unknown as Holder;
  holder[KEY] ??= { pending: [], timer: null, delayMs: 250, draining: null };
  return holder[KEY];
}

const log = () => childLogger("audit");

/**
 * Records the audit event of something that happened: written now, or kept and written once the
 * database is back. Never throws: "recorded", "pending" (outage: in the outbox), or "lost"
 * (another database error, logged with the event).
 */
export async function auditRecordAfterFact(entry: AuditEntry): Promise<"recorded" | "pending" | "lost"> {
  const e = { ...entry, at: entry.at ?? new Date() };
  const o = outbox();
  if (o.pending.length === 0) {
    try {
      await auditRecord(e);
      return "recorded";
    } catch (err) {
      if (!isDatabaseUnavailable(err)) {
        log().error({ err, event: e }, "audit event not recorded");
        return "lost";
      }
    }
  }
  if (o.pending.length >= MAX_PENDING) {
    const dropped = o.pending.shift();
    log().error({ event: dropped }, "audit outbox full: oldest pending event dropped (logged here)");
  }
  o.pending.push(e);
  log().warn({ action: e.action, pending: o.pending.length }, "database unavailable: audit event kept to record later");
  schedule(o);
  return "pending";
}

/** How many audit events wait for the database. */
export function auditOutboxPending(): number {
  return outbox().pending.length;
}

function schedule(o: Outbox): void {
  if (o.timer || o.draining) return;
  o.timer = setTimeout(() => {
    o.timer = null;
    o.draining = drain(o).finally(() => (o.draining = null));
  }, o.delayMs);
  o.timer.unref();
}

/** Writes pending events in order; on an outage waits longer (doubling, capped) and tries again. */
async function drain(o: Outbox): Promise<void> {
  while (o.pending.length) {
    const e = o.pending[0];
    try {
      await auditRecord(e);
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        o.delayMs = Math.min(o.delayMs * 2, MAX_DELAY_MS);
        o.draining = null;
        schedule(o);
        return;
      }
      log().error({ err, event: e }, "audit event not recorded");
    }
    o.pending.shift();
  }
  o.delayMs = 250;
  log().info("audit outbox: pending events recorded");
}

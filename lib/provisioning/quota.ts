import "server-only";
import { domainUuids } from "@/lib/virt/domain";
import type { Caller } from "@/lib/authz/caller";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { auditBy } from "@/lib/audit/audit";
import { provHost } from "./host-access";
import {
  QUOTA_FIELDS,
  quotaCheck,
  quotaMerge,
  type QuotaAmounts,
  type QuotaLimits,
  type QuotaView,
} from "@/lib/provisioning/quota-rules";

/** The app's client or a transaction of it (same `omit` settings). */
type Client = Pick<ReturnType<typeof db>, "quota" | "groupMember" | "$queryRaw">;

/**
 * Quotas: optional limits on what a user creates through virtdeck: VMs, vCPUs, memory (MiB)
 * and disk (GiB).
 *
 * - Limits are set per user and per group (Quota rows); a null field sets no limit. A user's
 *   effective limit, field by field: their own when set, else the most generous of their
 *   groups' that set it, else none (quota-rules.ts quotaMerge).
 * - Usage counts the VMs a user created (VmOwner rows, written when create or clone starts):
 *   their vCPUs and memory as defined, and the disk virtdeck allocated for them (new volumes'
 *   capacity; an imported volume adds nothing). Hardware edits update the VM's row and count
 *   against its creator's quota, whoever edits. A row whose VM is gone from its host's
 *   inventory (deleted, also outside virtdeck) stops counting; a row for a VM still being
 *   created by a task counts from the start.
 * - Checks and the row they allow are written in one transaction under a per-user advisory
 *   lock, so two creations cannot both take the last room. Refusals are 403 quota_exceeded
 *   with what is over, by how much.
 */

const UUID = z.uuid({ error: "Unknown id" });
/** A row this young may belong to a VM being defined right now (the create request is still running). */
const PENDING_GRACE_MS = 10 * 60_000;

const limit = (max: number) =>
  z.number({ error: "Must be a number" }).int("Must be a whole number").min(0, "Must be 0 or more").max(max).nullable();

export const QuotaSchema = z
  .object({
    maxVms: limit(100_000),
    maxVcpus: limit(1_000_000),
    maxMemoryMiB: limit(1_000_000_000),
    maxDiskGiB: limit(1_000_000_000),
  })
  .strict();

export type QuotaSubject = { kind: "user"; id: string } | { kind: "group"; id: string };

const EMPTY: QuotaLimits = { maxVms: null, maxVcpus: null, maxMemoryMiB: null, maxDiskGiB: null };

function limitsOf(row: QuotaLimits | null | undefined): QuotaLimits {
  return row
    ? { maxVms: row.maxVms, maxVcpus: row.maxVcpus, maxMemoryMiB: row.maxMemoryMiB, maxDiskGiB: row.maxDiskGiB }
    : { ...EMPTY };
}

async function subjectName(subject: QuotaSubject): Promise<string> {
  const id = UUID.safeParse(subject.id);
  if (!id.success) throw new AppError("not_found", subject.kind === "user" ? "User not found" : "Group not found");
  if (subject.kind === "user") {
    const u = await db().user.findUnique({ where: { id: id.data }, select: { username: true } });
    if (!u) throw new AppError("not_found", "User not found");
    return u.username;
  }
  const g = await db().group.findUnique({ where: { id: id.data }, select: { name: true } });
  if (!g) throw new AppError("not_found", "Group not found");
  return g.name;
}

/** A user's or group's own limits (all null when none are set). */
export async function quotaGet(subject: QuotaSubject): Promise<QuotaLimits> {
  await subjectName(subject);
  const row = await db().quota.findUnique({
    where: subject.kind === "user" ? { userId: subject.id } : { groupId: subject.id },
  });
  return limitsOf(row);
}

/** Sets a user's or group's limits (all null removes them); audited. */
export async function quotaSet(
  caller: Caller,
  subject: QuotaSubject,
  input: z.infer<typeof QuotaSchema>,
): Promise<QuotaLimits> {
  const name = await subjectName(subject);
  const where = subject.kind === "user" ? { userId: subject.id } : { groupId: subject.id };
  const before = limitsOf(await db().quota.findUnique({ where }));
  if (QUOTA_FIELDS.every((f) => input[f] === null)) await db().quota.deleteMany({ where });
  else
    await db().quota.upsert({
      where,
      create: { ...where, ...input, updatedById: caller.principal.user.id },
      update: { ...input, updatedById: caller.principal.user.id },
    });
  await auditBy(caller, {
    action: "quota.set",
    target: { type: subject.kind, id: subject.id, name },
    details: { from: before, to: input },
  });
  return { ...input };
}

/** The limits that apply to a user: their own, else their groups' most generous, field by field. */
export async function quotaEffective(userId: string, client: Client = db()): Promise<QuotaLimits> {
  const own = await client.quota.findUnique({ where: { userId } });
  const groups = await client.quota.findMany({
    where: {
      groupId: {
        in: (await client.groupMember.findMany({ where: { userId }, select: { groupId: true } })).map((m) => m.groupId),
      },
    },
  });
  return quotaMerge(own ? limitsOf(own) : null, groups.map(limitsOf));
}

/**
 * Drops rows of VMs their (reachable) host no longer has, so VMs deleted outside virtdeck stop
 * counting (deleting through virtdeck releases at once). A VM whose creation or clone task is
 * still queued or running is not there yet and keeps counting.
 */
async function quotaPrune(userId: string): Promise<void> {
  const candidates = await db().vmOwner.findMany({
    where: { userId, createdAt: { lt: new Date(Date.now() - PENDING_GRACE_MS) } },
  });
  if (!candidates.length) return;
  const pending = await db().task.findMany({
    where: { status: { in: ["queued", "running"] }, vmUuid: { in: candidates.map((r) => r.vmUuid) } },
    select: { hostId: true, vmUuid: true },
  });
  const busy = new Set(pending.map((t) => `${t.hostId}/${t.vmUuid?.toLowerCase()}`));
  const rows = candidates.filter((r) => !busy.has(`${r.hostId}/${r.vmUuid}`));
  for (const hostId of new Set(rows.map((r) => r.hostId))) {
    let uuids: Set<string>;
    try {
      // One list on the host's virsh session: a full inventory refresh would cost far more here.
      const h = await provHost(hostId);
      uuids = new Set(await domainUuids({ host: h }));
    } catch {
      continue; // host unreachable or removed: keep counting until it can be checked
    }
    const gone = rows.filter((r) => r.hostId === hostId && !uuids.has(r.vmUuid.toLowerCase()));
    if (gone.length) await db().vmOwner.deleteMany({ where: { hostId, vmUuid: { in: gone.map((r) => r.vmUuid) } } });
  }
}

/** What a user's VMs count against their quota now. */
export async function quotaUsage(userId: string, client: Client = db()): Promise<QuotaAmounts> {
  const [agg] = await client.$queryRaw<{ vms: number; vcpus: number; memoryMiB: number; diskGiB: number }[]>`
    SELECT count(*)::int AS vms, coalesce(sum(vcpus), 0)::int AS vcpus, coalesce(sum("memoryMiB"), 0)::int AS "memoryMiB", coalesce(sum("diskGiB"), 0)::int AS "diskGiB"
    FROM "VmOwner" WHERE "userId" = ${userId}::uuid`;
  return { vms: agg?.vms ?? 0, vcpus: agg?.vcpus ?? 0, memoryMiB: agg?.memoryMiB ?? 0, diskGiB: agg?.diskGiB ?? 0 };
}

/** A user's limits and usage (their account page, the admin's user panel). */
export async function quotaView(userId: string): Promise<QuotaView> {
  await quotaPrune(userId);
  return { limits: await quotaEffective(userId), usage: await quotaUsage(userId) };
}

export interface VmResources {
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
}

/**
 * Before creating or cloning a VM: refuses (403 quota_exceeded) when the user's quota has no
 * room for it, else records the user as its creator, atomically per user.
 */
export async function quotaReserve(
  user: { id: string; username: string },
  vm: { hostId: string; vmUuid: string } & VmResources,
): Promise<void> {
  await quotaPrune(user.id);
  await db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`virtdeck.quota:${user.id}`}))`;
    const limits = await quotaEffective(user.id, tx);
    const usage = await quotaUsage(user.id, tx);
    const over = quotaCheck(limits, usage, { vms: 1, vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, diskGiB: vm.diskGiB });
    if (over) throw new AppError("quota_exceeded", `Quota of ${user.username}: ${over}`, { data: { limits, usage } });
    await tx.vmOwner.create({
      data: {
        hostId: vm.hostId,
        vmUuid: vm.vmUuid.toLowerCase(),
        userId: user.id,
        vcpus: vm.vcpus,
        memoryMiB: Math.ceil(vm.memoryMiB),
        diskGiB: vm.diskGiB,
      },
    });
  });
}

/** The creation failed: the VM does not count any more. */
export async function quotaRelease(hostId: string, vmUuid: string): Promise<void> {
  await db().vmOwner.deleteMany({ where: { hostId, vmUuid: vmUuid.toLowerCase() } });
}

export interface VmResourceChange {
  vcpus?: number;
  memoryMiB?: number;
  /** Disk allocated (positive) by the edit, in GiB. */
  diskGiBAdded?: number;
  /** Disk given back by the edit (a removed disk whose volume was deleted), in GiB. */
  diskGiBRemoved?: number;
}

/**
 * Before a hardware edit: refuses when the VM's creator's quota has no room for the growth
 * (nothing for VMs created outside virtdeck, which count against nobody).
 */
export async function quotaEditCheck(hostId: string, vmUuid: string, change: VmResourceChange): Promise<void> {
  const row = await db().vmOwner.findUnique({ where: { hostId_vmUuid: { hostId, vmUuid: vmUuid.toLowerCase() } } });
  if (!row) return;
  const owner = await db().user.findUnique({ where: { id: row.userId }, select: { username: true } });
  const limits = await quotaEffective(row.userId);
  const usage = await quotaUsage(row.userId);
  const add = {
    vms: 0,
    vcpus: change.vcpus !== undefined ? Math.max(0, change.vcpus - row.vcpus) : 0,
    memoryMiB: change.memoryMiB !== undefined ? Math.max(0, Math.ceil(change.memoryMiB) - row.memoryMiB) : 0,
    diskGiB: change.diskGiBAdded ?? 0,
  };
  const over = quotaCheck(limits, usage, add);
  if (over)
    throw new AppError("quota_exceeded", `Quota of ${owner?.username ?? "the VM's creator"}: ${over}`, {
      data: { limits, usage },
    });
}

/** After a hardware edit: the VM's row follows its new size (never below zero disk). */
export async function quotaEditApply(hostId: string, vmUuid: string, change: VmResourceChange): Promise<void> {
  const where = { hostId_vmUuid: { hostId, vmUuid: vmUuid.toLowerCase() } };
  const row = await db().vmOwner.findUnique({ where });
  if (!row) return;
  await db().vmOwner.update({
    where,
    data: {
      ...(change.vcpus !== undefined ? { vcpus: change.vcpus } : {}),
      ...(change.memoryMiB !== undefined ? { memoryMiB: Math.ceil(change.memoryMiB) } : {}),
      ...(change.diskGiBAdded || change.diskGiBRemoved
        ? { diskGiB: Math.max(0, row.diskGiB + (change.diskGiBAdded ?? 0) - (change.diskGiBRemoved ?? 0)) }
        : {}),
    },
  });
}

/** GiB of new storage, rounded up (quotas count whole GiB). */
export function bytesToGiB(bytes: number): number {
  return Math.ceil(bytes / 1024 ** 3);
}

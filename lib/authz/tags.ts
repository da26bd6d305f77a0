import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { auditBy } from "@/lib/audit/audit";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import { parseId } from "@/lib/authz/records";

/** VM tags: a tag is a grant selector, so setting tags is access control (audited). */
export const TagSchema = z
  .string({ error: "Tag must be text" })
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,39}$/,
    "Tags are 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit",
  );

export const VmTagsSchema = z.strictObject({
  tags: z
    .array(TagSchema, { error: "tags must be a list" })
    .max(32, "At most 32 tags")
    .transform((l) => [...new Set(l)].sort()),
});

export function vmIds(hostId: string, rawUuid: string): { hostId: string; vmUuid: string } {
  const uuid = DomainUuidSchema.safeParse(rawUuid);
  if (!uuid.success) throw new AppError("not_found", "VM not found");
  return { hostId: parseId(hostId, "VM"), vmUuid: uuid.data };
}

export async function vmTagsGet(hostId: string, rawUuid: string): Promise<string[]> {
  const t = vmIds(hostId, rawUuid);
  return (await db().vmTag.findMany({ where: t, orderBy: { tag: "asc" } })).map((r) => r.tag);
}

/** Replaces a VM's tags (which may change who can see it: audited as a permission change). */
export async function vmTagsSet(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  tags: string[],
  vmName = "",
): Promise<string[]> {
  const t = vmIds(hostId, rawUuid);
  const host = await db().host.findUnique({ where: { id: t.hostId }, select: { id: true } });
  if (!host) throw new AppError("not_found", "VM not found");
  return db().$transaction(async (tx) => {
    const before = (await tx.vmTag.findMany({ where: t })).map((r) => r.tag).sort();
    await tx.vmTag.deleteMany({ where: t });
    if (tags.length) await tx.vmTag.createMany({ data: tags.map((tag) => ({ ...t, tag })) });
    if (before.join() !== tags.join()) {
      await auditBy(
        caller,
        {
          action: "vm.tags",
          target: { type: "vm", id: `${t.hostId}/${t.vmUuid}`, name: vmName },
          details: { from: before, to: tags },
        },
        tx,
      );
    }
    return tags;
  });
}

/** Every tag in use, for the grant dialog. */
export async function tagsList(): Promise<string[]> {
  const rows = await db().vmTag.findMany({ distinct: ["tag"], select: { tag: true }, orderBy: { tag: "asc" } });
  const granted = await db().grant.findMany({ where: { scope: "tag" }, distinct: ["tag"], select: { tag: true } });
  return [...new Set([...rows.map((r) => r.tag), ...granted.map((g) => g.tag!).filter(Boolean)])].sort();
}

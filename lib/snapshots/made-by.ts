import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";

/** Which snapshots of a VM its snapshot schedules made (the tree marks them; retention deletes only these). */
export async function scheduledSnapshotNames(hostId: string, vmUuid: string): Promise<Set<string>> {
  if (!z.uuid().safeParse(hostId).success) return new Set();
  const rows = await db().scheduledSnapshot.findMany({
    where: { hostId, vmUuid: vmUuid.toLowerCase() },
    select: { name: true },
  });
  return new Set(rows.map((r) => r.name));
}

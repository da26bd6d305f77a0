import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { auditRecord } from "@/lib/audit/audit";
import { authorize, authorizeOrThrow } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { RepositoryCreateSchema, type RepositoryCreateInput, type RepositoryView } from "@/lib/contracts/backup";
import { db } from "@/lib/db/client";
import { hostClient } from "@/lib/fleet/runtime";
import { AppError } from "@/lib/http/errors";
import { parseDfAvailable, repoCheckArgv, REPO_CHECK } from "./host-files";

/**
 * Backup repositories: a directory on a registered host. `backup.manage` on that host. The path is
 * checked over SSH when the repository is added: created when missing, refused when it is not a
 * directory or not writable.
 */

export function repositoryIdOf(id: string): string {
  if (!z.uuid().safeParse(id).success) throw new AppError("not_found", "No such repository");
  return id;
}

/** Checks the directory on the host; returns the free bytes there. Throws 422 naming `path`. */
export async function repositoryPathCheck(hostId: string, path: string): Promise<number | null> {
  const h = await hostClient(hostId, { commandErrorCode: "action_failed" });
  const r = await h.exec(repoCheckArgv(path), 30_000);
  const bad = (message: string) => new AppError("invalid_input", message, { issues: [{ path: "path", message }] });
  if (r.code === REPO_CHECK.notDirectory) throw bad(`${path} on ${h.host.name} exists and is not a directory`);
  if (r.code === REPO_CHECK.notWritable) throw bad(`${path} on ${h.host.name} is not writable`);
  if (r.code === REPO_CHECK.cannotCreate) throw bad(`${path} on ${h.host.name} does not exist and cannot be created`);
  if (r.code !== 0) throw bad(`${path} on ${h.host.name} cannot be used: ${r.stderr.trim() || `exit ${r.code}`}`);
  return parseDfAvailable(r.stdout);
}

type Row = Awaited<ReturnType<typeof rows>>[number];
function rows(where: { id?: string } = {}) {
  return db().backupRepository.findMany({
    where,
    include: { host: { select: { name: true } }, points: { select: { bytes: true } } },
    orderBy: { name: "asc" },
  });
}

function view(r: Row, freeBytes: number | null = null): RepositoryView {
  return {
    id: r.id,
    name: r.name,
    hostId: r.hostId,
    hostName: r.host.name,
    path: r.path,
    pointCount: r.points.length,
    bytes: r.points.reduce((a, p) => a + Number(p.bytes), 0),
    freeBytes,
    createdAt: r.createdAt.toISOString(),
  };
}

/** Repositories on the hosts where the caller holds backup.manage. */
export async function repositoryList(caller: Caller): Promise<RepositoryView[]> {
  await authorizeOrThrow(caller.principal, "backup.manage", "anywhere");
  const all = await rows();
  const ok = await Promise.all(all.map((r) => authorize(caller.principal, "backup.manage", { hostId: r.hostId })));
  return all.filter((_, i) => ok[i]).map((r) => view(r));
}

export async function repositoryCreate(
  caller: Caller,
  hostId: string,
  raw: RepositoryCreateInput,
): Promise<RepositoryView> {
  if (!z.uuid().safeParse(hostId).success) throw new AppError("not_found", "Host not found");
  await authorizeOrThrow(caller.principal, "backup.manage", { hostId });
  const input = { ...RepositoryCreateSchema.parse(raw), hostId };
  const audit = (outcome: "success" | "failure", details: Record<string, unknown>, id = "") =>
    auditRecord({
      actor: caller.actor,
      action: "backup.repository.create",
      outcome,
      target: { type: "backup-repository", id, name: input.name },
      ip: caller.ip,
      details: { hostId: input.hostId, path: input.path, ...details },
    });
  if (
    await db().backupRepository.findFirst({
      where: { OR: [{ name: input.name }, { hostId: input.hostId, path: input.path }] },
    })
  )
    throw new AppError("conflict", "A repository with this name, or at this path on this host, exists", {
      issues: [{ path: "name", message: "Taken" }],
    });
  let free: number | null;
  try {
    free = await repositoryPathCheck(input.hostId, input.path);
  } catch (err) {
    await audit("failure", { error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  const id = randomUUID();
  await db().backupRepository.create({
    data: { id, name: input.name, hostId: input.hostId, path: input.path, createdByName: caller.actor.name },
  });
  await audit("success", {}, id);
  const [r] = await rows({ id });
  return view(r, free);
}

/** Forgets a repository of a host (its files stay on the host). Refused while jobs use it. */
export async function repositoryDelete(caller: Caller, hostId: string, rawId: string): Promise<void> {
  await authorizeOrThrow(caller.principal, "backup.manage", { hostId });
  const id = repositoryIdOf(rawId);
  const r = await db().backupRepository.findUnique({ where: { id }, include: { jobs: { select: { id: true } } } });
  if (!r || r.hostId !== hostId) throw new AppError("not_found", "No such repository");
  if (r.jobs.length)
    throw new AppError("conflict", `${r.jobs.length} backup job(s) use this repository: delete them first`);
  await db().backupRepository.delete({ where: { id } });
  await auditRecord({
    actor: caller.actor,
    action: "backup.repository.delete",
    target: { type: "backup-repository", id, name: r.name },
    ip: caller.ip,
    details: { hostId: r.hostId, path: r.path },
  });
}

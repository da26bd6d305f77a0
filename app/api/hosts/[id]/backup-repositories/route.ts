import { hostRoute } from "@/lib/http/json-route";
import { RepositoryCreateSchema } from "@/lib/contracts/backup";
import { RepositoryResponseSchema } from "@/lib/contracts/api/backups";
import { repositoryCreate } from "@/lib/backup/repositories";

/** Adds a backup repository on the host: the directory is created when missing and checked (a writable directory) over SSH. */
export const POST = hostRoute(
  { responses: { 201: RepositoryResponseSchema }, privilege: "backup.manage", body: RepositoryCreateSchema },
  async ({ caller, params, body }) => ({ repository: await repositoryCreate(caller, params.id, body) }),
);

import { jsonRoute } from "@/lib/http/json-route";
import { RepositoryListResponseSchema } from "@/lib/contracts/api/backups";
import { repositoryList } from "@/lib/backup/repositories";

export const dynamic = "force-dynamic";

/** Backup repositories on the hosts where the caller manages backups, with point counts and bytes stored. */
export const GET = jsonRoute(
  { responses: { 200: RepositoryListResponseSchema }, privilege: "backup.manage", anyScope: true },
  async ({ caller }) => ({ repositories: await repositoryList(caller) }),
);

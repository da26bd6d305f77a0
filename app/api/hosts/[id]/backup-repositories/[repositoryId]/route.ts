import { z } from "zod";
import { jsonRoute } from "@/lib/http/json-route";
import { IdSchema } from "@/lib/contracts/api/common";
import { repositoryDelete } from "@/lib/backup/repositories";

const Params = z.object({ id: IdSchema, repositoryId: IdSchema });

/** Forgets one of the host's backup repositories (its files stay on the host); refused while jobs use it. */
export const DELETE = jsonRoute(
  {
    responses: { 204: null },
    privilege: "backup.manage",
    params: Params,
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ caller, params }) => {
    await repositoryDelete(caller, params.id, params.repositoryId);
  },
);

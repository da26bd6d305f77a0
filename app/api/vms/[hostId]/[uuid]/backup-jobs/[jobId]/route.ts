import { z } from "zod";
import { jsonRoute } from "@/lib/http/json-route";
import { IdSchema } from "@/lib/contracts/api/common";
import { backupJobDelete } from "@/lib/backup/jobs";

const Params = z.object({ hostId: IdSchema, uuid: IdSchema, jobId: IdSchema });

/** Deletes one of the VM's backup jobs and its schedule (the backup points it made stay). */
export const DELETE = jsonRoute(
  {
    responses: { 204: null },
    privilege: "backup.manage",
    params: Params,
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ caller, params }) => {
    await backupJobDelete(caller, { hostId: params.hostId, uuid: params.uuid }, params.jobId);
  },
);

import { z } from "zod";
import { jsonRoute } from "@/lib/http/json-route";
import { IdSchema } from "@/lib/contracts/api/common";
import { TaskResponseSchema } from "@/lib/contracts/api/tasks";
import { backupJobRunNow } from "@/lib/backup/jobs";

const Params = z.object({ hostId: IdSchema, uuid: IdSchema, jobId: IdSchema });

/** Runs one of the VM's backup jobs now, as a task: 202 with the task. */
export const POST = jsonRoute(
  {
    responses: { 202: TaskResponseSchema },
    privilege: "backup.manage",
    params: Params,
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ caller, params }) => ({
    task: await backupJobRunNow(caller, { hostId: params.hostId, uuid: params.uuid }, params.jobId),
  }),
);

import { z } from "zod";
import { jsonRoute } from "@/lib/http/json-route";
import { IdSchema } from "@/lib/contracts/api/common";
import { TaskResponseSchema } from "@/lib/contracts/api/tasks";
import { verifyStart } from "@/lib/backup/backups";

const Params = z.object({ hostId: IdSchema, uuid: IdSchema, pointId: IdSchema });

/** Verifies one of the VM's backup points (re-checksums its images on the repository's host), as a task. */
export const POST = jsonRoute(
  {
    responses: { 202: TaskResponseSchema },
    privilege: "backup.manage",
    params: Params,
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ caller, params }) => ({
    task: await verifyStart(caller, { hostId: params.hostId, uuid: params.uuid }, params.pointId),
  }),
);

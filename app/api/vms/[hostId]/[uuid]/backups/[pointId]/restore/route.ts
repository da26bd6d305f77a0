import { z } from "zod";
import { jsonRoute } from "@/lib/http/json-route";
import { IdSchema } from "@/lib/contracts/api/common";
import { RestoreSchema } from "@/lib/contracts/backup";
import { TaskResponseSchema } from "@/lib/contracts/api/tasks";
import { restoreStart } from "@/lib/backup/backups";
import { deniedRequest } from "@/lib/http/json-route";
import { hostPrivilegeRequire } from "@/lib/provisioning/resource-access";

const Params = z.object({ hostId: IdSchema, uuid: IdSchema, pointId: IdSchema });

/**
 * Restores one of the VM's backup points as a new VM (new name, UUID and MAC addresses) on any host:
 * backup.restore on the VM and vm.create on the target host. 202 with the task.
 */
export const POST = jsonRoute(
  {
    responses: { 202: TaskResponseSchema },
    privilege: "backup.restore",
    params: Params,
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
    body: RestoreSchema,
  },
  async ({ req, caller, ip, params, body }) => {
    // 403, not 404: the caller sees the VM (the route checked backup.restore on it), whatever they see of the host.
    await hostPrivilegeRequire(
      caller.principal,
      "vm.create",
      body.hostId,
      "Restoring creates a VM: you need the right to create VMs on the target host",
      deniedRequest(req, ip),
    );
    return { task: await restoreStart(caller, { hostId: params.hostId, uuid: params.uuid }, params.pointId, body) };
  },
);

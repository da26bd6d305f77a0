import { deniedRequest, vmRoute } from "@/lib/http/json-route";
import {
  PreflightReportSchema,
  VmMigratePreflightQuerySchema,
  VmMigrateResponseSchema,
  VmMigrateSchema,
} from "@/lib/contracts/migration";
import { migrationPreflight, vmMigrate } from "@/lib/migration/service";
import { hostPrivilegeRequire } from "@/lib/provisioning/resource-access";

const DEST_DENIED = "Migrating puts a VM on the destination: you need the right to create VMs there";

/**
 * The pre-flight report of migrating this VM to `destHostId`: every check with pass/fail/skip and a
 * reason. Nothing moves. vm.migrate on the VM, vm.create on the destination (the report tells about it).
 */
export const GET = vmRoute(
  { responses: { 200: PreflightReportSchema }, privilege: "vm.migrate", query: VmMigratePreflightQuerySchema },
  async ({ req, caller, ip, params, query }) => {
    await hostPrivilegeRequire(caller.principal, "vm.create", query.destHostId, DEST_DENIED, deniedRequest(req, ip));
    return migrationPreflight(params.hostId, params.uuid, query.destHostId);
  },
);

/**
 * Migrates the VM to another host as a cancellable task (202 with the task id): live when it runs,
 * offline (its definition) when shut off. Refused with 409 and the report when a pre-flight check fails.
 */
export const POST = vmRoute(
  { responses: { 202: VmMigrateResponseSchema }, privilege: "vm.migrate", body: VmMigrateSchema },
  async ({ req, caller, ip, params, body }) => {
    await hostPrivilegeRequire(caller.principal, "vm.create", body.destHostId, DEST_DENIED, deniedRequest(req, ip));
    return vmMigrate(caller, params.hostId, params.uuid, body);
  },
);

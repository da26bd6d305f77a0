import "server-only";
import { authorizeOrThrow, type DeniedRequest } from "@/lib/authz";
import type { VmCreateInput, VmCreateResult } from "@/lib/contracts/provisioning";
import type { Caller } from "@/lib/authz/caller";
import { nicsAuthorize, volumeImportAuthorize } from "./resource-access";
import { vmCreate } from "./vm-create";

/**
 * Creates a VM once the request's own privileges are held (vm.create on the chosen host is the
 * route's): deploying a template also needs template.use there, importing an existing volume
 * storage.manage there, and a NIC on a host bridge (the form's or the template's)
 * network.manage there. Refusals are audited and answer 404/403 as lib/authz decides.
 */
export async function vmCreateAuthorized(
  caller: Caller,
  input: VmCreateInput,
  request: DeniedRequest,
): Promise<VmCreateResult> {
  if (input.mode === "template")
    await authorizeOrThrow(caller.principal, "template.use", { hostId: input.hostId }, request);
  if (input.mode === "import") await volumeImportAuthorize(caller.principal, input.hostId, request);
  return vmCreate(caller, input, {
    nicsAuthorize: (nics) => nicsAuthorize(caller.principal, { hostId: input.hostId }, nics, request),
  });
}

import { deniedRequest, vmRoute } from "@/lib/http/json-route";
import { VmToTemplateSchema } from "@/lib/contracts/provisioning";
import { vmToTemplate } from "@/lib/provisioning/vm-template";
import { hostPrivilegeRequire } from "@/lib/provisioning/resource-access";
import { TemplateResponseSchema } from "@/lib/contracts/api/provisioning";

/**
 * Turn a shut-off VM into a template (the VM is never started again). The record made is always
 * bound to the VM's host (defaultHostId), never global; so template.manage is needed at that host,
 * where the record will be managed, not only on the VM.
 */
export const POST = vmRoute(
  { responses: { 201: TemplateResponseSchema }, privilege: "template.manage", body: VmToTemplateSchema },
  async ({ req, caller, ip, params, body }) => {
    // 403, not 404: the caller sees the VM (the route checked template.manage on it).
    await hostPrivilegeRequire(
      caller.principal,
      "template.manage",
      params.hostId,
      "A template is managed on its host: you need the right to manage templates on this host",
      deniedRequest(req, ip),
    );
    return vmToTemplate(caller, params.hostId, params.uuid, body);
  },
);

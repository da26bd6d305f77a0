import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { Same } from "@/lib/contracts/api/common";
import * as fleet from "@/lib/contracts/api/fleet";
import * as tasks from "@/lib/contracts/api/tasks";
import * as storage from "@/lib/contracts/api/storage";
import * as access from "@/lib/contracts/api/access";
import * as account from "@/lib/contracts/api/account";
import * as consoles from "@/lib/contracts/api/consoles";
import * as prov from "@/lib/contracts/api/provisioning";
import type { HostInfo, HostView, VmDetail, VmListResponse, VmSummary } from "@/lib/contracts/fleet";
import type { TaskDetail, TaskView } from "@/lib/contracts/tasks";
import type { AuditEventView } from "@/lib/contracts/audit";
import type { StoragePool, StorageVolume } from "@/lib/contracts/storage";
import type { GrantView, GroupDetail, GroupView, RoleView, UserAccess, VmAccess } from "@/lib/contracts/access";
import type { QuotaResponse } from "@/lib/contracts/quota";
import type { ShareLinkView } from "@/lib/contracts/share-links";
import type { ProvisioningHostOptions, TemplateView, VmCreateResult } from "@/lib/contracts/provisioning";
import type { VmEditResult, VmHardwareResponse } from "@/lib/contracts/hardware";
import type { UserView } from "@/lib/users/users";
import type { ApiTokenView } from "@/lib/auth/api-tokens";
import type { TotpEnrolment, TotpStatus } from "@/lib/auth/two-factor";
import type { SecurityPolicyView } from "@/lib/auth/security-policy";
import type { MintedTicket } from "@/lib/consoles/tickets";
import type { VmDeletePlan } from "@/lib/provisioning/vm-delete";
import type { SessionUser } from "@/lib/auth/session";

type Out<S extends z.ZodType> = z.output<S>;

/**
 * The answer schemas describe exactly the types the services build: each line fails to compile
 * (`tsc --noEmit`) when a service's type gains, loses or changes a field the schema does not.
 */
const exact: true[] = [
  true satisfies Same<Out<typeof fleet.VmSummarySchema>, VmSummary>,
  true satisfies Same<Out<typeof fleet.VmDetailSchema>, VmDetail>,
  true satisfies Same<Out<typeof fleet.VmListResponseSchema>, VmListResponse>,
  true satisfies Same<Out<typeof fleet.HostViewSchema>, HostView>,
  true satisfies Same<Out<typeof fleet.HostInfoSchema>, HostInfo>,
  true satisfies Same<Out<typeof tasks.TaskViewSchema>, TaskView>,
  true satisfies Same<Out<typeof tasks.TaskDetailSchema>, TaskDetail>,
  true satisfies Same<Out<typeof tasks.AuditEventSchema>, AuditEventView>,
  true satisfies Same<Out<typeof storage.StoragePoolSchema>, StoragePool>,
  true satisfies Same<Out<typeof storage.StorageVolumeSchema>, StorageVolume>,
  true satisfies Same<Out<typeof storage.VmDeletePlanSchema>, VmDeletePlan>,
  true satisfies Same<Out<typeof access.UserViewSchema>, UserView>,
  true satisfies Same<Out<typeof access.GroupViewSchema>, GroupView>,
  true satisfies Same<Out<typeof access.GroupDetailSchema>, GroupDetail>,
  true satisfies Same<Out<typeof access.GrantViewSchema>, GrantView>,
  true satisfies Same<Out<typeof access.RoleViewSchema>, RoleView>,
  true satisfies Same<Out<typeof access.VmAccessSchema>, VmAccess>,
  true satisfies Same<Out<typeof access.UserAccessSchema>, UserAccess>,
  true satisfies Same<Out<typeof access.QuotaResponseSchema>, QuotaResponse>,
  true satisfies Same<Out<typeof account.SessionUserSchema>, SessionUser>,
  true satisfies Same<Out<typeof account.ApiTokenViewSchema>, ApiTokenView>,
  true satisfies Same<Out<typeof account.SecurityPolicySchema>, SecurityPolicyView>,
  true satisfies Same<Out<typeof account.TotpEnrolmentSchema>, TotpEnrolment>,
  true satisfies Same<Out<typeof account.TotpStatusResponseSchema>["totp"], TotpStatus>,
  true satisfies Same<Out<typeof consoles.MintedTicketSchema>, MintedTicket>,
  true satisfies Same<Out<typeof consoles.ShareLinkViewSchema>, ShareLinkView>,
  true satisfies Same<Out<typeof prov.TemplateViewSchema>, TemplateView>,
  true satisfies Same<Out<typeof prov.VmCreateResultSchema>, VmCreateResult>,
  true satisfies Same<Out<typeof prov.VmHardwareSchema>, VmHardwareResponse>,
  true satisfies Same<Out<typeof prov.VmEditResponseSchema>["result"], VmEditResult>,
  true satisfies Same<Out<typeof prov.ProvisioningHostOptionsSchema>, ProvisioningHostOptions>,
];

describe("answer contracts", () => {
  it("match the services' wire types (checked by the compiler)", () => {
    expect(exact.every(Boolean)).toBe(true);
  });
});

import { z } from "zod";
import { PRIVILEGE_LIST as PRIVILEGES } from "@/lib/contracts/access";
import { QUOTA_FIELDS } from "@/lib/contracts/quota";
import { IsoDateSchema } from "@/lib/contracts/api/common";

/** Answers of the access-control routes (users, groups, roles, grants, tags, quotas, VM access). */

const PrivilegeSchema = z.enum(PRIVILEGES);
const ScopeKindSchema = z.enum(["global", "host", "vm", "tag"]);

export const UserViewSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(["admin", "operator", "helpdesk"]),
  disabled: z.boolean(),
  createdAt: IsoDateSchema,
  lastLoginAt: IsoDateSchema.nullable(),
});
export const UserListResponseSchema = z.object({ users: z.array(UserViewSchema) });
export const UserResponseSchema = z.object({ user: UserViewSchema });

export const GroupViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  memberCount: z.number(),
  createdAt: IsoDateSchema,
});

export const GrantViewSchema = z.object({
  id: z.string(),
  subject: z.object({ kind: z.enum(["user", "group"]), id: z.string(), name: z.string() }),
  role: z.object({ id: z.string(), name: z.string(), builtin: z.boolean(), privileges: z.array(PrivilegeSchema) }),
  scope: ScopeKindSchema,
  hostId: z.string().nullable(),
  hostName: z.string().nullable(),
  vmUuid: z.string().nullable(),
  tag: z.string().nullable(),
  createdAt: IsoDateSchema,
});

export const GroupDetailSchema = GroupViewSchema.extend({
  members: z.array(z.object({ id: z.string(), username: z.string(), displayName: z.string(), disabled: z.boolean() })),
  grants: z.array(GrantViewSchema),
});

export const RoleViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  builtin: z.boolean(),
  privileges: z.array(PrivilegeSchema),
  grantCount: z.number(),
});

export const GroupListResponseSchema = z.object({ groups: z.array(GroupViewSchema) });
export const GroupResponseSchema = z.object({ group: GroupViewSchema });
export const GroupDetailResponseSchema = z.object({ group: GroupDetailSchema });
export const RoleListResponseSchema = z.object({ roles: z.array(RoleViewSchema) });
export const RoleResponseSchema = z.object({ role: RoleViewSchema });
export const GrantListResponseSchema = z.object({ grants: z.array(GrantViewSchema) });
export const GrantResponseSchema = z.object({ grant: GrantViewSchema });
export const TagsResponseSchema = z.object({ tags: z.array(z.string()) });

const AccessSourceSchema = z.object({
  grantId: z.string().nullable(),
  role: z.string(),
  scope: ScopeKindSchema,
  scopeName: z.string().nullable(),
  via: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("user") }),
    z.object({ kind: z.literal("group"), id: z.string(), name: z.string() }),
    z.object({ kind: z.literal("account_role") }),
  ]),
  privileges: z.array(PrivilegeSchema),
});

export const VmAccessSchema = z.object({
  tags: z.array(z.string()),
  entries: z.array(
    z.object({
      user: z.object({ id: z.string(), username: z.string(), displayName: z.string() }),
      privileges: z.array(PrivilegeSchema),
      sources: z.array(AccessSourceSchema),
    }),
  ),
  grants: z.array(GrantViewSchema),
});
export const VmAccessResponseSchema = z.object({ access: VmAccessSchema });

export const UserAccessSchema = z.object({
  groups: z.array(z.object({ id: z.string(), name: z.string() })),
  grants: z.array(GrantViewSchema),
  groupGrants: z.array(GrantViewSchema),
});

const QuotaLimitsSchema = z.object(
  Object.fromEntries(QUOTA_FIELDS.map((f) => [f, z.number().nullable()])) as Record<
    (typeof QUOTA_FIELDS)[number],
    z.ZodNullable<z.ZodNumber>
  >,
);
export const QuotaResponseSchema = z.object({
  own: QuotaLimitsSchema,
  effective: z
    .object({
      limits: QuotaLimitsSchema,
      usage: z.object({ vms: z.number(), vcpus: z.number(), memoryMiB: z.number(), diskGiB: z.number() }),
    })
    .optional(),
});

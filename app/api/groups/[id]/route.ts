import { recordRoute } from "@/lib/http/json-route";
import { GroupUpdateSchema, groupDelete, groupGet, groupUpdate } from "@/lib/authz/groups";
import { GroupDetailResponseSchema, GroupResponseSchema } from "@/lib/contracts/api/access";
import { OkSchema } from "@/lib/contracts/api/common";

export const GET = recordRoute(
  { responses: { 200: GroupDetailResponseSchema }, privilege: "user.manage" },
  async ({ params }) => ({ group: await groupGet(params.id) }),
);

export const PATCH = recordRoute(
  { responses: { 200: GroupResponseSchema }, privilege: "user.manage", body: GroupUpdateSchema },
  async ({ caller, params, body }) => ({ group: await groupUpdate(caller, params.id, body) }),
);

export const DELETE = recordRoute(
  { responses: { 200: OkSchema }, privilege: "user.manage" },
  async ({ caller, params }) => {
    await groupDelete(caller, params.id);
    return { ok: true };
  },
);

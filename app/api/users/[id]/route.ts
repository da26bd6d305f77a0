import { recordRoute } from "@/lib/http/json-route";
import { UserUpdateSchema, userDelete, userGet, userUpdate } from "@/lib/users/users";
import { UserResponseSchema } from "@/lib/contracts/api/access";
import { OkSchema } from "@/lib/contracts/api/common";

export const GET = recordRoute(
  { responses: { 200: UserResponseSchema }, privilege: "user.manage" },
  async ({ params }) => ({ user: await userGet(params.id) }),
);

export const PATCH = recordRoute(
  { responses: { 200: UserResponseSchema }, privilege: "user.manage", body: UserUpdateSchema },
  async ({ caller, params, body }) => ({ user: await userUpdate(caller, params.id, body) }),
);

export const DELETE = recordRoute(
  { responses: { 200: OkSchema }, privilege: "user.manage" },
  async ({ caller, params }) => {
    await userDelete(caller, params.id);
    return { ok: true };
  },
);

import { UserCreateSchema, userCreate, usersList } from "@/lib/users/users";
import { UserListResponseSchema, UserResponseSchema } from "@/lib/contracts/api/access";
import { jsonRoute } from "@/lib/http/json-route";

export const GET = jsonRoute({ responses: { 200: UserListResponseSchema }, privilege: "user.manage" }, async () => ({
  users: await usersList(),
}));

export const POST = jsonRoute(
  { responses: { 201: UserResponseSchema }, privilege: "user.manage", body: UserCreateSchema },
  async ({ caller, body }) => ({ user: await userCreate(caller, body) }),
);

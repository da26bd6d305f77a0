import { expect } from "@playwright/test";
import type { Account, Role } from "./accounts";
import type { Api } from "./session";

/** A user as GET /api/users returns it (lib/users/users.ts UserView). */
export interface UserView {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

export async function usersList(admin: Api): Promise<UserView[]> {
  const res = await admin.get("/api/users");
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { users: UserView[] }).users;
}

export async function userFind(admin: Api, username: string): Promise<UserView | undefined> {
  return (await usersList(admin)).find((u) => u.username === username);
}

/** Creates an account through the API (for specs whose subject is not user creation). */
export async function userCreate(admin: Api, account: Account): Promise<UserView> {
  const res = await admin.post("/api/users", {
    username: account.username,
    displayName: account.displayName,
    role: account.role,
    password: account.password,
  });
  expect(res.status(), `creating ${account.username}: ${await res.text()}`).toBe(201);
  return ((await res.json()) as { user: UserView }).user;
}

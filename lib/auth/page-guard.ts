import "server-only";
import { forbidden, redirect } from "next/navigation";
import { currentUser, needsSetup, type CurrentUser } from "@/lib/auth/current";
import { roleCan, type Privilege } from "@/lib/auth/permissions";

/**
 * For server-rendered pages: the signed-in user, redirecting to setup or sign-in
 * when needed, and answering 403 when the user lacks `privilege`.
 */
export async function requirePageUser(privilege?: Privilege): Promise<CurrentUser> {
  if (await needsSetup()) redirect("/setup");
  const user = await currentUser();
  if (!user) redirect("/login");
  if (privilege && !roleCan(user.role, privilege)) forbidden();
  return user;
}

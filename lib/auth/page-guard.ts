import "server-only";
import { forbidden, redirect } from "next/navigation";
import { currentUser, needsSetup, type CurrentUser } from "@/lib/auth/current";
import { headers } from "next/headers";
import { roleCan, type Privilege } from "@/lib/auth/permissions";
import { auditRecord } from "@/lib/audit/audit";
import { clientAddress } from "@/lib/http/client-address";

/**
 * For server-rendered pages: the signed-in user, redirecting to setup or sign-in
 * when needed, and answering 403 when the user lacks `privilege`.
 */
export async function requirePageUser(privilege?: Privilege, page?: string): Promise<CurrentUser> {
  if (await needsSetup()) redirect("/setup");
  const user = await currentUser();
  if (!user) redirect("/login");
  if (privilege && !roleCan(user.role, privilege)) {
    await auditRecord({
      actor: { id: user.id, name: user.username },
      action: "access.denied",
      outcome: "denied",
      ip: clientAddress(await headers()),
      details: { method: "GET", path: page ?? "", privilege },
    });
    forbidden();
  }
  return user;
}

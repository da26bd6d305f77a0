import { requirePageUser } from "@/lib/http/page-guard";
import { policyRoleNames, securityPolicyGet, totpUsersList } from "@/lib/auth/security-policy";
import { getT, pageTitle } from "@/lib/i18n/server";
import { PageHeader } from "@/components/shell/page-header";
import { SecurityClient } from "@/components/security/security-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("twofactor", "securityTitle");

export default async function SecurityPage() {
  const me = await requirePageUser("user.manage", "/security");
  const t = await getT("twofactor");
  const [policy, users, defined] = await Promise.all([securityPolicyGet(), totpUsersList(), policyRoleNames()]);
  const roles = [...new Set<string>([...defined, ...policy.totpRequiredRoles])];
  return (
    <div className="max-w-5xl">
      <PageHeader title={t("securityTitle")} description={t("securityIntro")} />
      <SecurityClient policy={policy} roles={roles} users={users} meId={me.id} />
    </div>
  );
}

import { requirePageUser } from "@/lib/http/page-guard";
import { getT, pageTitle } from "@/lib/i18n/server";
import { PageHeader } from "@/components/shell/page-header";
import { PasswordChangeForm } from "@/components/account/password-change-form";
import { TwoFactorCard } from "@/components/account/two-factor-card";
import { ApiTokensCard } from "@/components/account/api-tokens-card";
import { totpStatus } from "@/lib/auth/two-factor";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("account", "title");

export default async function AccountPage() {
  const me = await requirePageUser();
  const t = await getT("account");
  const totp = await totpStatus(me.id);
  return (
    <div className="max-w-4xl space-y-6">
      <PageHeader
        title={t("title")}
        description={
          <span data-testid="account-whoami">{t("signedInAs", { username: me.username, role: me.role })}</span>
        }
      />
      <div className="max-w-lg space-y-6">
        <PasswordChangeForm />
        <TwoFactorCard initial={totp} />
      </div>
      <ApiTokensCard scope="own" />
    </div>
  );
}

import { requirePageUser } from "@/lib/auth/page-guard";
import { getT } from "@/lib/i18n/server";
import { PasswordChangeForm } from "@/components/account/password-change-form";

export const dynamic = "force-dynamic";

export default async function AccountPage() {
  const me = await requirePageUser();
  const t = await getT("account");
  return (
    <div className="max-w-lg space-y-4">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900 dark:text-slate-100">{t("title")}</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="account-whoami">
          {t("signedInAs", { username: me.username, role: me.role })}
        </p>
      </div>
      <section className="rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
        <h2 className="mb-3 text-lg font-semibold">{t("changePassword")}</h2>
        <PasswordChangeForm csrfToken={me.csrfToken} />
      </section>
    </div>
  );
}

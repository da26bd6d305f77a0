import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";
import { getT } from "@/lib/i18n/server";

export default async function Forbidden() {
  const t = await getT("auth");
  return (
    <main
      className="flex min-h-[60vh] flex-col items-center justify-center gap-3 p-8 text-center"
      data-testid="forbidden"
    >
      <p className="text-5xl font-bold text-slate-300 dark:text-slate-700">403</p>
      <h1 className="text-xl font-semibold text-slate-900 dark:text-slate-50">{t("forbiddenTitle")}</h1>
      <p className="max-w-md text-sm text-slate-600 dark:text-slate-400">{t("forbiddenText")}</p>
      <Link href="/vms" className={buttonClasses({ variant: "secondary", className: "mt-3" })}>
        {t("backHome")}
      </Link>
    </main>
  );
}

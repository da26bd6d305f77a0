import { redirect } from "next/navigation";
import { needsSetup } from "@/lib/http/current-user";
import { getT } from "@/lib/i18n/server";
import { AuthCard } from "@/components/auth/auth-card";
import { SetupForm } from "@/components/auth/setup-form";

export const dynamic = "force-dynamic";

export default async function SetupPage() {
  if (!(await needsSetup())) redirect("/login");
  const t = await getT("auth");
  return (
    <AuthCard title={t("setupTitle")} intro={t("setupIntro")}>
      <SetupForm />
    </AuthCard>
  );
}

import { redirect } from "next/navigation";
import { currentUser, needsSetup } from "@/lib/http/current-user";
import { getT } from "@/lib/i18n/server";
import { AuthCard } from "@/components/auth/auth-card";
import { LoginForm } from "@/components/auth/login-form";
import { safeNextPath } from "@/lib/contracts/safe-next";

export const dynamic = "force-dynamic";

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  if (await needsSetup()) redirect("/setup");
  // Only paths on this app are followed after sign-in (no open redirect). Without one, the VM list:
  // what most sign-ins are for (the overview is one click away, at /).
  const next = safeNextPath((await searchParams).next, "/vms");
  if (await currentUser()) redirect(next);
  const t = await getT("auth");
  return (
    <AuthCard title={t("loginTitle")}>
      <LoginForm next={next} />
    </AuthCard>
  );
}

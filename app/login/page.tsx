import { redirect } from "next/navigation";
import { currentUser, needsSetup } from "@/lib/auth/current";
import { getT } from "@/lib/i18n/server";
import { AuthCard } from "@/components/auth/auth-card";
import { LoginForm } from "@/components/auth/login-form";

export const dynamic = "force-dynamic";

/** Only same-site paths are followed after sign-in (no open redirect). */
function safeNext(value: string | string[] | undefined): string {
  const v = Array.isArray(value) ? value[0] : value;
  return v && v.startsWith("/") && !v.startsWith("//") && !v.startsWith("/\\") ? v : "/vms";
}

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await needsSetup()) redirect("/setup");
  const next = safeNext((await searchParams).next);
  if (await currentUser()) redirect(next);
  const t = await getT("auth");
  return (
    <AuthCard title={t("loginTitle")}>
      <LoginForm next={next} />
    </AuthCard>
  );
}

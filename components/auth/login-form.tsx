"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { ErrorBanner } from "@/components/ui/alert";

export function LoginForm({ next }: { next: string }) {
  const t = useTranslations("auth");
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await fetchJson("/api/auth/login", { body: { username: f.get("username"), password: f.get("password") } });
      router.replace(next);
      router.refresh();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  }

  // Both fields are required (native validation), but a sign-in form needs no asterisks.
  return (
    <form onSubmit={onSubmit} className="space-y-4">
      {error ? <ErrorBanner testId="form-error">{error}</ErrorBanner> : null}
      <Field label={t("username")}>
        {(p) => <Input {...p} name="username" autoComplete="username" testId="login-username" required autoFocus />}
      </Field>
      <Field label={t("password")}>
        {(p) => <Input {...p} name="password" type="password" autoComplete="current-password" testId="login-password" required />}
      </Field>
      <Button type="submit" loading={busy} testId="login-submit" className="w-full">
        {busy ? t("signingIn") : t("signIn")}
      </Button>
    </form>
  );
}

"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { Field, FormError, SubmitButton } from "@/components/auth/field";

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

  return (
    <form onSubmit={onSubmit}>
      <FormError message={error} />
      <Field label={t("username")} name="username" autoComplete="username" data-testid="login-username" required autoFocus />
      <Field label={t("password")} name="password" type="password" autoComplete="current-password" data-testid="login-password" required />
      <SubmitButton busy={busy} label={t("signIn")} busyLabel={t("signingIn")} testId="login-submit" />
    </form>
  );
}

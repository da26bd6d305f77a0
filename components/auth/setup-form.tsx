"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { Field, FormError, SubmitButton } from "@/components/auth/field";

export function SetupForm() {
  const t = useTranslations("auth");
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [mismatch, setMismatch] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    if (f.get("password") !== f.get("confirm")) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    setBusy(true);
    setError(null);
    try {
      await fetchJson("/api/setup", {
        body: { username: f.get("username"), displayName: f.get("displayName"), password: f.get("password") },
      });
      router.replace("/vms");
      router.refresh();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, "internal", String(err)));
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      <FormError message={error && !error.issues.length ? error.message : null} />
      <Field label={t("username")} name="username" autoComplete="username" hint={t("usernameHint")} error={error?.fieldMessage("username")} data-testid="setup-username" required />
      <Field label={t("displayName")} name="displayName" error={error?.fieldMessage("displayName")} data-testid="setup-displayname" />
      <Field label={t("password")} name="password" type="password" autoComplete="new-password" hint={t("passwordHint")} error={error?.fieldMessage("password")} data-testid="setup-password" required />
      <Field label={t("passwordConfirm")} name="confirm" type="password" autoComplete="new-password" error={mismatch ? t("passwordMismatch") : undefined} data-testid="setup-password-confirm" required />
      <SubmitButton busy={busy} label={t("createAdmin")} busyLabel={t("creating")} testId="setup-submit" />
    </form>
  );
}

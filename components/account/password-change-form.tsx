"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { Field, FormError, SubmitButton } from "@/components/auth/field";

export function PasswordChangeForm({ csrfToken }: { csrfToken: string }) {
  const t = useTranslations("account");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    setDone(false);
    if (f.get("newPassword") !== f.get("confirm")) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    setBusy(true);
    setError(null);
    try {
      await fetchJson("/api/account/password", {
        body: { currentPassword: f.get("currentPassword"), newPassword: f.get("newPassword") },
        csrfToken,
      });
      form.reset();
      setDone(true);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, "internal", String(err)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate>
      {done && (
        <p role="status" data-testid="notice" className="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
          {t("changed")}
        </p>
      )}
      <FormError message={error && !error.issues.length ? error.message : null} />
      <Field label={t("currentPassword")} name="currentPassword" type="password" autoComplete="current-password" error={error?.fieldMessage("currentPassword")} data-testid="account-current" required />
      <Field label={t("newPassword")} name="newPassword" type="password" autoComplete="new-password" error={error?.fieldMessage("newPassword")} data-testid="account-new" required />
      <Field label={t("confirmPassword")} name="confirm" type="password" autoComplete="new-password" error={mismatch ? t("mismatch") : undefined} data-testid="account-confirm" required />
      <SubmitButton busy={busy} label={t("save")} busyLabel={t("saving")} testId="account-submit" />
    </form>
  );
}

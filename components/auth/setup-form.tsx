"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson, toApiError } from "@/components/api/fetch-json";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { ErrorBanner } from "@/components/ui/alert";

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
      setError(toApiError(err));
      setBusy(false);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      {error && !error.issues.length ? <ErrorBanner testId="form-error">{error.message}</ErrorBanner> : null}
      <Field label={t("username")} hint={t("usernameHint")} error={error?.fieldMessage("username")} required>
        {(p) => <Input {...p} name="username" autoComplete="username" testId="setup-username" />}
      </Field>
      <Field label={t("displayName")} error={error?.fieldMessage("displayName")}>
        {(p) => <Input {...p} name="displayName" testId="setup-displayname" />}
      </Field>
      <Field label={t("password")} hint={t("passwordHint")} error={error?.fieldMessage("password")} required>
        {(p) => <Input {...p} name="password" type="password" autoComplete="new-password" testId="setup-password" />}
      </Field>
      <Field label={t("passwordConfirm")} error={mismatch ? t("passwordMismatch") : undefined} required>
        {(p) => (
          <Input {...p} name="confirm" type="password" autoComplete="new-password" testId="setup-password-confirm" />
        )}
      </Field>
      <Button type="submit" loading={busy} testId="setup-submit" className="w-full">
        {busy ? t("creating") : t("createAdmin")}
      </Button>
    </form>
  );
}

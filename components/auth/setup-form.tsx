"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { ErrorBanner } from "@/components/ui/alert";

export function SetupForm() {
  const t = useTranslations("auth");
  const router = useRouter();
  const { busy: calling, error, call } = useApiCall();
  // Stays on until the next page replaces this one.
  const [done, setDone] = useState(false);
  const busy = calling || done;
  const [mismatch, setMismatch] = useState(false);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    if (f.get("password") !== f.get("confirm")) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const body = { username: f.get("username"), displayName: f.get("displayName"), password: f.get("password") };
    void call(async () => {
      await fetchJson("/api/setup", { body });
      setDone(true);
      router.replace("/vms");
      router.refresh();
    });
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

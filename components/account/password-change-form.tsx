"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardFooter, CardHeader } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";

export function PasswordChangeForm() {
  const t = useTranslations("account");
  const { busy, error, call } = useApiCall();
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
    await call(async () => {
      await fetchJson("/api/account/password", {
        body: { currentPassword: f.get("currentPassword"), newPassword: f.get("newPassword") },
      });
      form.reset();
      setDone(true);
    });
  }

  return (
    <Card>
      <CardHeader title={t("changePassword")} />
      <form onSubmit={onSubmit} noValidate>
        <CardBody className="space-y-4">
          {done ? (
            <Alert tone="success" testId="notice">
              {t("changed")}
            </Alert>
          ) : null}
          {error && !error.issues.length ? <ErrorBanner testId="form-error">{error.message}</ErrorBanner> : null}
          <Field label={t("currentPassword")} error={error?.fieldMessage("currentPassword")} required>
            {(p) => (
              <Input
                {...p}
                name="currentPassword"
                type="password"
                autoComplete="current-password"
                testId="account-current"
              />
            )}
          </Field>
          <Field label={t("newPassword")} error={error?.fieldMessage("newPassword")} required>
            {(p) => (
              <Input {...p} name="newPassword" type="password" autoComplete="new-password" testId="account-new" />
            )}
          </Field>
          <Field label={t("confirmPassword")} error={mismatch ? t("mismatch") : undefined} required>
            {(p) => (
              <Input {...p} name="confirm" type="password" autoComplete="new-password" testId="account-confirm" />
            )}
          </Field>
        </CardBody>
        <CardFooter>
          <Button type="submit" loading={busy} testId="account-submit">
            {busy ? t("saving") : t("save")}
          </Button>
        </CardFooter>
      </form>
    </Card>
  );
}

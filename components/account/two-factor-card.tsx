"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { useTotpStatus } from "@/components/data/use-account";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { TotpEnrolPanel, type TotpEnrolment } from "@/components/auth/totp-enrol";
import { RecoveryCodesPanel } from "@/components/auth/recovery-codes";

/** lib/auth/two-factor.ts TotpStatus. */
export interface TotpStatus {
  enabled: boolean;
  pending: boolean;
  recoveryCodesLeft: number;
  required: boolean;
}

type Mode = "idle" | "enrol" | "codes" | "disable" | "regenerate";

export function TwoFactorCard({ initial }: { initial: TotpStatus }) {
  const t = useTranslations("twofactor");
  const totp = useTotpStatus(initial);
  const status = totp.data?.totp ?? initial;
  const [mode, setMode] = useState<Mode>("idle");
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [codes, setCodes] = useState<string[]>([]);
  const { busy, error, setError, call } = useApiCall();
  const [notice, setNotice] = useState<string | null>(null);

  function startEnrol() {
    setNotice(null);
    void call(async () => {
      setEnrolment(
        (await fetchJson<{ enrolment: TotpEnrolment }>("/api/account/totp/enrol", { method: "POST" })).enrolment,
      );
      setMode("enrol");
    });
  }

  async function confirmEnrol(code: string) {
    const r = await fetchJson<{ recoveryCodes: string[] }>("/api/account/totp/confirm", { body: { code } });
    setCodes(r.recoveryCodes);
    setEnrolment(null);
    setMode("codes");
    setNotice(t("enabled"));
    await totp.mutate();
  }

  function submit(e: FormEvent<HTMLFormElement>, path: string, fields: string[]) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = Object.fromEntries(fields.map((k) => [k, String(f.get(k) ?? "")]));
    void call(async () => {
      const r = await fetchJson<{ recoveryCodes?: string[] }>(path, { body });
      if (r.recoveryCodes) {
        setCodes(r.recoveryCodes);
        setMode("codes");
      } else {
        setMode("idle");
        setNotice(t("disabled"));
      }
      await totp.mutate();
    });
  }

  function cancel() {
    setMode("idle");
    setError(null);
    setEnrolment(null);
  }

  return (
    <Card testId="totp-card">
      <CardHeader
        title={t("title")}
        description={t("intro")}
        actions={
          <Badge tone={status.enabled ? "success" : "neutral"} dot testId="totp-status">
            {status.enabled ? t("statusOn") : t("statusOff")}
          </Badge>
        }
      />
      <CardBody className="space-y-4">
        {notice ? (
          <Alert tone="success" testId="totp-notice">
            {notice}
          </Alert>
        ) : null}
        {status.required ? (
          <Alert tone="info" testId="totp-required">
            {t("required")}
          </Alert>
        ) : null}
        {error && !error.issues.length && mode !== "enrol" ? (
          <ErrorBanner testId="totp-error">{error.message}</ErrorBanner>
        ) : null}

        {mode === "codes" ? <RecoveryCodesPanel codes={codes} onDone={() => setMode("idle")} /> : null}
        {mode === "enrol" && enrolment ? (
          <TotpEnrolPanel enrolment={enrolment} onConfirm={confirmEnrol} onCancel={cancel} />
        ) : null}

        {mode === "idle" && !status.enabled ? (
          <Button onClick={startEnrol} loading={busy} testId="totp-enable">
            {t("enable")}
          </Button>
        ) : null}

        {mode === "idle" && status.enabled ? (
          <>
            <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="totp-recovery-left">
              {t("recoveryLeft", { count: status.recoveryCodesLeft })}
            </p>
            <div className="flex flex-wrap gap-2">
              <Button
                variant="secondary"
                onClick={() => (setError(null), setMode("regenerate"))}
                testId="totp-regenerate"
              >
                {t("regenerate")}
              </Button>
              {!status.required ? (
                <Button variant="danger" onClick={() => (setError(null), setMode("disable"))} testId="totp-disable">
                  {t("disable")}
                </Button>
              ) : null}
            </div>
          </>
        ) : null}

        {mode === "regenerate" ? (
          <form
            onSubmit={(e) => submit(e, "/api/account/totp/recovery-codes", ["code"])}
            className="space-y-3"
            noValidate
          >
            <p className="text-sm text-slate-600 dark:text-slate-400">{t("regenerateIntro")}</p>
            <Field label={t("code")} error={error?.fieldMessage("code")} required>
              {(p) => (
                <Input
                  {...p}
                  name="code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  testId="totp-regenerate-code"
                  autoFocus
                />
              )}
            </Field>
            <div className="flex gap-2">
              <Button type="submit" loading={busy} testId="totp-regenerate-submit">
                {t("regenerate")}
              </Button>
              <Button variant="secondary" onClick={cancel}>
                {t("cancel")}
              </Button>
            </div>
          </form>
        ) : null}

        {mode === "disable" ? (
          <form
            onSubmit={(e) => submit(e, "/api/account/totp/disable", ["password", "code"])}
            className="space-y-3"
            noValidate
          >
            <p className="text-sm text-slate-600 dark:text-slate-400">{t("disableIntro")}</p>
            <Field label={t("password")} error={error?.fieldMessage("password")} required>
              {(p) => (
                <Input
                  {...p}
                  name="password"
                  type="password"
                  autoComplete="current-password"
                  testId="totp-disable-password"
                  autoFocus
                />
              )}
            </Field>
            <Field label={t("code")} error={error?.fieldMessage("code")} required>
              {(p) => (
                <Input {...p} name="code" inputMode="numeric" autoComplete="one-time-code" testId="totp-disable-code" />
              )}
            </Field>
            <div className="flex gap-2">
              <Button type="submit" variant="danger" loading={busy} testId="totp-disable-submit">
                {t("disableConfirm")}
              </Button>
              <Button variant="secondary" onClick={cancel}>
                {t("cancel")}
              </Button>
            </div>
          </form>
        ) : null}
      </CardBody>
    </Card>
  );
}

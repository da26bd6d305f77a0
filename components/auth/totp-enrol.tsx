"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { useApiCall } from "@/components/api/use-action";
import { ErrorBanner } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { CopyButton } from "@/components/vms/copy-button";

/** What the enrol endpoints return (lib/auth/two-factor.ts TotpEnrolment). */
export interface TotpEnrolment {
  secret: string;
  secretDisplay: string;
  uri: string;
  qrDataUrl: string;
}

/** QR code + typed key + first-code confirmation, shared by the account page and the sign-in enrolment. */
export function TotpEnrolPanel({
  enrolment,
  onConfirm,
  onCancel,
}: {
  enrolment: TotpEnrolment;
  onConfirm: (code: string) => Promise<void>;
  onCancel?: () => void;
}) {
  const t = useTranslations("twofactor");
  const { busy: calling, error, call } = useApiCall();
  // Stays on once confirmed: the caller moves on to the next step.
  const [done, setDone] = useState(false);
  const busy = calling || done;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const code = String(new FormData(e.currentTarget).get("code") ?? "");
    void call(async () => {
      await onConfirm(code);
      setDone(true);
    });
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" data-testid="totp-enrol" noValidate>
      <p className="text-sm font-medium text-slate-900 dark:text-slate-100">{t("scanTitle")}</p>
      {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL made on the server */}
      <img
        src={enrolment.qrDataUrl}
        alt={t("qrAlt")}
        width={192}
        height={192}
        className="rounded-md bg-white p-2 ring-1 ring-slate-200"
        data-testid="totp-qr"
      />
      <div className="space-y-1">
        <p className="text-sm text-slate-600 dark:text-slate-400">{t("manualSecret")}</p>
        <div className="flex items-center gap-2">
          <code
            className="rounded bg-slate-100 px-2 py-1 font-mono text-sm break-all dark:bg-slate-800"
            data-testid="totp-secret"
            data-secret={enrolment.secret}
          >
            {enrolment.secretDisplay}
          </code>
          <CopyButton text={enrolment.secret} testId="totp-secret-copy" />
        </div>
      </div>
      {error && !error.issues.length ? <ErrorBanner testId="totp-error">{error.message}</ErrorBanner> : null}
      <Field label={t("confirmCode")} error={error?.fieldMessage("code")} required>
        {(p) => (
          <Input
            {...p}
            name="code"
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={7}
            testId="totp-confirm-code"
            autoFocus
          />
        )}
      </Field>
      <div className="flex gap-2">
        <Button type="submit" loading={busy} testId="totp-confirm">
          {busy ? t("confirming") : t("confirm")}
        </Button>
        {onCancel ? (
          <Button variant="secondary" onClick={onCancel} testId="totp-cancel">
            {t("cancel")}
          </Button>
        ) : null}
      </div>
    </form>
  );
}

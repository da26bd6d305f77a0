"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { ErrorBanner } from "@/components/ui/alert";
import { TotpEnrolPanel, type TotpEnrolment } from "@/components/auth/totp-enrol";
import { RecoveryCodesPanel } from "@/components/auth/recovery-codes";
import { safeNextPath } from "@/lib/contracts/safe-next";

type LoginAnswer = { step: "done" } | { step: "totp" } | { step: "enrol" };

/**
 * Sign-in: the password, then (when the account has two-factor on) a TOTP or
 * recovery code, or (when the user's role requires two-factor and it is not set
 * up yet) enrolment. Between the steps the server holds a login challenge; the
 * session cookie arrives only with the last step.
 */
export function LoginForm({ next }: { next: string }) {
  const t = useTranslations("auth");
  const tf = useTranslations("twofactor");
  const router = useRouter();
  const { busy: calling, error: failure, setError, call } = useApiCall();
  // Stays on from the last step until the next page replaces this one.
  const [entering, setEntering] = useState(false);
  const busy = calling || entering;
  const error = failure?.message ?? null;
  const [step, setStep] = useState<"password" | "totp" | "enrol" | "recovery">("password");
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[]>([]);

  function enter() {
    setEntering(true);
    // Checked again here: the page already did, but this is where the browser navigates.
    router.replace(safeNextPath(next));
    router.refresh();
  }

  function onPassword(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = { username: f.get("username"), password: f.get("password") };
    void call(async () => {
      const r = await fetchJson<LoginAnswer>("/api/auth/login", { body });
      if (r.step === "done") return enter();
      if (r.step === "enrol") {
        const s = await fetchJson<{ enrolment: TotpEnrolment }>("/api/auth/login/enrol", { method: "POST" });
        setEnrolment(s.enrolment);
      }
      setStep(r.step);
    });
  }

  function onCode(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const code = String(new FormData(form).get("code") ?? "");
    void call(async () => {
      try {
        await fetchJson("/api/auth/login/second-factor", { body: { code } });
      } catch (err) {
        form.reset();
        // A spent or burnt challenge needs the password again.
        if (err instanceof ApiError && err.status === 401 && /sign in again|password again/.test(err.message))
          setStep("password");
        throw err;
      }
      enter();
    });
  }

  async function onEnrolConfirm(code: string) {
    const r = await fetchJson<{ recoveryCodes: string[] }>("/api/auth/login/enrol/confirm", { body: { code } });
    setRecoveryCodes(r.recoveryCodes);
    setStep("recovery");
  }

  function startOver() {
    setStep("password");
    setError(null);
    setEnrolment(null);
  }

  if (step === "recovery") return <RecoveryCodesPanel codes={recoveryCodes} onDone={enter} />;

  if (step === "enrol" && enrolment) {
    return (
      <div className="space-y-4">
        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="login-enrol-intro">
          {tf("enrolIntro")}
        </p>
        <TotpEnrolPanel enrolment={enrolment} onConfirm={onEnrolConfirm} onCancel={startOver} />
      </div>
    );
  }

  if (step === "totp") {
    return (
      <form onSubmit={onCode} className="space-y-4" data-testid="login-second-factor">
        <p className="text-sm text-slate-600 dark:text-slate-400">{tf("loginCodeIntro")}</p>
        {error ? <ErrorBanner testId="form-error">{error}</ErrorBanner> : null}
        <Field label={tf("loginCode")}>
          {(p) => (
            <Input
              {...p}
              name="code"
              autoComplete="one-time-code"
              testId="login-code"
              required
              autoFocus
              maxLength={32}
            />
          )}
        </Field>
        <Button type="submit" loading={busy} testId="login-code-submit" className="w-full">
          {busy ? tf("verifying") : tf("verify")}
        </Button>
        <Button variant="ghost" onClick={startOver} testId="login-start-over" className="w-full">
          {tf("startOver")}
        </Button>
      </form>
    );
  }

  // Both fields are required (native validation), but a sign-in form needs no asterisks.
  return (
    <form onSubmit={onPassword} className="space-y-4">
      {error ? <ErrorBanner testId="form-error">{error}</ErrorBanner> : null}
      <Field label={t("username")}>
        {(p) => <Input {...p} name="username" autoComplete="username" testId="login-username" required autoFocus />}
      </Field>
      <Field label={t("password")}>
        {(p) => (
          <Input
            {...p}
            name="password"
            type="password"
            autoComplete="current-password"
            testId="login-password"
            required
          />
        )}
      </Field>
      <Button type="submit" loading={busy} testId="login-submit" className="w-full">
        {busy ? t("signingIn") : t("signIn")}
      </Button>
    </form>
  );
}

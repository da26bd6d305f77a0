"use client";

import { useState } from "react";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { CheckCircleIcon, ErrorIcon, WarningIcon } from "@/components/ui/icons";
import { hostKeyToConfirm, type HostView, type ProbeStep } from "@/components/hosts/types";

/**
 * "Test connection" and its checklist (tcp, ssh, hostkey, virsh, libvirt,
 * virt), then, while the host's key is not pinned, the fingerprint it showed
 * and "Confirm and pin this key". Pinning runs the test again, so the host
 * ends up online in one go when everything else works.
 */
export function HostTestPanel({
  host,
  onHost,
  autoFocus = false,
}: {
  host: HostView;
  onHost: (host: HostView) => void;
  autoFocus?: boolean;
}) {
  const t = useTranslations("hosts");
  const [steps, setSteps] = useState<ProbeStep[] | null>(null);
  const [busy, setBusy] = useState<"test" | "pin" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pinned, setPinned] = useState<string | null>(null);
  const base = `/api/hosts/${encodeURIComponent(host.id)}`;

  async function test() {
    setBusy("test");
    setError(null);
    try {
      const r = await fetchJson<{ steps: ProbeStep[]; host: HostView }>(`${base}/test`, { method: "POST" });
      setSteps(r.steps);
      onHost(r.host);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(null);
    }
  }

  async function pin(fingerprint: string) {
    setBusy("pin");
    setError(null);
    try {
      const r = await fetchJson<{ host: HostView }>(`${base}/confirm-key`, { body: { fingerprint } });
      onHost(r.host);
      setPinned(fingerprint);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(null);
      return;
    }
    await test();
  }

  // A changed key after a pin is the host page's business (its own warning and confirmation).
  const fingerprint = host.hostKeySha256 ? null : hostKeyToConfirm(host);

  return (
    <div className="space-y-3" data-testid="host-test-panel">
      <div className="flex flex-wrap items-center gap-3">
        <Button
          variant={steps ? "secondary" : "primary"}
          onClick={() => void test()}
          loading={busy === "test"}
          disabled={busy !== null}
          testId="host-test"
          data-autofocus={autoFocus || undefined}
        >
          {steps ? t("test.again") : t("test.run")}
        </Button>
        {busy === "test" ? (
          <span className="text-sm text-slate-600 dark:text-slate-400">{t("test.running")}</span>
        ) : null}
      </div>

      {error ? <ErrorBanner testId="host-test-error">{error}</ErrorBanner> : null}

      {fingerprint ? (
        <div
          className="space-y-3 rounded-lg bg-amber-50 p-4 ring-1 ring-amber-200 ring-inset dark:bg-amber-500/10 dark:ring-amber-400/30"
          data-testid="host-fingerprint-box"
        >
          <div>
            <p className="text-sm font-semibold text-amber-900 dark:text-amber-100">{t("fingerprint.title")}</p>
            <p className="mt-1 text-sm text-amber-900 dark:text-amber-100">{t("fingerprint.body")}</p>
          </div>
          <code
            className="block rounded-md bg-white px-3 py-2 font-mono text-sm break-all text-slate-900 ring-1 ring-amber-200 dark:bg-slate-950 dark:text-slate-100 dark:ring-amber-400/30"
            data-testid="host-fingerprint"
          >
            {fingerprint}
          </code>
          <p className="text-xs text-amber-900 dark:text-amber-100">
            {t.rich("fingerprint.compare", {
              cmd: (chunks) => (
                <code className="rounded bg-white/70 px-1 py-0.5 font-mono dark:bg-slate-950/60">{chunks}</code>
              ),
            })}
          </p>
          <Button
            onClick={() => void pin(fingerprint)}
            loading={busy === "pin"}
            disabled={busy !== null}
            testId="host-confirm-key"
          >
            {t("fingerprint.confirm")}
          </Button>
        </div>
      ) : null}

      {steps ? (
        <ol
          className="divide-y divide-slate-200 rounded-lg ring-1 ring-slate-200 dark:divide-slate-800 dark:ring-slate-800"
          data-testid="host-test-steps"
          aria-label={t("test.stepsLabel")}
        >
          {steps.map((s) => {
            // An unpinned key is not a failure: it waits for the confirmation below.
            const awaiting = s.id === "hostkey" && s.ok === false && !!fingerprint;
            return (
              <li
                key={s.id}
                className="flex items-start gap-3 px-3 py-2.5"
                data-testid="host-test-step"
                data-step={s.id}
                data-ok={String(s.ok)}
                data-awaiting={awaiting || undefined}
              >
                <StepIcon ok={awaiting ? "awaiting" : s.ok} />
                <div className="min-w-0 flex-1">
                  <p className="text-sm font-medium text-slate-900 dark:text-slate-100">
                    {t.has(`test.steps.${s.id}`) ? t(`test.steps.${s.id}`) : s.id}
                    <span className="sr-only">
                      :{" "}
                      {awaiting
                        ? t("test.awaiting")
                        : s.ok === true
                          ? t("test.ok")
                          : s.ok === false
                            ? t("test.failed")
                            : t("test.notRun")}
                    </span>
                  </p>
                  {s.detail ? (
                    <p
                      className="mt-0.5 text-xs [overflow-wrap:anywhere] whitespace-pre-wrap text-slate-600 dark:text-slate-400"
                      data-testid="host-test-step-detail"
                    >
                      {s.detail}
                    </p>
                  ) : s.ok === null ? (
                    <p className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">{t("test.notRun")}</p>
                  ) : null}
                  {awaiting ? (
                    <p className="mt-0.5 text-xs text-amber-800 dark:text-amber-200">{t("test.awaiting")}</p>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ol>
      ) : null}

      {pinned && host.hostKeySha256 === pinned ? (
        <Alert tone="success" testId="host-key-pinned">
          {t("fingerprint.pinned", { fingerprint: pinned })}
        </Alert>
      ) : null}
    </div>
  );
}

function StepIcon({ ok }: { ok: boolean | null | "awaiting" }) {
  if (ok === "awaiting") return <WarningIcon className="mt-0.5 size-5 shrink-0 text-amber-600 dark:text-amber-400" />;
  if (ok === true) return <CheckCircleIcon className="mt-0.5 size-5 shrink-0 text-emerald-600 dark:text-emerald-400" />;
  if (ok === false) return <ErrorIcon className="mt-0.5 size-5 shrink-0 text-red-600 dark:text-red-400" />;
  return (
    <span
      aria-hidden="true"
      className={cn(
        "mt-0.5 flex size-5 shrink-0 items-center justify-center rounded-full text-slate-400 ring-1 ring-slate-300 dark:ring-slate-600",
      )}
    >
      –
    </span>
  );
}

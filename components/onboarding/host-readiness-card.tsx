"use client";

import Link from "next/link";
import { useState } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { enc } from "@/components/data/use-api";
import { useHostReadiness } from "@/components/data/use-host-readiness";
import { ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner, buttonClasses } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { CheckCircleIcon, InfoIcon, WarningIcon } from "@/components/ui/icons";
import type { HostReadiness, ReadinessCheck, ReadinessFixId } from "@/lib/contracts/host-readiness";

/**
 * The host's setup checklist: what it lacks for a first VM (an active pool with free space, an active
 * network or a bridge, KVM, guest-agent channels), each with its one-click fix where virtdeck has one
 * and the caller may make it. On the host page and right after a host is added.
 */
export function HostReadinessCard({ hostId }: { hostId: string }) {
  const t = useTranslations("onboarding");
  const tc = useTranslations("common");
  const { readiness, error: loadError, loading, put, reload } = useHostReadiness(hostId);
  const { busy, error, call } = useApiCall();
  const [running, setRunning] = useState<ReadinessFixId | null>(null);

  const fix = (id: ReadinessFixId) => {
    setRunning(id);
    void call(async () => {
      const r = await fetchJson<{ readiness: HostReadiness }>(`/api/hosts/${enc(hostId)}/readiness/${id}`, {
        body: {},
      });
      put(r.readiness);
    }).finally(() => setRunning(null));
  };

  return (
    <Card testId="host-readiness" data-ready={readiness ? String(readiness.ready) : undefined}>
      <CardHeader
        title={t("title")}
        description={t("description")}
        actions={
          readiness ? (
            <Badge tone={readiness.ready ? "success" : "warning"} testId="host-readiness-state">
              {readiness.ready ? t("ready") : t("notReady")}
            </Badge>
          ) : null
        }
      />
      <CardBody className="space-y-3">
        {loadError ? (
          <ErrorBanner
            testId="host-readiness-error"
            title={t("loadFailed")}
            action={
              <Button size="sm" variant="secondary" onClick={reload}>
                {tc("actions.retry")}
              </Button>
            }
          >
            {loadError.message}
          </ErrorBanner>
        ) : null}
        {error ? (
          <ErrorBanner testId="host-readiness-fix-error" title={t("fixFailed")}>
            {error.message}
          </ErrorBanner>
        ) : null}
        {loading && !readiness ? (
          <p className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
            <Spinner /> {t("loading")}
          </p>
        ) : null}
        {readiness ? (
          <ul className="divide-y divide-slate-200 dark:divide-slate-800">
            {readiness.checks.map((c) => (
              <CheckRow key={c.id} check={c} busy={busy} running={running === c.fix} onFix={fix} />
            ))}
          </ul>
        ) : null}
      </CardBody>
    </Card>
  );
}

function CheckRow({
  check: c,
  busy,
  running,
  onFix,
}: {
  check: ReadinessCheck;
  busy: boolean;
  running: boolean;
  onFix: (id: ReadinessFixId) => void;
}) {
  const t = useTranslations("onboarding");
  const detail = t.has(c.detail.key) ? t(c.detail.key as never, c.detail.params as never) : c.detail.key;
  const Icon = c.ok ? CheckCircleIcon : c.required ? WarningIcon : InfoIcon;
  return (
    <li
      className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between"
      data-testid="host-readiness-check"
      data-check={c.id}
      data-ok={String(c.ok)}
    >
      <div className="flex min-w-0 items-start gap-3">
        <Icon
          aria-hidden="true"
          className={
            c.ok
              ? "mt-0.5 size-5 shrink-0 text-emerald-600 dark:text-emerald-400"
              : c.required
                ? "mt-0.5 size-5 shrink-0 text-amber-600 dark:text-amber-400"
                : "mt-0.5 size-5 shrink-0 text-slate-500 dark:text-slate-400"
          }
        />
        <div className="min-w-0">
          <p className="text-sm font-medium text-slate-900 dark:text-slate-100">
            {t(`checks.${c.id}`)}
            <span className="sr-only">: {c.ok ? t("ok") : c.required ? t("missing") : t("optional")}</span>
          </p>
          <p
            className="text-sm [overflow-wrap:anywhere] text-slate-600 dark:text-slate-400"
            data-testid="host-readiness-detail"
          >
            {detail}
          </p>
        </div>
      </div>
      {!c.ok && c.fix ? (
        c.canFix ? (
          <Button
            size="sm"
            variant="primary"
            onClick={() => onFix(c.fix!)}
            loading={running}
            disabled={busy}
            testId={`host-readiness-fix-${c.fix}`}
            className="shrink-0"
          >
            {t(`fix.${c.fix}`)}
          </Button>
        ) : (
          <span className="text-xs text-slate-500 dark:text-slate-400" data-testid="host-readiness-ask">
            {t("askAdmin")}
          </span>
        )
      ) : !c.ok && c.id === "network" ? (
        <Link
          href="/networks"
          className={buttonClasses({ variant: "secondary", size: "sm", className: "shrink-0" })}
          data-testid="host-readiness-networks"
        >
          {t("goToNetworks")}
        </Link>
      ) : null}
    </li>
  );
}

"use client";

import type { ReactNode } from "react";
import { useTranslations } from "use-intl";
import { useHostInfo } from "@/components/data/use-hosts";
import { ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { usedPercent } from "@/components/vms/format";
import { VM_STATES } from "@/components/vms/types";
import { useVmFormat } from "@/components/vms/use-vm-format";
import { VmStateBadge } from "@/components/vms/vm-state-badge";

/** What the host says about itself (GET /api/hosts/:id/info). `reloadKey` changes when it is worth asking again. */
export function HostInfoCard({ hostId, reloadKey }: { hostId: string; reloadKey: string }) {
  const t = useTranslations("hosts");
  const tc = useTranslations("common");
  const fmt = useVmFormat();
  const { info, error, loading, reload: load } = useHostInfo(hostId, reloadKey);

  const used = info ? usedPercent(info.memoryKiB, info.freeMemoryKiB) : null;

  return (
    <Card testId="host-info" aria-busy={loading || undefined}>
      <CardHeader
        title={t("info.title")}
        actions={
          <Button size="sm" variant="ghost" onClick={load} loading={loading} testId="host-info-refresh">
            {t("info.refresh")}
          </Button>
        }
      />
      <CardBody className="space-y-4">
        {error ? (
          <ErrorBanner
            testId="host-info-error"
            title={error.code === "host_not_ready" ? t("info.notReady") : t("info.failed")}
            action={
              <Button size="sm" variant="secondary" onClick={load} testId="host-info-retry">
                {tc("actions.retry")}
              </Button>
            }
          >
            {error.message}
          </ErrorBanner>
        ) : null}
        {!info && loading && !error ? (
          <p className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
            <Spinner /> {tc("status.loading")}
          </p>
        ) : null}
        {info ? (
          <>
            <dl className="grid grid-cols-1 gap-x-8 gap-y-3 text-sm sm:grid-cols-2">
              <Item label={t("info.hostname")} testId="host-info-hostname">
                <span className="font-mono text-xs break-all">{info.hostname}</span>
              </Item>
              <Item label={t("info.libvirt")} testId="host-info-libvirt">
                {info.libvirtVersion}
              </Item>
              <Item label={t("info.hypervisor")} testId="host-info-hypervisor">
                {info.hypervisor ? `${info.hypervisor.name} ${info.hypervisor.version}` : "—"}
              </Item>
              <Item label={t("info.cpuModel")} testId="host-info-cpu">
                {info.cpuModel || "—"}
              </Item>
              <Item label={t("info.topology")} testId="host-info-topology">
                {t("info.topologyValue", {
                  cpus: info.cpus,
                  sockets: info.sockets,
                  cores: info.coresPerSocket,
                  threads: info.threadsPerCore,
                })}
                {info.mhz ? (
                  <span className="text-slate-500 dark:text-slate-400"> · {t("info.mhz", { mhz: info.mhz })}</span>
                ) : null}
              </Item>
              <Item label={t("info.kvm")} testId="host-info-kvm" data-kvm={String(info.kvm)}>
                <Badge tone={info.kvm ? "success" : "warning"} dot>
                  {info.kvm ? t("info.kvmYes") : t("info.kvmNo")}
                </Badge>
                <span className="mt-1 block text-xs text-slate-500 dark:text-slate-400">
                  {t("info.domainTypes", { types: info.domainTypes.join(", ") || "—" })}
                </span>
              </Item>
            </dl>
            <div data-testid="host-info-memory">
              <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
                <span className="text-xs font-medium text-slate-500 dark:text-slate-400">{t("info.memory")}</span>
                <span className="tabular-nums text-slate-800 dark:text-slate-200">
                  {info.freeMemoryKiB == null
                    ? fmt.kib(info.memoryKiB)
                    : t("info.memoryValue", { free: fmt.kib(info.freeMemoryKiB), total: fmt.kib(info.memoryKiB) })}
                </span>
              </div>
              {used != null ? (
                <div
                  className="mt-1.5 h-2 overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
                  role="meter"
                  aria-label={t("info.memoryUsed")}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={Math.round(used)}
                >
                  <div
                    className={
                      used > 90
                        ? "h-full rounded-full bg-red-500"
                        : used > 75
                          ? "h-full rounded-full bg-amber-500"
                          : "h-full rounded-full bg-indigo-500"
                    }
                    style={{ width: `${used}%` }}
                  />
                </div>
              ) : null}
            </div>
            <div>
              <p className="mb-1.5 text-xs font-medium text-slate-500 dark:text-slate-400">{t("info.vmsByState")}</p>
              <ul className="flex flex-wrap gap-3" data-testid="host-vms-by-state">
                {VM_STATES.filter((s) => (info.vmsByState[s] ?? 0) > 0).map((s) => (
                  <li
                    key={s}
                    className="flex items-center gap-1.5 text-sm"
                    data-state={s}
                    data-count={info.vmsByState[s]}
                  >
                    <VmStateBadge state={s} testId="host-vms-state" />
                    <span className="font-semibold tabular-nums">{fmt.count(info.vmsByState[s])}</span>
                  </li>
                ))}
                {VM_STATES.every((s) => !info.vmsByState[s]) ? (
                  <li className="text-sm text-slate-500 dark:text-slate-400">{t("info.noVms")}</li>
                ) : null}
              </ul>
            </div>
          </>
        ) : null}
      </CardBody>
    </Card>
  );
}

function Item({
  label,
  testId,
  children,
  ...rest
}: { label: string; testId: string; children: ReactNode } & Record<`data-${string}`, string>) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-0.5 text-slate-900 dark:text-slate-100" data-testid={testId} {...rest}>
        {children}
      </dd>
    </div>
  );
}

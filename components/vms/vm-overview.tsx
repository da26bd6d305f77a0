"use client";

import type { ReactNode } from "react";
import { useTranslations } from "use-intl";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { VmAddressesCard } from "@/components/guest-ips/vm-addresses-card";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import type { VmDetail, VmGraphicsDevice } from "@/components/vms/types";
import { useVmFormat } from "@/components/vms/use-vm-format";
import { VmStateBadge } from "@/components/vms/vm-state-badge";

/** The VM page's Overview tab: general facts, disks and network interfaces. */
export function VmOverview({ vm }: { vm: VmDetail }) {
  const t = useTranslations("vms");
  const fmt = useVmFormat();
  const none = <span className="text-slate-500 dark:text-slate-400">—</span>;
  const graphics = vm.graphicsDevices.map((g) => graphicsText(g, t)).join(", ");
  return (
    <div className="space-y-4">
      {vm.graphicsWarning ? (
        <Alert tone="warning" testId="vm-graphics-warning" title={t("detail.graphicsWarningTitle")}>
          {vm.graphicsWarningMessage && t.has(vm.graphicsWarningMessage.key)
            ? t(vm.graphicsWarningMessage.key, vm.graphicsWarningMessage.params)
            : vm.graphicsWarning}
        </Alert>
      ) : null}
      <Card>
        <CardHeader title={t("detail.general")} />
        <CardBody>
          <dl className="grid grid-cols-1 gap-x-8 gap-y-3 text-sm sm:grid-cols-2 xl:grid-cols-3">
            <Item label={t("detail.state")}>
              <VmStateBadge state={vm.state} testId="vm-overview-state" />
            </Item>
            <Item label={t("detail.uuid")}>
              <span className="font-mono text-xs break-all" data-testid="vm-uuid">
                {vm.uuid}
              </span>
            </Item>
            <Item label={t("detail.os")}>
              {vm.osinfoId ? (
                <span className="font-mono text-xs break-all" data-testid="vm-osinfo">
                  {vm.osinfoId}
                </span>
              ) : (
                none
              )}
            </Item>
            <Item label={t("detail.domainType")}>
              <span data-testid="vm-domain-type">{vm.domainType || none}</span>
            </Item>
            <Item label={t("detail.arch")}>{[vm.osType, vm.arch, vm.machine].filter(Boolean).join(" · ") || none}</Item>
            <Item label={t("detail.vcpus")}>
              <span data-testid="vm-vcpus">{fmt.count(vm.vcpus)}</span>
            </Item>
            <Item label={t("detail.memory")}>
              <span data-testid="vm-memory">
                {vm.memoryKiB === vm.maxMemoryKiB
                  ? fmt.kib(vm.memoryKiB)
                  : t("detail.memoryOfMax", { current: fmt.kib(vm.memoryKiB), max: fmt.kib(vm.maxMemoryKiB) })}
              </span>
            </Item>
            <Item label={t("detail.bootOrder")}>{vm.bootOrder.length ? vm.bootOrder.join(" → ") : none}</Item>
            <Item label={t("detail.autostart")}>{vm.autostart ? t("yes") : t("no")}</Item>
            <Item label={t("detail.cpu")}>{vm.cpuPercent == null ? none : fmt.percent(vm.cpuPercent)}</Item>
            <Item label={t("detail.uptime")}>{vm.uptimeSeconds == null ? none : fmt.uptime(vm.uptimeSeconds)}</Item>
            <Item label={t("detail.graphics")}>
              <span data-testid="vm-graphics">{graphics || t("detail.noGraphics")}</span>
            </Item>
            <Item label={t("detail.serials")}>{fmt.count(vm.serials)}</Item>
          </dl>
          {vm.description ? (
            <div className="mt-4 border-t border-slate-200 pt-4 dark:border-slate-800">
              <dt className="text-xs font-medium text-slate-500 dark:text-slate-400">{t("detail.description")}</dt>
              <dd
                className="mt-1 text-sm whitespace-pre-wrap text-slate-800 dark:text-slate-200"
                data-testid="vm-description"
              >
                {vm.description}
              </dd>
            </div>
          ) : null}
        </CardBody>
      </Card>

      <VmAddressesCard hostId={vm.hostId} uuid={vm.uuid} running={vm.state !== "shutoff" && vm.state !== "nostate"} />

      <section className="space-y-2">
        <h2 className="text-base font-semibold text-slate-900 dark:text-slate-50">{t("detail.disks")}</h2>
        <Table caption={t("detail.disks")} testId="vm-disks">
          <THead>
            <TR>
              <TH>{t("detail.disk.target")}</TH>
              <TH>{t("detail.disk.device")}</TH>
              <TH>{t("detail.disk.bus")}</TH>
              <TH>{t("detail.disk.format")}</TH>
              <TH>{t("detail.disk.source")}</TH>
              <TH className="text-right">{t("detail.disk.capacity")}</TH>
            </TR>
          </THead>
          <TBody>
            {vm.disks.length === 0 ? <TableEmpty colSpan={6}>{t("detail.noDisks")}</TableEmpty> : null}
            {vm.disks.map((d, i) => (
              <TR key={`${d.target}:${i}`} testId="vm-disk" data-target={d.target}>
                <TD className="font-mono text-xs">{d.target}</TD>
                <TD>
                  {d.device}
                  {d.readonly ? (
                    <Badge tone="neutral" className="ml-2">
                      {t("detail.disk.readonly")}
                    </Badge>
                  ) : null}
                </TD>
                <TD>{d.bus ?? none}</TD>
                <TD>{d.format ?? none}</TD>
                <TD wrap className="font-mono text-xs break-all">
                  {d.source ?? none}
                </TD>
                <TD className="text-right tabular-nums">
                  {d.capacityBytes == null ? none : fmt.size(d.capacityBytes)}
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </section>

      <section className="space-y-2">
        <h2 className="text-base font-semibold text-slate-900 dark:text-slate-50">{t("detail.nics")}</h2>
        <Table caption={t("detail.nics")} testId="vm-nics">
          <THead>
            <TR>
              <TH>{t("detail.nic.mac")}</TH>
              <TH>{t("detail.nic.type")}</TH>
              <TH>{t("detail.nic.source")}</TH>
              <TH>{t("detail.nic.model")}</TH>
            </TR>
          </THead>
          <TBody>
            {vm.nics.length === 0 ? <TableEmpty colSpan={4}>{t("detail.noNics")}</TableEmpty> : null}
            {vm.nics.map((n, i) => (
              <TR key={n.mac ?? i} testId="vm-nic" data-mac={n.mac ?? undefined}>
                <TD className="font-mono text-xs">{n.mac ?? none}</TD>
                <TD>{n.type}</TD>
                <TD>{n.source ?? none}</TD>
                <TD>{n.model ?? none}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </section>
    </div>
  );
}

function graphicsText(g: VmGraphicsDevice, t: ReturnType<typeof useTranslations<"vms">>): string {
  const type = g.type.toUpperCase();
  const listen = g.listen.join(", ");
  const port = g.port != null && g.port > 0 ? String(g.port) : g.autoport ? t("detail.autoport") : "";
  if (listen && port) return t("detail.graphicsListenPort", { type, listen, port });
  if (listen) return t("detail.graphicsListen", { type, listen });
  return type;
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-0.5 text-slate-900 dark:text-slate-100">{children}</dd>
    </div>
  );
}

"use client";

import Link from "next/link";
import { useTranslations } from "use-intl";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import { CheckIcon } from "@/components/ui/icons";
import { TD, TR } from "@/components/ui/table";
import { HostStatusBadge } from "@/components/hosts/host-status-badge";
import { hostHref, type HostStatus } from "@/components/hosts/types";
import {
  DESTRUCTIVE_ACTIONS,
  VM_ACTIONS,
  vmHref,
  type FleetHost,
  type VmAction,
  type VmListResponse,
  type VmSummary,
} from "@/components/vms/types";
import { useVmFormat } from "@/components/vms/use-vm-format";
import { VmRowMenu } from "@/components/vms/vm-row-menu";
import { VmStateBadge } from "@/components/vms/vm-state-badge";
import { VmAddressCell } from "@/components/guest-ips/vm-address-cell";

/** Phone-sized screens keep Name (with the host under it), State and the actions; wider ones add the figures. */
export const NARROW_HIDDEN = "hidden md:table-cell";
export const MEDIUM_HIDDEN = "hidden lg:table-cell";
/** The actions column stays in view while a narrow screen scrolls the table sideways. */
export const STICKY_END = "sticky right-0 z-10 px-2 shadow-[-8px_0_8px_-8px_rgb(0_0_0/0.15)]";

/**
 * One VM of the list. `away`: its host does not answer, so the row is the last read, greyed, with the
 * host's state instead of the VM's and no actions.
 */
export function VmListRow({
  vm,
  showHost,
  canViewHosts,
  canConsole,
  canPower,
  mayPower,
  away,
  busy,
  onAction,
}: {
  vm: VmSummary;
  showHost: boolean;
  canViewHosts: boolean;
  /** vm.console on this VM. */
  canConsole: boolean;
  /** The list has an actions column (vm.power somewhere). */
  canPower: boolean;
  /** vm.power on this VM. */
  mayPower: boolean;
  away: FleetHost | undefined;
  busy: boolean;
  onAction: (action: VmAction) => void;
}) {
  const t = useTranslations("vms");
  const tp = useTranslations("vmpower");
  const fmt = useVmFormat();
  return (
    <TR
      testId="vm-row"
      data-uuid={vm.uuid}
      data-host-id={vm.hostId}
      data-name={vm.name}
      data-state={vm.state}
      data-stale={away ? "true" : undefined}
      className={away ? "bg-slate-100 text-slate-600 dark:bg-slate-800/60 dark:text-slate-400" : undefined}
    >
      <TD wrap className="max-w-80">
        <Link
          href={vmHref(vm)}
          className="font-medium [overflow-wrap:anywhere] text-indigo-700 hover:underline dark:text-indigo-300"
          data-testid="vm-link"
        >
          {vm.name}
        </Link>
        {vm.title ? <div className="truncate text-xs text-slate-500 dark:text-slate-400">{vm.title}</div> : null}
        {showHost ? (
          <div className="text-xs text-slate-600 md:hidden dark:text-slate-400" data-testid="vm-row-host">
            {vm.hostName}
          </div>
        ) : null}
        {canConsole && vm.graphics && vm.state !== "shutoff" && vm.state !== "nostate" ? (
          <Link
            href={`${vmHref(vm)}/console?kind=${vm.graphics}`}
            target={`console-${vm.hostId}-${vm.uuid}`}
            className="ml-0 mt-0.5 block text-xs font-medium text-slate-600 hover:underline dark:text-slate-400"
            data-testid="vm-row-console"
          >
            {t("openConsole")}
          </Link>
        ) : null}
      </TD>
      {showHost ? (
        <TD className={NARROW_HIDDEN}>
          {canViewHosts ? (
            <Link href={hostHref(vm.hostId)} className="text-slate-700 hover:underline dark:text-slate-300">
              {vm.hostName}
            </Link>
          ) : (
            vm.hostName
          )}
        </TD>
      ) : null}
      <TD>
        <span className="flex max-w-44 flex-wrap items-center gap-1">
          {away ? (
            <span data-testid="vm-host-away" className="flex flex-col items-start gap-0.5">
              <HostStatusBadge status={away.status as HostStatus} message={away.error ?? undefined} />
              <span className="text-xs">{tp("lastKnown", { state: t(`states.${vm.state}`) })}</span>
            </span>
          ) : (
            <VmStateBadge state={vm.state} />
          )}
          {vm.hasManagedSave && !away ? (
            <Badge tone="info" testId="vm-saved">
              {t("saved")}
            </Badge>
          ) : null}
        </span>
      </TD>
      <TD className={NARROW_HIDDEN}>
        <VmAddressCell addresses={vm.addresses} />
      </TD>
      <TD className={cn("text-right tabular-nums", NARROW_HIDDEN)}>{fmt.count(vm.vcpus)}</TD>
      <TD className={cn("text-right tabular-nums", NARROW_HIDDEN)}>{fmt.kib(vm.memoryKiB)}</TD>
      <TD className={cn("text-right tabular-nums", MEDIUM_HIDDEN)} data-testid="vm-cpu">
        {vm.cpuPercent == null ? <Dash /> : fmt.percent(vm.cpuPercent)}
      </TD>
      <TD className={cn("text-right tabular-nums", MEDIUM_HIDDEN)}>
        {vm.uptimeSeconds == null ? <Dash /> : fmt.uptime(vm.uptimeSeconds)}
      </TD>
      <TD data-testid="vm-autostart" data-autostart={vm.autostart} className={cn("text-center", MEDIUM_HIDDEN)}>
        {vm.autostart ? (
          <CheckIcon className="inline size-4 text-emerald-600 dark:text-emerald-400" title={t("yes")} />
        ) : (
          <Dash label={t("no")} />
        )}
      </TD>
      {canPower ? (
        <TD className={cn("text-right", STICKY_END, "bg-white dark:bg-slate-900")}>
          <div className="flex justify-end">
            {mayPower && !away ? (
              <VmRowMenu
                label={t("rowActions", { name: vm.name })}
                testId="vm-row-actions"
                busy={busy}
                emptyText={t("noActions")}
                items={VM_ACTIONS.filter((a) => vm.allowedActions.includes(a)).map((a) => ({
                  key: a,
                  testId: `vm-row-action-${a}`,
                  danger: DESTRUCTIVE_ACTIONS.has(a),
                  label: `${t(`actions.${a}`)}${DESTRUCTIVE_ACTIONS.has(a) ? "…" : ""}`,
                  onSelect: () => onAction(a),
                }))}
              />
            ) : null}
          </div>
        </TD>
      ) : null}
    </TR>
  );
}

/** Hosts that did not answer: their VMs show as last read, greyed. Each host's problem is said once. */
export function HostErrorsAlert({ hosts, linkHosts }: { hosts: VmListResponse["hosts"]; linkHosts: boolean }) {
  const t = useTranslations("vms");
  if (!hosts.length) return null;
  return (
    <Alert tone="warning" testId="vms-host-errors" title={t("hostErrors", { count: hosts.length })}>
      <ul className="space-y-0.5">
        {hosts.map((h) => (
          <li key={h.id} data-host-id={h.id}>
            {linkHosts ? (
              <Link href={hostHref(h.id)} className="font-medium underline underline-offset-2">
                {h.name}
              </Link>
            ) : (
              <span className="font-medium">{h.name}</span>
            )}
            {": "}
            {h.error}
          </li>
        ))}
      </ul>
    </Alert>
  );
}

function Dash({ label }: { label?: string }) {
  return label ? (
    <span className="text-slate-500 dark:text-slate-400" title={label}>
      —<span className="sr-only">{label}</span>
    </span>
  ) : (
    <span className="text-slate-500 dark:text-slate-400">—</span>
  );
}

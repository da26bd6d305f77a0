"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { useTranslations } from "use-intl";
import { useVms } from "@/components/data/use-vms";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner, buttonClasses } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { ArrowRightIcon, CheckIcon, MonitorIcon } from "@/components/ui/icons";
import { Input, Select } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { LiveIndicator } from "@/components/vms/live-indicator";
import {
  VM_ACTIONS,
  VM_STATES,
  DESTRUCTIVE_ACTIONS,
  vmHref,
  vmKey,
  type VmListResponse,
  type VmSort,
} from "@/components/vms/types";
import { useVmActions } from "@/components/vms/use-vm-actions";
import { useVmFormat } from "@/components/vms/use-vm-format";
import { hostHref } from "@/components/hosts/types";
import { SortIcon } from "@/components/vms/vm-icons";
import { VmRowMenu } from "@/components/vms/vm-row-menu";
import {
  DEFAULT_QUERY,
  PAGE_SIZE,
  pageCount,
  vmListQueryParams,
  vmListQuerySort,
  type VmListQuery,
} from "@/components/vms/vm-list-query";
import { VmStateBadge } from "@/components/vms/vm-state-badge";
import { VmAddressCell } from "@/components/guest-ips/vm-address-cell";

export interface VmListProps {
  /** vm.power: show the per-row actions. */
  canPower: boolean;
  /** host.view: link host names to their pages (helpdesk users cannot open them). */
  canViewHosts?: boolean;
  /** vm.console: a console link on running guests with a display. */
  canConsole?: boolean;
  /** Only this host's VMs, without a host column or filter (the host page). */
  hostId?: string;
  initialQuery?: VmListQuery;
  /** Mirror the query in the page's URL, so reload and links keep the view (the /vms page). */
  syncUrl?: boolean;
}

/** Phone-sized screens keep Name (with the host under it), State and the actions; wider ones add the figures. */
const NARROW_HIDDEN = "hidden md:table-cell";
const MEDIUM_HIDDEN = "hidden lg:table-cell";
/** The actions column stays in view while a narrow screen scrolls the table sideways. */
const STICKY_END = "sticky right-0 z-10 px-2 shadow-[-8px_0_8px_-8px_rgb(0_0_0/0.15)]";
const SEARCH_DEBOUNCE_MS = 300;

/**
 * The fleet's VMs over GET /api/vms: filtering, sorting and paging happen on
 * the server (50 rows a page), live events update rows in place.
 */
export function VmList({
  canPower,
  canViewHosts = true,
  canConsole = false,
  hostId,
  initialQuery = DEFAULT_QUERY,
  syncUrl = false,
}: VmListProps) {
  const t = useTranslations("vms");
  const tc = useTranslations("common");
  const tip = useTranslations("guestips");
  const fmt = useVmFormat();
  const [query, setQuery] = useState<VmListQuery>(hostId ? { ...initialQuery, host: hostId } : initialQuery);
  const [search, setSearch] = useState(initialQuery.q);
  const onPageGone = useCallback(
    (last: number) => setQuery((cur) => (cur.page > last ? { ...cur, page: last } : cur)),
    [],
  );
  const vms = useVms(query, onPageGone);
  const data = vms.data ?? null;
  const error = vms.error?.message ?? null;
  const loading = vms.isLoading;
  const live = vms.live;
  /** The server says per VM what the caller may do there (grants are per VM, host or tag). */
  const rowCan = (vm: { hostId: string; uuid: string }, privilege: string) =>
    !data?.privileges || (data.privileges[`${vm.hostId}/${vm.uuid}`.toLowerCase()] ?? []).includes(privilege);

  useEffect(() => {
    if (!syncUrl) return;
    const params = vmListQueryParams(query).toString();
    window.history.replaceState(window.history.state, "", `${window.location.pathname}${params ? `?${params}` : ""}`);
  }, [query, syncUrl]);

  // Search as one types, once the typing pauses.
  useEffect(() => {
    const timer = setTimeout(
      () => setQuery((q) => (q.q === search.trim() ? q : { ...q, q: search.trim(), page: 1 })),
      SEARCH_DEBOUNCE_MS,
    );
    return () => clearTimeout(timer);
  }, [search]);

  const actions = useVmActions({ onResult: vms.put });

  const update = (patch: Partial<VmListQuery>) => setQuery((q) => ({ ...q, ...patch, page: patch.page ?? 1 }));
  const filtered = Boolean((!hostId && query.host) || query.state || query.q);
  const hostErrors = data?.hosts.filter((h) => h.error && (!hostId || h.id === hostId)) ?? [];
  const pages = data ? pageCount(data.total, data.pageSize || PAGE_SIZE) : 1;
  const showHost = !hostId;
  const columns = 8 + (showHost ? 1 : 0) + (canPower ? 1 : 0);

  const sortHeader = (column: VmSort, label: string, align: "left" | "right" = "left", className?: string) => {
    const active = query.sort === column;
    return (
      <TH
        aria-sort={active ? (query.dir === "asc" ? "ascending" : "descending") : undefined}
        className={cn(align === "right" && "text-right", className)}
      >
        <button
          type="button"
          data-testid={`vm-sort-${column}`}
          data-active={active || undefined}
          data-dir={active ? query.dir : undefined}
          onClick={() => setQuery((q) => vmListQuerySort(q, column))}
          className={cn(
            "-mx-1 inline-flex items-center gap-1 rounded px-1 uppercase hover:text-slate-900 dark:hover:text-slate-100",
            active && "text-slate-900 dark:text-slate-100",
            focusRing,
          )}
        >
          {label}
          <SortIcon dir={active ? query.dir : null} className="size-3.5" />
        </button>
      </TH>
    );
  };

  // A fleet with no VM at all (no filter): say what to do instead of an empty table.
  if (data && data.total === 0 && !filtered && !error) {
    const noHosts = data.hosts.length === 0;
    // Someone who may not see hosts sees only what is granted to them: nothing yet.
    const noAccess = noHosts && !canViewHosts;
    return (
      <div className="space-y-4">
        <div className="flex justify-end">
          <LiveIndicator status={live} />
        </div>
        <HostErrorsAlert hosts={hostErrors} linkHosts={canViewHosts} />
        <EmptyState
          testId="vms-empty"
          icon={<MonitorIcon />}
          title={noAccess ? t("empty.noAccessTitle") : noHosts ? t("empty.title") : t("empty.noVmsTitle")}
          description={
            noAccess
              ? t("empty.noAccessBody")
              : noHosts
                ? t("empty.body")
                : hostId
                  ? t("empty.noVmsOnHost")
                  : t("empty.noVmsBody")
          }
          action={
            noHosts && !noAccess ? (
              <Link href="/hosts" className={buttonClasses({ variant: "primary" })} data-testid="vms-empty-go-hosts">
                {t("empty.goToHosts")}
                <ArrowRightIcon className="size-4" />
              </Link>
            ) : undefined
          }
        />
      </div>
    );
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-col gap-3 sm:flex-row sm:flex-wrap sm:items-end">
        <label className="min-w-0 flex-1 sm:max-w-xs">
          <span className="mb-1 block text-xs font-medium text-slate-600 dark:text-slate-400">
            {t("filters.search")}
          </span>
          <Input
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder={t("filters.searchPlaceholder")}
            testId="vm-filter-q"
            maxLength={200}
          />
        </label>
        {showHost ? (
          <label className="sm:w-48">
            <span className="mb-1 block text-xs font-medium text-slate-600 dark:text-slate-400">
              {t("filters.host")}
            </span>
            <Select value={query.host} onChange={(e) => update({ host: e.target.value })} testId="vm-filter-host">
              <option value="">{t("filters.allHosts")}</option>
              {data?.hosts.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name}
                </option>
              ))}
              {query.host && data && !data.hosts.some((h) => h.id === query.host) ? (
                <option value={query.host}>{query.host}</option>
              ) : null}
            </Select>
          </label>
        ) : null}
        <label className="sm:w-44">
          <span className="mb-1 block text-xs font-medium text-slate-600 dark:text-slate-400">
            {t("filters.state")}
          </span>
          <Select
            value={query.state}
            onChange={(e) => update({ state: e.target.value as VmListQuery["state"] })}
            testId="vm-filter-state"
          >
            <option value="">{t("filters.allStates")}</option>
            {VM_STATES.map((s) => (
              <option key={s} value={s}>
                {t(`states.${s}`)}
              </option>
            ))}
          </Select>
        </label>
        <div className="flex items-center gap-3 sm:ml-auto sm:h-9">
          {loading && data ? <Spinner className="size-4 text-slate-400" /> : null}
          <LiveIndicator status={live} />
        </div>
      </div>

      <HostErrorsAlert hosts={hostErrors} linkHosts={canViewHosts} />
      {error ? (
        <ErrorBanner
          testId="vms-error"
          title={t("loadFailed")}
          action={
            <Button size="sm" variant="secondary" onClick={vms.reload} testId="vms-retry">
              {tc("actions.retry")}
            </Button>
          }
        >
          {error}
        </ErrorBanner>
      ) : null}
      {actions.failure ? (
        <ErrorBanner
          testId="vm-action-error"
          title={actions.failureText(actions.failure)}
          onDismiss={actions.clearFailure}
        >
          {actions.failure.message}
        </ErrorBanner>
      ) : null}

      <Table
        caption={t("title")}
        testId="vms-table"
        className={cn("relative", loading && data ? "opacity-70 transition-opacity" : undefined)}
      >
        <THead>
          <TR>
            {sortHeader("name", t("columns.name"))}
            {showHost ? sortHeader("host", t("columns.host"), "left", NARROW_HIDDEN) : null}
            {sortHeader("state", t("columns.state"))}
            <TH className={NARROW_HIDDEN}>{tip("column")}</TH>
            {sortHeader("vcpus", t("columns.vcpus"), "right", NARROW_HIDDEN)}
            {sortHeader("memory", t("columns.memory"), "right", NARROW_HIDDEN)}
            {sortHeader("cpu", t("columns.cpu"), "right", MEDIUM_HIDDEN)}
            {sortHeader("uptime", t("columns.uptime"), "right", MEDIUM_HIDDEN)}
            <TH className={cn("text-center", MEDIUM_HIDDEN)}>{t("columns.autostart")}</TH>
            {canPower ? (
              <TH className={cn("text-right", STICKY_END, "bg-slate-50 dark:bg-slate-900")}>
                <span className="sr-only">{t("columns.actions")}</span>
              </TH>
            ) : null}
          </TR>
        </THead>
        <TBody aria-busy={loading || undefined}>
          {!data && loading ? (
            <TableEmpty colSpan={columns}>
              <span className="inline-flex items-center gap-2">
                <Spinner /> {tc("status.loading")}
              </span>
            </TableEmpty>
          ) : null}
          {data && data.vms.length === 0 ? (
            <TableEmpty colSpan={columns}>
              <span data-testid="vms-no-match">{t("noMatch")}</span>{" "}
              {filtered ? (
                <button
                  type="button"
                  className="font-medium text-indigo-700 underline underline-offset-2 dark:text-indigo-300"
                  onClick={() => {
                    setSearch("");
                    setQuery({ ...DEFAULT_QUERY, host: hostId ?? "", sort: query.sort, dir: query.dir });
                  }}
                  data-testid="vm-filter-clear"
                >
                  {t("filters.clear")}
                </button>
              ) : null}
            </TableEmpty>
          ) : null}
          {data?.vms.map((vm) => {
            const busy = actions.busyAction(vm);
            return (
              <TR
                key={vmKey(vm)}
                testId="vm-row"
                data-uuid={vm.uuid}
                data-host-id={vm.hostId}
                data-name={vm.name}
                data-state={vm.state}
              >
                <TD wrap className="max-w-80">
                  <Link
                    href={vmHref(vm)}
                    className="font-medium [overflow-wrap:anywhere] text-indigo-700 hover:underline dark:text-indigo-300"
                    data-testid="vm-link"
                  >
                    {vm.name}
                  </Link>
                  {vm.title ? (
                    <div className="truncate text-xs text-slate-500 dark:text-slate-400">{vm.title}</div>
                  ) : null}
                  {showHost ? (
                    <div className="text-xs text-slate-600 md:hidden dark:text-slate-400" data-testid="vm-row-host">
                      {vm.hostName}
                    </div>
                  ) : null}
                  {canConsole &&
                  rowCan(vm, "vm.console") &&
                  vm.graphics &&
                  vm.state !== "shutoff" &&
                  vm.state !== "nostate" ? (
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
                    <VmStateBadge state={vm.state} />
                    {vm.hasManagedSave ? (
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
                <TD
                  data-testid="vm-autostart"
                  data-autostart={vm.autostart}
                  className={cn("text-center", MEDIUM_HIDDEN)}
                >
                  {vm.autostart ? (
                    <CheckIcon className="inline size-4 text-emerald-600 dark:text-emerald-400" title={t("yes")} />
                  ) : (
                    <Dash label={t("no")} />
                  )}
                </TD>
                {canPower ? (
                  <TD className={cn("text-right", STICKY_END, "bg-white dark:bg-slate-900")}>
                    <div className="flex justify-end">
                      {rowCan(vm, "vm.power") ? (
                        <VmRowMenu
                          label={t("rowActions", { name: vm.name })}
                          testId="vm-row-actions"
                          busy={busy !== null}
                          emptyText={t("noActions")}
                          items={VM_ACTIONS.filter((a) => vm.allowedActions.includes(a)).map((a) => ({
                            key: a,
                            testId: `vm-row-action-${a}`,
                            danger: DESTRUCTIVE_ACTIONS.has(a),
                            label: `${t(`actions.${a}`)}${DESTRUCTIVE_ACTIONS.has(a) ? "…" : ""}`,
                            onSelect: () => actions.request(vm, a),
                          }))}
                        />
                      ) : null}
                    </div>
                  </TD>
                ) : null}
              </TR>
            );
          })}
        </TBody>
      </Table>

      {data ? (
        <nav
          aria-label={t("pagination.label")}
          className="flex flex-col gap-2 text-sm text-slate-600 sm:flex-row sm:items-center sm:justify-between dark:text-slate-400"
        >
          <span data-testid="vm-total" data-total={data.total}>
            {data.total > 0
              ? t("pagination.range", {
                  from: fmt.count((data.page - 1) * data.pageSize + 1),
                  to: fmt.count((data.page - 1) * data.pageSize + data.vms.length),
                  total: data.total,
                })
              : t("pagination.none")}
          </span>
          <div className="flex items-center gap-2">
            <span data-testid="vm-page" data-page={data.page} data-pages={pages}>
              {t("pagination.page", { page: data.page, pages })}
            </span>
            <Button
              size="sm"
              variant="secondary"
              testId="vm-page-prev"
              disabled={query.page <= 1}
              onClick={() => update({ page: query.page - 1 })}
            >
              {t("pagination.prev")}
            </Button>
            <Button
              size="sm"
              variant="secondary"
              testId="vm-page-next"
              disabled={query.page >= pages}
              onClick={() => update({ page: query.page + 1 })}
            >
              {t("pagination.next")}
            </Button>
          </div>
        </nav>
      ) : null}

      {actions.dialog}
    </div>
  );
}

/** Hosts that did not answer: their VMs are missing from the list. */
function HostErrorsAlert({ hosts, linkHosts }: { hosts: VmListResponse["hosts"]; linkHosts: boolean }) {
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

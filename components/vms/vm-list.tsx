"use client";

import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { useTranslations } from "use-intl";
import { useVms } from "@/components/data/use-vms";
import { ErrorBanner } from "@/components/ui/alert";
import { Button, Spinner, buttonClasses } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { ArrowRightIcon, MonitorIcon } from "@/components/ui/icons";
import { Input, Select } from "@/components/ui/input";
import { TBody, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { LiveIndicator } from "@/components/vms/live-indicator";
import { VM_STATES, vmKey, type VmSort } from "@/components/vms/types";
import { useVmActions } from "@/components/vms/use-vm-actions";
import { useVmFormat } from "@/components/vms/use-vm-format";
import { SortIcon } from "@/components/vms/vm-icons";
import { MEDIUM_HIDDEN, NARROW_HIDDEN, STICKY_END, HostErrorsAlert, VmListRow } from "@/components/vms/vm-list-row";
import {
  DEFAULT_QUERY,
  PAGE_SIZE,
  pageCount,
  vmListQueryParams,
  vmListQuerySort,
  type VmListQuery,
} from "@/components/vms/vm-list-query";

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
  const tp = useTranslations("vmpower");
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
  const downHosts = new Map(hostErrors.map((h) => [h.id, h]));
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
  // Not while a host fails to answer: its VMs are unknown, not absent (the warning says why).
  if (data && data.total === 0 && !filtered && !error && hostErrors.length === 0) {
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

      {/* The host page says its host's problem in its header: not twice. */}
      {hostId ? null : <HostErrorsAlert hosts={hostErrors} linkHosts={canViewHosts} />}
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
          {data && data.vms.length === 0 && !filtered && hostErrors.length ? (
            <TableEmpty colSpan={columns}>
              <span data-testid="vms-unknown">{tp("unknownWhileAway", { count: hostErrors.length })}</span>
            </TableEmpty>
          ) : data && data.vms.length === 0 ? (
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
          {data?.vms.map((vm) => (
            <VmListRow
              key={vmKey(vm)}
              vm={vm}
              showHost={showHost}
              canViewHosts={canViewHosts}
              canConsole={canConsole && rowCan(vm, "vm.console")}
              canPower={canPower}
              mayPower={rowCan(vm, "vm.power")}
              away={downHosts.get(vm.hostId)}
              busy={actions.busyAction(vm) !== null}
              onAction={(a) => actions.request(vm, a)}
            />
          ))}
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

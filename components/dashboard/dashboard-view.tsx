"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { useFormatter, useTranslations } from "use-intl";
import { HostStatusBadge } from "@/components/hosts/host-status-badge";
import type { HostStatus } from "@/components/hosts/types";
import { PageHeader } from "@/components/shell/page-header";
import { TaskStatusBadge } from "@/components/tasks/task-status-badge";
import { useTaskKind, useTaskTitle } from "@/components/tasks/task-title";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { cn, focusRing } from "@/components/ui/cn";
import type { TaskView } from "@/lib/contracts/tasks";

export interface DashboardTotals {
  total: number;
  running: number;
  paused: number;
  shutoff: number;
  other: number;
}

export interface DashboardHost {
  id: string;
  name: string;
  status: string;
  error: string | null;
  vms: number;
}

export interface DashboardData {
  totals: DashboardTotals;
  /** Hosts with their VM counts, or null for users who may not view hosts. */
  hosts: DashboardHost[] | null;
  /** Hosts that did not answer (their VMs are missing from the totals). */
  unreachable: number;
  tasks: TaskView[];
  canAudit: boolean;
}

const linkClass = cn("font-medium text-indigo-700 hover:underline dark:text-indigo-300", focusRing);

/** The fleet at a glance: VM totals by state, the hosts, recent tasks, and where to look for problems. */
export function DashboardView({ data }: { data: DashboardData }) {
  const t = useTranslations("dashboard");
  const format = useFormatter();
  const titleOf = useTaskTitle();
  const kindOf = useTaskKind();
  const { totals } = data;
  const figures = [
    { key: "total", value: totals.total, href: "/vms" },
    { key: "running", value: totals.running, href: "/vms?state=running" },
    { key: "paused", value: totals.paused, href: "/vms?state=paused" },
    { key: "shutoff", value: totals.shutoff, href: "/vms?state=shutoff" },
  ] as const;
  const failed = data.tasks.filter((x) => x.status === "failed").length;
  const offline = data.hosts?.filter((h) => h.status !== "online").length ?? 0;

  return (
    <div className="space-y-6" data-testid="dashboard">
      <PageHeader title={t("title")} description={t("description")} />

      <ul className="grid grid-cols-2 gap-3 lg:grid-cols-4" data-testid="dashboard-totals">
        {figures.map((f) => (
          <li key={f.key}>
            <Link
              href={f.href}
              className={cn(
                "block rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 hover:ring-indigo-300 dark:bg-slate-900 dark:ring-slate-800 dark:hover:ring-indigo-500/50",
                focusRing,
              )}
              data-testid={`dashboard-total-${f.key}`}
              data-value={f.value}
            >
              <span className="block text-sm text-slate-600 dark:text-slate-400">{t(`totals.${f.key}`)}</span>
              <span className="mt-1 block text-2xl font-semibold text-slate-900 tabular-nums dark:text-slate-50">
                {format.number(f.value)}
              </span>
            </Link>
          </li>
        ))}
      </ul>

      <Card testId="dashboard-attention">
        <CardHeader title={t("attention.title")} />
        <CardBody>
          <ul className="space-y-1.5 text-sm">
            {offline + data.unreachable > 0 ? (
              <li data-testid="dashboard-attention-hosts">
                {t("attention.hosts", { count: Math.max(offline, data.unreachable) })}{" "}
                <Link href="/hosts" className={linkClass}>
                  {t("attention.toHosts")}
                </Link>
              </li>
            ) : null}
            {failed > 0 ? (
              <li data-testid="dashboard-attention-tasks">
                {t("attention.failedTasks", { count: failed })}{" "}
                <Link href="/tasks" className={linkClass}>
                  {t("attention.toTasks")}
                </Link>
              </li>
            ) : null}
            {offline + data.unreachable + failed === 0 ? (
              <li data-testid="dashboard-attention-none">{t("attention.none")}</li>
            ) : null}
            {data.canAudit ? (
              <li>
                <Link href="/audit?outcome=failure" className={linkClass} data-testid="dashboard-audit-failures">
                  {t("attention.auditFailures")}
                </Link>
              </li>
            ) : null}
          </ul>
        </CardBody>
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        {data.hosts ? (
          <ListCard
            testId="dashboard-hosts"
            title={t("hosts.title")}
            all={["/hosts", t("hosts.all")]}
            empty={t("hosts.none")}
          >
            {data.hosts.map((h) => (
              <li key={h.id} className={ROW} data-testid="dashboard-host" data-host-id={h.id}>
                <Link href={`/hosts/${h.id}`} className={cn(linkClass, "min-w-0 [overflow-wrap:anywhere]")}>
                  {h.name}
                </Link>
                <span className="flex items-center gap-3 text-sm text-slate-600 dark:text-slate-400">
                  {t("hosts.vms", { count: h.vms })}
                  <HostStatusBadge status={h.status as HostStatus} message={h.error ?? undefined} />
                </span>
              </li>
            ))}
          </ListCard>
        ) : null}

        <ListCard
          testId="dashboard-tasks"
          title={t("tasks.title")}
          all={["/tasks", t("tasks.all")]}
          empty={t("tasks.none")}
        >
          {data.tasks.map((task) => (
            <li key={task.id} className={ROW} data-testid="dashboard-task">
              <span className="min-w-0">
                <span className="block text-sm font-medium [overflow-wrap:anywhere] text-slate-900 dark:text-slate-100">
                  {titleOf(task)}
                </span>
                <span className="block text-xs text-slate-600 dark:text-slate-400">
                  {kindOf(task.kind)} ·{" "}
                  {format.dateTime(new Date(task.createdAt), { dateStyle: "short", timeStyle: "short" })}
                </span>
              </span>
              <TaskStatusBadge status={task.status} />
            </li>
          ))}
        </ListCard>
      </div>
    </div>
  );
}

const ROW = "flex flex-wrap items-center justify-between gap-2 px-5 py-3";

/** A card with a title, a link to the full page, and its rows (or a line saying there are none). */
function ListCard({
  testId,
  title,
  all,
  empty,
  children,
}: {
  testId: string;
  title: string;
  all: [href: string, label: string];
  empty: string;
  children: ReactNode[];
}) {
  return (
    <Card testId={testId}>
      <CardHeader
        title={title}
        actions={
          <Link href={all[0]} className={cn(linkClass, "text-sm")}>
            {all[1]}
          </Link>
        }
      />
      {children.length === 0 ? (
        <CardBody>
          <p className="text-sm text-slate-600 dark:text-slate-400">{empty}</p>
        </CardBody>
      ) : (
        <ul className="divide-y divide-slate-100 dark:divide-slate-800">{children}</ul>
      )}
    </Card>
  );
}

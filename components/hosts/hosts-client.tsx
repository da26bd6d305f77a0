"use client";

import Link from "next/link";
import { useState } from "react";
import { useFormatter, useNow, useTranslations } from "use-intl";
import { useHosts } from "@/components/data/use-hosts";
import { PageHeader } from "@/components/shell/page-header";
import { ErrorBanner } from "@/components/ui/alert";
import { Button, Spinner } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PlusIcon, ServerIcon } from "@/components/ui/icons";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { HostAddDialog } from "@/components/hosts/host-add-dialog";
import { HostStatusBadge } from "@/components/hosts/host-status-badge";
import { HostMaintenanceBadge } from "@/components/hosts/host-maintenance-card";
import { hostHref, type HostView } from "@/components/hosts/types";

/** /hosts: every host, its connection status, and adding one. */
export function HostsClient({ canManage }: { canManage: boolean }) {
  const t = useTranslations("hosts");
  const tc = useTranslations("common");
  const { hosts, error, put: upsert, reload } = useHosts();
  const [adding, setAdding] = useState(false);

  const addButton = canManage ? (
    <Button testId="host-add-open" onClick={() => setAdding(true)}>
      <PlusIcon className="size-4" />
      {t("add")}
    </Button>
  ) : null;

  return (
    <>
      <PageHeader title={t("title")} description={t("description")} actions={hosts?.length ? addButton : null} />
      <div className="space-y-4">
        {error ? (
          <ErrorBanner
            testId="hosts-error"
            title={t("loadFailed")}
            action={
              <Button size="sm" variant="secondary" onClick={reload}>
                {tc("actions.retry")}
              </Button>
            }
          >
            {error.message}
          </ErrorBanner>
        ) : null}

        {hosts && hosts.length === 0 ? (
          <EmptyState
            testId="hosts-empty"
            icon={<ServerIcon />}
            title={t("empty.title")}
            description={t("empty.body")}
            action={addButton}
            footnote={canManage ? undefined : t("empty.askAdmin")}
          />
        ) : null}

        {!hosts && !error ? (
          <p className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
            <Spinner /> {tc("status.loading")}
          </p>
        ) : null}

        {hosts && hosts.length > 0 ? <HostsTable hosts={hosts} /> : null}
      </div>

      {canManage ? <HostAddDialog open={adding} onClose={() => setAdding(false)} onHost={upsert} /> : null}
    </>
  );
}

function HostsTable({ hosts }: { hosts: HostView[] }) {
  const t = useTranslations("hosts");
  const format = useFormatter();
  const now = useNow({ updateInterval: 30_000 });
  return (
    <Table caption={t("title")} testId="hosts-table">
      <THead>
        <TR>
          <TH>{t("columns.name")}</TH>
          <TH>{t("columns.address")}</TH>
          <TH>{t("columns.user")}</TH>
          <TH>{t("columns.uri")}</TH>
          <TH>{t("columns.status")}</TH>
          <TH>{t("columns.lastSeen")}</TH>
        </TR>
      </THead>
      <TBody>
        {hosts.length === 0 ? <TableEmpty colSpan={6}>{t("empty.title")}</TableEmpty> : null}
        {hosts.map((h) => (
          <TR key={h.id} testId="host-row" data-host-id={h.id} data-host-name={h.name} data-status={h.status}>
            <TD wrap className="max-w-72">
              <Link
                href={hostHref(h.id)}
                className="font-medium [overflow-wrap:anywhere] text-indigo-700 hover:underline dark:text-indigo-300"
                data-testid="host-link"
              >
                {h.name}
              </Link>
            </TD>
            <TD className="font-mono text-xs">
              {h.address.includes(":") ? `[${h.address}]` : h.address}:{h.port}
            </TD>
            <TD className="font-mono text-xs">{h.username}</TD>
            <TD className="font-mono text-xs">{h.libvirtUri}</TD>
            <TD wrap className="max-w-80">
              <HostStatusBadge status={h.status} message={h.statusMessage} /> <HostMaintenanceBadge host={h} />
              {h.statusMessage && h.status !== "online" ? (
                <p
                  className="mt-1 line-clamp-2 text-xs text-slate-500 dark:text-slate-400"
                  title={h.statusMessage}
                  data-testid="host-status-message"
                >
                  {h.statusMessage}
                </p>
              ) : null}
            </TD>
            <TD className="text-slate-600 dark:text-slate-400">
              {h.lastSeenAt ? (
                <time
                  dateTime={h.lastSeenAt}
                  title={format.dateTime(new Date(h.lastSeenAt), { dateStyle: "medium", timeStyle: "medium" })}
                >
                  {format.relativeTime(new Date(h.lastSeenAt), now)}
                </time>
              ) : (
                t("never")
              )}
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}

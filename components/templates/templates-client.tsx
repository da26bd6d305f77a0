"use client";

import Link from "next/link";
import { useState } from "react";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { useConfirmAction } from "@/components/api/use-action";
import { PageHeader } from "@/components/shell/page-header";
import { ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button, buttonClasses, Spinner } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { LayersIcon, PlusIcon } from "@/components/ui/icons";
import { TBody, TD, TH, THead, TR, Table } from "@/components/ui/table";
import { useHosts } from "@/components/data/use-hosts";
import { useTemplates } from "@/components/data/use-templates";
import { TemplateFormDialog } from "@/components/templates/template-form-dialog";
import { TemplateCopies } from "@/components/templates/template-copies";
import type { TemplateView } from "@/lib/contracts/provisioning";

/** /templates: list, create, edit, duplicate, delete, and deploy. */
export function TemplatesClient({
  manageScope,
  canCreateVm,
}: {
  /** Where the user holds template.manage: "all" (globally) or these hosts (templates bound to them). */
  manageScope: "all" | string[];
  canCreateVm: boolean;
}) {
  const canManage = manageScope === "all" || manageScope.length > 0;
  const mayManage = (tpl: TemplateView) =>
    manageScope === "all" || (!!tpl.defaultHostId && manageScope.includes(tpl.defaultHostId));
  const t = useTranslations("templates");
  const tc = useTranslations("common");
  const hosts = useHosts({ live: false }).hosts ?? [];
  const { items: list, error, put: upsert, drop, reload: load } = useTemplates();
  const [editing, setEditing] = useState<{ template: TemplateView | null } | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  async function duplicate(tpl: TemplateView) {
    setActionError(null);
    try {
      upsert(
        (
          await fetchJson<{ template: TemplateView }>(`/api/templates/${encodeURIComponent(tpl.id)}/duplicate`, {
            method: "POST",
          })
        ).template,
      );
    } catch (err) {
      setActionError(err instanceof ApiError ? err.message : String(err));
    }
  }

  const remove = useConfirmAction(async (tpl: TemplateView) => {
    await fetchJson(`/api/templates/${encodeURIComponent(tpl.id)}`, { method: "DELETE" });
    drop(tpl.id);
  });

  const createButton = canManage ? (
    <Button testId="template-create-open" onClick={() => setEditing({ template: null })}>
      <PlusIcon className="size-4" />
      {t("create")}
    </Button>
  ) : null;
  const hostName = (id: string | null) =>
    id ? (hosts.find((h) => h.id === id)?.name ?? id.slice(0, 8)) : t("form.anyHost");

  return (
    <>
      <PageHeader title={t("title")} description={t("description")} actions={list?.length ? createButton : null} />
      <div className="space-y-4">
        {error ? (
          <ErrorBanner
            testId="templates-error"
            title={t("loadFailed")}
            action={
              <Button size="sm" variant="secondary" onClick={load}>
                {tc("actions.retry")}
              </Button>
            }
          >
            {error.message}
          </ErrorBanner>
        ) : null}
        {actionError ? (
          <ErrorBanner testId="templates-action-error" onDismiss={() => setActionError(null)}>
            {actionError}
          </ErrorBanner>
        ) : null}
        {!list && !error ? (
          <p className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
            <Spinner /> {tc("status.loading")}
          </p>
        ) : null}
        {list && list.length === 0 ? (
          <EmptyState
            testId="templates-empty"
            icon={<LayersIcon />}
            title={t("empty.title")}
            description={t("empty.body")}
            action={createButton}
            footnote={canManage ? undefined : t("empty.askAdmin")}
          />
        ) : null}
        {list && list.length > 0 ? (
          <Table caption={t("title")} testId="templates-table">
            <THead>
              <TR>
                <TH>{t("columns.name")}</TH>
                <TH>{t("columns.source")}</TH>
                <TH>{t("columns.hardware")}</TH>
                <TH>{t("columns.host")}</TH>
                <TH className="text-right">{t("columns.actions")}</TH>
              </TR>
            </THead>
            <TBody>
              {list.map((tpl) => (
                <TR key={tpl.id} testId="template-row" data-template-id={tpl.id} data-template-name={tpl.name}>
                  <TD wrap className="max-w-72">
                    <p className="font-medium [overflow-wrap:anywhere]" data-testid="template-name-cell">
                      {tpl.name}
                    </p>
                    {tpl.description ? (
                      <p className="line-clamp-2 text-xs text-slate-500 dark:text-slate-400">{tpl.description}</p>
                    ) : null}
                  </TD>
                  <TD wrap>
                    <Badge tone="info">{t(`form.sourceKinds.${tpl.source.kind}`)}</Badge>
                    {"volume" in tpl.source ? (
                      <span className="ml-2 font-mono text-xs">{tpl.source.volume}</span>
                    ) : null}
                    {tpl.cloudInit ? <Badge className="ml-2">cloud-init</Badge> : null}
                    {tpl.source.kind === "image" ? <TemplateCopies templateId={tpl.id} /> : null}
                  </TD>
                  <TD className="text-sm tabular-nums">
                    {t("hardwareSummary", {
                      vcpus: tpl.vcpus,
                      memory: tpl.memoryMiB,
                      disks: tpl.disks.length,
                      nics: tpl.nics.length,
                    })}
                  </TD>
                  <TD className="text-sm">{hostName(tpl.defaultHostId)}</TD>
                  <TD className="text-right">
                    <div className="flex justify-end gap-1">
                      {canCreateVm ? (
                        <Link
                          href={`/vms/new?template=${encodeURIComponent(tpl.id)}`}
                          className={buttonClasses({ size: "sm" })}
                          data-testid="template-deploy"
                        >
                          {t("deploy")}
                        </Link>
                      ) : null}
                      {mayManage(tpl) ? (
                        <>
                          <Button
                            size="sm"
                            variant="secondary"
                            onClick={() => setEditing({ template: tpl })}
                            testId="template-edit"
                          >
                            {t("edit")}
                          </Button>
                          <Button
                            size="sm"
                            variant="secondary"
                            onClick={() => void duplicate(tpl)}
                            testId="template-duplicate"
                          >
                            {t("duplicate")}
                          </Button>
                          <Button size="sm" variant="danger" onClick={() => remove.ask(tpl)} testId="template-delete">
                            {tc("actions.delete")}
                          </Button>
                        </>
                      ) : null}
                    </div>
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
        ) : null}
      </div>
      {canManage ? (
        <TemplateFormDialog
          open={!!editing}
          template={editing?.template ?? null}
          hosts={hosts}
          onClose={() => setEditing(null)}
          onSaved={upsert}
        />
      ) : null}
      <ConfirmDialog
        {...remove.dialog}
        testId="template-delete-dialog"
        title={t("deleteTitle", { name: remove.target?.name ?? "" })}
        description={t("deleteBody")}
        confirmLabel={tc("actions.delete")}
      />
    </>
  );
}

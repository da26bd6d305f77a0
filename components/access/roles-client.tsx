"use client";

import { useState, type FormEvent } from "react";
import { fetchJson } from "@/components/api/fetch-json";
import { useRoles } from "@/components/data/use-access";
import { useNoticeAction } from "@/components/api/use-action";
import { useAccessLabels } from "@/components/access/labels";
import { NameDescriptionFields } from "@/components/access/name-fields";
import { PageHeader } from "@/components/shell/page-header";
import { ErrorBanner, OutcomeBanners } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog, FormDialog } from "@/components/ui/dialog";
import { PlusIcon } from "@/components/ui/icons";
import { TBody, TD, TH, THead, TR, Table } from "@/components/ui/table";
import { privilegesOffered, type RoleView } from "@/lib/contracts/access";

type Panel = { kind: "create" } | { kind: "edit"; role: RoleView } | { kind: "delete"; role: RoleView } | null;

const enc = encodeURIComponent;

/** Roles: the built-in ones (read-only) and custom ones with privilege checkboxes. */
export function RolesClient({ initialRoles }: { initialRoles: RoleView[] }) {
  const { t, privilege } = useAccessLabels();
  const list = useRoles(initialRoles);
  const roles = list.items ?? initialRoles;
  const [panel, setPanel] = useState<Panel>(null);
  const { busy, error, setError, notice, setNotice, run } = useNoticeAction(async () => {
    setPanel(null);
    await list.reload();
  });

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = {
      name: String(f.get("name") ?? ""),
      description: String(f.get("description") ?? ""),
      privileges: f.getAll("privileges").map(String),
    };
    if (panel?.kind === "edit") {
      const id = panel.role.id;
      void run(async () => {
        await fetchJson(`/api/roles/${enc(id)}`, { method: "PATCH", body });
        return t("roles.saved");
      });
    } else {
      void run(async () => {
        const r = await fetchJson<{ role: RoleView }>("/api/roles", { body });
        return t("roles.created", { name: r.role.name });
      });
    }
  }

  const editing = panel?.kind === "edit" ? panel.role : null;

  return (
    <>
      <PageHeader
        title={t("roles.title")}
        description={t("roles.description")}
        actions={
          <Button onClick={() => (setError(null), setPanel({ kind: "create" }))} testId="role-create">
            <PlusIcon className="size-4" /> {t("roles.create")}
          </Button>
        }
      />
      <div className="space-y-4">
        <OutcomeBanners
          testId="roles"
          notice={notice}
          error={panel ? null : error?.message}
          onDismissNotice={() => setNotice(null)}
          onDismissError={() => setError(null)}
        />
        <Table caption={t("roles.title")} testId="roles-table">
          <THead>
            <TR>
              <TH>{t("roles.name")}</TH>
              <TH>{t("roles.privilegesLabel")}</TH>
              <TH>
                <span className="sr-only">{t("roles.edit")}</span>
              </TH>
            </TR>
          </THead>
          <TBody>
            {roles.map((r) => (
              <TR
                key={r.id}
                testId="role-row"
                data-role={r.name}
                data-builtin={r.builtin}
                data-privileges={r.privileges.join(" ")}
              >
                <TD wrap className="max-w-xs">
                  <div className="flex items-center gap-2">
                    <span className="font-medium">{r.name}</span>
                    {r.builtin ? <Badge tone="info">{t("roles.builtin")}</Badge> : null}
                  </div>
                  {r.description ? (
                    <div className="text-xs text-slate-500 dark:text-slate-400">{r.description}</div>
                  ) : null}
                  <div className="text-xs text-slate-500 dark:text-slate-400">
                    {t("roles.uses", { count: r.grantCount })}
                  </div>
                </TD>
                <TD wrap>
                  <span className="flex max-w-xl flex-wrap gap-1">
                    {r.privileges.map((p) => (
                      <Badge key={p}>
                        <span title={p}>{privilege(p)}</span>
                      </Badge>
                    ))}
                  </span>
                </TD>
                <TD className="text-right whitespace-nowrap">
                  {r.builtin ? (
                    <span className="text-xs text-slate-500 dark:text-slate-400">{t("roles.builtinHint")}</span>
                  ) : (
                    <>
                      <Button
                        size="sm"
                        variant="secondary"
                        testId="role-edit"
                        onClick={() => (setError(null), setPanel({ kind: "edit", role: r }))}
                      >
                        {t("roles.edit")}
                      </Button>{" "}
                      <Button
                        size="sm"
                        variant="ghost-danger"
                        testId="role-delete"
                        onClick={() => (setError(null), setPanel({ kind: "delete", role: r }))}
                      >
                        {t("roles.delete")}
                      </Button>
                    </>
                  )}
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </div>

      <FormDialog
        open={panel?.kind === "create" || panel?.kind === "edit"}
        onClose={() => setPanel(null)}
        size="lg"
        title={editing ? t("roles.editTitle", { name: editing.name }) : t("roles.createTitle")}
        testId="role-dialog"
        formId="role-form"
        submitLabel={t("roles.save")}
        pending={busy}
        submitTestId="role-submit"
      >
        <form id="role-form" onSubmit={submit} className="space-y-4" key={editing?.id ?? "new"}>
          {error ? <ErrorBanner title={error.message}>{null}</ErrorBanner> : null}
          <NameDescriptionFields
            testId="role"
            labels={{ name: t("roles.name"), description: t("roles.descriptionField") }}
            initial={editing ?? undefined}
            error={error}
          />
          <fieldset>
            <legend className="mb-2 text-sm font-medium">{t("roles.privilegesLabel")}</legend>
            <div className="grid gap-1.5 sm:grid-cols-2">
              {/* A role that already holds a planned privilege keeps it (and can drop it). */}
              {privilegesOffered(editing?.privileges).map((p) => (
                <label key={p} className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    name="privileges"
                    value={p}
                    defaultChecked={editing?.privileges.includes(p) ?? false}
                    data-testid={`role-privilege-${p}`}
                  />
                  <span>{privilege(p)}</span>
                  <code className="text-xs text-slate-500 dark:text-slate-400">{p}</code>
                </label>
              ))}
            </div>
          </fieldset>
        </form>
      </FormDialog>

      <ConfirmDialog
        open={panel?.kind === "delete"}
        testId="role-delete-dialog"
        title={panel?.kind === "delete" ? t("roles.deleteTitle", { name: panel.role.name }) : ""}
        description={t("roles.deleteBody")}
        confirmLabel={t("roles.delete")}
        pending={busy}
        error={error?.message}
        onCancel={() => setPanel(null)}
        onConfirm={() => {
          if (panel?.kind !== "delete") return;
          const r = panel.role;
          void run(async () => {
            await fetchJson(`/api/roles/${enc(r.id)}`, { method: "DELETE" });
            return t("roles.deleted", { name: r.name });
          });
        }}
      />
    </>
  );
}

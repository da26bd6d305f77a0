"use client";

import { useId, useState, type FormEvent } from "react";
import { useFormatter, useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useUsers } from "@/components/data/use-access";
import { useNoticeAction } from "@/components/api/use-action";
import { PageHeader } from "@/components/shell/page-header";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog, FormDialog, type FormDialogProps } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { PlusIcon } from "@/components/ui/icons";
import { Input, Select } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { UserAccessSummary } from "@/components/access/user-access";
import { QuotaEditor } from "@/components/quota/quota-editor";

type Role = "admin" | "operator" | "helpdesk";
const ROLES: Role[] = ["admin", "operator", "helpdesk"];
const ROLE_TONE: Record<Role, BadgeTone> = { admin: "info", operator: "neutral", helpdesk: "neutral" };

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

type Panel =
  | { kind: "create" }
  | { kind: "edit"; user: UserRow }
  | { kind: "password"; user: UserRow }
  | { kind: "confirm"; user: UserRow; action: "delete" | "disable" }
  | null;

type T = ReturnType<typeof useTranslations<"users">>;

export function UsersClient({ initialUsers, meId }: { initialUsers: UserRow[]; meId: string }) {
  const t = useTranslations("users");
  const format = useFormatter();
  const list = useUsers(initialUsers);
  const users = list.items ?? initialUsers;
  const [panel, setPanel] = useState<Panel>(null);
  const { busy, error, setError, notice, setNotice, run } = useNoticeAction(async () => {
    setPanel(null);
    await list.reload();
  });

  function open(p: Panel) {
    setError(null);
    setNotice(null);
    setPanel(p);
  }

  function close() {
    if (busy) return;
    setError(null);
    setPanel(null);
  }

  function onCreate(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = {
      username: f.get("username"),
      displayName: f.get("displayName"),
      role: f.get("role"),
      password: f.get("password"),
    };
    void run(async () => {
      const r = await fetchJson<{ user: UserRow }>("/api/users", { body });
      return t("created", { username: r.user.username });
    });
  }

  function onEdit(e: FormEvent<HTMLFormElement>, user: UserRow) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body: Record<string, unknown> = { displayName: f.get("displayName") };
    if (user.id !== meId) body.role = f.get("role");
    void run(async () => {
      await fetchJson(`/api/users/${user.id}`, { method: "PATCH", body });
      return t("saved");
    });
  }

  function onPassword(e: FormEvent<HTMLFormElement>, user: UserRow) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    void run(async () => {
      await fetchJson(`/api/users/${user.id}/password`, { body: { password: f.get("password") } });
      return t("passwordSet");
    });
  }

  function onToggle(user: UserRow, disabled: boolean) {
    void run(async () => {
      await fetchJson(`/api/users/${user.id}`, { method: "PATCH", body: { disabled } });
      return t("saved");
    });
  }

  function onDelete(user: UserRow) {
    void run(async () => {
      await fetchJson(`/api/users/${user.id}`, { method: "DELETE" });
      return t("deleted", { username: user.username });
    });
  }

  // The provider's locale and time zone, so the server and the browser render the same text.
  const fmt = (iso: string | null) =>
    iso ? format.dateTime(new Date(iso), { dateStyle: "medium", timeStyle: "short" }) : t("never");
  // A form-wide error (no field to put it under) inside the open dialog.
  const formError = error && !error.issues.length ? error.message : null;
  const confirm = panel?.kind === "confirm" ? panel : null;

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("intro")}
        actions={
          <Button testId="user-create-open" onClick={() => open({ kind: "create" })}>
            <PlusIcon className="size-4" />
            {t("newUser")}
          </Button>
        }
      />

      <div className="space-y-4">
        {notice ? (
          <Alert tone="success" testId="notice" onDismiss={() => setNotice(null)}>
            {notice}
          </Alert>
        ) : null}
        {error && !panel ? <ErrorBanner testId="form-error">{error.message}</ErrorBanner> : null}

        <Table caption={t("title")} testId="users-table">
          <THead>
            <TR>
              <TH>{t("user")}</TH>
              <TH>{t("role")}</TH>
              <TH>{t("status")}</TH>
              <TH>{t("lastLogin")}</TH>
              <TH className="text-right">{t("actions")}</TH>
            </TR>
          </THead>
          <TBody>
            {users.length === 0 ? <TableEmpty colSpan={5}>{t("empty")}</TableEmpty> : null}
            {users.map((u) => {
              const me = u.id === meId;
              return (
                <TR key={u.id} testId={`user-row-${u.username}`}>
                  <TD wrap>
                    <div
                      className="font-medium [overflow-wrap:anywhere] text-slate-900 dark:text-slate-50"
                      data-testid="user-displayname"
                    >
                      {u.displayName}
                    </div>
                    <div className="text-xs text-slate-500 dark:text-slate-400">
                      <span className="font-mono">{u.username}</span>
                      {me ? ` (${t("you")})` : null}
                    </div>
                  </TD>
                  <TD>
                    <Badge tone={ROLE_TONE[u.role]} testId="user-role">
                      {t(`roles.${u.role}`)}
                    </Badge>
                  </TD>
                  <TD>
                    <Badge tone={u.disabled ? "neutral" : "success"} dot testId="user-status">
                      {u.disabled ? t("disabledStatus") : t("enabled")}
                    </Badge>
                  </TD>
                  <TD className="text-slate-600 tabular-nums dark:text-slate-400">{fmt(u.lastLoginAt)}</TD>
                  <TD>
                    <div className="flex min-w-56 flex-wrap justify-end gap-1">
                      <Button
                        size="sm"
                        variant="ghost"
                        testId="user-edit"
                        onClick={() => open({ kind: "edit", user: u })}
                      >
                        {t("edit")}
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost"
                        testId="user-reset"
                        onClick={() => open({ kind: "password", user: u })}
                      >
                        {t("resetPassword")}
                      </Button>
                      {me ? null : u.disabled ? (
                        <Button
                          size="sm"
                          variant="ghost"
                          testId="user-enable"
                          disabled={busy}
                          onClick={() => onToggle(u, false)}
                        >
                          {t("enable")}
                        </Button>
                      ) : (
                        <Button
                          size="sm"
                          variant="ghost"
                          testId="user-disable"
                          onClick={() => open({ kind: "confirm", user: u, action: "disable" })}
                        >
                          {t("disable")}
                        </Button>
                      )}
                      {me ? null : (
                        <Button
                          size="sm"
                          variant="ghost"
                          testId="user-delete"
                          onClick={() => open({ kind: "confirm", user: u, action: "delete" })}
                        >
                          {t("delete")}
                        </Button>
                      )}
                    </div>
                  </TD>
                </TR>
              );
            })}
          </TBody>
        </Table>
      </div>

      <UserFormDialog
        open={panel?.kind === "create"}
        title={t("createTitle")}
        testId="panel-create"
        submit={t("create")}
        submitTestId="user-create-submit"
        busy={busy}
        error={formError}
        onClose={close}
        onSubmit={onCreate}
        t={t}
      >
        <Field label={t("username")} error={error?.fieldMessage("username")} required>
          {(p) => <Input {...p} name="username" autoComplete="off" testId="user-create-username" data-autofocus />}
        </Field>
        <Field label={t("displayName")} error={error?.fieldMessage("displayName")}>
          {(p) => <Input {...p} name="displayName" autoComplete="off" testId="user-create-displayname" />}
        </Field>
        <RoleField t={t} defaultValue="helpdesk" testId="user-create-role" error={error?.fieldMessage("role")} />
        <Field label={t("password")} error={error?.fieldMessage("password")} required>
          {(p) => (
            <Input {...p} name="password" type="password" autoComplete="new-password" testId="user-create-password" />
          )}
        </Field>
      </UserFormDialog>

      <UserFormDialog
        open={panel?.kind === "edit"}
        title={panel?.kind === "edit" ? <TitleFor label={t("edit")} username={panel.user.username} /> : null}
        testId="panel-edit"
        submit={t("save")}
        submitTestId="user-edit-submit"
        busy={busy}
        error={formError}
        onClose={close}
        onSubmit={(e) => panel?.kind === "edit" && onEdit(e, panel.user)}
        t={t}
      >
        {panel?.kind === "edit" ? (
          <>
            <Field label={t("displayName")} error={error?.fieldMessage("displayName")}>
              {(p) => (
                <Input
                  {...p}
                  name="displayName"
                  defaultValue={panel.user.displayName}
                  autoComplete="off"
                  testId="user-edit-displayname"
                  data-autofocus
                />
              )}
            </Field>
            <RoleField
              t={t}
              defaultValue={panel.user.role}
              testId="user-edit-role"
              error={error?.fieldMessage("role")}
              disabled={panel.user.id === meId}
            />
            <UserAccessSummary userId={panel.user.id} role={t(`roles.${panel.user.role}`)} />
            <QuotaEditor subject="user" id={panel.user.id} />
          </>
        ) : null}
      </UserFormDialog>

      <UserFormDialog
        open={panel?.kind === "password"}
        title={
          panel?.kind === "password" ? (
            <TitleFor label={`${t("resetPassword")}:`} username={panel.user.username} />
          ) : null
        }
        testId="panel-password"
        size="sm"
        submit={t("setPassword")}
        submitTestId="user-password-submit"
        busy={busy}
        error={formError}
        onClose={close}
        onSubmit={(e) => panel?.kind === "password" && onPassword(e, panel.user)}
        t={t}
      >
        <Field label={t("newPassword")} error={error?.fieldMessage("password")} required>
          {(p) => (
            <Input
              {...p}
              name="password"
              type="password"
              autoComplete="new-password"
              testId="user-password-new"
              data-autofocus
            />
          )}
        </Field>
      </UserFormDialog>

      <ConfirmDialog
        open={confirm !== null}
        title={
          confirm ? (
            <>
              {t(confirm.action === "delete" ? "confirmDeleteTitle" : "confirmDisableTitle", {
                username: confirm.user.username,
              })}
            </>
          ) : null
        }
        description={confirm ? t(confirm.action === "delete" ? "confirmDeleteText" : "confirmDisableText") : null}
        // ConfirmDialog names its buttons `${testId}-confirm`; the specs click "confirm-ok", which the label carries.
        confirmLabel={<span data-testid="confirm-ok">{confirm?.action === "delete" ? t("delete") : t("disable")}</span>}
        cancelLabel={t("cancel")}
        tone="danger"
        pending={busy}
        error={error?.message}
        onConfirm={() =>
          confirm && (confirm.action === "delete" ? onDelete(confirm.user) : onToggle(confirm.user, true))
        }
        onCancel={close}
        testId="user-confirm"
      />
    </>
  );
}

/** A FormDialog whose form (generated id, no browser validation) starts with the last error. */
function UserFormDialog({
  submit,
  error,
  onSubmit,
  t,
  children,
  busy,
  ...dialog
}: Omit<FormDialogProps, "formId" | "submitLabel" | "pending" | "cancelLabel"> & {
  submit: string;
  busy: boolean;
  error: string | null;
  onSubmit: (e: FormEvent<HTMLFormElement>) => void;
  t: T;
}) {
  const formId = useId();
  return (
    <FormDialog {...dialog} formId={formId} submitLabel={submit} cancelLabel={t("cancel")} pending={busy}>
      <form id={formId} onSubmit={onSubmit} noValidate className="space-y-4">
        {error ? <ErrorBanner testId="form-error">{error}</ErrorBanner> : null}
        {children}
      </form>
    </FormDialog>
  );
}

function TitleFor({ label, username }: { label: string; username: string }) {
  return (
    <>
      {label} <span className="font-mono">{username}</span>
    </>
  );
}

function RoleField({
  t,
  defaultValue,
  testId,
  error,
  disabled,
}: {
  t: T;
  defaultValue: Role;
  testId: string;
  error?: string;
  disabled?: boolean;
}) {
  return (
    <Field label={t("role")} error={error}>
      {(p) => (
        <Select {...p} name="role" defaultValue={defaultValue} disabled={disabled} testId={testId}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`roles.${r}`)} — {t(`roleHelp.${r}`)}
            </option>
          ))}
        </Select>
      )}
    </Field>
  );
}

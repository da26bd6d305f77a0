"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { Field, FormError } from "@/components/auth/field";

type Role = "admin" | "operator" | "helpdesk";
const ROLES: Role[] = ["admin", "operator", "helpdesk"];

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

const btn = "rounded-md px-2.5 py-1.5 text-xs font-medium focus:outline-none focus:ring-2 focus:ring-indigo-500/50";
const btnGhost = `${btn} border border-slate-300 text-slate-700 hover:bg-slate-100 dark:border-slate-700 dark:text-slate-200 dark:hover:bg-slate-800`;
const btnPrimary = "rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60";
const btnDanger = "rounded-md bg-red-600 px-3 py-2 text-sm font-medium text-white hover:bg-red-500 disabled:opacity-60";

export function UsersClient({ initialUsers, meId, csrfToken }: { initialUsers: UserRow[]; meId: string; csrfToken: string }) {
  const t = useTranslations("users");
  const [users, setUsers] = useState(initialUsers);
  const [panel, setPanel] = useState<Panel>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function reload() {
    setUsers((await fetchJson<{ users: UserRow[] }>("/api/users")).users);
  }

  async function run(fn: () => Promise<string>) {
    setBusy(true);
    setError(null);
    try {
      setNotice(await fn());
      setPanel(null);
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, "internal", String(err)));
    } finally {
      setBusy(false);
    }
  }

  function open(p: Panel) {
    setError(null);
    setNotice(null);
    setPanel(p);
  }

  function onCreate(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = { username: f.get("username"), displayName: f.get("displayName"), role: f.get("role"), password: f.get("password") };
    void run(async () => {
      const r = await fetchJson<{ user: UserRow }>("/api/users", { body, csrfToken });
      return t("created", { username: r.user.username });
    });
  }

  function onEdit(e: FormEvent<HTMLFormElement>, user: UserRow) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body: Record<string, unknown> = { displayName: f.get("displayName") };
    if (user.id !== meId) body.role = f.get("role");
    void run(async () => {
      await fetchJson(`/api/users/${user.id}`, { method: "PATCH", body, csrfToken });
      return t("saved");
    });
  }

  function onPassword(e: FormEvent<HTMLFormElement>, user: UserRow) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    void run(async () => {
      await fetchJson(`/api/users/${user.id}/password`, { body: { password: f.get("password") }, csrfToken });
      return t("passwordSet");
    });
  }

  function onToggle(user: UserRow, disabled: boolean) {
    void run(async () => {
      await fetchJson(`/api/users/${user.id}`, { method: "PATCH", body: { disabled }, csrfToken });
      return t("saved");
    });
  }

  function onDelete(user: UserRow) {
    void run(async () => {
      await fetchJson(`/api/users/${user.id}`, { method: "DELETE", csrfToken });
      return t("deleted", { username: user.username });
    });
  }

  const fmt = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : t("never"));

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold text-slate-900 dark:text-slate-100">{t("title")}</h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">{t("intro")}</p>
        </div>
        <button type="button" className={btnPrimary} data-testid="user-create-open" onClick={() => open({ kind: "create" })}>
          {t("newUser")}
        </button>
      </div>

      {notice && (
        <div role="status" data-testid="notice" className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
          {notice}
        </div>
      )}
      {error && !panel && <FormError message={error.message} />}

      {panel && (
        <section className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900" data-testid={`panel-${panel.kind}`}>
          {panel.kind === "create" && (
            <form onSubmit={onCreate} noValidate className="grid gap-x-4 sm:grid-cols-2">
              <h2 className="mb-3 text-lg font-semibold sm:col-span-2">{t("createTitle")}</h2>
              <div className="sm:col-span-2">
                <FormError message={error && !error.issues.length ? error.message : null} />
              </div>
              <Field label={t("username")} name="username" error={error?.fieldMessage("username")} data-testid="user-create-username" required />
              <Field label={t("displayName")} name="displayName" error={error?.fieldMessage("displayName")} data-testid="user-create-displayname" />
              <RoleSelect t={t} defaultValue="helpdesk" testId="user-create-role" />
              <Field label={t("password")} name="password" type="password" autoComplete="new-password" error={error?.fieldMessage("password")} data-testid="user-create-password" required />
              <FormButtons t={t} busy={busy} submit={t("create")} testId="user-create-submit" onCancel={() => setPanel(null)} />
            </form>
          )}
          {panel.kind === "edit" && (
            <form onSubmit={(e) => onEdit(e, panel.user)} noValidate className="grid gap-x-4 sm:grid-cols-2">
              <h2 className="mb-3 text-lg font-semibold sm:col-span-2">
                {t("edit")} <span className="font-mono">{panel.user.username}</span>
              </h2>
              <div className="sm:col-span-2">
                <FormError message={error && !error.issues.length ? error.message : null} />
              </div>
              <Field label={t("displayName")} name="displayName" defaultValue={panel.user.displayName} error={error?.fieldMessage("displayName")} data-testid="user-edit-displayname" />
              <RoleSelect t={t} defaultValue={panel.user.role} testId="user-edit-role" disabled={panel.user.id === meId} />
              <FormButtons t={t} busy={busy} submit={t("save")} testId="user-edit-submit" onCancel={() => setPanel(null)} />
            </form>
          )}
          {panel.kind === "password" && (
            <form onSubmit={(e) => onPassword(e, panel.user)} noValidate className="max-w-md">
              <h2 className="mb-3 text-lg font-semibold">
                {t("resetPassword")}: <span className="font-mono">{panel.user.username}</span>
              </h2>
              <FormError message={error && !error.issues.length ? error.message : null} />
              <Field label={t("newPassword")} name="password" type="password" autoComplete="new-password" error={error?.fieldMessage("password")} data-testid="user-password-new" required />
              <FormButtons t={t} busy={busy} submit={t("setPassword")} testId="user-password-submit" onCancel={() => setPanel(null)} />
            </form>
          )}
          {panel.kind === "confirm" && (
            <div role="alertdialog" aria-labelledby="confirm-title" className="max-w-lg">
              <h2 id="confirm-title" className="text-lg font-semibold">
                {t(panel.action === "delete" ? "confirmDeleteTitle" : "confirmDisableTitle", { username: panel.user.username })}
              </h2>
              <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{t(panel.action === "delete" ? "confirmDeleteText" : "confirmDisableText")}</p>
              <FormError message={error?.message ?? null} />
              <div className="mt-4 flex gap-2">
                <button
                  type="button"
                  className={btnDanger}
                  disabled={busy}
                  data-testid="confirm-ok"
                  onClick={() => (panel.action === "delete" ? onDelete(panel.user) : onToggle(panel.user, true))}
                >
                  {t("confirm")}
                </button>
                <button type="button" className={btnGhost} onClick={() => setPanel(null)}>
                  {t("cancel")}
                </button>
              </div>
            </div>
          )}
        </section>
      )}

      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="users-table">
          <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-950">
            <tr>
              <th className="px-4 py-2">{t("username")}</th>
              <th className="px-4 py-2">{t("displayName")}</th>
              <th className="px-4 py-2">{t("role")}</th>
              <th className="px-4 py-2">{t("status")}</th>
              <th className="px-4 py-2">{t("lastLogin")}</th>
              <th className="px-4 py-2 text-right">{t("actions")}</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {users.length === 0 && (
              <tr>
                <td colSpan={6} className="px-4 py-8 text-center text-slate-500">
                  {t("empty")}
                </td>
              </tr>
            )}
            {users.map((u) => (
              <tr key={u.id} data-testid={`user-row-${u.username}`}>
                <td className="px-4 py-2 font-mono">
                  {u.username}
                  {u.id === meId && <span className="ml-2 text-xs text-slate-500">({t("you")})</span>}
                </td>
                <td className="px-4 py-2" data-testid="user-displayname">{u.displayName}</td>
                <td className="px-4 py-2" data-testid="user-role">{t(`roles.${u.role}`)}</td>
                <td className="px-4 py-2">
                  <span
                    data-testid="user-status"
                    className={`rounded-full px-2 py-0.5 text-xs font-medium ${u.disabled ? "bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300" : "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200"}`}
                  >
                    {u.disabled ? t("disabledStatus") : t("enabled")}
                  </span>
                </td>
                <td className="px-4 py-2 text-slate-600 dark:text-slate-400">{fmt(u.lastLoginAt)}</td>
                <td className="px-4 py-2">
                  <div className="flex flex-wrap justify-end gap-1.5">
                    <button type="button" className={btnGhost} data-testid="user-edit" onClick={() => open({ kind: "edit", user: u })}>
                      {t("edit")}
                    </button>
                    <button type="button" className={btnGhost} data-testid="user-reset" onClick={() => open({ kind: "password", user: u })}>
                      {t("resetPassword")}
                    </button>
                    {u.id !== meId &&
                      (u.disabled ? (
                        <button type="button" className={btnGhost} data-testid="user-enable" onClick={() => onToggle(u, false)}>
                          {t("enable")}
                        </button>
                      ) : (
                        <button type="button" className={btnGhost} data-testid="user-disable" onClick={() => open({ kind: "confirm", user: u, action: "disable" })}>
                          {t("disable")}
                        </button>
                      ))}
                    {u.id !== meId && (
                      <button
                        type="button"
                        className={`${btn} border border-red-300 text-red-700 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950`}
                        data-testid="user-delete"
                        onClick={() => open({ kind: "confirm", user: u, action: "delete" })}
                      >
                        {t("delete")}
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

type T = ReturnType<typeof useTranslations<"users">>;

function RoleSelect({ t, defaultValue, testId, disabled }: { t: T; defaultValue: Role; testId: string; disabled?: boolean }) {
  return (
    <div className="mb-4">
      <label className="mb-1 block text-sm font-medium text-slate-700 dark:text-slate-300" htmlFor={testId}>
        {t("role")}
      </label>
      <select
        id={testId}
        name="role"
        defaultValue={defaultValue}
        disabled={disabled}
        data-testid={testId}
        className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950"
      >
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {t(`roles.${r}`)} — {t(`roleHelp.${r}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

function FormButtons({ t, busy, submit, testId, onCancel }: { t: T; busy: boolean; submit: string; testId: string; onCancel: () => void }) {
  return (
    <div className="flex gap-2 sm:col-span-2">
      <button type="submit" className={btnPrimary} disabled={busy} data-testid={testId}>
        {submit}
      </button>
      <button type="button" className={btnGhost} onClick={onCancel}>
        {t("cancel")}
      </button>
    </div>
  );
}

"use client";

import { useState, type FormEvent } from "react";
import { fetchJson } from "@/components/api/fetch-json";
import { useGroup, useGroups } from "@/components/data/use-access";
import { useNoticeAction } from "@/components/api/use-action";
import { useAccessLabels } from "@/components/access/labels";
import { NameDescriptionFields } from "@/components/access/name-fields";
import { PageHeader } from "@/components/shell/page-header";
import { ErrorBanner, OutcomeBanners } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog, FormDialog } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { PlusIcon, UsersIcon } from "@/components/ui/icons";
import { Select } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table } from "@/components/ui/table";
import type { GroupDetail, GroupView } from "@/lib/contracts/access";
import { QuotaEditor } from "@/components/quota/quota-editor";

interface UserOption {
  id: string;
  username: string;
}

type Panel =
  | { kind: "create" }
  | { kind: "edit"; group: GroupView }
  | { kind: "delete"; group: GroupView }
  | { kind: "removeMember"; group: GroupDetail; user: UserOption }
  | null;

const enc = encodeURIComponent;

/** Groups: list, create, edit, delete, and the members of the open group. */
export function GroupsClient({ initialGroups, users }: { initialGroups: GroupView[]; users: UserOption[] }) {
  const { t, privilege, scope } = useAccessLabels();
  const list = useGroups(initialGroups);
  const groups = list.items ?? initialGroups;
  const [openId, setOpenId] = useState<string | null>(null);
  const detail = useGroup(openId);
  const openGroup = detail.data?.group ?? null;
  const [panel, setPanel] = useState<Panel>(null);
  const action = useNoticeAction();
  const { busy, error, setError, notice, setNotice } = action;
  const [pick, setPick] = useState("");

  /** `close`: the open group went away, show none after. */
  function run(fn: () => Promise<string>, close = false) {
    return action.run(fn, async () => {
      setPanel(null);
      if (close) setOpenId(null);
      await Promise.all([list.reload(), close ? null : detail.mutate()]);
    });
  }

  function submitGroup(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = { name: String(f.get("name") ?? ""), description: String(f.get("description") ?? "") };
    if (panel?.kind === "edit") {
      const id = panel.group.id;
      void run(async () => {
        await fetchJson(`/api/groups/${enc(id)}`, { method: "PATCH", body });
        return t("groups.saved");
      });
    } else {
      void run(async () => {
        const r = await fetchJson<{ group: GroupView }>("/api/groups", { body });
        return t("groups.created", { name: r.group.name });
      });
    }
  }

  const nonMembers = openGroup ? users.filter((u) => !openGroup.members.some((m) => m.id === u.id)) : [];

  return (
    <>
      <PageHeader
        title={t("groups.title")}
        description={t("groups.description")}
        actions={
          <Button onClick={() => (setError(null), setPanel({ kind: "create" }))} testId="group-create">
            <PlusIcon className="size-4" /> {t("groups.create")}
          </Button>
        }
      />
      <div className="space-y-4">
        <OutcomeBanners
          testId="groups"
          notice={notice}
          error={panel ? null : error?.message}
          onDismissNotice={() => setNotice(null)}
          onDismissError={() => setError(null)}
        />

        {groups.length === 0 ? (
          <EmptyState
            icon={<UsersIcon className="size-6" />}
            title={t("groups.empty")}
            description={t("groups.emptyHint")}
            testId="groups-empty"
          />
        ) : (
          <Table caption={t("groups.title")} testId="groups-table">
            <THead>
              <TR>
                <TH>{t("groups.name")}</TH>
                <TH>{t("groups.descriptionField")}</TH>
                <TH>{t("groups.memberList")}</TH>
                <TH>
                  <span className="sr-only">{t("groups.open")}</span>
                </TH>
              </TR>
            </THead>
            <TBody>
              {groups.map((g) => (
                <TR key={g.id} testId="group-row" data-name={g.name}>
                  <TD className="font-medium">{g.name}</TD>
                  <TD wrap className="max-w-md text-slate-600 dark:text-slate-400">
                    {g.description}
                  </TD>
                  <TD data-testid="group-member-count">{t("groups.members", { count: g.memberCount })}</TD>
                  <TD className="text-right whitespace-nowrap">
                    <Button size="sm" variant="secondary" testId="group-open" onClick={() => setOpenId(g.id)}>
                      {t("groups.open")}
                    </Button>{" "}
                    <Button
                      size="sm"
                      variant="ghost"
                      testId="group-edit"
                      onClick={() => (setError(null), setPanel({ kind: "edit", group: g }))}
                    >
                      {t("groups.rename")}
                    </Button>{" "}
                    <Button
                      size="sm"
                      variant="ghost-danger"
                      testId="group-delete"
                      onClick={() => (setError(null), setPanel({ kind: "delete", group: g }))}
                    >
                      {t("groups.delete")}
                    </Button>
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
        )}

        {openGroup ? (
          <Card testId="group-detail" data-name={openGroup.name}>
            <CardHeader title={openGroup.name} description={openGroup.description || undefined} />
            <CardBody className="space-y-5">
              <section>
                <h3 className="mb-2 text-sm font-semibold">{t("groups.memberList")}</h3>
                {openGroup.members.length === 0 ? (
                  <p className="text-sm text-slate-600 dark:text-slate-400">{t("groups.noMembers")}</p>
                ) : null}
                <ul className="divide-y divide-slate-200 dark:divide-slate-800">
                  {openGroup.members.map((m) => (
                    <li
                      key={m.id}
                      className="flex items-center justify-between py-1.5"
                      data-testid="group-member"
                      data-username={m.username}
                    >
                      <span>
                        <span className="font-medium">{m.username}</span>
                        {m.displayName ? (
                          <span className="ml-1 text-slate-500 dark:text-slate-400">({m.displayName})</span>
                        ) : null}
                      </span>
                      <Button
                        size="sm"
                        variant="ghost-danger"
                        testId="group-member-remove"
                        onClick={() => setPanel({ kind: "removeMember", group: openGroup, user: m })}
                      >
                        {t("groups.removeMember")}
                      </Button>
                    </li>
                  ))}
                </ul>
                <form
                  className="mt-3 flex flex-wrap items-end gap-2"
                  onSubmit={(e) => {
                    e.preventDefault();
                    if (!pick) return;
                    const id = openGroup.id;
                    void run(async () => {
                      await fetchJson(`/api/groups/${enc(id)}/members`, { body: { userId: pick } });
                      setPick("");
                      return t("groups.saved");
                    });
                  }}
                >
                  <Select
                    aria-label={t("groups.addMemberLabel")}
                    value={pick}
                    onChange={(e) => setPick(e.target.value)}
                    testId="group-member-pick"
                    className="w-56"
                  >
                    <option value="">{t("groups.pickUser")}</option>
                    {nonMembers.map((u) => (
                      <option key={u.id} value={u.id}>
                        {u.username}
                      </option>
                    ))}
                  </Select>
                  <Button type="submit" size="sm" disabled={!pick} loading={busy} testId="group-member-add">
                    {t("groups.addMember")}
                  </Button>
                </form>
              </section>
              <QuotaEditor key={openGroup.id} subject="group" id={openGroup.id} />
              <section>
                <h3 className="mb-2 text-sm font-semibold">{t("groups.grants")}</h3>
                {openGroup.grants.length === 0 ? (
                  <p className="text-sm text-slate-600 dark:text-slate-400">{t("groups.noGrants")}</p>
                ) : null}
                <ul className="space-y-1 text-sm" data-testid="group-grants">
                  {openGroup.grants.map((g) => (
                    <li key={g.id}>
                      <span className="font-medium">{g.role.name}</span> · {scope(g)} ·{" "}
                      <span className="text-slate-600 dark:text-slate-400">
                        {g.role.privileges.map(privilege).join(", ")}
                      </span>
                    </li>
                  ))}
                </ul>
              </section>
            </CardBody>
          </Card>
        ) : null}
      </div>

      <FormDialog
        open={panel?.kind === "create" || panel?.kind === "edit"}
        onClose={() => setPanel(null)}
        title={panel?.kind === "edit" ? t("groups.renameTitle", { name: panel.group.name }) : t("groups.createTitle")}
        testId="group-dialog"
        formId="group-form"
        submitLabel={t("groups.save")}
        pending={busy}
        submitTestId="group-submit"
      >
        <form
          id="group-form"
          onSubmit={submitGroup}
          className="space-y-4"
          key={panel?.kind === "edit" ? panel.group.id : "new"}
        >
          {error ? <ErrorBanner title={error.message}>{null}</ErrorBanner> : null}
          <NameDescriptionFields
            testId="group"
            labels={{ name: t("groups.name"), description: t("groups.descriptionField") }}
            initial={panel?.kind === "edit" ? panel.group : undefined}
            error={error}
          />
        </form>
      </FormDialog>

      <ConfirmDialog
        open={panel?.kind === "delete"}
        testId="group-delete-dialog"
        title={panel?.kind === "delete" ? t("groups.deleteTitle", { name: panel.group.name }) : ""}
        description={t("groups.deleteBody")}
        confirmLabel={t("groups.delete")}
        pending={busy}
        error={error?.message}
        onCancel={() => setPanel(null)}
        onConfirm={() => {
          if (panel?.kind !== "delete") return;
          const g = panel.group;
          void run(async () => {
            await fetchJson(`/api/groups/${enc(g.id)}`, { method: "DELETE" });
            return t("groups.deleted", { name: g.name });
          }, openGroup?.id === g.id);
        }}
      />

      <ConfirmDialog
        open={panel?.kind === "removeMember"}
        testId="group-member-remove-dialog"
        title={
          panel?.kind === "removeMember"
            ? t("groups.removeMemberTitle", { username: panel.user.username, group: panel.group.name })
            : ""
        }
        description={t("groups.removeMemberBody")}
        confirmLabel={t("groups.removeMember")}
        pending={busy}
        error={error?.message}
        onCancel={() => setPanel(null)}
        onConfirm={() => {
          if (panel?.kind !== "removeMember") return;
          const { group, user } = panel;
          void run(async () => {
            await fetchJson(`/api/groups/${enc(group.id)}/members/${enc(user.id)}`, { method: "DELETE" });
            return t("groups.saved");
          });
        }}
      />
    </>
  );
}
